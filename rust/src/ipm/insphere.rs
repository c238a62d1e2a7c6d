//! The insphere (Chebyshev ball) of `{x : A x + b >= 0, lo <= x <= hi}`, eq. 5 of the paper:
//! `max r  s.t.  A_i x + b_i >= r |A_i|,  lo + r <= x <= hi - r`, as a [`Problem`] with the
//! radius as the border variable of unit rows (`min -r  s.t.  -a_i x + r <= b_i`, box rows).
//!
//! Performance notes: N ~ 3d dense rows at d = 784; the normal matrix is one bordered GEMM
//! (`B = sqrt(W) [A | -1]` gives `A^T W A`, `A^T w` and `sum w` at once), 16-20 iterations.
//!
//! Certification: every center `x` gives a *lower* bound, its exact distance to the nearest
//! hyperplane or box face; the multipliers, made exactly dual feasible through the box,
//! give an *upper* bound by weak duality. The returned radius is exact for the returned
//! center and within the tolerances of the optimum; a negative optimum certifies an empty
//! polytope. Box sides may be infinite: the solve then runs in an artificial box and the
//! upper bound comes from corrected multipliers ([`super::free`]); an unbounded inradius
//! (or an optimal ball that reaches the artificial box) ends uncertified.
//!
//! [`insphere`] is the one entry of every caller (the complex's search, the splitting route,
//! the facets' start, the bindings), a ladder ([`Ladder`]): below [`active_set::MAX_DIM`]
//! dimensions the active-set method first ([`super::ball`]: a few steps of `O(n d)` instead of
//! interior-point iterations that cost mostly overhead there), from a point inside, then from
//! the box's center; where it declines (an unbounded, empty or flat polytope, a degenerate
//! vertex) the interior-point method, and where that ends uncertified an optional second
//! pass with other settings (a short first pass, or a caller's tight limits, then the full
//! solve); with infinite box sides and no certified ball, the recession cone
//! ([`recession_center`]). Every answer is certified the same way (exact radius of its
//! center, weak-duality bound).

use std::cell::RefCell;

use ndarray::{Array1, ArrayView1, Axis, CowArray};

use super::active_set;
use super::ball::BallLp;
use super::free::{self, Sides};
use super::layout::Layout;
use super::problem::{Point, Problem, Start};
use super::settings::{Settings, Status};
use super::solver::solve;
use crate::error::{CoreError, Result};
use crate::hrep::{normalize, UnitRows};
use crate::linalg::dense::matvec;
use crate::linalg::take_rows;
use crate::polytope::Polytope;

/// Center, certified radius of that center (`radius`, negative when the center is outside
/// by that much), a certified upper bound on the optimal radius, iterations and status
/// (`Optimal`, or `Infeasible` when the upper bound is negative: the polytope is empty).
#[derive(Debug, Clone)]
pub struct Insphere {
    pub center: Array1<f64>,
    pub radius: f64,
    pub upper_bound: f64,
    pub iterations: usize,
    pub status: Status,
    pub solver: Solver,
    /// Whether the second pass ([`Ladder::retry`]) gave the answer.
    pub retried: bool,
}

/// Which method answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// The interior-point method (`iterations` are its iterations).
    InteriorPoint,
    /// The active-set method, tried first below [`active_set::MAX_DIM`] dimensions
    /// (`iterations` are its steps).
    ActiveSet,
    /// No row reaches the (finite) box: the box's own ball.
    Box,
}

impl Solver {
    /// `"ipm"`, `"active-set"` or `"box"`.
    pub fn label(self) -> &'static str {
        match self {
            Solver::InteriorPoint => "ipm",
            Solver::ActiveSet => "active-set",
            Solver::Box => "box",
        }
    }
}

/// The best certified bounds seen.
struct Best {
    center: Array1<f64>,
    lower: f64,
    upper: f64,
    /// With infinite box sides: the best upper bound for the artificial box, the measure of
    /// progress (for the stall test) until the real one is certified.
    art_upper: f64,
}

