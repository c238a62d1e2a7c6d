//! The most likely point of every class inside a region (paper sec. 3.4, eq. 6-8, app. D):
//! `x^t = argmax log p_t(x)` over `{A x + b >= 0, lo <= x <= hi}`, where
//! `log p_t(x) = z_t(x) - logsumexp(z(x))` and `z(x) = W x + c` is the region's logit map.
//! As a [`Problem`]: `min f(x) = lse(W x + c) - (W x + c)_t` (convex), gradient
//! `W^T p - W_t`, Hessian `W^T (diag p - p p^T) W` (rank M, handed to the solver as the
//! factor `diag(sqrt p) (W - 1 p^T W)` so it stays PSD), infeasible start.
//!
//! Certification: for a feasible `x` (clipped to the box, then moved toward the region's
//! own point just far enough), concavity and LP weak duality give, for any `lam >= 0`,
//! `max log p_t - log p_t(x) <= lam^T b + sum_j max(r_j lo_j, r_j hi_j) - g^T x` with
//! `g = grad log p_t(x)`, `r = g + A^T lam` (unit rows). The solve stops on that bound.

use std::cell::RefCell;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Zip};

use super::layout::Layout;
use super::problem::{Point, Problem, Start};
use super::settings::{Settings, Status};
use super::solver::solve;
use crate::error::{CoreError, Result};
use crate::hrep::{box_max, check, normalize, solver_rows};
use crate::linalg::dense::matvec;
use crate::polytope::Polytope;

/// The start is the region's point pulled this fraction of the box width into the box.
const START_INSET: f64 = 0.05;
/// Start slacks are at least this.
const START_SLACK: f64 = 0.1;

/// One class's answer: a feasible point, its log-probability, the certified gap (an upper
/// bound on `max log p_t - log_prob`), the multipliers of the rows of `A` that certify it
/// (`>= 0`, zero for zero rows), iterations and status.
#[derive(Debug, Clone)]
pub struct ClassMaximum {
    pub class: usize,
    pub point: Array1<f64>,
    pub log_prob: f64,
    pub gap: f64,
    pub multipliers: Array1<f64>,
    pub iterations: usize,
    pub status: Status,
}

/// Row-wise stable `z - logsumexp(z)`.
pub fn log_softmax(z: ArrayView1<f64>) -> Array1<f64> {
    let m = z.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
    let lse = z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln() + m;
    z.mapv(|v| v - lse)
}

struct Best {
    gap: f64,
    x: Array1<f64>,
    lam: Array1<f64>,
}

struct ClassProblem<'p, 'a> {
    lay: &'p Layout<'a>,
    w: ArrayView2<'p, f64>,
    c: ArrayView1<'p, f64>,
    t: usize,
    x_star: &'p Array1<f64>,
    s_star: &'p Array1<f64>,
    best: RefCell<Best>,
}

impl ClassProblem<'_, '_> {
    fn probs(&self, x: ArrayView1<f64>) -> Array1<f64> {
        log_softmax((self.w.dot(&x) + self.c).view()).mapv(f64::exp)
    }

    /// `x` clipped to the box and, if a row is still violated, moved toward the region's
    /// point just far enough (checked exactly).
    fn feasible(&self, x: ArrayView1<f64>, ax: ArrayView1<f64>) -> Array1<f64> {
        let lay = self.lay;
        let xc = Zip::from(&x)
            .and(&lay.lo)
            .and(&lay.hi)
            .map_collect(|&v, &l, &h| v.clamp(l, h));
        let mut s = if xc == x {
            &ax + &lay.b
        } else {
            matvec(lay.a.view(), xc.view()) + &lay.b
        };
        let mut xf = xc.clone();
        let mut theta = 0.0f64;
        let s0 = s.clone();
        while s.iter().any(|&v| v < 0.0) && theta < 1.0 {
            for i in 0..s0.len() {
                if s0[i] < 0.0 {
                    theta = theta.max(-s0[i] / (self.s_star[i] - s0[i]));
                }
            }
            theta = (theta * (1.0 + 1e-12) + f64::EPSILON).min(1.0);
            xf = (1.0 - theta) * &xc + theta * self.x_star;
            s = matvec(lay.a.view(), xf.view()) + &lay.b;
        }
        xf
    }
}

