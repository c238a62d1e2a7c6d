//! The inequality layout shared by every problem: `G z <= h` with `z = (x, e)`, where `e`
//! is an optional border variable (the insphere's radius), and the rows of `G` ordered
//! [polytope rows | lower box | upper box]:
//!
//! ```text
//! -a_i x + e <= b_i        (slack a_i x + b_i - e)
//! -x_j   + e <= -lo_j      (slack x_j - lo_j - e)
//!  x_j   + e <= hi_j       (slack hi_j - x_j - e)
//! ```
//!
//! Without the border `e` is absent. The box must be finite. Products with `A` and `A^T`
//! run once per iteration (they also feed the certificates); everything else is O(n + d).

use ndarray::{s, Array1, Array2, ArrayView1, CowArray, Ix2};

use crate::linalg::dense::{matvec, matvec_t, Cholesky};
use crate::linalg::gram::{gram_t, weighted_gram, weighted_gram_augmented};

/// Low-rank normal solves are used when at most this fraction of the dimension's rows are in
/// the normal matrix (and the dimension is at least [`LOW_RANK_MIN_DIM`]).
const LOW_RANK_FRACTION: f64 = 0.5;
/// Below this dimension the dense normal matrix is cheap anyway.
const LOW_RANK_MIN_DIM: usize = 64;

/// The normal matrix `M = M_0 + U^T W_S U` when `|S|` (the rows kept) is small next to `d`,
/// solved by the Woodbury identity through the `|S| x |S|` matrix
/// `K = W_S^-1 + U M_0^-1 U^T`: `M^-1 r = M_0^-1 r - M_0^-1 U^T K^-1 U M_0^-1 r`. A region
/// of a high-dimensional input (an MNIST ball: 60 rows, 784 coordinates) then costs
/// `O(|S|^2 d)` per iteration instead of `O(d^3)`.
///
/// Without border `U = -A_S` and `M_0 = D`, the box rows' diagonal. With the border `e`
/// (the insphere's radius) `U = [-A_S | 1]` and the box rows make `M_0` an arrow matrix
/// `[[D, c], [c^T, delta]]` (`c_j = w_hi - w_lo`, `delta` the sum of the box weights), whose
/// inverse is `blockdiag(D^-1, 0) + v v^T / sigma` with `v = (-D^-1 c, 1)` and
/// `sigma = delta - c^T D^-1 c > 0`; then `K = W_S^-1 + A_S D^-1 A_S^T + z z^T / sigma`,
/// `z = 1 + A_S D^-1 c`.
///
/// When the box weights are tiny next to the rows' (late iterations, a ball that touches
/// no box face) the identity cancels digits: each solve is refined iteratively, and a
/// factorisation whose refined solve of a known system leaves a residual above
/// [`LOW_RANK_ACCURACY`] of it is not used (the dense normal matrix is formed instead).
pub struct LowRankNormal {
    diag: Array1<f64>,
    rows: Array2<f64>,
    /// Weights of the rows kept.
    w: Array1<f64>,
    k: Cholesky,
    /// `(c, sigma, delta)` of the arrow with the border.
    border: Option<(Array1<f64>, f64, f64)>,
}

/// Steps of iterative refinement of a low-rank solve, at most.
const REFINE_STEPS: usize = 4;

/// Largest residual of a refined low-rank solve of a known system, relative to its
/// right-hand side, for which the factorisation is used.
const LOW_RANK_ACCURACY: f64 = 1e-10;

impl LowRankNormal {
    /// `M x`.
    fn apply(&self, x: &Array1<f64>) -> Array1<f64> {
        let d = self.diag.len();
        let xx = x.slice(s![..d]);
        let mut out = &xx * &self.diag;
        let mut ux = self.rows.dot(&xx);
        match &self.border {
            None => {
                ux *= &self.w;
                out += &matvec_t(self.rows.view(), ux.view());
                out
            }
            Some((c, _, delta)) => {
                ux.mapv_inplace(|v| x[d] - v);
                ux *= &self.w;
                out.scaled_add(x[d], c);
                out -= &matvec_t(self.rows.view(), ux.view());
                let mut full = Array1::zeros(d + 1);
                full.slice_mut(s![..d]).assign(&out);
                full[d] = c.dot(&xx) + delta * x[d] + ux.sum();
                full
            }
        }
    }

