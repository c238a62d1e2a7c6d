//! The insphere (Chebyshev ball) of `{x : A x + b >= 0, lo <= x <= hi}`, eq. 5 of the paper:
//! `max r  s.t.  A_i x + b_i >= r |A_i|,  lo + r <= x <= hi - r`.
//!
//! Performance notes: the LP has d + 1 variables and N + 2d dense rows with N ~ 3d for a
//! network region. A primal-dual interior-point method (Mehrotra predictor-corrector) on the
//! inequality form needs one (d+1) x (d+1) normal matrix `G^T W G` per iteration, formed by
//! one lower-triangle GEMM (`B^T B` with `B = sqrt(W) A`, blocks on rayon, see
//! [`crate::dense`]) and factored by a blocked Cholesky; the box rows only add to its
//! diagonal and last column. Products with `A` and `A^T` run by contiguous rows. 20-30
//! iterations suffice.
//!
//! Certification: every iterate's center `x` gives a *lower* bound, the exact distance from
//! `x` to the nearest hyperplane or box face; the dual iterate, made exactly dual feasible,
//! gives an *upper* bound by weak duality. The method stops when the bounds meet within
//! the tolerances, so the returned radius is exact for the returned center and within the
//! gap of the optimum. The box must be finite (then the LP always has an optimum; a
//! negative optimum certifies an empty polytope).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};

use crate::dense::{matvec, matvec_t, max_step, weighted_gram_augmented, Cholesky};
use crate::error::{CoreError, Result};
use crate::hrep::{check, normalize};

/// Default relative gap between the certified lower and upper bounds on the radius.
pub const REL_TOL: f64 = 1e-9;
/// Default absolute gap (in units of the input space).
pub const ABS_TOL: f64 = 1e-12;
/// Default iteration limit of the interior-point method.
pub const MAX_ITER: usize = 100;
/// Rows whose weight in the normal matrix is below this fraction of the largest are left
/// out of it: their share is below rounding (late iterations keep only the ~d rows near
/// the optimum).
const REDUCE_TOL: f64 = 1e-10;
/// The normal matrix is formed in float32 while `mu` is above this fraction of its first
/// value: early directions tolerate the rounding, the residuals stay in float64.
const SINGLE_PRECISION_MU: f64 = 1e-6;
/// A step shorter than this (primal or dual) ends the approximations of the normal matrix
/// (float32, rows left out) for the rest of the solve: they may be what holds it back.
const SHORT_STEP: f64 = 0.1;
/// At most this many centrality correctors per iteration (Gondzio).
const MAX_CORRECTORS: usize = 2;
/// How much longer a step each corrector aims for.
const CORRECTOR_STRETCH: f64 = 0.3;
/// Fraction of the distance to the boundary of the positive orthant taken per step.
const STEP_FRACTION: f64 = 0.99;

/// How the solve ended; `Optimal` means the certified bounds met within the tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Optimal,
    IterationLimit,
    NumericalFailure,
}

/// Tolerances and limits of [`insphere`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub rel_tol: f64,
    pub abs_tol: f64,
    pub max_iter: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rel_tol: REL_TOL,
            abs_tol: ABS_TOL,
            max_iter: MAX_ITER,
        }
    }
}

/// Center, certified radius of that center (`radius`, may be negative: the center is then
/// outside by that much) and a certified upper bound on the optimal radius.
#[derive(Debug, Clone)]
pub struct Insphere {
    pub center: Array1<f64>,
    pub radius: f64,
    pub upper_bound: f64,
    pub iterations: usize,
    pub status: Status,
}