struct InsphereProblem<'a> {
    lay: Layout<'a>,
    best: RefCell<Best>,
    /// The real box (sides may be infinite; the layout holds the artificial one).
    lo: Array1<f64>,
    hi: Array1<f64>,
    sides: Sides,
    /// Half-width of the artificial box (infinite without infinite sides).
    reach: f64,
    /// Whether a finite side is larger than [`WIDE_SIDE`] in size, the only case where
    /// its rounding term can spoil the bound (the retry costs a least-squares correction
    /// over the far coordinates: at d = 784 in `[-1, 1]^d` it would cost more than the solve).
    wide_box: bool,
}

/// A ball wider than this fraction of the artificial box's half-width ends the solve
/// uncertified: the real set then very likely holds arbitrarily large balls, which the
/// caller certifies on the recession cone (running on would only press the ball against
/// the artificial box until the solve stalls).
const REACH_FRACTION: f64 = 0.25;
/// With a finite box, a gap within this many times the tolerances is retried with the far
/// box sides left out of the bound (see `certify`).
const NEARLY_MET: f64 = 1e4;
/// A finite box side larger than this in size (input units) makes the box "wide" (see
/// `InsphereProblem::wide_box`).
const WIDE_SIDE: f64 = 1e3;

impl InsphereProblem<'_> {
    /// Weak-duality upper bound from the row multipliers and `atl = A^T lam_rows`: keep the
    /// box multipliers, shift one per coordinate to close the residual, rescale to sum 1.
    fn upper(&self, lam: ArrayView1<f64>, atl: ArrayView1<f64>) -> f64 {
        let lay = &self.lay;
        let (n, d) = (lay.n(), lay.d());
        let lr = lam.slice(ndarray::s![..n]).mapv(|v| v.max(0.0));
        let mut total = lr.sum();
        let mut obj = lr.dot(&lay.b);
        for j in 0..d {
            let (mut l, mut h) = (lam[n + j].max(0.0), lam[n + d + j].max(0.0));
            let delta = atl[j] - (h - l);
            if delta > 0.0 {
                h += delta;
            } else {
                l -= delta;
            }
            total += l + h;
            obj += h * lay.hi[j] - l * lay.lo[j];
        }
        if total > 0.0 {
            obj / total
        } else {
            f64::INFINITY
        }
    }

    /// Upper bound over the real box, whose sides may be infinite: the row multipliers are
    /// corrected so that no infinite side needs a multiplier ([`free::correct`]); the
    /// finite sides keep their multipliers, shifted as in [`Self::upper`].
    fn real_upper(&self, lam: ArrayView1<f64>, sides: &Sides) -> f64 {
        let lay = &self.lay;
        let (n, d) = (lay.n(), lay.d());
        let zero = Array1::zeros(d);
        let rows = lam.slice(ndarray::s![..n]);
        let Some((lr, atl)) = free::correct(lay.a.view(), rows, zero.view(), sides) else {
            return f64::INFINITY;
        };
        let tol = free::residual_tol(lay.a.view(), lr.view(), zero.view());
        let mut total = lr.sum();
        let mut obj = lr.dot(&lay.b);
        for j in 0..d {
            let side = |k: usize, is_free: bool| if is_free { 0.0 } else { lam[k].max(0.0) };
            let mut l = side(n + j, sides.lo_free[j]);
            let mut h = side(n + d + j, sides.hi_free[j]);
            let delta = atl[j] - (h - l);
            if delta > 0.0 {
                if sides.hi_free[j] {
                    if delta > tol[j] {
                        return f64::INFINITY;
                    }
                } else {
                    h += delta;
                }
            } else if delta < 0.0 {
                if sides.lo_free[j] {
                    if -delta > tol[j] {
                        return f64::INFINITY;
                    }
                } else {
                    l -= delta;
                }
            }
            total += l + h;
            if h > 0.0 {
                obj += h * self.hi[j];
            }
            if l > 0.0 {
                obj -= l * self.lo[j];
            }
        }
        if total > 0.0 {
            obj / total
        } else {
            f64::INFINITY
        }
    }
}