impl<'a> Problem<'a> for ClassProblem<'_, 'a> {
    fn layout(&self) -> &Layout<'a> {
        self.lay
    }

    fn gradient(&self, z: ArrayView1<f64>) -> Array1<f64> {
        let p = self.probs(z);
        self.w.t().dot(&p) - self.w.row(self.t)
    }

    fn curvature(&self, z: ArrayView1<f64>) -> Option<Array2<f64>> {
        let p = self.probs(z);
        let pw = self.w.t().dot(&p);
        let mut wc = &self.w - &pw.insert_axis(Axis(0));
        for (mut row, &pk) in wc.axis_iter_mut(Axis(0)).zip(p.iter()) {
            row *= pk.sqrt();
        }
        Some(wc)
    }

    fn certify(&self, p: &Point<'_>, st: &Settings) -> Option<Status> {
        let lay = self.lay;
        let n = lay.n();
        let x = self.feasible(p.z, p.ax);
        let g = -self.gradient(x.view()); // gradient of log p_t
        let lam = p.lam.slice(ndarray::s![..n]);
        let (lam, atl) = if lam.iter().all(|&v| v >= 0.0) {
            (lam.to_owned(), p.atl.to_owned())
        } else {
            let lc = p.lam.mapv(|v| v.max(0.0));
            let atl = lay.atv(lc.view());
            (lc.slice(ndarray::s![..n]).to_owned(), atl)
        };
        let bound = gap_bound(lam.dot(&lay.b), g.view(), x.view(), atl.view(), lay);
        let mut best = self.best.borrow_mut();
        if bound < best.gap {
            *best = Best { gap: bound, x, lam };
        }
        (best.gap <= st.abs_tol).then_some(Status::Optimal)
    }

    fn gap(&self) -> f64 {
        self.best.borrow().gap
    }
}

/// The weak-duality bound on `max log p_t - log p_t(x)` (see the module notes) from
/// `lam_b = lam . b`, the gradient `g` of `log p_t` at `x` and `atl = A^T lam`: `lam . b -
/// g . x + max over the box of (g + A^T lam) . y` (`inf` where an infinite side is reached).
fn gap_bound(
    lam_b: f64,
    g: ArrayView1<f64>,
    x: ArrayView1<f64>,
    atl: ArrayView1<f64>,
    lay: &Layout<'_>,
) -> f64 {
    let r = &g + &atl;
    lam_b - g.dot(&x) + box_max(r.view(), lay.lo.view(), lay.hi.view())
}

/// The certified gap of class `t` at a feasible point `x` with multipliers `lam` (N,) of
/// the rows as given (not unit; negative entries count as 0): an upper bound on
/// `max over the polytope of log p_t - log p_t(x)`, valid for any `lam >= 0` and tight at a
/// KKT point (the bound the solver stops on, for any point and multipliers).
pub fn gap_at(
    poly: Polytope<'_>,
    w: ArrayView2<f64>,
    c: ArrayView1<f64>,
    t: usize,
    x: ArrayView1<f64>,
    lam: ArrayView1<f64>,
) -> Result<f64> {
    poly.check()?;
    let (n, d) = poly.a.dim();
    if w.ncols() != d || c.len() != w.nrows() || x.len() != d || lam.len() != n {
        return Err(CoreError::Shape(format!(
            "class gap: logit map {:?}, offsets {}, point {} and multipliers {} for a polytope \
             of {n} rows in {d} dimensions",
            w.dim(),
            c.len(),
            x.len(),
            lam.len()
        )));
    }
    if t >= w.nrows() {
        return Err(CoreError::Value(format!(
            "class {t} out of range [0, {})",
            w.nrows()
        )));
    }
    let lam = lam.mapv(|v| v.max(0.0));
    let p = log_softmax((w.dot(&x) + c).view()).mapv(f64::exp);
    let g = &w.row(t) - &w.t().dot(&p);
    let lay = Layout::new(
        CowArray::from(poly.a),
        poly.b.to_owned(),
        poly.lo.to_owned(),
        poly.hi.to_owned(),
        false,
    );
    let atl = poly.a.t().dot(&lam);
    Ok(gap_bound(lam.dot(&poly.b), g.view(), x, atl.view(), &lay))
}

