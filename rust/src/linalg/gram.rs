//! Gram products of the interior-point solver ([`crate::ipm`]): the normal matrix
//! `A_S^T diag(w_S) A_S` (optionally bordered, optionally in float32) and `B^T B`, on faer.
//!
//! Performance notes: an insphere at d = 784, N = 3072 forms one such product per
//! iteration, the largest cost of the solve. The scaled rows are written *transposed*,
//! `X = (sqrt(w_i) a_i)_i^T` (k x |S|, row-major, in 64 x 64 tiles), and the lower
//! triangle of `X X^T` is split along the rows of `A` into a few chunks, one sequential
//! faer product each on rayon, summed. On the 2-core AVX2 EPYC this takes about 30 % less
//! CPU than one parallel faer product `B^T B` of the row-major `B` (faer's kernels run
//! faster on this operand layout, and no thread waits at faer's barriers between blocks).

use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
use faer::Accum;
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::dense::{as_faer, as_faer_mut, PAR_MIN_WORK};

/// Side of the tiles of the transposed copy.
const TILE: usize = 64;
/// Rows of `A` per chunk of the split product, at least.
const MIN_CHUNK: usize = 256;

/// The two precisions of the products.
trait Elem: faer::traits::RealField + Copy + Send + Sync + std::ops::AddAssign {
    const ZERO: Self;
    const ONE: Self;
}

impl Elem for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
}

impl Elem for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
}

/// Adds the lower triangle of `X X^T` to `out` (k x k) on the calling thread.
fn add_lower_xxt<T: Elem>(x: ArrayView2<T>, out: &mut Array2<T>) {
    let xf = as_faer(&x);
    tri_matmul(
        as_faer_mut(out),
        BlockStructure::TriangularLower,
        Accum::Add,
        xf,
        BlockStructure::Rectangular,
        xf.transpose(),
        BlockStructure::Rectangular,
        T::ONE,
        faer::Par::Seq,
    );
}

/// Lower triangle of `X X^T` (k x k, strict upper triangle zero) for `X` (k x n): large
/// products in chunks of columns of `X` on rayon, summed (see the module notes).
fn lower_xxt<T: Elem>(x: ArrayView2<T>) -> Array2<T> {
    let (k, n) = x.dim();
    let threads = rayon::current_num_threads();
    let chunks = if n * k * k / 2 < PAR_MIN_WORK || threads < 2 {
        1
    } else {
        (2 * threads).min(n / MIN_CHUNK).max(1)
    };
    let width = n.div_ceil(chunks.max(1)).max(1);
    let zeros = || Array2::from_elem((k, k), T::ZERO);
    if chunks <= 1 {
        let mut out = zeros();
        add_lower_xxt(x, &mut out);
        return out;
    }
    (0..n.div_ceil(width))
        .into_par_iter()
        .fold(zeros, |mut acc, p| {
            let cols = s![.., p * width..((p + 1) * width).min(n)];
            add_lower_xxt(x.slice(cols), &mut acc);
            acc
        })
        .reduce_with(|mut a, b| {
            a += &b;
            a
        })
        .unwrap_or_else(zeros)
}

/// The symmetric float64 matrix whose lower triangle is that of `lower`, copied in tiles
/// (the transposed writes stay in cache).
fn symmetric_from_lower(lower: &Array2<f64>) -> Array2<f64> {
    let d = lower.nrows();
    let src = lower.as_slice().expect("standard layout");
    let mut out = vec![0.0f64; d * d];
    for bi in (0..d).step_by(TILE) {
        for bj in (0..=bi).step_by(TILE) {
            for i in bi..(bi + TILE).min(d) {
                for j in bj..(bj + TILE).min(i + 1) {
                    let v = src[i * d + j];
                    out[i * d + j] = v;
                    out[j * d + i] = v;
                }
            }
        }
    }
    Array2::from_shape_vec((d, d), out).expect("d * d entries")
}

/// `B^T B` (d x d, symmetric) for `B` (n x d): one lower-triangle product, mirrored.
pub fn gram_t(bm: ArrayView2<f64>) -> Array2<f64> {
    symmetric_from_lower(&lower_xxt(bm.t()))
}

/// Lower triangle of `A_S^T diag(w_S) A_S` (d x d; the strict upper triangle is zero) over
/// the rows `S` of `a` (n x d) with `w_i >= 0`, where `S` is `rows` (all rows when `None`).
/// With `single` the product runs in float32 (the result is widened back to float64): half
/// the time, for early interior-point iterations whose directions tolerate that rounding.
pub fn weighted_gram(
    a: ArrayView2<f64>,
    w: ArrayView1<f64>,
    rows: Option<&[usize]>,
    single: bool,
) -> Array2<f64> {
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..a.nrows()).collect();
            &all
        }
    };
    scaled_gram(a, w, rows, single, false)
}

/// Lower triangle of `B^T B` ((d+1) x (d+1)) for `B_i = sqrt(w_i) [a_i | -1]`, `i` in
/// `rows`: the weighted Gram matrix of `a` bordered by `-A_S^T w_S` and `sum w_S` (the
/// normal matrix of constraints `-a_i x + r <= b_i`). `single` as in [`weighted_gram`].
pub fn weighted_gram_augmented(
    a: ArrayView2<f64>,
    w: ArrayView1<f64>,
    rows: &[usize],
    single: bool,
) -> Array2<f64> {
    scaled_gram(a, w, rows, single, true)
}