/// Largest inscribed ball of the polytope (see the module notes). The box must be finite.
pub fn insphere(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    settings: Settings,
) -> Result<Insphere> {
    check(a, b, lo, hi)?;
    if lo.iter().chain(hi.iter()).any(|v| !v.is_finite()) {
        return Err(CoreError::Value(
            "insphere by interior point needs a finite box".into(),
        ));
    }
    let rows = normalize(a, b);
    let mid = (&lo + &hi) / 2.0;
    if (0..a.nrows()).any(|i| rows.norm[i] == 0.0 && rows.b[i] < 0.0) {
        // 0 x + b >= 0 with b < 0: empty, certified by that row alone.
        return Ok(Insphere {
            center: mid,
            radius: f64::NEG_INFINITY,
            upper_bound: f64::NEG_INFINITY,
            iterations: 0,
            status: Status::Optimal,
        });
    }
    let keep: Vec<usize> = (0..a.nrows()).filter(|&i| rows.norm[i] > 0.0).collect();
    let ah = rows.a.select(Axis(0), &keep);
    let bh = rows.b.select(Axis(0), &keep);
    let ipm = Ipm::new(ah, bh, lo.view(), hi.view());
    let first = ipm.solve(mid.clone(), settings, false);
    if first.status == Status::Optimal {
        return Ok(first);
    }
    // the approximations of the normal matrix can stall a hard solve: once more without
    let second = ipm.solve(mid, settings, true);
    let better = if second.radius >= first.radius {
        second.clone()
    } else {
        first.clone()
    };
    Ok(Insphere {
        upper_bound: first.upper_bound.min(second.upper_bound),
        iterations: first.iterations + second.iterations,
        status: if second.status == Status::Optimal {
            Status::Optimal
        } else {
            better.status
        },
        ..better
    })
}

/// The LP in inequality form `min -r  s.t.  G z <= h`, `z = (x, r)`, with the rows of `G`
/// ordered [unit rows | lower box | upper box]:
/// `-a_i x + r <= b_i`, `-x_j + r <= -lo_j`, `x_j + r <= hi_j`.
struct Ipm<'a> {
    a: Array2<f64>,
    b: Array1<f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    n: usize,
    d: usize,
}

impl<'a> Ipm<'a> {
    fn new(
        a: Array2<f64>,
        b: Array1<f64>,
        lo: ArrayView1<'a, f64>,
        hi: ArrayView1<'a, f64>,
    ) -> Self {
        let (n, d) = a.dim();
        Ipm { a, b, lo, hi, n, d }
    }

    fn m(&self) -> usize {
        self.n + 2 * self.d
    }

    fn h(&self) -> Array1<f64> {
        let mut h = Array1::zeros(self.m());
        h.slice_mut(ndarray::s![..self.n]).assign(&self.b);
        h.slice_mut(ndarray::s![self.n..self.n + self.d])
            .assign(&self.lo.mapv(|v| -v));
        h.slice_mut(ndarray::s![self.n + self.d..]).assign(&self.hi);
        h
    }

    /// `G z` for `z = (x, r)`.
    fn g(&self, x: ArrayView1<f64>, r: f64) -> Array1<f64> {
        let (n, d) = (self.n, self.d);
        let ax = matvec(self.a.view(), x.view());
        let mut out = Array1::zeros(self.m());
        for i in 0..n {
            out[i] = r - ax[i];
        }
        for j in 0..d {
            out[n + j] = r - x[j];
            out[n + d + j] = r + x[j];
        }
        out
    }

    /// `G^T v` as `(x part, r part)`.
    fn gt(&self, v: ArrayView1<f64>) -> (Array1<f64>, f64) {
        let (n, d) = (self.n, self.d);
        let vr = v.slice(ndarray::s![..n]);
        let mut gx = matvec_t(self.a.view(), vr).mapv(|t| -t);
        for j in 0..d {
            gx[j] += v[n + d + j] - v[n + j];
        }
        (gx, v.sum())
    }

