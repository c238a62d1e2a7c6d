//! The insphere LP of eq. 5, built once for every solver of the ladder in
//! [`super::insphere`]: `max r  s.t.  a_k x + b_k >= r,  lo + r <= x <= hi - r` over the
//! unit rows a solver must keep ([`solver_rows`]: a row the box keeps away never touches a
//! ball inside the box), the real box (sides may be infinite) and, where a side is infinite,
//! the artificial box the solvers run in ([`super::free`]).
//!
//! The active-set method ([`super::active_set`]) solves it as a dense LP in `(x, r)`
//! ([`BallLp::active_set_from_interior`], [`BallLp::active_set_from_box_point`]); the
//! interior-point problem of [`super::insphere`] takes the kept rows as its layout.
//!
//! Certification: [`BallLp::radius_at`] is the exact distance from a center to the nearest
//! kept row and finite box face, a lower bound on the optimum; each solver's multipliers give
//! the upper bound by weak duality (the active-set method's bound on the LP in `(x, r)`, the
//! interior-point problem's own in [`super::insphere`]).

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

use super::active_set;
use super::free::{self, Sides};
use super::linear::{Exits, Lp};
use super::settings::{Settings, Status};
use crate::hrep::{solver_rows, UnitRows};
use crate::linalg::take_rows;
use crate::polytope::Polytope;

/// A ball found by the active-set method: its center, the exact radius of that center, a
/// certified upper bound on the optimum (infinite when the solve stopped at a ball wider
/// than asked) and the steps taken.
#[derive(Debug, Clone)]
pub struct Found {
    pub center: Array1<f64>,
    pub radius: f64,
    pub upper_bound: f64,
    pub steps: usize,
}

/// The kept unit rows, the real box, and the box the solvers run in.
pub struct BallLp<'r> {
    /// Every unit row of the polytope (a center outside is measured against them all).
    pub rows: &'r UnitRows,
    /// The kept unit rows `(n, d)` and offsets `(n,)`.
    pub a: Array2<f64>,
    pub b: Array1<f64>,
    /// The real box.
    pub lo: ArrayView1<'r, f64>,
    pub hi: ArrayView1<'r, f64>,
    /// Its infinite sides.
    pub sides: Sides,
    /// Half-width of the artificial box (infinite when every side is finite).
    pub reach: f64,
    /// The box the solvers run in: the real one, or the artificial one around the origin.
    pub lo_a: Array1<f64>,
    pub hi_a: Array1<f64>,
}

impl<'r> BallLp<'r> {
    /// The LP of the polytope with unit rows `rows` and the box `lo`, `hi`.
    pub fn new(rows: &'r UnitRows, lo: ArrayView1<'r, f64>, hi: ArrayView1<'r, f64>) -> Self {
        let keep = solver_rows(rows, lo, hi);
        let sides = Sides::new(lo, hi);
        let (reach, (lo_a, hi_a)) = if sides.any() {
            let origin = Array1::zeros(lo.len());
            let reach = free::ARTIFICIAL_REACH * free::scale(rows.b.view(), origin.view());
            (reach, free::artificial_box(lo, hi, origin.view(), reach))
        } else {
            (f64::INFINITY, (lo.to_owned(), hi.to_owned()))
        };
        BallLp {
            rows,
            a: take_rows(rows.a.view(), &keep),
            b: rows.b.select(Axis(0), &keep),
            lo,
            hi,
            sides,
            reach,
            lo_a,
            hi_a,
        }
    }

