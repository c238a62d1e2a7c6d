//! Dense LPs `min c.x + c0  s.t.  A x + b >= 0,  lo <= x <= hi` (box sides may be infinite:
//! see [`super::free`]) from a strictly
//! interior start, with early exits for questions that do not need the optimum: "is there a
//! feasible point with value below `stop_below`?" and "is the minimum at least
//! `stop_above`?". These are the redundancy questions of appendix C: a row is redundant when
//! the minimum of its slack over the other rows is `>= -tol`, and a feasible point past its
//! hyperplane proves the opposite.
//!
//! Performance notes: the LPs have ~3d dense rows at d = 784; HiGHS (simplex) needs
//! thousands of pivots per LP here (~20 s), an interior-point iteration is one lower-triangle
//! GEMM and one Cholesky (~20 ms), and both questions are usually settled in a handful of
//! iterations, long before the optimum.
//!
//! Certification: every reported point is checked exactly against every row and the box;
//! every reported lower bound comes from weak duality with the current multipliers made
//! dual feasible through the box (valid for any multipliers `>= 0`); with infinite box
//! sides, from multipliers corrected so that they need none of them ([`super::free`]).

use std::cell::RefCell;

use ndarray::{Array1, ArrayView1, ArrayView2, CowArray, Zip};

use super::active_set;
use super::free::{self, RealBox};
use super::layout::Layout;
pub use super::linear::{Exits, Lp, LpResult};
use super::problem::{Point, Problem, Start};
use super::settings::{Settings, Status};
use super::solver::solve;
use crate::error::{CoreError, Result};
use crate::linalg::dense::matvec;
use crate::polytope::Polytope;

struct Best {
    x: Array1<f64>,
    value: f64,
    lower: f64,
    /// With infinite box sides: the best lower bound for the artificial box, the measure of
    /// progress (for the stall test) until the real one is certified.
    art_lower: f64,
}

struct LpProblem<'a> {
    lay: Layout<'a>,
    c: ArrayView1<'a, f64>,
    c0: f64,
    exits: Exits,
    best: RefCell<Best>,
    real: RealBox,
}

impl LpProblem<'_> {
    /// Weak-duality lower bound from row multipliers `>= 0` (box ones implied) with
    /// `atl = A^T lam_rows`, over the layout's (finite, possibly artificial) box.
    fn lower_bound(&self, lam_rows: ArrayView1<f64>, atl: ArrayView1<f64>) -> f64 {
        let lay = &self.lay;
        let mut bound = self.c0 - lam_rows.dot(&lay.b);
        for j in 0..lay.d() {
            let r = self.c[j] - atl[j];
            bound += if r > 0.0 {
                r * lay.lo[j]
            } else {
                r * lay.hi[j]
            };
        }
        bound
    }

    /// Weak-duality lower bound over the real box, whose sides may be infinite: the
    /// multipliers are first corrected ([`free::correct`]); `-inf` when that fails.
    fn real_lower_bound(&self, lam_rows: ArrayView1<f64>) -> f64 {
        let lay = &self.lay;
        let Some((l, atl)) = free::correct(lay.a.view(), lam_rows, self.c, &self.real.sides) else {
            return f64::NEG_INFINITY;
        };
        let tol = free::residual_tol(lay.a.view(), l.view(), self.c);
        let mut bound = self.c0 - l.dot(&lay.b);
        for j in 0..lay.d() {
            let r = self.c[j] - atl[j];
            bound += self.real.term(j, r, tol[j]);
        }
        bound
    }

    /// Whether a lower bound `lower` would end the solve.
    fn would_stop(&self, lower: f64, st: &Settings) -> bool {
        let best = self.best.borrow();
        let l = best.lower.max(lower);
        l >= self.exits.stop_above
            || (l.is_finite()
                && best.value - l <= st.rel_tol * best.value.abs().max(l.abs()) + st.abs_tol)
    }
}

impl<'a> Problem<'a> for LpProblem<'a> {
    fn layout(&self) -> &Layout<'a> {
        &self.lay
    }

    fn gradient(&self, _z: ArrayView1<f64>) -> Array1<f64> {
        self.c.to_owned()
    }

    fn certify(&self, p: &Point<'_>, st: &Settings) -> Option<Status> {
        let lay = &self.lay;
        let n = lay.n();
        // exact feasibility of the point clipped to the box
        let xc = Zip::from(&p.z)
            .and(&lay.lo)
            .and(&lay.hi)
            .map_collect(|&v, &l, &h| v.clamp(l, h));
        let axc = if xc == p.z {
            p.ax.to_owned()
        } else {
            matvec(lay.a.view(), xc.view())
        };
        let lam_rows = p.lam.slice(ndarray::s![..n]);
        let mut lower = if lam_rows.iter().all(|&v| v >= 0.0) {
            self.lower_bound(lam_rows, p.atl)
        } else {
            let lc = p.lam.mapv(|v| v.max(0.0));
            let atl = lay.atv(lc.view());
            self.lower_bound(lc.slice(ndarray::s![..n]), atl.view())
        };
        if self.real.sides.any() {
            // the bound above holds for the artificial box only: certify for the real set
            // when it would end the solve (one correction costs about one iteration)
            let art = {
                let mut best = self.best.borrow_mut();
                best.art_lower = best.art_lower.max(lower);
                best.art_lower
            };
            lower = if self.would_stop(art, st) {
                self.real_lower_bound(lam_rows)
            } else {
                f64::NEG_INFINITY
            };
        }
        let mut best = self.best.borrow_mut();
        if Zip::from(&axc).and(&lay.b).all(|&v, &bi| v + bi >= 0.0) {
            let v = self.c.dot(&xc) + self.c0;
            if v < best.value {
                best.value = v;
                best.x = xc;
            }
        }
        best.lower = best.lower.max(lower);
        if best.value < self.exits.stop_below {
            return Some(Status::PointBelow);
        }
        if best.lower >= self.exits.stop_above {
            return Some(Status::BoundAbove);
        }
        let (v, l) = (best.value, best.lower);
        if l.is_finite() && v - l <= st.rel_tol * v.abs().max(l.abs()) + st.abs_tol {
            return Some(Status::Optimal);
        }
        None
    }

    fn gap(&self) -> f64 {
        let best = self.best.borrow();
        let lower = free::progress_bound(best.lower, best.art_lower);
        (best.value - lower) / best.value.abs().max(lower.abs()).max(1e-300)
    }
}

