//! Dense symmetric kernels for the interior-point methods: the Gram matrix `B^T B` and a
//! Cholesky factorisation, both blocked so that nearly all flops run in `matrixmultiply`
//! GEMM calls spread over rayon.
//!
//! Performance notes: at d = 784 an unblocked Cholesky written with ndarray indexing runs at
//! well under 1 GFLOP/s and a full `B^T B` GEMM computes both triangles. Here `B^T B` is
//! formed block by block on the lower triangle only (half the flops, one rayon task per
//! block), and the Cholesky is right-looking with `NB`-wide panels: the diagonal block and
//! the panel are small, the trailing update is one GEMM per row block (lower part only).

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

/// Width of the column blocks of `B^T B`.
const SYRK_BLOCK: usize = 96;
/// Panel width of the blocked Cholesky.
const CHOL_BLOCK: usize = 64;
/// Rows per rayon task in the trailing update.
const CHOL_ROW_BLOCK: usize = 64;
/// Cholesky pivots below this fraction of the largest diagonal entry are treated as zero.
pub const PIVOT_FLOOR: f64 = 1e-15;
/// What a zero pivot becomes: the direction it stands for then gets a (near) zero step.
const HUGE_PIVOT: f64 = 1e64;

/// `B^T B` (d x d, symmetric) for `B` (n x d): lower-triangle blocks on rayon, mirrored.
pub fn gram_t(bm: ArrayView2<f64>) -> Array2<f64> {
    let d = bm.ncols();
    let nb = d.div_ceil(SYRK_BLOCK);
    let pairs: Vec<(usize, usize)> = (0..nb).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();
    let blocks: Vec<(usize, usize, Array2<f64>)> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let bi = bm.slice(s![.., i * SYRK_BLOCK..((i + 1) * SYRK_BLOCK).min(d)]);
            let bj = bm.slice(s![.., j * SYRK_BLOCK..((j + 1) * SYRK_BLOCK).min(d)]);
            let mut out = Array2::<f64>::zeros((bi.ncols(), bj.ncols()));
            ndarray::linalg::general_mat_mul(1.0, &bi.t(), &bj, 0.0, &mut out);
            (i, j, out)
        })
        .collect();
    let mut g = Array2::<f64>::zeros((d, d));
    for (i, j, blk) in blocks {
        let (r0, c0) = (i * SYRK_BLOCK, j * SYRK_BLOCK);
        let (h, w) = blk.dim();
        g.slice_mut(s![r0..r0 + h, c0..c0 + w]).assign(&blk);
        if i != j {
            g.slice_mut(s![c0..c0 + w, r0..r0 + h]).assign(&blk.t());
        }
    }
    g
}

/// Rows per rayon task in matrix-vector products.
const MATVEC_ROW_BLOCK: usize = 256;

/// `a x` for row-major `a` (n x d): contiguous row dot products, row blocks on rayon.
pub fn matvec(a: ArrayView2<f64>, x: ArrayView1<f64>) -> Array1<f64> {
    let mut out = Array1::<f64>::zeros(a.nrows());
    out.axis_chunks_iter_mut(Axis(0), MATVEC_ROW_BLOCK)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), MATVEC_ROW_BLOCK))
        .for_each(|(mut o, blk)| {
            for (oi, row) in o.iter_mut().zip(blk.rows()) {
                *oi = row.dot(&x);
            }
        });
    out
}

/// `a^T v` for row-major `a` (n x d): `sum_i v_i a_i` by rows (contiguous), row blocks on
/// rayon, partial sums added up.
pub fn matvec_t(a: ArrayView2<f64>, v: ArrayView1<f64>) -> Array1<f64> {
    let d = a.ncols();
    a.axis_chunks_iter(Axis(0), MATVEC_ROW_BLOCK)
        .into_par_iter()
        .zip(v.axis_chunks_iter(Axis(0), MATVEC_ROW_BLOCK))
        .map(|(blk, vb)| {
            let mut acc = Array1::<f64>::zeros(d);
            for (row, &vi) in blk.rows().into_iter().zip(vb.iter()) {
                if vi != 0.0 {
                    acc.scaled_add(vi, &row);
                }
            }
            acc
        })
        .reduce(|| Array1::<f64>::zeros(d), |p, q| p + q)
}

/// Dense lower Cholesky factor (row-major), with tiny pivots replaced by a huge one so that
/// directions the data does not determine get a zero step.
pub struct Cholesky {
    l: Array2<f64>,
}