impl<'a> Problem<'a> for InsphereProblem<'a> {
    fn layout(&self) -> &Layout<'a> {
        &self.lay
    }

    fn gradient(&self, _z: ArrayView1<f64>) -> Array1<f64> {
        let mut g = Array1::zeros(self.lay.nz());
        g[self.lay.d()] = -1.0;
        g
    }

    fn certify(&self, p: &Point<'_>, st: &Settings) -> Option<Status> {
        let lay = &self.lay;
        let d = lay.d();
        let x = p.z.slice(ndarray::s![..d]);
        let mut lower = f64::INFINITY;
        for (i, &v) in p.ax.iter().enumerate() {
            lower = lower.min(v + lay.b[i]);
        }
        for j in 0..d {
            lower = lower.min(x[j] - self.lo[j]).min(self.hi[j] - x[j]);
        }
        // the atl of a point may hold negative multipliers: recompute on the clipped ones
        let mut upper = if p.lam.iter().take(lay.n()).all(|&v| v >= 0.0) {
            self.upper(p.lam, p.atl)
        } else {
            let lc = p.lam.mapv(|v| v.max(0.0));
            self.upper(lc.view(), lay.atv(lc.view()).view())
        };
        let mut best = self.best.borrow_mut();
        if self.sides.any() {
            // the bound above holds for the artificial box only: certify for the real set
            // when it would end the solve (one correction costs about one iteration)
            best.art_upper = best.art_upper.min(upper);
            let (lo, hi) = (best.lower.max(lower), best.art_upper);
            upper = if met(lo, hi, st) {
                self.real_upper(p.lam, &self.sides)
            } else {
                f64::INFINITY
            };
        } else if self.wide_box
            && lower > 0.0
            && !met(best.lower.max(lower), upper, st)
            && nearly_met(lower, upper, st)
        {
            // A far box side closing a rounding residual adds `residual * |side|` to the
            // bound (a box of 1e6 around a unit polytope misses the tolerance). The ball
            // touches no side farther than twice its radius: the bound of the problem
            // without those sides (a relaxation, so a valid bound) needs none of them.
            let far = Sides {
                lo_free: (0..d).map(|j| x[j] - self.lo[j] > 2.0 * lower).collect(),
                hi_free: (0..d).map(|j| self.hi[j] - x[j] > 2.0 * lower).collect(),
            };
            if far.any() {
                upper = upper.min(self.real_upper(p.lam, &far));
            }
        }
        if lower > best.lower {
            best.lower = lower;
            best.center = x.to_owned();
        }
        if best.lower > REACH_FRACTION * self.reach {
            return Some(Status::Stalled);
        }
        best.upper = best.upper.min(upper);
        let (lo, hi) = (best.lower, best.upper);
        if met(lo, hi, st) {
            Some(if hi < 0.0 {
                Status::Infeasible
            } else {
                Status::Optimal
            })
        } else {
            None
        }
    }

    fn gap(&self) -> f64 {
        let best = self.best.borrow();
        let upper = if best.upper.is_finite() {
            best.upper
        } else {
            best.art_upper
        };
        (upper - best.lower) / best.lower.abs().max(upper.abs()).max(1e-300)
    }
}

/// Whether the bounds are within [`NEARLY_MET`] times the tolerances of meeting.
fn nearly_met(lo: f64, hi: f64, st: &Settings) -> bool {
    let loose = Settings {
        rel_tol: NEARLY_MET * st.rel_tol,
        abs_tol: NEARLY_MET * st.abs_tol,
        ..*st
    };
    met(lo, hi, &loose)
}

/// Whether the certified bounds `lo <= hi` meet within the tolerances (both finite).
fn met(lo: f64, hi: f64, st: &Settings) -> bool {
    lo.is_finite() && hi.is_finite() && hi - lo <= st.rel_tol * lo.abs().max(hi.abs()) + st.abs_tol
}

/// How [`insphere`] runs: where the active-set method starts, and the settings of the
/// passes.
#[derive(Debug, Clone, Copy)]
pub struct Ladder<'s> {
    /// A point strictly inside, when one is known (with a finite box): the first pass's
    /// active-set method starts there before it starts at the box's center.
    pub start: Option<ArrayView1<'s, f64>>,
    /// Settings of the first pass (the active-set method, then the interior-point method).
    pub settings: Settings,
    /// Settings of a second pass (the active-set method from the box's center, then the
    /// interior-point method), run when the first ends uncertified (a short first pass, or a
    /// caller's tight limits, then the full solve).
    pub retry: Option<Settings>,
}

impl Ladder<'_> {
    /// One pass with `settings`, the active-set method starting at the box's center.
    pub fn new(settings: Settings) -> Self {
        Ladder {
            start: None,
            settings,
            retry: None,
        }
    }
}