    /// Whether a refined solve of `M x = M 1` leaves a residual within
    /// [`LOW_RANK_ACCURACY`] of the right-hand side (a backward error, what a dense Cholesky
    /// solve guarantees; the error in `x` itself also grows with the condition of `M`, which
    /// the late iterations of an interior-point method make large for every solver).
    fn accurate(&self) -> bool {
        let n = self.diag.len() + usize::from(self.border.is_some());
        let rhs = self.apply(&Array1::<f64>::ones(n));
        let x = self.solve(&rhs);
        let res = &rhs - &self.apply(&x);
        let size = |v: &Array1<f64>| v.iter().fold(0.0f64, |m, e| m.max(e.abs()));
        let (r, b) = (size(&res), size(&rhs));
        r.is_finite() && b.is_finite() && r <= LOW_RANK_ACCURACY * b
    }

    /// `M_0^-1 r`.
    fn base_solve(&self, r: &Array1<f64>) -> Array1<f64> {
        match &self.border {
            None => r / &self.diag,
            Some((c, sigma, _)) => {
                let d = self.diag.len();
                let rx = r.slice(s![..d]);
                let t = (r[d] - c.dot(&(&rx / &self.diag))) / sigma;
                let mut y = Array1::zeros(d + 1);
                y.slice_mut(s![..d])
                    .assign(&((&rx - &(c * t)) / &self.diag));
                y[d] = t;
                y
            }
        }
    }

    /// `M^-1 r`, refined until the residual stops shrinking (at most [`REFINE_STEPS`]).
    pub fn solve(&self, r: &Array1<f64>) -> Array1<f64> {
        let mut x = self.woodbury(r);
        let mut last = f64::INFINITY;
        for _ in 0..REFINE_STEPS {
            let res = r - &self.apply(&x);
            let size = res.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if size.is_nan() || size >= 0.5 * last {
                break;
            }
            last = size;
            x += &self.woodbury(&res);
        }
        x
    }

    /// `M^-1 r` by the identity.
    fn woodbury(&self, r: &Array1<f64>) -> Array1<f64> {
        let d = self.diag.len();
        let y = self.base_solve(r);
        // U y and U^T t, with the sign of U's x part (-A_S) folded in
        let mut uy = self.rows.dot(&y.slice(s![..d]));
        if self.border.is_some() {
            uy.mapv_inplace(|v| y[d] - v);
        }
        let t = self.k.solve(uy);
        let mut back = Array1::zeros(r.len());
        let at = matvec_t(self.rows.view(), t.view());
        if self.border.is_some() {
            back.slice_mut(s![..d]).assign(&(-at));
            back[d] = t.sum();
        } else {
            back.assign(&at);
        }
        y - self.base_solve(&back)
    }
}

/// `A x + b >= 0`, `lo <= x <= hi` as the rows of `G z <= h`.
pub struct Layout<'a> {
    /// Polytope rows (n x d).
    pub a: CowArray<'a, f64, Ix2>,
    /// Offsets (n,).
    pub b: Array1<f64>,
    /// Finite box (d,).
    pub lo: Array1<f64>,
    /// Finite box (d,).
    pub hi: Array1<f64>,
    /// Whether every row has a coefficient +1 on a border variable `e`.
    pub border: bool,
    row_sq: Array1<f64>,
}

impl<'a> Layout<'a> {
    /// The layout of `{A x + b >= 0, lo <= x <= hi}`; `border` adds `e` as above.
    pub fn new(
        a: CowArray<'a, f64, Ix2>,
        b: Array1<f64>,
        lo: Array1<f64>,
        hi: Array1<f64>,
        border: bool,
    ) -> Self {
        let row_sq = a.rows().into_iter().map(|r| r.dot(&r)).collect();
        Layout {
            a,
            b,
            lo,
            hi,
            border,
            row_sq,
        }
    }