    /// Whether a zero row `0 x + b >= 0` has `b < 0`: the polytope is empty, certified by
    /// that row alone.
    pub fn certainly_empty(&self) -> bool {
        (0..self.rows.a.nrows()).any(|i| self.rows.norm[i] == 0.0 && self.rows.b[i] < 0.0)
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// The center of the box the solvers run in.
    pub fn mid(&self) -> Array1<f64> {
        (&self.lo_a + &self.hi_a) / 2.0
    }

    /// Distance from `x` to the nearest kept row's hyperplane or finite box face (negative
    /// outside): the exact radius of a ball centered at `x`.
    pub fn radius_at(&self, x: ArrayView1<f64>) -> f64 {
        let mut r = f64::INFINITY;
        for (row, &bk) in self.a.rows().into_iter().zip(&self.b) {
            r = r.min(row.dot(&x) + bk);
        }
        for j in 0..x.len() {
            r = r.min(x[j] - self.lo[j]).min(self.hi[j] - x[j]);
        }
        r
    }

    /// The distance of `x` to every non-zero row too (those the solvers leave out hold
    /// with room inside the box, so this differs from [`Self::radius_at`] only outside it).
    pub fn radius_to_all_rows(&self, x: ArrayView1<f64>) -> f64 {
        let mut r = self.radius_at(x);
        for i in (0..self.rows.a.nrows()).filter(|&i| self.rows.norm[i] > 0.0) {
            r = r.min(self.rows.a.row(i).dot(&x) + self.rows.b[i]);
        }
        r
    }

    /// The ball by the active-set method from `x0` strictly inside (finite box): the start
    /// is `(x0, r0)` with `r0` half the radius of `x0`. `None` when the method declines.
    pub fn active_set_from_interior(&self, x0: ArrayView1<f64>, st: &Settings) -> Option<Found> {
        if self.sides.any() {
            return None;
        }
        let r0 = 0.5 * self.radius_at(x0);
        if r0.is_nan() || r0 <= 0.0 {
            return None;
        }
        self.active_set(x0, r0, 0.0, f64::INFINITY, st)
    }

    /// The ball by the active-set method from any point `x0` strictly inside the box, which
    /// may lie outside the polytope, with box sides that may be infinite: the start is
    /// `(x0, r0)` with `r0` below every slack, so it is strictly feasible for the LP in
    /// `(x, r)` (its floor on `r` lies below `r0`: it cuts off no point with `r >= r0`, so
    /// neither the optimum). `None` when the method declines, takes more than `st.max_iter`
    /// steps, the ball is unbounded (with `wider_than` infinite) or the optimum is not
    /// positive (an empty or flat polytope: the interior-point method certifies those). A
    /// ball wider than a finite `wider_than` (a ray along which balls grow without bound, or
    /// a finite but huge one) ends the solve: it is returned with an infinite upper bound,
    /// uncertified, for the caller to ask the recession cone.
    pub fn active_set_from_box_point(
        &self,
        x0: ArrayView1<f64>,
        wider_than: f64,
        st: &Settings,
    ) -> Option<Found> {
        let m = self.radius_at(x0);
        if !m.is_finite() {
            return None;
        }
        let r0 = m - m.abs().max(1.0);
        self.active_set(x0, r0, r0 - r0.abs().max(1.0), wider_than, st)
            .filter(|found| found.steps <= st.max_iter)
    }

    /// The constraints `g_k . (x, r) + h_k >= 0` of the LP in `(x, r)`: the kept rows, then
    /// the finite box faces.
    fn constraints(&self) -> (Array2<f64>, Array1<f64>) {
        let (n, d) = self.a.dim();
        let faces: Vec<(usize, bool)> = (0..d)
            .flat_map(|j| [(j, false), (j, true)])
            .filter(|&(j, upper)| if upper { self.hi[j] } else { self.lo[j] }.is_finite())
            .collect();
        let mut g = Array2::<f64>::zeros((n + faces.len(), d + 1));
        let mut h = Array1::<f64>::zeros(n + faces.len());
        g.slice_mut(s![..n, ..d]).assign(&self.a);
        g.slice_mut(s![..n, d]).fill(-1.0);
        h.slice_mut(s![..n]).assign(&self.b);
        for (f, &(j, upper)) in faces.iter().enumerate() {
            let row = n + f;
            g[[row, d]] = -1.0;
            if upper {
                g[[row, j]] = -1.0;
                h[row] = self.hi[j];
            } else {
                g[[row, j]] = 1.0;
                h[row] = -self.lo[j];
            }
        }
        (g, h)
    }

    /// `max r` from the strictly feasible `(x0, r0)`, with `r >= r_floor` (below `r0`),
    /// stopped at a ball wider than `wider_than` (returned with an infinite upper bound).
    fn active_set(
        &self,
        x0: ArrayView1<f64>,
        r0: f64,
        r_floor: f64,
        wider_than: f64,
        st: &Settings,
    ) -> Option<Found> {
        let d = self.dim();
        if x0.len() != d || d >= active_set::MAX_DIM {
            return None;
        }
        let (g, h) = self.constraints();
        let mut lo_z = Array1::<f64>::zeros(d + 1);
        let mut hi_z = Array1::<f64>::zeros(d + 1);
        lo_z.slice_mut(s![..d]).assign(&self.lo);
        hi_z.slice_mut(s![..d]).assign(&self.hi);
        lo_z[d] = r_floor;
        // no ball is wider than the narrowest coordinate with two finite sides
        hi_z[d] = 0.5
            * (0..d)
                .map(|j| self.hi[j] - self.lo[j])
                .fold(f64::INFINITY, f64::min)
            + 1.0;
        let mut z0 = Array1::<f64>::zeros(d + 1);
        z0.slice_mut(s![..d]).assign(&x0);
        z0[d] = r0;
        let mut c = Array1::<f64>::zeros(d + 1);
        c[d] = -1.0;
        let lp = Lp {
            poly: Polytope {
                a: g.view(),
                b: h.view(),
                lo: lo_z.view(),
                hi: hi_z.view(),
            },
            c: c.view(),
            c0: 0.0,
        };
        let exits = Exits {
            stop_below: -wider_than,
            stop_above: f64::INFINITY,
        };
        let found = active_set::minimize_small(&lp, z0.view(), exits, st)?;
        let center = found.x.slice(s![..d]).to_owned();
        let radius = self.radius_at(center.view());
        if found.status == Status::PointBelow {
            return (radius > wider_than).then_some(Found {
                center,
                radius,
                upper_bound: f64::INFINITY,
                steps: found.iterations,
            });
        }
        // the center's exact radius is a lower bound on the optimum: a dual bound a few
        // ulps under it is rounding
        let upper = (-found.lower_bound).max(radius);
        if radius.is_nan()
            || radius <= 0.0
            || upper - radius > st.rel_tol * upper.abs() + st.abs_tol
        {
            return None;
        }
        Some(Found {
            center,
            radius,
            upper_bound: upper,
            steps: found.iterations,
        })
    }

    /// The kept rows as a view (for the interior-point layout).
    pub fn kept(&self) -> (ArrayView2<'_, f64>, ArrayView1<'_, f64>) {
        (self.a.view(), self.b.view())
    }
}