/// Largest inscribed ball of the polytope, the one entry of every caller (see the module
/// notes): below [`active_set::MAX_DIM`] dimensions the active-set method, then the
/// interior-point passes of `ladder`. Box sides may be infinite: when no finite ball is
/// certified, the recession cone is asked whether the polytope holds arbitrarily large balls
/// ([`recession_center`]); if so the answer has status `Unbounded`, infinite radius and
/// bound, and a center at distance at least 1 from every row and finite box face.
pub fn insphere(poly: Polytope<'_>, ladder: &Ladder<'_>) -> Result<Insphere> {
    poly.check()?;
    for st in std::iter::once(&ladder.settings).chain(ladder.retry.as_ref()) {
        st.validate().map_err(CoreError::Value)?;
    }
    let d = poly.dim();
    if let Some(x) = ladder.start {
        if x.len() != d {
            return Err(CoreError::Shape(format!(
                "insphere: start has {} entries for dimension {d}",
                x.len()
            )));
        }
    }
    let rows = normalize(poly.a, poly.b);
    let last = ladder.retry.unwrap_or(ladder.settings);
    let found = largest_ball(&rows, poly.lo, poly.hi, ladder)?;
    if found.status.is_certified() || !Sides::new(poly.lo, poly.hi).any() {
        return Ok(settled(found, &last));
    }
    Ok(match recession_center(&rows, poly.lo, poly.hi, &last)? {
        Some((center, cone_iterations)) => Insphere {
            center,
            radius: f64::INFINITY,
            upper_bound: f64::INFINITY,
            iterations: found.iterations + cone_iterations,
            status: Status::Unbounded,
            ..found
        },
        None => match implied_box(&rows, poly, &found, &last)? {
            // bounded by its rows alone: the same polytope inside the box its rows imply,
            // where every side is finite (a ball inside the polytope is inside that box)
            Some((lo, hi)) => {
                let boxed = largest_ball(&rows, lo.view(), hi.view(), ladder)?;
                if boxed.status.is_certified() {
                    settled(
                        Insphere {
                            iterations: found.iterations + boxed.iterations,
                            ..boxed
                        },
                        &last,
                    )
                } else {
                    settled(found, &last)
                }
            }
            None => settled(found, &last),
        },
    })
}

/// The box `[lo, hi]` that the rows of `poly` imply on its infinite sides (certified lower
/// bounds of `x_j` and `-x_j` over the polytope, one LP each from the strictly interior
/// center of `found`), or `None` when `found` has no interior center or some bound is not
/// certified finite.
#[allow(clippy::type_complexity)]
fn implied_box(
    rows: &UnitRows,
    poly: Polytope<'_>,
    found: &Insphere,
    st: &Settings,
) -> Result<Option<(Array1<f64>, Array1<f64>)>> {
    if !(found.radius > 0.0 && found.center.iter().all(|v| v.is_finite())) {
        return Ok(None);
    }
    let d = poly.dim();
    let (lo0, hi0) = (poly.lo.to_owned(), poly.hi.to_owned());
    let (mut lo, mut hi) = (lo0.clone(), hi0.clone());
    for j in 0..d {
        for sign in [1.0, -1.0] {
            let side = if sign > 0.0 { lo[j] } else { hi[j] };
            if side.is_finite() {
                continue;
            }
            let mut c = Array1::zeros(d);
            c[j] = sign;
            let unit = Polytope {
                a: rows.a.view(),
                b: rows.b.view(),
                lo: lo0.view(),
                hi: hi0.view(),
            };
            let lp = super::lp::Lp {
                poly: unit,
                c: c.view(),
                c0: 0.0,
            };
            let r = lp.minimize(found.center.view(), super::lp::Exits::default(), st)?;
            if !r.lower_bound.is_finite() {
                return Ok(None);
            }
            if sign > 0.0 {
                lo[j] = r.lower_bound;
            } else {
                hi[j] = -r.lower_bound;
            }
        }
    }
    Ok(Some((lo, hi)))
}

/// The answer as the caller reads it: an upper bound below `-abs_tol` certifies an empty
/// polytope whatever the status (`Infeasible`); a certified radius within `abs_tol` below 0
/// is a flat polytope's, 0 up to rounding.
fn settled(mut found: Insphere, st: &Settings) -> Insphere {
    if found.upper_bound < -st.abs_tol {
        found.status = Status::Infeasible;
    } else if found.status.is_certified() && (-st.abs_tol..0.0).contains(&found.radius) {
        found.radius = 0.0;
    }
    found
}