/// [`Lp::minimize`] with the polytope's arrays and the objective passed one by one.
#[allow(clippy::too_many_arguments)]
pub fn minimize<'a>(
    a: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    c: ArrayView1<'a, f64>,
    c0: f64,
    x0: ArrayView1<f64>,
    exits: Exits,
    st: &Settings,
) -> Result<LpResult> {
    let poly = Polytope { a, b, lo, hi };
    Lp { poly, c, c0 }.minimize(x0, exits, st)
}

impl Lp<'_> {
    /// Minimises `c.x + c0` over `{A x + b >= 0, lo <= x <= hi}` from `x0`, which must
    /// satisfy every row and the box strictly (e.g. an insphere center). Box sides may be
    /// infinite (the solve then runs in an artificial box around `x0`, see [`super::free`]).
    /// In low dimension the active-set method ([`super::active_set`]) answers first, and the
    /// interior point runs only where it declines.
    pub fn minimize(&self, x0: ArrayView1<f64>, exits: Exits, st: &Settings) -> Result<LpResult> {
        self.minimize_sharing(x0, exits, st, &[], f64::NEG_INFINITY)
            .map(|(r, _)| r)
    }

    /// [`Lp::minimize`], and for each objective `(c_j, c0_j)` of `others` a certified lower
    /// bound on its minimum over the same polytope, from the multipliers of the active-set
    /// method's final vertex ([`active_set::minimize_small_sharing`]); `-inf` where there is
    /// none (the interior-point method answered, the solve stopped before a vertex, or the
    /// bound cannot reach `wanted`).
    pub fn minimize_sharing(
        &self,
        x0: ArrayView1<f64>,
        exits: Exits,
        st: &Settings,
        others: &[(ArrayView1<f64>, f64)],
        wanted: f64,
    ) -> Result<(LpResult, Vec<f64>)> {
        self.poly.check()?;
        st.validate().map_err(CoreError::Value)?;
        let (c, c0, d) = (self.c, self.c0, self.poly.dim());
        if c.len() != d || x0.len() != d {
            return Err(CoreError::Shape(format!(
                "lp: objective has {} entries and start {} for dimension {d}",
                c.len(),
                x0.len()
            )));
        }
        if c.iter().chain(x0.iter()).any(|v| !v.is_finite()) || !c0.is_finite() {
            return Err(CoreError::Value(
                "lp: needs a finite objective, offset and start".into(),
            ));
        }
        if d <= active_set::MAX_DIM {
            if let Some(found) =
                active_set::minimize_small_sharing(self, x0, exits, st, others, wanted)
            {
                return Ok(found);
            }
        }
        let r = self.minimize_ipm(x0, exits, st)?;
        Ok((r, vec![f64::NEG_INFINITY; others.len()]))
    }

    /// [`Lp::minimize`] by the interior-point method alone (inputs already validated).
    pub fn minimize_ipm(
        &self,
        x0: ArrayView1<f64>,
        exits: Exits,
        st: &Settings,
    ) -> Result<LpResult> {
        let Lp {
            poly: Polytope { a, b, lo, hi },
            c,
            c0,
        } = *self;
        let real = RealBox::new(lo, hi);
        let (lo_a, hi_a) = if real.sides.any() {
            let unit_b = Array1::from_iter(a.rows().into_iter().zip(b).map(|(r, &bi)| {
                let nr = r.dot(&r).sqrt();
                if nr > 0.0 {
                    bi / nr
                } else {
                    0.0
                }
            }));
            let reach = free::ARTIFICIAL_REACH * free::scale(unit_b.view(), x0);
            free::artificial_box(lo, hi, x0, reach)
        } else {
            (lo.to_owned(), hi.to_owned())
        };
        let lay = Layout::new(CowArray::from(a), b.to_owned(), lo_a, hi_a, false);
        let ax0 = lay.ax(x0);
        let s = lay.slack(x0, ax0.view());
        if s.iter().any(|&v| v <= 0.0) {
            return Err(CoreError::Value(
                "lp: the start must satisfy every row and the box strictly".into(),
            ));
        }
        // multipliers from a central-path guess
        let m = lay.m();
        let cnorm = c.dot(&c).sqrt().max(1e-300);
        let mu0 = cnorm * s.mean().unwrap_or(1.0) / (m as f64).sqrt();
        let lam = s.mapv(|v| mu0 / v);
        let start = Start {
            z: x0.to_owned(),
            s,
            lam,
        };
        let problem = LpProblem {
            lay,
            c,
            c0,
            exits,
            best: RefCell::new(Best {
                x: x0.to_owned(),
                value: c.dot(&x0) + c0,
                lower: f64::NEG_INFINITY,
                art_lower: f64::NEG_INFINITY,
            }),
            real,
        };
        let sol = solve(&problem, &start, st);
        let best = problem.best.into_inner();
        Ok(LpResult {
            x: best.x,
            value: best.value,
            lower_bound: best.lower,
            iterations: sol.iterations,
            status: sol.status,
        })
    }
}
