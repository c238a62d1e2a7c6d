//! The exact active-set finish (crossover): on the rows that are tight at the end of the
//! interior-point iterations, solve the small equality system exactly and certify.
//!
//! With `S` the active rows and `B = G_S` (q x nz):
//! - linear objective: the point on the face `B z' = h_S` nearest `z`
//!   (`z' = z + B^T (B B^T)^-1 slack_S`), then along the projected descent direction to a
//!   vertex or an optimal face ([`purify`]); least-squares multipliers
//!   `min |B^T lam_S + grad f(z')|`, clipped at 0;
//! - nonlinear objective (no border variable): the active sets are the rows and box faces
//!   within a distance of `z`; coordinates at a box face move onto it, and one Newton step
//!   on the face of the active rows (the KKT system, proximally regularised, solved by LU)
//!   moves the others; multipliers by least squares on the coordinates inside the box
//!   ([`face_newton`]). One step is not exact, so the loop repeats it.
//!
//! Both go through the problem's own certificate, which trusts neither (feasibility is
//! checked exactly, bounds come from weak duality), so a wrong active set costs time,
//! never correctness. Degenerate optima (hundreds of rows tied at the solution) leave the
//! interior-point iterates a dual residual the late ill-conditioned Newton systems cannot
//! remove; the least-squares multipliers on the active rows remove it.

use ndarray::{Array1, Array2, ArrayView1};

use super::face::Face;
use super::layout::Layout;
use super::problem::{Point, Problem};
use super::settings::{Settings, Status};
use crate::linalg::dense::{lstsq, lu_solve, Cholesky};
use crate::linalg::gram::gram_t;

/// Active sets larger than this multiple of the number of variables are not tried.
const MAX_ACTIVE_FACTOR: usize = 2;
/// Active sets whose first factor (the dense Gram matrix, `q^2 nz` multiply-adds) costs more
/// than this are not tried: a ball that the box pins in thousands of coordinates (d = 2,000,
/// three rows) would spend there many times what the interior-point iterations cost.
const MAX_ACTIVE_WORK: usize = 2_000_000_000;
/// Proximal regularisation of the objective Hessian (relative to its largest diagonal entry).
const PROX_REG: f64 = 1e-10;
/// A projected descent direction shorter than this (relative to the gradient) ends the
/// purification: the point is optimal on its face.
const PURIFY_TOL: f64 = 1e-12;
/// Rows met by the ratio test within this relative step of the first are added together.
const TIE_TOL: f64 = 1e-9;
/// The purification's ratio-test steps may cost about this many multiply-adds in all
/// (`q (nz + q) + m nz` each: the grown factor, its solves and the slacks), at least
/// [`PURIFY_MIN_STEPS`] of them; past that the finish declines and the interior-point
/// iterations go on. A walk that meets the rows one at a time in high dimension (a ball
/// the box pins coordinate by coordinate) would otherwise cost more than they do.
const PURIFY_WORK: usize = 8_000_000_000;
const PURIFY_MIN_STEPS: usize = 8;
/// Nonlinear objective: rows (distance to the hyperplane) and box faces this close to the
/// iterate are taken as active. A row that is active at the optimum can still be ~1e-5 away
/// when the rest are ~1e-9, hence two sets.
const FACE_TOLS: [f64; 2] = [1e-7, 1e-4];

/// The iterate the finish starts from (`slack` are the exact slacks `h - G z`).
pub struct At<'a> {
    pub z: ArrayView1<'a, f64>,
    pub s: ArrayView1<'a, f64>,
    pub lam: ArrayView1<'a, f64>,
    pub ax: ArrayView1<'a, f64>,
    pub slack: ArrayView1<'a, f64>,
    pub mu: f64,
}

impl<'a> At<'a> {
    /// Views of the iterate `(z, s, lam)`, `ax = A x`, the exact slacks and `mu`.
    pub fn new(
        z: &'a Array1<f64>,
        s: &'a Array1<f64>,
        lam: &'a Array1<f64>,
        ax: &'a Array1<f64>,
        slack: &'a Array1<f64>,
        mu: f64,
    ) -> Self {
        let (z, s, lam) = (z.view(), s.view(), lam.view());
        let (ax, slack) = (ax.view(), slack.view());
        At {
            z,
            s,
            lam,
            ax,
            slack,
            mu,
        }
    }
}