/// Solves eq. 6 for each class in `classes` (in that order). `x_star` must satisfy every
/// row and the box (the region's own point); the box must be finite.
#[allow(clippy::too_many_arguments)]
pub fn class_maxima(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    w: ArrayView2<f64>,
    c: ArrayView1<f64>,
    x_star: ArrayView1<f64>,
    classes: &[usize],
    st: &Settings,
) -> Result<Vec<ClassMaximum>> {
    check(a, b, lo, hi)?;
    st.validate().map_err(CoreError::Value)?;
    let d = a.ncols();
    let nc = w.nrows();
    if w.ncols() != d || c.len() != nc || x_star.len() != d {
        return Err(CoreError::Shape(format!(
            "class_maxima: logit map {:?} and offsets {} and point {} for dimension {d}",
            w.dim(),
            c.len(),
            x_star.len()
        )));
    }
    crate::linalg::check_finite(w.iter(), "W")?;
    crate::linalg::check_finite(c.iter(), "c")?;
    crate::linalg::check_finite(x_star.iter(), "x")?;
    if lo.iter().chain(hi.iter()).any(|v| !v.is_finite()) {
        return Err(CoreError::Value(
            "class_maxima needs a finite input box (lo, hi)".into(),
        ));
    }
    if let Some(&t) = classes.iter().find(|&&t| t >= nc) {
        return Err(CoreError::Value(format!(
            "class {t} out of range [0, {nc})"
        )));
    }
    let rows = normalize(a, b);
    let keep = solver_rows(&rows, lo, hi);
    let lay = Layout::new(
        CowArray::from(rows.a.select(Axis(0), &keep)),
        rows.b.select(Axis(0), &keep),
        lo.to_owned(),
        hi.to_owned(),
        false,
    );
    let x_star = x_star.to_owned();
    let s_star = lay.ax(x_star.view()) + &lay.b;
    let inside = (0..d).all(|j| x_star[j] >= lo[j] && x_star[j] <= hi[j]);
    let zero_rows_ok = (0..a.nrows()).all(|i| rows.norm[i] > 0.0 || rows.b[i] >= 0.0);
    if !(inside && zero_rows_ok && s_star.iter().all(|&v| v >= 0.0)) {
        return Err(CoreError::Value(
            "class_maxima: the region's point is not inside the region".into(),
        ));
    }
    let start = start(&lay, &x_star);
    let mut out = Vec::with_capacity(classes.len());
    for &t in classes {
        let problem = ClassProblem {
            lay: &lay,
            w: w.view(),
            c: c.view(),
            t,
            x_star: &x_star,
            s_star: &s_star,
            best: RefCell::new(Best {
                gap: f64::INFINITY,
                x: x_star.clone(),
                lam: Array1::zeros(lay.n()),
            }),
        };
        let sol = solve(&problem, &start, st);
        let best = problem.best.into_inner();
        let log_prob = log_softmax((w.dot(&best.x) + c).view())[t];
        // multipliers of the unit rows, scaled back to the given rows
        let mut multipliers = Array1::zeros(a.nrows());
        for (k, &i) in keep.iter().enumerate() {
            multipliers[i] = best.lam[k] / rows.norm[i];
        }
        out.push(ClassMaximum {
            class: t,
            point: best.x,
            log_prob,
            gap: best.gap,
            multipliers,
            iterations: sol.iterations,
            status: sol.status,
        });
    }
    Ok(out)
}

/// The region's point pulled into the box; slacks floored at `START_SLACK`, `lam = 1 / s`.
fn start(lay: &Layout<'_>, x_star: &Array1<f64>) -> Start {
    let z = Zip::from(x_star)
        .and(&lay.lo)
        .and(&lay.hi)
        .map_collect(|&v, &l, &h| {
            let inset = START_INSET * (h - l);
            v.clamp(l + inset, h - inset)
        });
    let ax = lay.ax(z.view());
    let s = lay.slack(z.view(), ax.view()).mapv(|v| v.max(START_SLACK));
    let lam = s.mapv(|v| 1.0 / v);
    Start { z, s, lam }
}
