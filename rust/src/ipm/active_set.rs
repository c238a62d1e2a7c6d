//! Small LPs by a primal active-set method (the simplex method in inequality form), for low
//! dimensions where an interior-point iteration costs mostly overhead: from a strictly
//! interior start, move along the objective's descent projected off the tight constraints
//! until a constraint blocks, add it; at a point where the projection vanishes, the
//! multipliers of the tight constraints either certify the optimum (all `>= 0`) or name one
//! to release. At most `d` constraints are tight at once, so an iteration is one product
//! with `A` and a Gram-Schmidt step on `d`-vectors.
//!
//! Constraints are the rows `A x + b >= 0` and the box `lo <= x <= hi` (indices `n + j`
//! for `x_j >= lo_j`, `n + d + j` for `x_j <= hi_j`; an infinite side never blocks).
//!
//! Certification is the same as the interior-point LP's ([`super::lp`]): the returned point
//! is checked against every row and the box, each row with a margin above the rounding
//! error of any summation order (a vertex found in floating point is pulled toward the
//! interior start until it passes), and the lower bound comes from weak duality with the
//! row multipliers, made dual feasible through the box (corrected as in [`super::free`]
//! when a side is infinite).
//!
//! Performance notes: from the center a d-dimensional LP reaches its optimal vertex in
//! about `d` to `2d` steps of `O((n + d) d)`; a start at the previous LP's vertex was tried
//! for Clarkson's sequences of LPs and needed more steps (pivots between unrelated optima). When the method
//! cannot certify an answer within its limits (a degenerate vertex cycling, an unbounded
//! direction, ill-conditioned tight sets) it returns `None` and the caller runs the
//! interior-point solver.

use ndarray::{Array1, ArrayView1, ArrayView2};

use super::free::{self, Sides};
use super::linear::{Exits, Lp, LpResult};
use super::settings::{Settings, Status};
use crate::polytope::Polytope;

/// Dimensions up to which callers should try this method first.
pub const MAX_DIM: usize = 16;
/// A projected direction shorter than this (relative to the objective) counts as zero.
const NULL_DIRECTION: f64 = 1e-11;
/// A new constraint whose normal keeps less than this fraction outside the span of the
/// tight ones is dependent on them (ill-conditioned tight set: give up).
const DEPENDENT: f64 = 1e-9;
/// A constraint blocks a direction `p` (unit) when `g . p` is below minus this.
const BLOCKS: f64 = 1e-13;

fn dot(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// The rows (contiguous, row-major) and the box as one list of constraints
/// `g_k . x + h_k >= 0`.
struct Constraints<'a> {
    a: &'a [f64],
    b: &'a [f64],
    lo: &'a [f64],
    hi: &'a [f64],
    n: usize,
    d: usize,
}