/// Tries the active sets `{s_i < lam_i}` and `{s_i <= sqrt(mu)}`; returns the problem's
/// status as soon as one of them certifies.
pub fn finish<'a, P: Problem<'a>>(problem: &P, at: &At<'_>, st: &Settings) -> Option<Status> {
    if !problem.layout().border {
        if let Some(f) = problem.curvature(at.z) {
            let hess = f.t().dot(&f);
            return FACE_TOLS.iter().find_map(|&tol| {
                let (z2, lam2) = face_newton(problem, at, &hess, tol)?;
                certify_pair(problem, at, z2, lam2, st)
            });
        }
    }
    let m = at.s.len();
    let by_indicator: Vec<usize> = (0..m).filter(|&i| at.s[i] < at.lam[i]).collect();
    let thresh = at.mu.sqrt();
    let by_slack: Vec<usize> = (0..m).filter(|&i| at.s[i] <= thresh).collect();
    for rows in [by_indicator, by_slack] {
        if let Some(status) = try_set(problem, at, &rows, st) {
            return Some(status);
        }
    }
    None
}

/// Linear objective: from `z` on `face`, steps along the projected descent direction to
/// the next row (ratio test), adding the rows it meets to the face, until the direction
/// vanishes (a vertex, or an optimal face). Returns the point (on the final face).
fn purify(
    lay: &Layout<'_>,
    h: ArrayView1<f64>,
    g: &Array1<f64>,
    mut z: Array1<f64>,
    face: &mut Face,
) -> Option<Array1<f64>> {
    let nz = lay.nz();
    let gnorm = g.dot(g).sqrt();
    let mut active = vec![false; lay.m()];
    for &k in face.rows() {
        active[k] = true;
    }
    let q = face.rows().len();
    let step_work = (q * (nz + q) + lay.m() * nz).max(1);
    let max_steps = (PURIFY_WORK / step_work).max(PURIFY_MIN_STEPS);
    let mut settled = false;
    for _ in 0..=nz.min(max_steps) {
        // back onto the face: a long step along a nearly flat direction amplifies rounding
        face.project(&mut z);
        let nu = face.solve(face.apply(g.view()));
        let dir = -(g - &face.apply_t(nu.view()));
        if dir.dot(&dir).sqrt() <= PURIFY_TOL * gnorm {
            settled = true;
            break;
        }
        let ax = lay.ax(z.view());
        let slack = lay.slack(z.view(), ax.view());
        let gd = lay.g(dir.view());
        let mut t = f64::INFINITY;
        for k in 0..lay.m() {
            if !active[k] && gd[k] > 0.0 {
                t = t.min(slack[k].max(0.0) / gd[k]);
            }
        }
        if !t.is_finite() {
            return None;
        }
        let mut new = Vec::new();
        for k in 0..lay.m() {
            if !active[k] && gd[k] > 0.0 && slack[k].max(0.0) / gd[k] <= t * (1.0 + TIE_TOL) {
                active[k] = true;
                new.push(k);
            }
        }
        z.scaled_add(t, &dir);
        if new.is_empty() {
            settled = true;
            break;
        }
        face.add(lay, h, &new)?;
    }
    if !settled {
        return None; // the interior-point iterations go on instead
    }
    // the last rows added: back onto the face once more
    face.project(&mut z);
    Some(z)
}

/// Primal point and multipliers from one active set, certified by the problem.
fn try_set<'a, P: Problem<'a>>(
    problem: &P,
    at: &At<'_>,
    rows: &[usize],
    st: &Settings,
) -> Option<Status> {
    let lay = problem.layout();
    let nz = lay.nz();
    let q = rows.len();
    if q == 0 || q > MAX_ACTIVE_FACTOR * nz || q * q * nz > MAX_ACTIVE_WORK {
        return None;
    }
    let h = lay.h();
    let mut face = Face::new(lay, h.view(), rows)?;
    let slack_s = Array1::from_iter(rows.iter().map(|&k| at.slack[k]));
    let nu = face.solve(slack_s);
    let z1 = &at.z + &face.apply_t(nu.view());
    let z2 = purify(lay, h.view(), &problem.gradient(at.z), z1, &mut face)?;
    if z2.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let g2 = problem.gradient(z2.view());
    let lam_s = face.solve(-face.apply(g2.view()));
    let mut lam2 = Array1::<f64>::zeros(at.lam.len());
    for (r, &k) in face.rows().iter().enumerate() {
        lam2[k] = lam_s[r].max(0.0);
    }
    if lam2.iter().any(|v| !v.is_finite()) {
        return None;
    }
    certify_pair(problem, at, z2, lam2, st)
}