/// A recession direction `u` certifies an unbounded inradius when every row and finite box
/// face moves away along it at unit-row rate above this.
pub const RECESSION_TOL: f64 = 1e-9;

/// A point at distance at least 1 from every row and finite box face, on a ray along which
/// every one of them moves away at rate above [`RECESSION_TOL`] (so the polytope holds
/// balls of any radius), with the iterations its search took; `None` when there is no such
/// ray (or a coordinate has two finite sides).
///
/// The direction `u` is the certified center of the largest ball in the recession cone
/// `{u : A u >= 0, u_j >= 0 where lo_j is finite, u_j <= 0 where hi_j is finite}` cut by the
/// box `[-1, 1]^d`; its rate is recomputed exactly. Along `x = t u` every unit-row slack is
/// at least `t rate + b_i / |a_i|`, so a `t` that makes all of them (and the finite box
/// distances) at least 1 is computed, and the point is checked exactly.
pub fn recession_center(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    settings: &Settings,
) -> Result<Option<(Array1<f64>, usize)>> {
    let d = lo.len();
    if (0..d).any(|j| lo[j].is_finite() && hi[j].is_finite()) {
        return Ok(None);
    }
    let n = rows.a.nrows();
    let live: Vec<usize> = (0..n).filter(|&i| rows.norm[i] > 0.0).collect();
    if (0..n).any(|i| rows.norm[i] == 0.0 && rows.b[i] < 0.0) {
        return Ok(None); // a zero row 0 x + b >= 0 with b < 0: empty
    }
    let a_live = take_rows(rows.a.view(), &live);
    let b_live = rows.b.select(Axis(0), &live);
    let lo_c = lo.mapv(|v| if v.is_finite() { 0.0 } else { -1.0 });
    let hi_c = hi.mapv(|v| if v.is_finite() { 0.0 } else { 1.0 });
    let cone_rows = UnitRows {
        a: a_live.clone(),
        b: Array1::zeros(live.len()),
        norm: Array1::ones(live.len()),
    };
    let cone = largest_ball(
        &cone_rows,
        lo_c.view(),
        hi_c.view(),
        &Ladder::new(*settings),
    )?;
    let u = cone.center;
    let mut rate = f64::INFINITY;
    for k in 0..live.len() {
        rate = rate.min(a_live.row(k).dot(&u));
    }
    for j in 0..d {
        rate = rate.min(u[j] - lo_c[j]).min(hi_c[j] - u[j]);
    }
    if rate.is_nan() || rate <= RECESSION_TOL {
        return Ok(None);
    }
    let mut need = 0.0f64;
    for &v in &b_live {
        need = need.max(1.0 - v);
    }
    for j in 0..d {
        if lo[j].is_finite() {
            need = need.max(1.0 + lo[j]);
        }
        if hi[j].is_finite() {
            need = need.max(1.0 - hi[j]);
        }
    }
    let distance_at = |x: &Array1<f64>| -> f64 {
        let mut r = f64::INFINITY;
        for k in 0..live.len() {
            r = r.min(a_live.row(k).dot(x) + b_live[k]);
        }
        for j in 0..d {
            r = r.min(x[j] - lo[j]).min(hi[j] - x[j]);
        }
        r
    };
    let mut t = need / rate;
    for _ in 0..8 {
        let center = &u * t;
        if distance_at(&center) >= 1.0 {
            return Ok(Some((center, cone.iterations)));
        }
        t = 2.0 * t + 1.0 / rate;
    }
    Ok(None)
}