impl Constraints<'_> {
    fn count(&self) -> usize {
        self.n + 2 * self.d
    }

    fn row(&self, k: usize) -> &[f64] {
        &self.a[k * self.d..(k + 1) * self.d]
    }

    /// Writes the normal of constraint `k` into `g`.
    fn normal_into(&self, k: usize, g: &mut [f64]) {
        let (n, d) = (self.n, self.d);
        if k < n {
            g.copy_from_slice(self.row(k));
            return;
        }
        g.fill(0.0);
        if k < n + d {
            g[k - n] = 1.0;
        } else {
            g[k - n - d] = -1.0;
        }
    }

    /// `g_k . p`, given `A p`.
    fn along(&self, k: usize, ap: &[f64], p: &[f64]) -> f64 {
        let (n, d) = (self.n, self.d);
        if k < n {
            ap[k]
        } else if k < n + d {
            p[k - n]
        } else {
            -p[k - n - d]
        }
    }

    /// Slack of constraint `k` at `x`, given the row slacks `A x + b`.
    fn slack(&self, k: usize, row_slack: &[f64], x: &[f64]) -> f64 {
        let (n, d) = (self.n, self.d);
        if k < n {
            row_slack[k]
        } else if k < n + d {
            x[k - n] - self.lo[k - n]
        } else {
            self.hi[k - n - d] - x[k - n - d]
        }
    }

    /// `A x + b` into `out`.
    fn row_slacks(&self, x: &[f64], out: &mut [f64]) {
        for (k, o) in out.iter_mut().enumerate() {
            *o = dot(self.row(k), x) + self.b[k];
        }
    }

    /// Whether `x` satisfies every row and the box (`strict`: with slack `> 0`). A row's
    /// slack must also exceed the rounding error of any order of summing it, so that the
    /// point is feasible however a caller evaluates `A x + b` (numpy, BLAS, FMA).
    fn holds(&self, x: &[f64], strict: bool) -> bool {
        let ok = |v: f64| if strict { v > 0.0 } else { v >= 0.0 };
        let rounding = 2.0 * (self.d + 1) as f64 * f64::EPSILON;
        (0..self.n).all(|k| {
            let row = self.row(k);
            let size: f64 = row.iter().zip(x).map(|(a, v)| (a * v).abs()).sum();
            let slack = dot(row, x) + self.b[k];
            ok(slack) && slack >= rounding * (size + self.b[k].abs())
        }) && (0..self.d).all(|j| ok(x[j] - self.lo[j]) && ok(self.hi[j] - x[j]))
    }
}

/// The tight constraints' normals, `G_W^T = Q R` (Gram-Schmidt; the rows of `q` are the
/// orthonormal columns of `Q`, `r` holds `R` by columns, `d` entries each).
struct Working {
    d: usize,
    idx: Vec<usize>,
    q: Vec<f64>,
    r: Vec<f64>,
}

impl Working {
    fn new(d: usize) -> Working {
        Working {
            d,
            idx: Vec::with_capacity(d),
            q: Vec::with_capacity(d * d),
            r: Vec::with_capacity(d * d),
        }
    }

    fn len(&self) -> usize {
        self.idx.len()
    }

    fn qrow(&self, i: usize) -> &[f64] {
        &self.q[i * self.d..(i + 1) * self.d]
    }

    /// Adds constraint `k` with normal `v` (overwritten); false when `v` is (nearly) in the
    /// span already.
    fn push(&mut self, k: usize, v: &mut [f64]) -> bool {
        let (m, d) = (self.len(), self.d);
        if m == d {
            return false;
        }
        let gnorm = dot(v, v).sqrt();
        let mut col = [0.0; MAX_DIM + 1];
        // two passes keep Q orthonormal to working precision
        for _ in 0..2 {
            for (i, ci) in col.iter_mut().enumerate().take(m) {
                let qi = &self.q[i * d..(i + 1) * d];
                let c = dot(qi, v);
                axpy(-c, qi, v);
                *ci += c;
            }
        }
        let vn = dot(v, v).sqrt();
        if vn.is_nan() || vn <= DEPENDENT * gnorm {
            return false;
        }
        col[m] = vn;
        self.q.extend(v.iter().map(|x| x / vn));
        self.r.extend_from_slice(&col[..d]);
        self.idx.push(k);
        true
    }

    /// Rebuilds the factorisation without position `pos` (the part before `pos` depends on
    /// the constraints before it alone, so it is kept).
    fn remove(&mut self, pos: usize, cons: &Constraints, g: &mut [f64]) -> bool {
        let later = self.idx.split_off(pos + 1);
        self.idx.truncate(pos);
        self.q.truncate(pos * self.d);
        self.r.truncate(pos * self.d);
        later.into_iter().all(|k| {
            cons.normal_into(k, g);
            self.push(k, g)
        })
    }

    /// `-c` projected off the span of the tight normals, into `p`.
    fn descent(&self, c: &[f64], p: &mut [f64]) {
        for (pi, ci) in p.iter_mut().zip(c) {
            *pi = -ci;
        }
        for i in 0..self.len() {
            let qi = self.qrow(i);
            let t = dot(qi, p);
            axpy(-t, qi, p);
        }
    }

