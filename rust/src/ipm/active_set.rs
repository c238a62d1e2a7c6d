//! Small LPs by a primal active-set method (the simplex method in inequality form), for low
//! dimensions where an interior-point iteration costs mostly overhead: from a strictly
//! interior start, move along the objective's descent projected off the tight constraints
//! until a constraint blocks, add it; at a point where the projection vanishes, the
//! multipliers of the tight constraints either certify the optimum (all `>= 0`) or name one
//! to release. At most `d` constraints are tight at once, so an iteration is one product
//! with `A` and a Gram-Schmidt step on `d`-vectors.
//!
//! Constraints are the rows `A x + b >= 0` and the finite box `lo <= x <= hi` (indices
//! `n + j` for `x_j >= lo_j`, `n + d + j` for `x_j <= hi_j`).
//!
//! Certification is the same as the interior-point LP's ([`super::lp`]): the returned point
//! is checked exactly against every row and the box (a vertex found in floating point is
//! pulled toward the interior start until it is), and the lower bound comes from weak
//! duality with the row multipliers, made dual feasible through the box. When the method
//! cannot certify an answer within its limits (a degenerate vertex cycling, an unbounded
//! direction, ill-conditioned tight sets) it returns `None` and the caller runs the
//! interior-point solver.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::lp::{Exits, LpResult};
use super::{Settings, Status};

/// Dimensions up to which callers should try this method first.
pub const MAX_DIM: usize = 16;
/// A projected direction shorter than this (relative to the objective) counts as zero.
const NULL_DIRECTION: f64 = 1e-11;
/// A new constraint whose normal keeps less than this fraction outside the span of the
/// tight ones is dependent on them (ill-conditioned tight set: give up).
const DEPENDENT: f64 = 1e-9;
/// A constraint blocks a direction `p` (unit) when `g . p` is below minus this.
const BLOCKS: f64 = 1e-13;

/// The rows and the box as one list of constraints `g_k . x + h_k >= 0`.
struct Constraints<'a> {
    a: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
}

impl Constraints<'_> {
    fn n(&self) -> usize {
        self.a.nrows()
    }

    fn d(&self) -> usize {
        self.a.ncols()
    }

    fn count(&self) -> usize {
        self.n() + 2 * self.d()
    }

    /// The normal of constraint `k`.
    fn normal(&self, k: usize) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        if k < n {
            return self.a.row(k).to_owned();
        }
        let mut g = Array1::zeros(d);
        if k < n + d {
            g[k - n] = 1.0;
        } else {
            g[k - n - d] = -1.0;
        }
        g
    }

    /// `g_k . p` for every constraint, given `A p`.
    fn along(&self, k: usize, ap: &Array1<f64>, p: &Array1<f64>) -> f64 {
        let (n, d) = (self.n(), self.d());
        if k < n {
            ap[k]
        } else if k < n + d {
            p[k - n]
        } else {
            -p[k - n - d]
        }
    }

    /// Slack of constraint `k` at `x`, given the row slacks `A x + b`.
    fn slack(&self, k: usize, row_slack: &Array1<f64>, x: &Array1<f64>) -> f64 {
        let (n, d) = (self.n(), self.d());
        if k < n {
            row_slack[k]
        } else if k < n + d {
            x[k - n] - self.lo[k - n]
        } else {
            self.hi[k - n - d] - x[k - n - d]
        }
    }

    /// Whether `x` satisfies every row and the box exactly.
    fn feasible(&self, x: &Array1<f64>) -> bool {
        let s = self.a.dot(x) + self.b;
        s.iter().all(|&v| v >= 0.0)
            && (0..self.d()).all(|j| x[j] >= self.lo[j] && x[j] <= self.hi[j])
    }
}

/// The tight constraints' normals, `G_W^T = Q R` (Gram-Schmidt, columns of `Q` orthonormal).
struct Working {
    idx: Vec<usize>,
    q: Vec<Array1<f64>>,
    /// `r[j]` is column `j` of `R` (length `j + 1`).
    r: Vec<Vec<f64>>,
}

impl Working {
    fn new() -> Working {
        Working {
            idx: Vec::new(),
            q: Vec::new(),
            r: Vec::new(),
        }
    }

    /// Adds constraint `k` with normal `g`; false when `g` is (nearly) in the span already.
    fn push(&mut self, k: usize, g: Array1<f64>) -> bool {
        let gnorm = g.dot(&g).sqrt();
        let mut v = g;
        let mut col = Vec::with_capacity(self.q.len() + 1);
        for qi in &self.q {
            let c = qi.dot(&v);
            v.scaled_add(-c, qi);
            col.push(c);
        }
        // a second pass keeps Q orthonormal to working precision
        for (qi, cj) in self.q.iter().zip(col.iter_mut()) {
            let c = qi.dot(&v);
            v.scaled_add(-c, qi);
            *cj += c;
        }
        let vn = v.dot(&v).sqrt();
        if vn.is_nan() || vn <= DEPENDENT * gnorm {
            return false;
        }
        col.push(vn);
        self.q.push(v / vn);
        self.r.push(col);
        self.idx.push(k);
        true
    }

