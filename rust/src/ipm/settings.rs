//! Settings and statuses of the interior-point solver: the one home of every tolerance.
//!
//! Each problem has its own defaults ([`Settings::insphere`], [`Settings::lp`],
//! [`Settings::class_maxima`]); the Python layer reads them from here.

/// How a solve ended. The first four are certified answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The certified lower and upper bounds met within the tolerances.
    Optimal,
    /// LP early exit: an exactly feasible point with value below the threshold was found.
    PointBelow,
    /// LP early exit: the certified lower bound reached the threshold.
    BoundAbove,
    /// The problem has no feasible point (certified, e.g. a negative optimal inradius).
    Infeasible,
    /// The objective is unbounded on the feasible set.
    Unbounded,
    /// The iteration limit was reached before the bounds met.
    IterationLimit,
    /// The certified gap stopped shrinking.
    Stalled,
    /// A normal matrix could not be factored or a direction was not finite.
    NumericalFailure,
}

impl Status {
    /// Whether the status is a certified answer (optimal, an early exit, or infeasible).
    pub fn is_certified(self) -> bool {
        matches!(
            self,
            Status::Optimal
                | Status::PointBelow
                | Status::BoundAbove
                | Status::Infeasible
                | Status::Unbounded
        )
    }

    /// Snake-case name (as in messages and the Python enum).
    pub fn name(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::PointBelow => "point_below",
            Status::BoundAbove => "bound_above",
            Status::Infeasible => "infeasible",
            Status::Unbounded => "unbounded",
            Status::IterationLimit => "iteration_limit",
            Status::Stalled => "stalled",
            Status::NumericalFailure => "numerical_failure",
        }
    }
}

/// Tolerances and limits of [`crate::ipm::solve`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Relative gap allowed between the certified bounds.
    pub rel_tol: f64,
    /// Absolute gap allowed between the certified bounds.
    pub abs_tol: f64,
    /// Iteration limit (per pass; an exact retry has its own).
    pub max_iter: usize,
    /// Rows whose weight `w_i |g_i|^2` in the normal matrix is below this fraction of the
    /// largest are left out of it (they stay in the residuals and the step rule).
    pub reduce_tol: f64,
    /// The normal matrix is formed in float32 while `mu > single_mu * mu_0`.
    pub single_mu: f64,
    /// A step shorter than this ends the approximations (float32, rows left out).
    pub short_step: f64,
    /// At most this many Gondzio centrality correctors per iteration.
    pub max_correctors: usize,
    /// How much longer a step each corrector aims for.
    pub corrector_stretch: f64,
    /// Fraction of the distance to the boundary of the positive orthant taken per step.
    pub step_fraction: f64,
    /// The active-set finish (crossover) is tried once `mu <= crossover_mu * mu_0`, again
    /// after each further drop by `crossover_repeat`, and when a pass ends uncertified.
    pub crossover_mu: f64,
    /// Factor by which `mu` must fall between two crossover attempts; 1: every iteration
    /// after the first attempt (a nonlinear objective's finish is one Newton step, not
    /// exact, so it is worth repeating from each better iterate).
    pub crossover_repeat: f64,
    /// Stop (status stalled) when the certified gap has not halved in this many iterations
    /// after the first crossover attempt.
    pub stall_iter: usize,
    /// An uncertified pass with approximations is repeated once without them.
    pub exact_retry: bool,
}

impl Settings {
    /// Defaults for the insphere (Chebyshev ball, eq. 5).
    pub const fn insphere() -> Settings {
        Settings {
            rel_tol: 1e-9,
            abs_tol: 1e-12,
            max_iter: 100,
            reduce_tol: 1e-10,
            single_mu: 1e-6,
            short_step: 0.1,
            max_correctors: 2,
            corrector_stretch: 0.3,
            step_fraction: 0.99,
            crossover_mu: 1e-9,
            crossover_repeat: 1e-2,
            stall_iter: 8,
            exact_retry: true,
        }
    }

    /// Defaults for the LPs with early exits (Clarkson's redundancy LPs).
    pub const fn lp() -> Settings {
        Settings {
            max_iter: 200,
            reduce_tol: 1e-12,
            ..Settings::insphere()
        }
    }

    /// Defaults for the class-maxima problem (eq. 6-8): `abs_tol` is the certified gap in
    /// log-probability.
    pub const fn class_maxima() -> Settings {
        Settings {
            rel_tol: 0.0,
            abs_tol: 1e-8,
            max_iter: 80,
            reduce_tol: 1e-12,
            crossover_mu: 1e-8,
            crossover_repeat: 1.0,
            // the log-sum-exp curvature fades near the optimum and the gap then shrinks
            // linearly (~0.8x per iteration on small problems): halving takes a few steps
            stall_iter: 16,
            ..Settings::insphere()
        }
    }

    /// Checks that every field is in range; returns a message naming the first bad one.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        let bad = if !(self.rel_tol >= 0.0 && self.rel_tol.is_finite()) {
            Some(("rel_tol", self.rel_tol))
        } else if !(self.abs_tol >= 0.0 && self.abs_tol.is_finite()) {
            Some(("abs_tol", self.abs_tol))
        } else if !unit(self.reduce_tol) {
            Some(("reduce_tol", self.reduce_tol))
        } else if !unit(self.single_mu) {
            Some(("single_mu", self.single_mu))
        } else if !unit(self.short_step) {
            Some(("short_step", self.short_step))
        } else if !(self.corrector_stretch > 0.0 && self.corrector_stretch <= 1.0) {
            Some(("corrector_stretch", self.corrector_stretch))
        } else if !(self.step_fraction > 0.0 && self.step_fraction < 1.0) {
            Some(("step_fraction", self.step_fraction))
        } else if !unit(self.crossover_mu) {
            Some(("crossover_mu", self.crossover_mu))
        } else if !(self.crossover_repeat > 0.0 && self.crossover_repeat <= 1.0) {
            Some(("crossover_repeat", self.crossover_repeat))
        } else {
            None
        };
        match bad {
            Some((name, v)) => Err(format!("settings: {name} = {v} is out of range")),
            None => Ok(()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::insphere()
    }
}