fn scaled_gram(
    a: ArrayView2<f64>,
    w: ArrayView1<f64>,
    rows: &[usize],
    single: bool,
    augment: bool,
) -> Array2<f64> {
    let k = a.ncols() + usize::from(augment);
    // weights normalised by the largest one (the product is scaled back): no underflow to
    // subnormal numbers, which would slow the GEMM kernels down by orders of magnitude
    let wmax = rows.iter().fold(0.0f64, |acc, &i| acc.max(w[i]));
    if !(wmax > 0.0 && wmax.is_finite()) {
        let mut g = Array2::<f64>::zeros((k, k));
        if !wmax.is_finite() {
            g.fill(f64::NAN);
        }
        return g;
    }
    let scale: Vec<f64> = rows
        .iter()
        .map(|&i| (w[i].max(0.0) / wmax).sqrt())
        .collect();
    if single {
        let x = scaled_rows_t(a, &scale, rows, augment, |v| {
            if v.abs() < 1e-30 {
                0.0
            } else {
                v as f32
            }
        });
        lower_xxt(x.view()).mapv(|v| f64::from(v) * wmax)
    } else {
        let x = scaled_rows_t(a, &scale, rows, augment, |v| v);
        let mut g = lower_xxt(x.view());
        g.mapv_inplace(|v| v * wmax);
        g
    }
}

/// `X` (k x |S|, row-major): column `p` is `scale_p a_{rows_p}` (with `-scale_p` below it
/// when `augment`), cast; written in tiles of 64 x 64, rayon over blocks of rows of `X`.
fn scaled_rows_t<T: Elem>(
    a: ArrayView2<f64>,
    scale: &[f64],
    rows: &[usize],
    augment: bool,
    cast: impl Fn(f64) -> T + Sync,
) -> Array2<T> {
    let (d, nr) = (a.ncols(), rows.len());
    let mut out = Array2::from_elem((d + usize::from(augment), nr), T::ZERO);
    // output rows are written contiguously: a 64 x 64 tile read along the columns of `a`
    // (rows `|S|` apart in `X` would alias in the cache when `|S|` is a power-of-two multiple)
    let fill = |(blk, mut o): (usize, ArrayViewMut2<T>)| {
        let (j0, width) = (blk * TILE, o.nrows());
        let o = o.as_slice_mut().expect("whole rows of a standard layout");
        let cols = width.min(d.saturating_sub(j0)); // the rest: the border row
        for p0 in (0..nr).step_by(TILE) {
            let p1 = (p0 + TILE).min(nr);
            for jj in 0..cols {
                let orow = &mut o[jj * nr + p0..jj * nr + p1];
                for (p, ov) in (p0..p1).zip(orow.iter_mut()) {
                    *ov = cast(a[[rows[p], j0 + jj]] * scale[p]);
                }
            }
            if cols < width {
                for (p, ov) in (p0..p1).zip(o[cols * nr + p0..cols * nr + p1].iter_mut()) {
                    *ov = cast(-scale[p]);
                }
            }
        }
    };
    let blocks = out.axis_chunks_iter_mut(Axis(0), TILE);
    if nr * d < PAR_MIN_WORK {
        blocks.enumerate().for_each(fill);
    } else {
        blocks.into_par_iter().enumerate().for_each(fill);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    /// A deterministic pseudo-random `n x d` matrix.
    fn fill(n: usize, d: usize) -> Array2<f64> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            (((i * 131 + j * 71) % 97) as f64 / 97.0 - 0.5) + if i == j { 2.0 } else { 0.0 }
        })
    }

    fn max_abs(m: &Array2<f64>) -> f64 {
        m.iter().fold(0.0f64, |a, &v| a.max(v.abs()))
    }

    #[test]
    fn gram_matches_gemm() {
        // small (one product) and tall (split into chunks on rayon)
        for (n, d) in [(210, 203), (1500, 70)] {
            let b = fill(n, d);
            let r = b.t().dot(&b);
            let m = gram_t(b.view());
            assert!(max_abs(&(&m - &r)) < 1e-10 * max_abs(&r), "{n} x {d}");
            assert_eq!(m, m.t());
        }
    }

    #[test]
    fn weighted_grams_match_gemm() {
        for n in [127, 1300] {
            let b = fill(n, 120);
            let w = Array1::from_shape_fn(n, |i| {
                if i % 7 == 0 {
                    0.0
                } else {
                    1e-3 * (1 + i % 5) as f64
                }
            });
            let rows: Vec<usize> = (0..n).filter(|i| i % 3 != 0).collect();
            let sub = b.select(Axis(0), &rows);
            let ws = w.select(Axis(0), &rows);
            let scaled = &sub * &ws.mapv(f64::sqrt).insert_axis(Axis(1));
            let mut reference = scaled.t().dot(&scaled);
            for i in 0..reference.nrows() {
                for j in (i + 1)..reference.ncols() {
                    reference[[i, j]] = 0.0; // lower triangles are compared
                }
            }
            let g64 = weighted_gram(b.view(), w.view(), Some(&rows), false);
            assert!(max_abs(&(&g64 - &reference)) < 1e-12 * max_abs(&reference));
            let g32 = weighted_gram(b.view(), w.view(), Some(&rows), true);
            assert!(max_abs(&(&g32 - &reference)) < 1e-5 * max_abs(&reference));
            // bordered: last row -A^T w, corner sum w
            let aug = weighted_gram_augmented(b.view(), w.view(), &rows, false);
            let d = b.ncols();
            let atw = sub.t().dot(&ws);
            for j in 0..d {
                assert!((aug[[d, j]] + atw[j]).abs() < 1e-12 && aug[[j, d]] == 0.0);
            }
            assert!((aug[[d, d]] - ws.sum()).abs() < 1e-12);
            assert!((&aug.slice(s![..d, ..d]) - &g64)
                .iter()
                .all(|v| v.abs() < 1e-14));
            // all-zero weights give zeros, not NaN
            let z = weighted_gram(b.view(), Array1::zeros(n).view(), None, true);
            assert!(z.iter().all(|&v| v == 0.0));
        }
    }
}
