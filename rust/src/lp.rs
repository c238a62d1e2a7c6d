//! Dense LPs `min c.x + c0  s.t.  A x + b >= 0,  lo <= x <= hi` (finite box) from a strictly
//! interior start, by a primal-dual interior-point method, with early exits for questions
//! that do not need the optimum: "is there a feasible point with value below `stop_below`?"
//! and "is the minimum at least `stop_above`?". These are the redundancy questions of
//! appendix C: a row is redundant when the minimum of its slack over the other rows is
//! `>= -tol`, and a feasible point past its hyperplane proves the opposite.
//!
//! Performance notes: the LPs have ~3d dense rows at d = 784; HiGHS (simplex) needs
//! thousands of pivots per LP here (~20 s), an interior-point iteration is one lower-triangle
//! GEMM and one Cholesky ([`crate::dense`], ~20 ms), and both questions are usually settled
//! in a handful of iterations, long before the optimum.
//!
//! Certification: every reported point is checked exactly against every row and the box;
//! every reported lower bound comes from weak duality with the current multipliers made
//! dual feasible through the box (valid for any multipliers `>= 0`).

use ndarray::{Array1, ArrayView1, ArrayView2, Zip};

use crate::dense::{matvec, matvec_t, max_step, weighted_gram, Cholesky};
use crate::error::{CoreError, Result};
use crate::hrep::check;

/// Fraction of the distance to the boundary of the positive orthant taken per step.
const STEP_FRACTION: f64 = 0.99;
/// Rows whose weight in the normal matrix is below this fraction of the largest are left out.
const REDUCE_TOL: f64 = 1e-12;

/// Why the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A feasible point with value below `stop_below` was found (`x`, `value`).
    PointBelow,
    /// The certified lower bound reached `stop_above`.
    BoundAbove,
    /// Value and lower bound met within the tolerances.
    Optimal,
    IterationLimit,
    NumericalFailure,
}

/// Tolerances, limits and early-exit thresholds of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub rel_tol: f64,
    pub abs_tol: f64,
    pub max_iter: usize,
    pub stop_below: f64,
    pub stop_above: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rel_tol: 1e-9,
            abs_tol: 1e-12,
            max_iter: 100,
            stop_below: f64::NEG_INFINITY,
            stop_above: f64::INFINITY,
        }
    }
}

/// The best feasible point seen (exactly feasible), its value, a certified lower bound on
/// the minimum, and how the solve ended.
#[derive(Debug, Clone)]
pub struct LpResult {
    pub x: Array1<f64>,
    pub value: f64,
    pub lower_bound: f64,
    pub iterations: usize,
    pub outcome: Outcome,
}

/// Minimises `c.x + c0` over `{A x + b >= 0, lo <= x <= hi}` from `x0`, which must satisfy
/// every row and the box strictly (e.g. an insphere center).
#[allow(clippy::too_many_arguments)]
pub fn minimize<'a>(
    a: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    c: ArrayView1<'a, f64>,
    c0: f64,
    x0: ArrayView1<f64>,
    st: Settings,
) -> Result<LpResult> {
    check(a, b, lo, hi)?;
    let d = a.ncols();
    if c.len() != d || x0.len() != d {
        return Err(CoreError::Shape(format!(
            "lp: objective has {} entries and start {} for dimension {d}",
            c.len(),
            x0.len()
        )));
    }
    if lo.iter().chain(hi.iter()).any(|v| !v.is_finite())
        || c.iter().chain(x0.iter()).any(|v| !v.is_finite())
    {
        return Err(CoreError::Value(
            "lp: needs a finite box, objective and start".into(),
        ));
    }
    let s_rows = matvec(a, x0) + b;
    let interior =
        s_rows.iter().all(|&v| v > 0.0) && (0..d).all(|j| x0[j] > lo[j] && x0[j] < hi[j]);
    if !interior {
        return Err(CoreError::Value(
            "lp: the start must satisfy every row and the box strictly".into(),
        ));
    }
    Ok(Solver { a, b, lo, hi, c }.run(x0.to_owned(), s_rows, c0, st))
}

struct Solver<'a> {
    a: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    c: ArrayView1<'a, f64>,
}

