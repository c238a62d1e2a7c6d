//! Dense and sparse kernels on row-major float64 matrices.
//!
//! Performance notes: region assembly is dominated by `W @ J` products of shape
//! (n_out x n_in) @ (n_in x d). We split the output rows into blocks and run one
//! single-threaded faer GEMM per block on rayon, so the same code path is used whether
//! the caller parallelises over points (bulk forward) or over rows (one region), without
//! nesting two thread pools. The slice's stacked maps are tall and thin instead (thousands
//! of polygons x 3 rows): [`matmul_tall`] splits them into a few large row blocks, one
//! ndarray GEMM each (the kernel the slice was tuned with). The symmetric kernels of the interior-point solver (Gram
//! matrices, Cholesky) are in [`dense`].

pub mod dense;
pub mod gram;

use faer::{Accum, Par};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{CoreError, Result};

/// Rows per rayon task in the blocked GEMM; large enough to amortise packing.
const GEMM_ROW_BLOCK: usize = 64;

/// Columns per rayon task in sparse-times-dense products (a block of 7,200 rows then
/// takes about 7 MB).
const SPMM_COL_BLOCK: usize = 128;

/// Compressed sparse row matrix, `n_rows x n_cols`, float64.
#[derive(Debug, Clone)]
pub struct Csr {
    pub n_rows: usize,
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<usize>,
    pub data: Vec<f64>,
}

impl Csr {
    /// Builds a CSR matrix, checking that the structure is consistent and values finite.
    pub fn new(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<Self> {
        if indptr.len() != n_rows + 1 {
            return Err(CoreError::Shape(format!(
                "CSR indptr has length {}, expected n_rows + 1 = {}",
                indptr.len(),
                n_rows + 1
            )));
        }
        if indices.len() != data.len() {
            return Err(CoreError::Shape(format!(
                "CSR indices ({}) and data ({}) differ in length",
                indices.len(),
                data.len()
            )));
        }
        if indptr[0] != 0 || indptr[n_rows] != data.len() || indptr.windows(2).any(|w| w[0] > w[1])
        {
            return Err(CoreError::Value(
                "CSR indptr is not a valid row pointer".into(),
            ));
        }
        if let Some(&bad) = indices.iter().find(|&&j| j >= n_cols) {
            return Err(CoreError::Value(format!(
                "CSR column index {bad} out of range for {n_cols} columns"
            )));
        }
        if let Some(v) = data.iter().find(|v| !v.is_finite()) {
            return Err(CoreError::Value(format!(
                "CSR matrix has a non-finite entry {v}"
            )));
        }
        Ok(Csr {
            n_rows,
            n_cols,
            indptr,
            indices,
            data,
        })
    }

    /// Entries of row `i` as (column, value) pairs.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.indptr[i]..self.indptr[i + 1];
        self.indices[r.clone()]
            .iter()
            .copied()
            .zip(self.data[r].iter().copied())
    }

    /// `y = self @ x` for a vector.
    pub fn matvec(&self, x: ArrayView1<f64>) -> Array1<f64> {
        Array1::from_iter((0..self.n_rows).map(|i| self.row(i).map(|(j, v)| v * x[j]).sum()))
    }

    /// `self^T @ g` for a vector `g` (n_rows,).
    pub fn matvec_t(&self, g: ArrayView1<f64>) -> Array1<f64> {
        let mut out = Array1::zeros(self.n_cols);
        for (i, &gi) in g.iter().enumerate() {
            for (j, v) in self.row(i) {
                out[j] += v * gi;
            }
        }
        out
    }