    /// Multipliers `lam` with `G_W^T lam = c` in the least-squares sense (`R lam = Q^T c`).
    fn multipliers(&self, c: &[f64]) -> Vec<f64> {
        let mut lam = vec![0.0; self.len()];
        self.multipliers_into(c, &mut lam);
        lam
    }

    /// [`Self::multipliers`] into `lam` (length `self.len()`).
    fn multipliers_into(&self, c: &[f64], lam: &mut [f64]) {
        let (m, d) = (self.len(), self.d);
        for (i, li) in lam.iter_mut().enumerate().take(m) {
            *li = dot(self.qrow(i), c);
        }
        for i in (0..m).rev() {
            let mut s = lam[i];
            for (j, lj) in lam.iter().enumerate().take(m).skip(i + 1) {
                s -= self.r[j * d + i] * lj;
            }
            lam[i] = s / self.r[i * d + i];
        }
    }
}

/// Minimises `c.x + c0` over `{A x + b >= 0, lo <= x <= hi}` (finite box) from `x0`, which
/// must satisfy every row and the box strictly. Same answer and certificates as
/// the interior-point LP ([`super::lp`]), or `None` when this method cannot certify one (see the module
/// notes); the caller then runs the interior-point solver.
pub fn minimize_small(
    lp: &Lp,
    x0: ArrayView1<f64>,
    exits: Exits,
    st: &Settings,
) -> Option<LpResult> {
    minimize_small_sharing(lp, x0, exits, st, &[], f64::NEG_INFINITY).map(|(r, _)| r)
}