    /// Squared norms of the polytope rows (n,).
    pub fn row_sq(&self) -> ArrayView1<'_, f64> {
        self.row_sq.view()
    }

    /// Number of polytope rows.
    pub fn n(&self) -> usize {
        self.a.nrows()
    }

    /// Input dimension.
    pub fn d(&self) -> usize {
        self.a.ncols()
    }

    /// Number of variables (`d`, plus one with the border).
    pub fn nz(&self) -> usize {
        self.d() + usize::from(self.border)
    }

    /// Number of inequalities `n + 2 d`.
    pub fn m(&self) -> usize {
        self.n() + 2 * self.d()
    }

    /// The border variable of `z` (0 without the border).
    pub fn e(&self, z: ArrayView1<f64>) -> f64 {
        if self.border {
            z[self.d()]
        } else {
            0.0
        }
    }

    /// Right-hand side `h = (b, -lo, hi)` (m,).
    pub fn h(&self) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        let mut h = Array1::zeros(self.m());
        h.slice_mut(s![..n]).assign(&self.b);
        h.slice_mut(s![n..n + d]).assign(&self.lo.mapv(|v| -v));
        h.slice_mut(s![n + d..]).assign(&self.hi);
        h
    }

    /// `A x` for the `x` part of `z`.
    pub fn ax(&self, z: ArrayView1<f64>) -> Array1<f64> {
        matvec(self.a.view(), z.slice(s![..self.d()]))
    }

    /// `A^T v` for the row part of a multiplier vector `v` (m,).
    pub fn atv(&self, v: ArrayView1<f64>) -> Array1<f64> {
        matvec_t(self.a.view(), v.slice(s![..self.n()]))
    }

    /// Exact slacks `h - G z` from `ax = A x`.
    pub fn slack(&self, z: ArrayView1<f64>, ax: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        let e = self.e(z);
        let mut out = Array1::zeros(self.m());
        for i in 0..n {
            out[i] = ax[i] + self.b[i] - e;
        }
        for j in 0..d {
            out[n + j] = z[j] - self.lo[j] - e;
            out[n + d + j] = self.hi[j] - z[j] - e;
        }
        out
    }

    /// `G dz`.
    pub fn g(&self, dz: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        let adx = self.ax(dz);
        let e = self.e(dz);
        let mut out = Array1::zeros(self.m());
        for i in 0..n {
            out[i] = e - adx[i];
        }
        for j in 0..d {
            out[n + j] = e - dz[j];
            out[n + d + j] = e + dz[j];
        }
        out
    }

    /// `G^T v`.
    pub fn gt(&self, v: ArrayView1<f64>) -> Array1<f64> {
        let atv = self.atv(v);
        self.gt_from(v, atv.view())
    }

    /// `G^T v` from `atv = A^T v_rows`.
    pub fn gt_from(&self, v: ArrayView1<f64>, atv: ArrayView1<f64>) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        let mut out = Array1::zeros(self.nz());
        for j in 0..d {
            out[j] = v[n + d + j] - v[n + j] - atv[j];
        }
        if self.border {
            out[d] = v.sum();
        }
        out
    }

    /// Row `k` of `G` as a dense vector (nz,).
    pub fn g_row(&self, k: usize) -> Array1<f64> {
        let (n, d) = (self.n(), self.d());
        let mut row = Array1::zeros(self.nz());
        if k < n {
            row.slice_mut(s![..d]).assign(&self.a.row(k).mapv(|v| -v));
        } else if k < n + d {
            row[k - n] = -1.0;
        } else {
            row[k - n - d] = 1.0;
        }
        if self.border {
            row[d] = 1.0;
        }
        row
    }

    /// The rows kept in the normal matrix: weight `w_i |a_i|^2` at least `reduce` of the
    /// largest.
    fn kept_rows(&self, w: ArrayView1<f64>, reduce: f64) -> Vec<usize> {
        let n = self.n();
        let top = (0..n).fold(0.0f64, |acc, i| acc.max(w[i] * self.row_sq[i]));
        (0..n)
            .filter(|&i| w[i] * self.row_sq[i] >= reduce * top)
            .collect()
    }

    /// The normal matrix as a [`LowRankNormal`] when that pays (few rows kept next to `d`,
    /// every box weight positive and finite); `None` otherwise.
    pub fn low_rank_normal(&self, w: ArrayView1<f64>, reduce: f64) -> Option<LowRankNormal> {
        let (n, d) = (self.n(), self.d());
        if d < LOW_RANK_MIN_DIM {
            return None;
        }
        let rows = self.kept_rows(w, reduce);
        if rows.len() as f64 > LOW_RANK_FRACTION * d as f64 {
            return None;
        }
        let diag = Array1::from_shape_fn(d, |j| w[n + j] + w[n + d + j]);
        if diag.iter().any(|&v| !(v > 0.0 && v.is_finite()))
            || rows.iter().any(|&i| !(w[i] > 0.0 && w[i].is_finite()))
        {
            return None;
        }
        let a_s = self.a.select(ndarray::Axis(0), &rows);
        let inv_sqrt = diag.mapv(|v| 1.0 / v.sqrt());
        let scaled = &a_s * &inv_sqrt;
        let mut k = gram_t(scaled.t());
        for (r, &i) in rows.iter().enumerate() {
            k[[r, r]] += 1.0 / w[i];
        }
        let border = if self.border {
            let c = Array1::from_shape_fn(d, |j| w[n + d + j] - w[n + j]);
            let c_over = &c / &diag;
            // delta - c^T D^-1 c summed per coordinate without cancellation:
            // (l + h) - (h - l)^2 / (l + h) = 4 l h / (l + h)
            let sigma: f64 = (0..d)
                .map(|j| 4.0 * w[n + j] * w[n + d + j] / diag[j])
                .sum();
            if !(sigma > 0.0 && sigma.is_finite()) {
                return None;
            }
            let z = a_s.dot(&c_over) + 1.0;
            for p in 0..rows.len() {
                for q in 0..rows.len() {
                    k[[p, q]] += z[p] * z[q] / sigma;
                }
            }
            Some((c, sigma, w.slice(s![n..]).sum()))
        } else {
            None
        };
        let k = Cholesky::factor(k)?;
        let normal = LowRankNormal {
            diag,
            w: Array1::from_iter(rows.iter().map(|&i| w[i])),
            rows: a_s,
            k,
            border,
        };
        normal.accurate().then_some(normal)
    }

    /// Lower triangle of `G^T diag(w) G` (nz x nz). Rows whose weight `w_i |a_i|^2` is below
    /// `reduce` of the largest are left out (their share is below rounding); `single`: the
    /// GEMM in float32. The box rows only add to the diagonal and the border column.
    pub fn normal_matrix(&self, w: ArrayView1<f64>, single: bool, reduce: f64) -> Array2<f64> {
        let (n, d) = (self.n(), self.d());
        let wr = w.slice(s![..n]);
        let rows = self.kept_rows(w, reduce);
        if self.border {
            let mut mat = weighted_gram_augmented(self.a.view(), wr, &rows, single);
            for j in 0..d {
                let (wl, wh) = (w[n + j], w[n + d + j]);
                mat[[j, j]] += wl + wh;
                mat[[d, j]] += wh - wl;
            }
            mat[[d, d]] += w.slice(s![n..]).sum();
            mat
        } else {
            let mut mat = weighted_gram(self.a.view(), wr, Some(&rows), single);
            for j in 0..d {
                mat[[j, j]] += w[n + j] + w[n + d + j];
            }
            mat
        }
    }
}