impl Cholesky {
    /// Factors a symmetric positive semi-definite matrix (only its lower triangle is read);
    /// `None` if its diagonal has a non-finite entry.
    pub fn factor(mut m: Array2<f64>) -> Option<Cholesky> {
        let n = m.nrows();
        let max_diag = (0..n).fold(0.0f64, |acc, i| acc.max(m[[i, i]]));
        if !max_diag.is_finite() {
            return None;
        }
        let floor = PIVOT_FLOOR * max_diag.max(f64::MIN_POSITIVE);
        for k0 in (0..n).step_by(CHOL_BLOCK) {
            let k1 = (k0 + CHOL_BLOCK).min(n);
            factor_diagonal_block(&mut m, k0, k1, floor);
            if k1 == n {
                break;
            }
            // panel: L21 = A21 L11^-T, row by row
            let l11 = m.slice(s![k0..k1, k0..k1]).to_owned();
            let mut panel = m.slice(s![k1.., k0..k1]).to_owned();
            panel
                .axis_iter_mut(Axis(0))
                .into_par_iter()
                .for_each(|mut row| {
                    for j in 0..k1 - k0 {
                        let mut v = row[j];
                        for p in 0..j {
                            v -= row[p] * l11[[j, p]];
                        }
                        row[j] = v / l11[[j, j]];
                    }
                });
            m.slice_mut(s![k1.., k0..k1]).assign(&panel);
            // trailing update of the lower triangle: A22 -= L21 L21^T
            let mut a22 = m.slice_mut(s![k1.., k1..]);
            a22.axis_chunks_iter_mut(Axis(0), CHOL_ROW_BLOCK)
                .into_par_iter()
                .enumerate()
                .for_each(|(blk, mut rows)| {
                    let r0 = blk * CHOL_ROW_BLOCK;
                    let r1 = r0 + rows.nrows();
                    let mut o = rows.slice_mut(s![.., ..r1]);
                    let left = panel.slice(s![r0..r1, ..]);
                    let right = panel.slice(s![..r1, ..]);
                    ndarray::linalg::general_mat_mul(-1.0, &left, &right.t(), 1.0, &mut o);
                });
        }
        for i in 0..n {
            for j in (i + 1)..n {
                m[[i, j]] = 0.0;
            }
        }
        Some(Cholesky { l: m })
    }

    /// Solves `L L^T z = rhs`.
    pub fn solve(&self, mut z: Array1<f64>) -> Array1<f64> {
        let n = z.len();
        let l = &self.l;
        for i in 0..n {
            let row = l.row(i);
            let mut v = z[i];
            for k in 0..i {
                v -= row[k] * z[k];
            }
            z[i] = v / row[i];
        }
        // back substitution by rows of L (columns of L^T), contiguous in memory
        for i in (0..n).rev() {
            let row = l.row(i);
            z[i] /= row[i];
            let zi = z[i];
            for k in 0..i {
                z[k] -= row[k] * zi;
            }
        }
        z
    }
}

/// Unblocked Cholesky of the diagonal block `[k0, k1)` in place (lower triangle).
fn factor_diagonal_block(m: &mut Array2<f64>, k0: usize, k1: usize, floor: f64) {
    for i in k0..k1 {
        for j in k0..=i {
            let mut v = m[[i, j]];
            for p in k0..j {
                v -= m[[i, p]] * m[[j, p]];
            }
            if i == j {
                m[[i, i]] = if v > floor { v.sqrt() } else { HUGE_PIVOT };
            } else {
                m[[i, j]] = v / m[[j, j]];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> (Array2<f64>, Array2<f64>) {
        // B with a deterministic pseudo-random fill; M = B^T B + I
        let b = Array2::from_shape_fn((n + 7, n), |(i, j)| {
            (((i * 131 + j * 71) % 97) as f64 / 97.0 - 0.5) + if i == j { 2.0 } else { 0.0 }
        });
        let mut m = gram_t(b.view());
        for i in 0..n {
            m[[i, i]] += 1.0;
        }
        (b, m)
    }

    #[test]
    fn gram_matches_gemm() {
        let (b, m) = spd(203);
        let mut r = b.t().dot(&b);
        for i in 0..203 {
            r[[i, i]] += 1.0;
        }
        let err = (&m - &r).mapv(f64::abs).fold(0.0f64, |a, &v| a.max(v));
        assert!(err < 1e-10, "{err}");
    }

    #[test]
    fn matvecs_match_ndarray() {
        let (b, _) = spd(300);
        let x = Array1::from_shape_fn(300, |i| (i as f64).cos());
        let v = Array1::from_shape_fn(307, |i| (i as f64 * 0.3).sin());
        let e1 = (&matvec(b.view(), x.view()) - &b.dot(&x))
            .mapv(f64::abs)
            .sum();
        let e2 = (&matvec_t(b.view(), v.view()) - &b.t().dot(&v))
            .mapv(f64::abs)
            .sum();
        assert!(e1 < 1e-9 && e2 < 1e-9, "{e1} {e2}");
    }

    #[test]
    fn cholesky_solves() {
        for n in [1, 5, 64, 65, 150] {
            let (_, m) = spd(n);
            let x = Array1::from_shape_fn(n, |i| (i as f64).sin());
            let rhs = m.dot(&x);
            let z = Cholesky::factor(m.clone()).unwrap().solve(rhs);
            let err = (&z - &x).mapv(f64::abs).fold(0.0f64, |a, &v| a.max(v));
            assert!(err < 1e-8, "n = {n}: {err}");
        }
    }
}