/// [`minimize_small`], and for each objective `(c_j, c0_j)` of `others` a certified lower
/// bound on its minimum over the same polytope (`-inf` where there is none, or where it
/// cannot reach `wanted`: the objective is below it at the returned point): the
/// weak-duality bound of the multipliers that the final working set gives `c_j`. Any
/// multipliers `>= 0` give a valid bound (the box closes the residual); at a vertex that
/// also minimises `c_j` they give its optimum. This is what lets one LP settle several rows
/// whose normals fall in the same vertex's normal cone. No bounds (all `-inf`) when the
/// solve ends at a point below `exits.stop_below` before reaching a vertex.
pub fn minimize_small_sharing(
    lp: &Lp,
    x0: ArrayView1<f64>,
    exits: Exits,
    st: &Settings,
    others: &[(ArrayView1<f64>, f64)],
    wanted: f64,
) -> Option<(LpResult, Vec<f64>)> {
    // a feasible point below `exits.stop_below` settles the LP before any vertex
    let point_below = |xf: Vec<f64>, value: f64, iterations: usize| {
        let r = LpResult {
            x: Array1::from(xf),
            value,
            lower_bound: f64::NEG_INFINITY,
            iterations,
            status: Status::PointBelow,
        };
        (r, vec![f64::NEG_INFINITY; others.len()])
    };
    let Polytope { a, b, lo, hi } = lp.poly;
    let (c, c0) = (lp.c, lp.c0);
    let (n, d) = a.dim();
    if d > MAX_DIM || c.len() != d || x0.len() != d || b.len() != n {
        return None;
    }
    if lo.len() != d || hi.len() != d || lo.iter().chain(hi.iter()).any(|v| v.is_nan()) {
        return None;
    }
    let sides = Sides::new(lo, hi);
    let a = a.as_standard_layout();
    let (b, lo, hi) = (b.to_vec(), lo.to_vec(), hi.to_vec());
    let cons = Constraints {
        a: a.as_slice()?,
        b: &b,
        lo: &lo,
        hi: &hi,
        n,
        d,
    };
    let c = c.to_vec();
    let x0 = x0.to_vec();
    if !cons.holds(&x0, true) {
        return None;
    }
    let cnorm = dot(&c, &c).sqrt();
    let mut x = x0.clone();
    let mut row_slack = vec![0.0; n];
    cons.row_slacks(&x, &mut row_slack);
    let mut in_w = vec![false; cons.count()];
    let mut w = Working::new(d);
    let (mut p, mut ap, mut g) = (vec![0.0; d], vec![0.0; n], vec![0.0; d]);
    let max_iter = 8 * (d + 4);
    let mut iterations = 0;
    let lam = loop {
        iterations += 1;
        if iterations > max_iter {
            return None;
        }
        w.descent(&c, &mut p);
        let pn = dot(&p, &p).sqrt();
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
            in_w[w.idx[pos]] = false;
            if !w.remove(pos, &cons, &mut g) {
                return None;
            }
            continue;
        }
        p.iter_mut().for_each(|v| *v /= pn);
        for (k, o) in ap.iter_mut().enumerate() {
            *o = dot(cons.row(k), &p);
        }
        let mut step = f64::INFINITY;
        let mut block = usize::MAX;
        for (k, &tight) in in_w.iter().enumerate() {
            let gp = cons.along(k, &ap, &p);
            if gp < -BLOCKS && !tight {
                let t = cons.slack(k, &row_slack, &x).max(0.0) / -gp;
                if t < step {
                    step = t;
                    block = k;
                }
            }
        }
        if block == usize::MAX {
            // an unbounded ray (infinite box sides): it settles "is there a point below
            // `stop_below`?", nothing else
            if !exits.stop_below.is_finite() {
                return None;
            }
            let v = dot(&c, &x) + c0;
            let t = 2.0 * (v - exits.stop_below).max(0.0) / pn + 1.0;
            axpy(t, &p, &mut x);
            let xf = pulled_inside(&cons, &x, &x0)?;
            let v = dot(&c, &xf) + c0;
            return (v < exits.stop_below).then(|| point_below(xf, v, iterations));
        }
        axpy(step, &p, &mut x);
        axpy(step, &ap, &mut row_slack);
        if dot(&c, &x) + c0 < exits.stop_below {
            // a point below the threshold: made exactly feasible, it settles the question
            let xf = pulled_inside(&cons, &x, &x0)?;
            let v = dot(&c, &xf) + c0;
            if v < exits.stop_below {
                return Some(point_below(xf, v, iterations));
            }
        }
        cons.normal_into(block, &mut g);
        if !w.push(block, &mut g) {
            return None;
        }
        in_w[block] = true;
    };
    // certificate: row multipliers >= 0, the box closes the residual
    let xf = pulled_inside(&cons, &x, &x0)?;
    let value = dot(&c, &xf) + c0;
    let closes =
        |lower: f64| value - lower <= st.rel_tol * value.abs().max(lower.abs()) + st.abs_tol;
    let mut lower = dual_bound(&cons, &sides, &w.idx, &lam, &c, c0);
    if !closes(lower) && lower < exits.stop_above {
        // A far box side closing a rounding residual adds `residual * |side|` of slack to
        // the bound (a box of 1e6 around a unit polytope misses the tolerance). Only the
        // faces in the working set carry multipliers: the bound of the problem without the
        // others (a relaxation, so a valid bound) needs no far side.
        let far = Sides {
            lo_free: (0..d).map(|j| sides.lo_free[j] || !in_w[n + j]).collect(),
            hi_free: (0..d)
                .map(|j| sides.hi_free[j] || !in_w[n + d + j])
                .collect(),
        };
        lower = lower.max(dual_bound(&cons, &far, &w.idx, &lam, &c, c0));
    }
    let status = if value < exits.stop_below {
        Status::PointBelow
    } else if lower >= exits.stop_above {
        Status::BoundAbove
    } else if closes(lower) {
        Status::Optimal
    } else {
        return None;
    };
    let shared = others
        .iter()
        .map(|(cj, c0j)| {
            let cj = cj.to_vec();
            if dot(&cj, &xf) + c0j < wanted {
                // the bound is at most the value at this feasible point: it cannot reach
                return f64::NEG_INFINITY;
            }
            let mut lam_j = [0.0; MAX_DIM + 1];
            let lam_j = &mut lam_j[..w.len()];
            w.multipliers_into(&cj, lam_j);
            dual_bound(&cons, &sides, &w.idx, lam_j, &cj, *c0j)
        })
        .collect();
    let r = LpResult {
        x: Array1::from(xf),
        value,
        lower_bound: lower,
        iterations,
        status,
    };
    Some((r, shared))
}