impl Solver<'_> {
    /// Slacks of `G x <= h` ordered [rows | lower box | upper box]: `A x + b`, `x - lo`,
    /// `hi - x`.
    fn slacks(&self, x: ArrayView1<f64>, ax: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = self.a.dim();
        let mut s = Array1::zeros(n + 2 * d);
        for i in 0..n {
            s[i] = ax[i] + self.b[i];
        }
        for j in 0..d {
            s[n + j] = x[j] - self.lo[j];
            s[n + d + j] = self.hi[j] - x[j];
        }
        s
    }

    /// `G dx` for the same ordering (`G` rows: `-a_i`, `-e_j`, `+e_j`).
    fn g(&self, dx: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = self.a.dim();
        let adx = matvec(self.a, dx);
        let mut out = Array1::zeros(n + 2 * d);
        for i in 0..n {
            out[i] = -adx[i];
        }
        for j in 0..d {
            out[n + j] = -dx[j];
            out[n + d + j] = dx[j];
        }
        out
    }

    /// `G^T v`.
    fn gt(&self, v: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = self.a.dim();
        let mut out = matvec_t(self.a, v.slice(ndarray::s![..n])).mapv(|t| -t);
        for j in 0..d {
            out[j] += v[n + d + j] - v[n + j];
        }
        out
    }

    /// Weak-duality lower bound from row multipliers `lam_rows >= 0` (box ones implied).
    fn lower_bound(&self, lam_rows: ArrayView1<f64>, c0: f64) -> f64 {
        let r = &self.c - &matvec_t(self.a, lam_rows);
        let mut bound = c0 - lam_rows.dot(&self.b);
        for j in 0..r.len() {
            bound += if r[j] > 0.0 {
                r[j] * self.lo[j]
            } else {
                r[j] * self.hi[j]
            };
        }
        bound
    }

    fn run(&self, x0: Array1<f64>, s_rows0: Array1<f64>, c0: f64, st: Settings) -> LpResult {
        let (n, d) = self.a.dim();
        let m = n + 2 * d;
        let mut x = x0.clone();
        // feasible start: slacks are those of x0; multipliers from a central path guess
        let mut s = self.slacks(x.view(), (&s_rows0 - &self.b).view());
        let cnorm = self.c.dot(&self.c).sqrt().max(1e-300);
        let mu0 = cnorm * s.mean().unwrap_or(1.0) / (m as f64).sqrt();
        let mut lam = s.mapv(|v| mu0 / v);
        let mut best_x = x0;
        let mut best_v = self.c.dot(&best_x) + c0;
        let mut lower = f64::NEG_INFINITY;
        let done = |best_x: &Array1<f64>, best_v, lower, it, outcome| LpResult {
            x: best_x.clone(),
            value: best_v,
            lower_bound: lower,
            iterations: it,
            outcome,
        };
        for it in 0..st.max_iter {
            let ax = matvec(self.a, x.view());
            // exact feasibility of the iterate (clipped to the box): a candidate point
            let xc = Zip::from(&x)
                .and(&self.lo)
                .and(&self.hi)
                .map_collect(|&v, &l, &h| v.clamp(l, h));
            let axc = matvec(self.a, xc.view());
            if Zip::from(&axc).and(&self.b).all(|&v, &bi| v + bi >= 0.0) {
                let v = self.c.dot(&xc) + c0;
                if v < best_v {
                    best_v = v;
                    best_x = xc;
                }
            }
            lower = lower.max(self.lower_bound(lam.slice(ndarray::s![..n]), c0));
            if best_v < st.stop_below {
                return done(&best_x, best_v, lower, it, Outcome::PointBelow);
            }
            if lower >= st.stop_above {
                return done(&best_x, best_v, lower, it, Outcome::BoundAbove);
            }
            if best_v - lower <= st.rel_tol * best_v.abs().max(lower.abs()) + st.abs_tol {
                return done(&best_x, best_v, lower, it, Outcome::Optimal);
            }
            // residuals: rp = G x + s - h (the slacks' drift), rd = c + G^T lam
            let exact = self.slacks(x.view(), ax.view());
            let rp = &exact.mapv(|v| -v) + &s;
            let mut rd = self.gt(lam.view());
            rd += &self.c;
            let mu = s.dot(&lam) / m as f64;
            let w = &lam / &s;
            let wr = w.slice(ndarray::s![..n]);
            let wmax = wr.fold(0.0f64, |acc, &v| acc.max(v));
            let rows: Vec<usize> = (0..n).filter(|&i| wr[i] >= REDUCE_TOL * wmax).collect();
            let mut mat = weighted_gram(self.a, wr, Some(&rows), false);
            for j in 0..d {
                mat[[j, j]] += w[n + j] + w[n + d + j];
            }
            let chol = match Cholesky::factor(mat) {
                Some(ch) => ch,
                None => return done(&best_x, best_v, lower, it, Outcome::NumericalFailure),
            };
            let solve = |rc: &Array1<f64>| -> (Array1<f64>, Array1<f64>, Array1<f64>) {
                // M dx = -rd - G^T S^-1 (rc + L rp); ds = -rp - G dx; dl = S^-1(rc + L rp) + W G dx
                let t = (rc + &(&lam * &rp)) / &s;
                let rhs = -&rd - &self.gt(t.view());
                let dx = chol.solve(rhs);
                let gdx = self.g(dx.view());
                let ds = -&rp - &gdx;
                let dl = &t + &(&w * &gdx);
                (dx, ds, dl)
            };
            let rc_aff = -(&s * &lam);
            let (_, ds_a, dl_a) = solve(&rc_aff);
            let ap = max_step(s.view(), ds_a.view()).min(1.0);
            let ad = max_step(lam.view(), dl_a.view()).min(1.0);
            let mu_aff = Zip::from(&s)
                .and(&ds_a)
                .and(&lam)
                .and(&dl_a)
                .fold(0.0, |acc, &si, &dsi, &li, &dli| {
                    acc + (si + ap * dsi) * (li + ad * dli)
                })
                / m as f64;
            let sigma = (mu_aff / mu).powi(3).min(1.0);
            let rc = &rc_aff - &(&ds_a * &dl_a) + sigma * mu;
            let (dx, ds, dl) = solve(&rc);
            let ap = (STEP_FRACTION * max_step(s.view(), ds.view())).min(1.0);
            let ad = (STEP_FRACTION * max_step(lam.view(), dl.view())).min(1.0);
            if !(ap.is_finite() && ad.is_finite()) || dx.iter().any(|v| !v.is_finite()) {
                return done(&best_x, best_v, lower, it, Outcome::NumericalFailure);
            }
            x.scaled_add(ap, &dx);
            s.scaled_add(ap, &ds);
            lam.scaled_add(ad, &dl);
            s.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
            lam.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
        }
        done(&best_x, best_v, lower, st.max_iter, Outcome::IterationLimit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn square_with_cut() -> (ndarray::Array2<f64>, Array1<f64>, Array1<f64>, Array1<f64>) {
        // [0, 2]^2 cut by x + y <= 3
        (
            array![[-1.0, -1.0]],
            array![3.0],
            array![0.0, 0.0],
            array![2.0, 2.0],
        )
    }

    #[test]
    fn minimum_of_a_linear_function() {
        let (a, b, lo, hi) = square_with_cut();
        let c = array![-1.0, -2.0]; // min -x - 2y: at (1, 2), value -5
        let x0 = array![0.5, 0.5];
        let r = minimize(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            c.view(),
            0.0,
            x0.view(),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Optimal);
        assert!((r.value + 5.0).abs() < 1e-8 && r.lower_bound <= r.value);
        assert!((r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 2.0).abs() < 1e-6);
    }

    #[test]
    fn early_exits() {
        let (a, b, lo, hi) = square_with_cut();
        let x0 = array![0.5, 0.5];
        // slack of the row x + y <= 3.5 over the polytope: min 3.5 - x - y = 0.5 >= 0.1
        let c = array![-1.0, -1.0];
        let st = Settings {
            stop_above: 0.1,
            ..Settings::default()
        };
        let r = minimize(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            c.view(),
            3.5,
            x0.view(),
            st,
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::BoundAbove);
        assert!(r.lower_bound >= 0.1 && r.lower_bound <= 0.5 + 1e-9);
        // x + y <= 2.5 is crossed: a feasible point with slack below -0.1
        let st = Settings {
            stop_below: -0.1,
            ..Settings::default()
        };
        let r = minimize(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            c.view(),
            2.5,
            x0.view(),
            st,
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::PointBelow);
        assert!(r.value < -0.1);
        assert!(r.x.iter().all(|&v| (0.0..=2.0).contains(&v)) && r.x[0] + r.x[1] <= 3.0);
        assert!((r.x[0] + r.x[1] - 2.5 - r.value.abs()).abs() < 1e-12);
    }

    #[test]
    fn refuses_a_start_outside() {
        let (a, b, lo, hi) = square_with_cut();
        let c = array![1.0, 0.0];
        let x0 = array![1.9, 1.9];
        assert!(minimize(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            c.view(),
            0.0,
            x0.view(),
            Settings::default()
        )
        .is_err());
    }
}