    /// Certified (lower, upper) bounds on the radius from the center `x` (with `ax = A x`)
    /// and multipliers `lam` (with `atl = A^T lam_rows`, `lam_rows >= 0`).
    fn bounds(
        &self,
        x: ArrayView1<f64>,
        ax: ArrayView1<f64>,
        atl: ArrayView1<f64>,
        lam: ArrayView1<f64>,
    ) -> (f64, f64) {
        let (n, d) = (self.n, self.d);
        let mut lower = f64::INFINITY;
        for i in 0..n {
            lower = lower.min(ax[i] + self.b[i]);
        }
        for j in 0..d {
            lower = lower.min(x[j] - self.lo[j]).min(self.hi[j] - x[j]);
        }
        // Dual feasibility: sum(lam) = 1 and A^T lam_rows = lam_hi - lam_lo. Keep the row
        // multipliers and the box ones, shift one box multiplier per coordinate to close the
        // residual, rescale to sum 1: a dual feasible point, so `upper` bounds the optimum.
        let lr = lam.slice(ndarray::s![..n]);
        let rho = atl;
        let mut total = lr.sum();
        let mut obj = lr.dot(&self.b);
        for j in 0..d {
            let (mut l, mut h) = (lam[n + j].max(0.0), lam[n + d + j].max(0.0));
            let delta = rho[j] - (h - l);
            if delta > 0.0 {
                h += delta;
            } else {
                l -= delta;
            }
            total += l + h;
            obj += h * self.hi[j] - l * self.lo[j];
        }
        let upper = if total > 0.0 {
            obj / total
        } else {
            f64::INFINITY
        };
        (lower, upper)
    }