/// Weak-duality lower bound `c0 - lam . b + min over the box of (c - A^T lam) . x` from the
/// multipliers `lam_w` of the working set `rows` (box faces and negative multipliers are
/// dropped, so the row multipliers are `>= 0`); with infinite box sides the multipliers are
/// first corrected so that the residual needs none ([`free::correct`]), `-inf` when that
/// fails.
fn dual_bound(
    cons: &Constraints,
    sides: &Sides,
    rows: &[usize],
    lam_w: &[f64],
    c: &[f64],
    c0: f64,
) -> f64 {
    let (n, d) = (cons.n, cons.d);
    let support = || {
        rows.iter()
            .zip(lam_w)
            .filter(move |&(&k, &l)| k < n && l > 0.0)
            .map(|(&k, &l)| (k, l))
    };
    // The multipliers live on the working set's rows (at most d): the residual and its
    // rounding scale over those rows alone. A residual that is rounding on every infinite
    // side needs no correction (the test the corrected multipliers must pass anyway).
    let mut resid = [0.0; MAX_DIM];
    let mut scale = [0.0; MAX_DIM];
    let (resid, scale) = (&mut resid[..d], &mut scale[..d]);
    resid.copy_from_slice(c);
    scale.iter_mut().zip(c).for_each(|(s, v)| *s = v.abs());
    let mut lower = c0;
    for (k, l) in support() {
        for (j, &akj) in cons.row(k).iter().enumerate() {
            resid[j] -= l * akj;
            scale[j] += (l * akj).abs();
        }
        lower -= l * cons.b[k];
    }
    for j in 0..d {
        let tol = free::FREE_RESIDUAL_TOL * scale[j];
        lower += sides.term(j, resid[j], cons.lo[j], cons.hi[j], tol);
    }
    if lower > f64::NEG_INFINITY || !sides.any() {
        return lower;
    }
    let a = ArrayView2::from_shape((n, d), cons.a).expect("row-major rows");
    let cv = ArrayView1::from(c);
    let mut lam = Array1::<f64>::zeros(n);
    support().for_each(|(k, l)| lam[k] = l);
    let Some((lam, _)) = free::correct(a, lam.view(), cv, sides) else {
        return f64::NEG_INFINITY;
    };
    let tol = free::residual_tol(a, lam.view(), cv);
    let resid = &cv - &a.t().dot(&lam);
    let mut lower = c0 - lam.dot(&ArrayView1::from(cons.b));
    for j in 0..d {
        lower += sides.term(j, resid[j], cons.lo[j], cons.hi[j], tol[j]);
    }
    lower
}

/// `x` moved toward the interior point `x0` just enough to satisfy every constraint exactly
/// (a vertex computed in floating point may miss a tight row by a rounding error).
fn pulled_inside(cons: &Constraints, x: &[f64], x0: &[f64]) -> Option<Vec<f64>> {
    if cons.holds(x, false) {
        return Some(x.to_vec());
    }
    let mut theta = 1e-14;
    while theta < 1e-6 {
        let y: Vec<f64> = x.iter().zip(x0).map(|(a, b)| a + theta * (b - a)).collect();
        if cons.holds(&y, false) {
            return Some(y);
        }
        theta *= 16.0;
    }
    None
}