    /// Rebuilds the factorisation without position `pos`.
    fn remove(&mut self, pos: usize, cons: &Constraints) -> bool {
        let mut idx = self.idx.clone();
        idx.remove(pos);
        *self = Working::new();
        idx.into_iter().all(|k| self.push(k, cons.normal(k)))
    }

    /// `c` minus its projection on the span of the tight normals.
    fn project_off(&self, c: &Array1<f64>) -> Array1<f64> {
        let mut p = c.clone();
        for qi in &self.q {
            let t = qi.dot(&p);
            p.scaled_add(-t, qi);
        }
        p
    }

    /// Multipliers `lam` with `G_W^T lam = c` in the least-squares sense (`R lam = Q^T c`).
    fn multipliers(&self, c: &Array1<f64>) -> Vec<f64> {
        let m = self.q.len();
        let qtc: Vec<f64> = self.q.iter().map(|qi| qi.dot(c)).collect();
        let mut lam = vec![0.0; m];
        for i in (0..m).rev() {
            let mut s = qtc[i];
            for (j, lj) in lam.iter().enumerate().skip(i + 1) {
                s -= self.r[j][i] * lj;
            }
            lam[i] = s / self.r[i][i];
        }
        lam
    }
}

/// Minimises `c.x + c0` over `{A x + b >= 0, lo <= x <= hi}` (finite box) from `x0`, which
/// must satisfy every row and the box strictly. Same answer and certificates as
/// [`super::lp::minimize`], or `None` when this method cannot certify one (see the module
/// notes); the caller then runs the interior-point solver.
#[allow(clippy::too_many_arguments)]
pub fn minimize_small<'a>(
    a: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    c: ArrayView1<f64>,
    c0: f64,
    x0: ArrayView1<f64>,
    exits: Exits,
    st: &Settings,
) -> Option<LpResult> {
    let cons = Constraints { a, b, lo, hi };
    let (n, d) = (cons.n(), cons.d());
    if c.len() != d || x0.len() != d || b.len() != n || lo.len() != d || hi.len() != d {
        return None;
    }
    let strictly_inside =
        (a.dot(&x0) + b).iter().all(|&v| v > 0.0) && (0..d).all(|j| x0[j] > lo[j] && x0[j] < hi[j]);
    if lo.iter().chain(hi.iter()).any(|v| !v.is_finite()) || !strictly_inside {
        return None;
    }
    let c = c.to_owned();
    let cnorm = c.dot(&c).sqrt();
    let x0 = x0.to_owned();
    let mut x = x0.clone();
    let mut row_slack = a.dot(&x) + b;
    let mut w = Working::new();
    let max_iter = 8 * (d + 4);
    let mut iterations = 0;
    let lam = loop {
        iterations += 1;
        if iterations > max_iter {
            return None;
        }
        let p = -w.project_off(&c);
        let pn = p.dot(&p).sqrt();
        if pn <= NULL_DIRECTION * cnorm.max(1e-300) {
            let lam = w.multipliers(&c);
            // release the most negative multiplier (Dantzig), if any is meaningfully < 0
            let (pos, &most) = lam
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap_or((0, &0.0));
            if lam.is_empty() || most >= -NULL_DIRECTION * cnorm {
                break lam;
            }
            if !w.remove(pos, &cons) {
                return None;
            }
            continue;
        }
        let p = p / pn;
        let ap = a.dot(&p);
        let mut step = f64::INFINITY;
        let mut block = usize::MAX;
        for k in 0..cons.count() {
            let gp = cons.along(k, &ap, &p);
            if gp < -BLOCKS && !w.idx.contains(&k) {
                let t = cons.slack(k, &row_slack, &x).max(0.0) / -gp;
                if t < step {
                    step = t;
                    block = k;
                }
            }
        }
        if block == usize::MAX {
            return None; // unbounded direction: cannot happen in a finite box
        }
        x.scaled_add(step, &p);
        row_slack.scaled_add(step, &ap);
        if c.dot(&x) + c0 < exits.stop_below {
            // a point below the threshold: made exactly feasible, it settles the question
            let xf = pulled_inside(&cons, &x, &x0)?;
            let v = c.dot(&xf) + c0;
            if v < exits.stop_below {
                return Some(LpResult {
                    x: xf,
                    value: v,
                    lower_bound: f64::NEG_INFINITY,
                    iterations,
                    status: Status::PointBelow,
                });
            }
        }
        if !w.push(block, cons.normal(block)) {
            return None;
        }
    };
    // certificate: row multipliers >= 0, the box closes the residual
    let mut lam_rows = Array1::<f64>::zeros(n);
    for (&k, &l) in w.idx.iter().zip(&lam) {
        if k < n {
            lam_rows[k] = l.max(0.0);
        }
    }
    let resid = &c - &a.t().dot(&lam_rows);
    let mut lower = c0 - lam_rows.dot(&b);
    for j in 0..d {
        lower += if resid[j] > 0.0 {
            resid[j] * lo[j]
        } else {
            resid[j] * hi[j]
        };
    }
    let xf = pulled_inside(&cons, &x, &x0)?;
    let value = c.dot(&xf) + c0;
    let status = if value < exits.stop_below {
        Status::PointBelow
    } else if lower >= exits.stop_above {
        Status::BoundAbove
    } else if value - lower <= st.rel_tol * value.abs().max(lower.abs()) + st.abs_tol {
        Status::Optimal
    } else {
        return None;
    };
    Some(LpResult {
        x: xf,
        value,
        lower_bound: lower,
        iterations,
        status,
    })
}

