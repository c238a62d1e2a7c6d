//! The interior-point loop shared by every problem (see the module notes of [`super`]).

use ndarray::{Array1, Zip};

use super::crossover;
use super::layout::{self, Layout};
use super::problem::{Point, Problem, Solution, Start};
use super::settings::{Settings, Status};
use crate::linalg::dense::{max_step, Cholesky};

/// Solves `problem` from `start`: one pass with the approximations of the normal matrix and,
/// if it ends uncertified (and `exact_retry`), one without them.
pub fn solve<'a, P: Problem<'a>>(problem: &P, start: &Start, st: &Settings) -> Solution {
    let first = pass(problem, start.clone(), st, false);
    if first.status.is_certified() || !st.exact_retry {
        return first;
    }
    let second = pass(problem, start.clone(), st, true);
    Solution {
        iterations: first.iterations + second.iterations,
        ..second
    }
}

/// A factored normal matrix.
enum Normal {
    Dense(Cholesky),
    LowRank(Box<layout::LowRankNormal>),
}

impl Normal {
    fn solve(&self, r: Array1<f64>) -> Array1<f64> {
        match self {
            Normal::Dense(c) => c.solve(r),
            Normal::LowRank(l) => l.solve(&r),
        }
    }
}

/// The Newton direction for one complementarity target.
struct Newton<'s, 'l> {
    lay: &'s Layout<'l>,
    chol: Normal,
    s: &'s Array1<f64>,
    lam: &'s Array1<f64>,
    w: Array1<f64>,
    rp: Array1<f64>,
    rd: Array1<f64>,
}

impl Newton<'_, '_> {
    /// `(dz, ds, dlam)` for the complementarity residual `rc`:
    /// `M dz = -rd - G^T t`, `t = S^-1 (rc + L rp)`; `ds = -rp - G dz`; `dl = t + W G dz`.
    fn direction(&self, rc: &Array1<f64>) -> (Array1<f64>, Array1<f64>, Array1<f64>) {
        let t = (rc + &(self.lam * &self.rp)) / self.s;
        let rhs = -&self.rd - &self.lay.gt(t.view());
        let dz = self.chol.solve(rhs);
        let gdz = self.lay.g(dz.view());
        let ds = -&self.rp - &gdz;
        let dl = &t + &(&self.w * &gdz);
        (dz, ds, dl)
    }
}

fn finite(vs: &[&Array1<f64>]) -> bool {
    vs.iter().all(|v| v.iter().all(|x| x.is_finite()))
}

fn step(v: &Array1<f64>, dv: &Array1<f64>) -> f64 {
    max_step(v.view(), dv.view())
}

/// `A x` and `A^T lam_rows` at the iterate `(z, lam)`, and the problem's verdict on it
/// (`Some(status)` stops the solve).
fn certify_at<'a, P: Problem<'a>>(
    problem: &P,
    z: &Array1<f64>,
    lam: &Array1<f64>,
    st: &Settings,
) -> (Array1<f64>, Array1<f64>, Option<Status>) {
    let lay = problem.layout();
    let ax = lay.ax(z.view());
    let atl = lay.atv(lam.view());
    let point = Point {
        z: z.view(),
        lam: lam.view(),
        ax: ax.view(),
        atl: atl.view(),
    };
    let verdict = problem.certify(&point, st);
    (ax, atl, verdict)
}