/// Certifies `(z2, lam2)`, then `(z, lam2)` (the multipliers may certify the iterate itself).
fn certify_pair<'a, P: Problem<'a>>(
    problem: &P,
    at: &At<'_>,
    z2: Array1<f64>,
    lam2: Array1<f64>,
    st: &Settings,
) -> Option<Status> {
    let lay = problem.layout();
    let atl2 = lay.atv(lam2.view());
    let ax2 = lay.ax(z2.view());
    let candidates = [
        Point {
            z: z2.view(),
            lam: lam2.view(),
            ax: ax2.view(),
            atl: atl2.view(),
        },
        Point {
            z: at.z.view(),
            lam: lam2.view(),
            ax: at.ax.view(),
            atl: atl2.view(),
        },
    ];
    candidates.iter().find_map(|p| problem.certify(p, st))
}

/// Nonlinear objective, no border: the point and row multipliers after one Newton step on
/// the face of the rows and box faces within `tol` of `z` (rows by their distance
/// `slack_i / |a_i|`). Coordinates at a box face move onto it; for the others (`I`),
/// `[H_II + delta I, A_SI^T; A_SI, 0] [dx_I; nu] = [-grad_I - H_IF dx_F; -slack_S - A_SF dx_F]`;
/// then `A_SI^T lam_S = grad_I(z')` by least squares, clipped at 0 (the box faces'
/// multipliers are left to the certificate, which bounds the box exactly).
fn face_newton<'a, P: Problem<'a>>(
    problem: &P,
    at: &At<'_>,
    hess: &Array2<f64>,
    tol: f64,
) -> Option<(Array1<f64>, Array1<f64>)> {
    let lay = problem.layout();
    let (n, d) = (lay.n(), lay.d());
    let row_sq = lay.row_sq();
    let rows: Vec<usize> = (0..n)
        .filter(|&i| at.slack[i] <= tol * row_sq[i].sqrt())
        .collect();
    let at_lo: Vec<bool> = (0..d).map(|j| at.slack[n + j] <= tol).collect();
    let at_hi: Vec<bool> = (0..d)
        .map(|j| !at_lo[j] && at.slack[n + d + j] <= tol)
        .collect();
    let inside: Vec<usize> = (0..d).filter(|&j| !at_lo[j] && !at_hi[j]).collect();
    let (q, ni) = (rows.len(), inside.len());
    if q == 0 {
        return None;
    }
    // q >= ni: the active rows pin the free coordinates (a vertex, or more rows than
    // coordinates): no Newton step, only multipliers
    let mut dx = Array1::<f64>::zeros(d);
    for j in 0..d {
        if at_lo[j] {
            dx[j] = lay.lo[j] - at.z[j];
        } else if at_hi[j] {
            dx[j] = lay.hi[j] - at.z[j];
        }
    }
    if q < ni {
        let grad = problem.gradient(at.z);
        let h_dx_fixed = hess.dot(&dx); // dx is zero inside: this is H_:F dx_F
        let a_dx_fixed = lay.ax(dx.view());
        let top = (0..d).fold(0.0f64, |acc, j| acc.max(hess[[j, j]].abs()));
        let reg = PROX_REG * top.max(1.0);
        let mut kkt = Array2::<f64>::zeros((ni + q, ni + q));
        let mut rhs = Array1::<f64>::zeros(ni + q);
        for (p, &i) in inside.iter().enumerate() {
            for (r, &j) in inside.iter().enumerate() {
                kkt[[p, r]] = hess[[i, j]];
            }
            kkt[[p, p]] += reg;
            rhs[p] = -grad[i] - h_dx_fixed[i];
        }
        for (r, &k) in rows.iter().enumerate() {
            for (p, &j) in inside.iter().enumerate() {
                let v = lay.a[[k, j]];
                kkt[[p, ni + r]] = v;
                kkt[[ni + r, p]] = v;
            }
            rhs[ni + r] = -at.slack[k] - a_dx_fixed[k];
        }
        let sol = lu_solve(kkt.view(), rhs.view())?;
        for (p, &j) in inside.iter().enumerate() {
            dx[j] = sol[p];
        }
    }
    let z2 = &at.z + &dx;
    let grad2 = problem.gradient(z2.view());
    let a_si_t = Array2::from_shape_fn((ni, q), |(p, r)| lay.a[[rows[r], inside[p]]]);
    let grad_i = Array1::from_iter(inside.iter().map(|&j| grad2[j]));
    let lam_s = if q < ni {
        lstsq(a_si_t.view(), grad_i.view())?
    } else if ni == 0 {
        Array1::zeros(q) // every coordinate on a box face: the box certifies
    } else {
        // the least-norm solution of the under-determined system
        let mmt = Cholesky::factor(gram_t(a_si_t.t()))?;
        a_si_t.t().dot(&mmt.solve(grad_i))
    };
    let mut lam2 = Array1::<f64>::zeros(at.lam.len());
    for (r, &k) in rows.iter().enumerate() {
        lam2[k] = lam_s[r].max(0.0);
    }
    Some((z2, lam2))
}