    /// The interior-point solve from `x0`; `exact`: no approximations in the normal matrix.
    fn solve(&self, x0: Array1<f64>, st: Settings, exact: bool) -> Insphere {
        let (n, d, m) = (self.n, self.d, self.m());
        let h = self.h();
        let mut x = x0;
        let slack0 = matvec(self.a.view(), x.view()) + &self.b;
        let mut r = slack0.fold(f64::INFINITY, |acc, &v| acc.min(v));
        for j in 0..d {
            r = r.min((self.hi[j] - self.lo[j]) / 2.0);
        }
        r -= 1.0;
        let mut s = &h - &self.g(x.view(), r);
        let mut lam = Array1::<f64>::ones(m);
        let mut best = (x.clone(), f64::NEG_INFINITY, f64::INFINITY);
        let mut mu0 = f64::NAN;
        // approximations in the normal matrix (float32, rows left out) until a step is short
        let mut exact = exact;
        for it in 0..st.max_iter {
            // one pass over A for A x and one for A^T lam serve the certificate and the
            // residuals of this iteration
            let ax = matvec(self.a.view(), x.view());
            let atl = matvec_t(self.a.view(), lam.slice(ndarray::s![..n]));
            let (lower, upper) = self.bounds(x.view(), ax.view(), atl.view(), lam.view());
            if lower > best.1 {
                best = (x.clone(), lower, best.2);
            }
            best.2 = best.2.min(upper);
            if best.2 - best.1 <= st.rel_tol * best.1.abs().max(best.2.abs()) + st.abs_tol {
                return self.done(best, it, Status::Optimal);
            }
            let mut rp = Array1::<f64>::zeros(m);
            for i in 0..n {
                rp[i] = r - ax[i] + s[i] - h[i];
            }
            for j in 0..d {
                rp[n + j] = r - x[j] + s[n + j] - h[n + j];
                rp[n + d + j] = r + x[j] + s[n + d + j] - h[n + d + j];
            }
            let mut rdx = -&atl;
            for j in 0..d {
                rdx[j] += lam[n + d + j] - lam[n + j];
            }
            let rdr = lam.sum() - 1.0;
            let mu = s.dot(&lam) / m as f64;
            if it == 0 {
                mu0 = mu;
            }
            let w = &lam / &s;
            let single = !exact && mu > SINGLE_PRECISION_MU * mu0;
            let reduce = if exact { 0.0 } else { REDUCE_TOL };
            let chol = match self.normal_matrix(w.view(), single, reduce) {
                Some(c) => c,
                None => return self.done(best, it, Status::NumericalFailure),
            };
            rdx.mapv_inplace(|v| -v);
            let solve = |rc: &Array1<f64>| -> (Array1<f64>, Array1<f64>, Array1<f64>) {
                // M dz = -rd - G^T (S^-1 (rc + L rp));  ds = -rp - G dz;  dl = S^-1(rc + L rp) + W G dz
                let t = (rc + &(&lam * &rp)) / &s;
                let (gtx, gtr) = self.gt(t.view());
                let mut rhs = Array1::zeros(d + 1);
                for j in 0..d {
                    rhs[j] = rdx[j] - gtx[j];
                }
                rhs[d] = -rdr - gtr;
                let dz = chol.solve(rhs);
                let gdz = self.g(dz.slice(ndarray::s![..d]), dz[d]);
                let ds = -&rp - &gdz;
                let dl = &t + &(&w * &gdz);
                (dz, ds, dl)
            };
            let rc_aff = -(&s * &lam);
            let (_, ds_a, dl_a) = solve(&rc_aff);
            let ap = max_step(s.view(), ds_a.view());
            let ad = max_step(lam.view(), dl_a.view());
            let mu_aff = Zip::from(&s)
                .and(&ds_a)
                .and(&lam)
                .and(&dl_a)
                .fold(0.0, |acc, &si, &dsi, &li, &dli| {
                    acc + (si + ap * dsi) * (li + ad * dli)
                })
                / m as f64;
            let sigma = (mu_aff / mu).powi(3).min(1.0);
            let mut rc = &rc_aff - &(&ds_a * &dl_a) + sigma * mu;
            let (mut dz, mut ds, mut dl) = solve(&rc);
            // Gondzio's centrality correctors: aim a longer step at a point whose products
            // s_i lam_i lie in [0.1, 10] sigma mu; keep a corrector while it lengthens the
            // step enough. Each costs one solve, far less than the iteration it saves.
            let mut alpha = max_step(s.view(), ds.view()).min(max_step(lam.view(), dl.view()));
            for _ in 0..MAX_CORRECTORS {
                // (mu can round to a tiny negative value at the optimum: no target band then)
                if alpha >= 1.0 || (sigma * mu).is_nan() || sigma * mu <= 0.0 {
                    break;
                }
                let target = (alpha + CORRECTOR_STRETCH).min(1.0);
                let (vlo, vhi) = (0.1 * sigma * mu, 10.0 * sigma * mu);
                let corr = Zip::from(&s).and(&ds).and(&lam).and(&dl).map_collect(
                    |&si, &dsi, &li, &dli| {
                        let v = (si + target * dsi) * (li + target * dli);
                        (v.clamp(vlo, vhi) - v).max(-vhi)
                    },
                );
                let rc_new = &rc + &corr;
                let (dz2, ds2, dl2) = solve(&rc_new);
                let alpha2 = max_step(s.view(), ds2.view()).min(max_step(lam.view(), dl2.view()));
                if alpha2.is_nan() || alpha2 < alpha + 0.1 * CORRECTOR_STRETCH {
                    break;
                }
                (rc, dz, ds, dl, alpha) = (rc_new, dz2, ds2, dl2, alpha2);
            }
            let ap = (STEP_FRACTION * max_step(s.view(), ds.view())).min(1.0);
            let ad = (STEP_FRACTION * max_step(lam.view(), dl.view())).min(1.0);
            if ap.min(ad) < SHORT_STEP {
                exact = true;
            }
            if !(ap.is_finite() && ad.is_finite()) || dz.iter().any(|v| !v.is_finite()) {
                return self.done(best, it, Status::NumericalFailure);
            }
            x.scaled_add(ap, &dz.slice(ndarray::s![..d]));
            r += ap * dz[d];
            s.scaled_add(ap, &ds);
            lam.scaled_add(ad, &dl);
            // keep strictly positive against rounding
            s.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
            lam.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
        }
        let ax = matvec(self.a.view(), x.view());
        let atl = matvec_t(self.a.view(), lam.slice(ndarray::s![..n]));
        let (lower, upper) = self.bounds(x.view(), ax.view(), atl.view(), lam.view());
        if lower > best.1 {
            best = (x, lower, best.2);
        }
        best.2 = best.2.min(upper);
        let ok = best.2 - best.1 <= st.rel_tol * best.1.abs().max(best.2.abs()) + st.abs_tol;
        let status = if ok {
            Status::Optimal
        } else {
            Status::IterationLimit
        };
        self.done(best, st.max_iter, status)
    }

    fn done(&self, best: (Array1<f64>, f64, f64), it: usize, status: Status) -> Insphere {
        Insphere {
            center: best.0,
            radius: best.1,
            upper_bound: best.2,
            iterations: it,
            status,
        }
    }