/// The finite ball: the passes of `ladder`.
fn largest_ball(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    ladder: &Ladder<'_>,
) -> Result<Insphere> {
    let ball = BallLp::new(rows, lo.reborrow(), hi.reborrow());
    let mid = ball.mid();
    if ball.certainly_empty() {
        // 0 x + b >= 0 with b < 0: empty, certified by that row alone
        return Ok(Insphere {
            center: mid,
            radius: f64::NEG_INFINITY,
            upper_bound: f64::NEG_INFINITY,
            iterations: 0,
            status: Status::Infeasible,
            solver: Solver::InteriorPoint,
            retried: false,
        });
    }
    if ball.a.nrows() == 0 && !ball.sides.any() {
        // the box alone: its center, at half the narrowest width from every face
        let radius = ball.radius_at(mid.view());
        return Ok(Insphere {
            center: mid,
            radius,
            upper_bound: radius,
            iterations: 0,
            status: Status::Optimal,
            solver: Solver::Box,
            retried: false,
        });
    }
    let first = pass(&ball, ladder.start, &ladder.settings);
    match ladder.retry {
        Some(retry) if !first.status.is_certified() => {
            let second = pass(&ball, None, &retry);
            Ok(Insphere {
                iterations: first.iterations + second.iterations,
                retried: true,
                ..second
            })
        }
        _ => Ok(first),
    }
}

/// One pass of the ladder: below [`active_set::MAX_DIM`] dimensions the active-set method
/// from `start` (a point inside), then from the box's center; where both decline the
/// interior-point method.
fn pass(ball: &BallLp<'_>, start: Option<ArrayView1<'_, f64>>, st: &Settings) -> Insphere {
    if ball.dim() < active_set::MAX_DIM {
        let found = start
            .and_then(|x0| ball.active_set_from_interior(x0, st))
            .or_else(|| {
                let mid = ball.mid();
                ball.active_set_from_box_point(mid.view(), REACH_FRACTION * ball.reach, st)
            });
        if let Some(found) = found {
            // a ball wider than the interior-point solve would accept ends uncertified, as
            // that solve would: the caller asks the recession cone
            let status = if found.upper_bound.is_finite() {
                Status::Optimal
            } else {
                Status::Stalled
            };
            return Insphere {
                center: found.center,
                radius: found.radius,
                upper_bound: found.upper_bound,
                iterations: found.steps,
                status,
                solver: Solver::ActiveSet,
                retried: false,
            };
        }
    }
    interior_point(ball, st)
}

/// One interior-point solve of the ball LP from the box's center.
fn interior_point(ball: &BallLp<'_>, settings: &Settings) -> Insphere {
    let (a, b) = ball.kept();
    let lay = Layout::new(
        CowArray::from(a),
        b.to_owned(),
        ball.lo_a.clone(),
        ball.hi_a.clone(),
        true,
    );
    let mid = ball.mid();
    let start = start(&lay, &mid);
    let (lo, hi) = (ball.lo, ball.hi);
    let problem = InsphereProblem {
        lay,
        best: RefCell::new(Best {
            center: mid,
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
            art_upper: f64::INFINITY,
        }),
        lo: lo.to_owned(),
        hi: hi.to_owned(),
        wide_box: lo
            .iter()
            .chain(hi.iter())
            .any(|v| v.is_finite() && v.abs() > WIDE_SIDE),
        sides: ball.sides.clone(),
        reach: ball.reach,
    };
    let sol = solve(&problem, &start, settings);
    let best = problem.best.into_inner();
    // rows left out hold with room inside the box; a center outside it (an empty
    // polytope's) is measured against them too
    let mut radius = best.lower;
    if radius < 0.0 {
        radius = radius.min(ball.radius_to_all_rows(best.center.view()));
    }
    Insphere {
        center: best.center,
        radius,
        upper_bound: best.upper,
        iterations: sol.iterations,
        status: sol.status,
        solver: Solver::InteriorPoint,
        retried: false,
    }
}

/// Start at the box center with a radius 1 below the smallest slack (feasible, interior).
fn start(lay: &Layout<'_>, mid: &Array1<f64>) -> Start {
    let (d, m) = (lay.d(), lay.m());
    let slack0 = matvec(lay.a.view(), mid.view()) + &lay.b;
    let mut r = slack0.fold(f64::INFINITY, |acc, &v| acc.min(v));
    for j in 0..d {
        r = r.min((lay.hi[j] - lay.lo[j]) / 2.0);
    }
    r -= 1.0;
    let mut z = Array1::zeros(d + 1);
    z.slice_mut(ndarray::s![..d]).assign(mid);
    z[d] = r;
    let ax = lay.ax(z.view());
    let s = lay.slack(z.view(), ax.view());
    Start {
        z,
        s,
        lam: Array1::ones(m),
    }
}