/// One interior-point pass; `exact`: no approximations in the normal matrix.
fn pass<'a, P: Problem<'a>>(problem: &P, start: Start, st: &Settings, exact: bool) -> Solution {
    let lay = problem.layout();
    let m = lay.m();
    let Start {
        mut z,
        mut s,
        mut lam,
    } = start;
    let mut exact = exact;
    let (mut mu0, mut next_cross) = (f64::NAN, f64::NAN);
    let mut crossed = false;
    let (mut stall_gap, mut stall_it) = (f64::INFINITY, 0usize);
    let mut failed: Option<usize> = None;
    let done = |z: Array1<f64>, lam: Array1<f64>, it, status| Solution {
        z,
        lam,
        iterations: it,
        status,
    };
    for it in 0..st.max_iter {
        let (ax, atl, verdict) = certify_at(problem, &z, &lam, st);
        if let Some(status) = verdict {
            return done(z, lam, it, status);
        }
        let slack = lay.slack(z.view(), ax.view());
        let mu = s.dot(&lam) / m as f64;
        if it == 0 {
            mu0 = mu;
            next_cross = st.crossover_mu * mu0;
        }
        if mu <= next_cross || (crossed && st.crossover_repeat >= 1.0) {
            next_cross = mu * st.crossover_repeat;
            crossed = true;
            let at = crossover::At::new(&z, &s, &lam, &ax, &slack, mu);
            if let Some(status) = crossover::finish(problem, &at, st) {
                return done(z, lam, it, status);
            }
        }
        if crossed {
            let gap = problem.gap();
            if gap < 0.5 * stall_gap {
                (stall_gap, stall_it) = (gap, it);
            } else if it - stall_it >= st.stall_iter {
                return done(z, lam, it, Status::Stalled);
            }
        }
        let rp = &s - &slack;
        let rd = problem.gradient(z.view()) + lay.gt_from(lam.view(), atl.view());
        let w = &lam / &s;
        let single = !exact && mu > st.single_mu * mu0;
        let reduce = if exact { 0.0 } else { st.reduce_tol };
        let curv = problem.curvature(z.view());
        let nonlinear = curv.is_some();
        // with curvature, Woodbury's identity loses the last digits the solve needs
        let low_rank = if nonlinear {
            None
        } else {
            lay.low_rank_normal(w.view(), reduce)
        };
        let chol = match (low_rank, curv) {
            (Some(l), _) => Some(Normal::LowRank(Box::new(l))),
            (None, curv) => {
                let mut mat = lay.normal_matrix(w.view(), single, reduce);
                if let Some(f) = curv {
                    mat += &f.t().dot(&f);
                    Cholesky::factor_shifted(mat).map(Normal::Dense)
                } else {
                    Cholesky::factor(mat).map(Normal::Dense)
                }
            }
        };
        let Some(chol) = chol else {
            failed = Some(it);
            break;
        };
        let newton = Newton {
            lay,
            chol,
            s: &s,
            lam: &lam,
            w,
            rp,
            rd,
        };
        // predictor
        let rc_aff = -(&s * &lam);
        let (_, ds_a, dl_a) = newton.direction(&rc_aff);
        let ap = step(&s, &ds_a).min(1.0);
        let ad = step(&lam, &dl_a).min(1.0);
        let mu_aff = Zip::from(&s)
            .and(&ds_a)
            .and(&lam)
            .and(&dl_a)
            .fold(0.0, |acc, &si, &dsi, &li, &dli| {
                acc + (si + ap * dsi) * (li + ad * dli)
            })
            / m as f64;
        // mu_aff can round below zero near the end: sigma stays in [0, 1]
        let sigma = (mu_aff / mu).max(0.0).powi(3).min(1.0);
        // Mehrotra corrector
        let mut rc = &rc_aff - &(&ds_a * &dl_a) + sigma * mu;
        let (mut dz, mut ds, mut dl) = newton.direction(&rc);
        // Gondzio's centrality correctors: aim a longer step at a point whose products
        // s_i lam_i lie in [0.1, 10] sigma mu; keep one while it lengthens the step enough
        let mut alpha = step(&s, &ds).min(step(&lam, &dl));
        for _ in 0..st.max_correctors {
            if alpha >= 1.0 {
                break;
            }
            let target = (alpha + st.corrector_stretch).min(1.0);
            let (vlo, vhi) = (0.1 * sigma * mu, 10.0 * sigma * mu);
            let corr =
                Zip::from(&s)
                    .and(&ds)
                    .and(&lam)
                    .and(&dl)
                    .map_collect(|&si, &dsi, &li, &dli| {
                        let v = (si + target * dsi) * (li + target * dli);
                        (v.max(vlo).min(vhi) - v).max(-vhi)
                    });
            let rc2 = &rc + &corr;
            let (dz2, ds2, dl2) = newton.direction(&rc2);
            let alpha2 = step(&s, &ds2).min(step(&lam, &dl2));
            if !finite(&[&dz2, &ds2, &dl2])
                || alpha2.is_nan()
                || alpha2 < alpha + 0.1 * st.corrector_stretch
            {
                break;
            }
            (rc, dz, ds, dl, alpha) = (rc2, dz2, ds2, dl2, alpha2);
        }
        drop(newton);
        let (ap, ad) = if nonlinear {
            // one step length: the dual residual is nonlinear in z
            let a = (st.step_fraction * alpha).min(1.0);
            (a, a)
        } else {
            (
                (st.step_fraction * step(&s, &ds)).min(1.0),
                (st.step_fraction * step(&lam, &dl)).min(1.0),
            )
        };
        if ap.min(ad) < st.short_step {
            exact = true;
        }
        if !(ap.is_finite() && ad.is_finite() && finite(&[&dz, &ds, &dl])) {
            failed = Some(it);
            break;
        }
        z.scaled_add(ap, &dz);
        s.scaled_add(ap, &ds);
        lam.scaled_add(ad, &dl);
        // strictly positive against rounding
        s.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
        lam.mapv_inplace(|v| v.max(f64::MIN_POSITIVE));
    }
    let iterations = failed.unwrap_or(st.max_iter);
    let (ax, _, verdict) = certify_at(problem, &z, &lam, st);
    if let Some(status) = verdict {
        return done(z, lam, iterations, status);
    }
    let slack = lay.slack(z.view(), ax.view());
    let mu = s.dot(&lam) / m as f64;
    let at = crossover::At::new(&z, &s, &lam, &ax, &slack, mu);
    if let Some(status) = crossover::finish(problem, &at, st) {
        return done(z, lam, iterations, status);
    }
    let status = if failed.is_some() {
        Status::NumericalFailure
    } else {
        Status::IterationLimit
    };
    done(z, lam, iterations, status)
}