    /// Cholesky factor of `G^T W G` ((d+1) x (d+1)). The unit rows contribute
    /// `B^T B` with `B = sqrt(W) [-A | 1]`, one lower-triangle GEMM that also yields the last
    /// row and column; rows whose weight is below `REDUCE_TOL` of the largest are left out
    /// (their share is below rounding); the box rows only add to the diagonal and the last
    /// column. `single`: the GEMM in float32 (early iterations).
    fn normal_matrix(&self, w: ArrayView1<f64>, single: bool, reduce: f64) -> Option<Cholesky> {
        let (n, d) = (self.n, self.d);
        let wr = w.slice(ndarray::s![..n]);
        let wmax = wr.fold(0.0f64, |acc, &v| acc.max(v));
        let rows: Vec<usize> = (0..n).filter(|&i| wr[i] >= reduce * wmax).collect();
        let mut mat = weighted_gram_augmented(self.a.view(), wr, &rows, single);
        for j in 0..d {
            let (wl, wh) = (w[n + j], w[n + d + j]);
            mat[[j, j]] += wl + wh;
            let c = mat[[d, j]] - wl + wh;
            mat[[j, d]] = c;
            mat[[d, j]] = c;
        }
        mat[[d, d]] += w.slice(ndarray::s![n..]).sum();
        Cholesky::factor(mat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn square_with_a_cut() {
        // [0, 2]^2 cut by x + y <= 2 (row -x - y + 2 >= 0), scaled by 1e6.
        let a = array![[-1e6, -1e6]];
        let b = array![2e6];
        let lo = array![0.0, 0.0];
        let hi = array![2.0, 2.0];
        let s = insphere(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(s.status, Status::Optimal);
        let r = 2.0 / (2.0 + 2f64.sqrt()); // inradius of the right triangle with legs 2
        assert!((s.radius - r).abs() < 1e-9, "{} vs {r}", s.radius);
        assert!(s.upper_bound >= s.radius);
        assert!((s.center[0] - r).abs() < 1e-6 && (s.center[1] - r).abs() < 1e-6);
    }

    #[test]
    fn empty_has_negative_radius() {
        // x >= 1.5 and x <= 0.5 inside [0, 2]
        let a = array![[1.0], [-1.0]];
        let b = array![-1.5, 0.5];
        let lo = array![0.0];
        let hi = array![2.0];
        let s = insphere(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(s.status, Status::Optimal);
        assert!(s.upper_bound < 0.0);
        assert!((s.radius + 0.5).abs() < 1e-9);
    }

    #[test]
    fn iteration_limit_is_reported() {
        let a = array![[-1.0, -1.0], [1.0, -3.0]];
        let b = array![2.0, 1.0];
        let lo = array![0.0, 0.0];
        let hi = array![2.0, 2.0];
        let st = Settings {
            max_iter: 1,
            ..Settings::default()
        };
        let s = insphere(a.view(), b.view(), lo.view(), hi.view(), st).unwrap();
        assert_eq!(s.status, Status::IterationLimit);
    }

    #[test]
    fn approximate_and_exact_normal_matrices_agree() {
        // a random polytope around the origin: 300 rows in 40 dimensions
        let (n, d) = (300, 40);
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let a = Array2::from_shape_fn((n, d), |_| next());
        let b = Array1::from_shape_fn(n, |_| 0.05 + next().abs());
        let lo = Array1::from_elem(d, -1.0);
        let hi = Array1::from_elem(d, 1.0);
        let rows = normalize(a.view(), b.view());
        let ipm = Ipm::new(rows.a, rows.b, lo.view(), hi.view());
        let st = Settings::default();
        let fast = ipm.solve(Array1::zeros(d), st, false);
        let exact = ipm.solve(Array1::zeros(d), st, true);
        assert_eq!(fast.status, Status::Optimal);
        assert_eq!(exact.status, Status::Optimal);
        assert!(fast.radius <= exact.upper_bound && exact.radius <= fast.upper_bound);
        assert!((fast.radius - exact.radius).abs() < 1e-8 * exact.radius.abs());
    }

    #[test]
    fn infinite_box_is_refused() {
        let a = array![[1.0]];
        let b = array![0.0];
        let lo = array![f64::NEG_INFINITY];
        let hi = array![1.0];
        assert!(insphere(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            Settings::default()
        )
        .is_err());
    }
}