/// `x` moved toward the interior point `x0` just enough to satisfy every constraint exactly
/// (a vertex computed in floating point may miss a tight row by a rounding error).
fn pulled_inside(cons: &Constraints, x: &Array1<f64>, x0: &Array1<f64>) -> Option<Array1<f64>> {
    if cons.feasible(x) {
        return Some(x.clone());
    }
    let mut theta = 1e-14;
    while theta < 1e-6 {
        let y = x + &(theta * (x0 - x));
        if cons.feasible(&y) {
            return Some(y);
        }
        theta *= 16.0;
    }
    None
}

/// The largest ball `{|y - x| <= r}` inside `{A x + b >= 0, lo <= x <= hi}` (finite box) as
/// the LP `max r  s.t.  a_k x + b_k >= r |a_k|,  lo + r <= x <= hi - r` in `(x, r)`, solved
/// from `x0` strictly inside. Returns the center, its exact radius (distance to the nearest
/// hyperplane or box face) and a certified upper bound on the optimal radius, within the
/// tolerances of `st`; `None` when the method declines (the caller runs the interior-point
/// insphere).
pub fn insphere_small(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    st: &Settings,
) -> Option<(Array1<f64>, f64, f64)> {
    let (n, d) = a.dim();
    if x0.len() != d || lo.iter().chain(hi.iter()).any(|v| !v.is_finite()) {
        return None;
    }
    let norm: Vec<f64> = a.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect();
    if (0..n).any(|k| norm[k] == 0.0 && b[k] < 0.0) {
        return None;
    }
    let live: Vec<usize> = (0..n).filter(|&k| norm[k] > 0.0).collect();
    let m = live.len() + 2 * d;
    let mut g = Array2::<f64>::zeros((m, d + 1));
    let mut h = Array1::<f64>::zeros(m);
    for (row, &k) in live.iter().enumerate() {
        for j in 0..d {
            g[[row, j]] = a[[k, j]] / norm[k];
        }
        g[[row, d]] = -1.0;
        h[row] = b[k] / norm[k];
    }
    for j in 0..d {
        let (rl, rh) = (live.len() + j, live.len() + d + j);
        g[[rl, j]] = 1.0;
        g[[rl, d]] = -1.0;
        h[rl] = -lo[j];
        g[[rh, j]] = -1.0;
        g[[rh, d]] = -1.0;
        h[rh] = hi[j];
    }
    let radius_at = |x: ArrayView1<f64>| -> f64 {
        let mut r = f64::INFINITY;
        for &k in &live {
            r = r.min((a.row(k).dot(&x) + b[k]) / norm[k]);
        }
        for j in 0..d {
            r = r.min(x[j] - lo[j]).min(hi[j] - x[j]);
        }
        r
    };
    let r0 = 0.5 * radius_at(x0);
    if r0.is_nan() || r0 <= 0.0 {
        return None;
    }
    let mut lo_z = Array1::<f64>::zeros(d + 1);
    let mut hi_z = Array1::<f64>::zeros(d + 1);
    lo_z.slice_mut(ndarray::s![..d]).assign(&lo);
    hi_z.slice_mut(ndarray::s![..d]).assign(&hi);
    hi_z[d] = 0.5 * (0..d).map(|j| hi[j] - lo[j]).fold(0.0, f64::max) + 1.0;
    let mut z0 = Array1::<f64>::zeros(d + 1);
    z0.slice_mut(ndarray::s![..d]).assign(&x0);
    z0[d] = r0;
    let mut c = Array1::<f64>::zeros(d + 1);
    c[d] = -1.0;
    let lp = minimize_small(
        g.view(),
        h.view(),
        lo_z.view(),
        hi_z.view(),
        c.view(),
        0.0,
        z0.view(),
        Exits::default(),
        st,
    )?;
    let center = lp.x.slice(ndarray::s![..d]).to_owned();
    let radius = radius_at(center.view());
    let upper = -lp.lower_bound;
    if radius.is_nan() || radius <= 0.0 || upper - radius > st.rel_tol * upper.abs() + st.abs_tol {
        return None;
    }
    Some((center, radius, upper))
}