    /// The matrix as a dense `n_rows x n_cols` array (rows filled in parallel).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((self.n_rows, self.n_cols));
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut r)| {
                for (col, v) in self.row(i) {
                    r[col] += v;
                }
            });
        out
    }

    /// `self @ m` for a dense row-major `m` (n_cols x k).
    ///
    /// Work is split into column blocks of `m` (one rayon task each), so a task streams a
    /// block of `m` that stays in cache instead of whole rows of a matrix that does not.
    /// Rows of `m` marked `false` in `nonzero` are known to be zero and skipped.
    pub fn matmul_dense(&self, m: ArrayView2<f64>, nonzero: Option<&[bool]>) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((self.n_rows, m.ncols()));
        out.axis_chunks_iter_mut(Axis(1), SPMM_COL_BLOCK)
            .into_par_iter()
            .zip(m.axis_chunks_iter(Axis(1), SPMM_COL_BLOCK))
            .for_each(|(mut ob, mb)| {
                for i in 0..self.n_rows {
                    let mut row = ob.row_mut(i);
                    for (j, v) in self.row(i) {
                        if nonzero.is_none_or(|nz| nz[j]) {
                            row.scaled_add(v, &mb.row(j));
                        }
                    }
                }
            });
        out
    }

    /// `x @ self^T` for a batch `x` (n x n_cols): one output row per input row.
    pub fn apply_batch(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((x.nrows(), self.n_rows));
        for (xr, mut or) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
            for i in 0..self.n_rows {
                or[i] = self.row(i).map(|(j, v)| v * xr[j]).sum();
            }
        }
        out
    }
}

/// `a @ b` with the rows of `a` split across rayon tasks.
pub fn par_matmul(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((a.nrows(), b.ncols()));
    par_matmul_into(a, b, out.view_mut());
    out
}

/// Writes `a @ b` into `out` (a.nrows() x b.ncols()), rows split across rayon tasks.
pub fn par_matmul_into(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
    out.axis_chunks_iter_mut(Axis(0), GEMM_ROW_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(blk, mut o)| {
            let start = blk * GEMM_ROW_BLOCK;
            let a_blk = a.slice(s![start..start + o.nrows(), ..]);
            faer::linalg::matmul::matmul(
                dense::as_faer_view_mut(&mut o),
                Accum::Replace,
                dense::as_faer(&a_blk),
                dense::as_faer(&b),
                1.0,
                Par::Seq,
            );
        });
}

/// `a @ b` for a tall `a`, its rows split across rayon tasks (in blocks of a few hundred
/// rows: each GEMM call packs all of `b`, so small blocks would spend their time packing);
/// ndarray's GEMM, one call per block.
pub fn matmul_tall(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let rows = a.nrows();
    if rows <= 256 {
        return a.dot(&b);
    }
    let block = rows.div_ceil(2 * rayon::current_num_threads()).max(128);
    let mut out = Array2::<f64>::zeros((rows, b.ncols()));
    out.axis_chunks_iter_mut(Axis(0), block)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), block))
        .for_each(|(mut o, a_blk)| {
            ndarray::linalg::general_mat_mul(1.0, &a_blk, &b, 0.0, &mut o);
        });
    out
}

/// Checks that every entry is finite; `what` names the array in the error.
pub fn check_finite<'a>(values: impl IntoIterator<Item = &'a f64>, what: &str) -> Result<()> {
    for (i, v) in values.into_iter().enumerate() {
        if !v.is_finite() {
            return Err(CoreError::Value(format!(
                "{what} has a non-finite entry {v} at flat index {i}"
            )));
        }
    }
    Ok(())
}

/// The rows `idx` of `a`, in that order (ndarray's `select` along the rows builds one view
/// per row and concatenates them, which costs more than the copy for small matrices).
pub fn take_rows(a: ArrayView2<f64>, idx: &[usize]) -> Array2<f64> {
    let d = a.ncols();
    let mut data = Vec::with_capacity(idx.len() * d);
    for &i in idx {
        let row = a.row(i);
        match row.as_slice() {
            Some(s) => data.extend_from_slice(s),
            None => data.extend(row.iter().copied()),
        }
    }
    Array2::from_shape_vec((idx.len(), d), data).expect("idx.len() rows of d entries")
}
