//! The weights of affine nodes and every product taken with them.
//!
//! A weight is dense or sparse (CSR); callers never match on which: they ask for the product
//! they need ([`Weight::apply`], [`Weight::apply_t`], [`Weight::apply_rows`],
//! [`Weight::apply_cols`], [`Weight::compose`], or [`WeightT`] for tall stacked maps), and
//! each product keeps the kernel its callers were tuned with.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::Result;
use crate::linalg::{check_finite, matmul_tall, par_matmul, Csr};

/// The weight of an affine node (see the module notes).
#[derive(Debug, Clone)]
pub enum Weight {
    /// Dense `n_out x n_in` matrix.
    Dense(Array2<f64>),
    /// Sparse `n_out x n_in` matrix (convolutions, pooling).
    Sparse(Csr),
}

impl Weight {
    /// `(n_out, n_in)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Weight::Dense(w) => (w.nrows(), w.ncols()),
            Weight::Sparse(c) => (c.n_rows, c.n_cols),
        }
    }

    /// Whether the weight is stored dense.
    pub fn is_dense(&self) -> bool {
        matches!(self, Weight::Dense(_))
    }

    /// Checks that every entry is finite (a sparse weight was checked when it was built);
    /// `what` names the weight in the error.
    pub fn check_finite(&self, what: &str) -> Result<()> {
        match self {
            Weight::Dense(w) => check_finite(w.iter(), what),
            Weight::Sparse(_) => Ok(()),
        }
    }

    /// The weight with every entry replaced by its absolute value (`|W|`: interval and
    /// bound propagation).
    pub fn abs(&self) -> Weight {
        match self {
            Weight::Dense(w) => Weight::Dense(w.mapv(f64::abs)),
            Weight::Sparse(c) => Weight::Sparse(Csr {
                data: c.data.iter().map(|v| v.abs()).collect(),
                ..c.clone()
            }),
        }
    }

    /// The weight as a dense `n_out x n_in` matrix.
    pub fn to_dense(&self) -> Array2<f64> {
        match self {
            Weight::Dense(w) => w.clone(),
            Weight::Sparse(c) => c.to_dense(),
        }
    }

    /// `W v` for a vector `v` `(n_in,)`.
    pub fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        match self {
            Weight::Dense(w) => w.dot(&v),
            Weight::Sparse(c) => c.matvec(v),
        }
    }

    /// `W^T g` for a vector `g` `(n_out,)` (the reverse-mode step).
    pub fn apply_t(&self, g: ArrayView1<f64>) -> Array1<f64> {
        match self {
            Weight::Dense(w) => crate::linalg::dense::matvec_t(w.view(), g),
            Weight::Sparse(c) => c.matvec_t(g),
        }
    }

    /// `x W^T` for a batch of points `x` `(n, n_in)`: one output row per point.
    pub fn apply_rows(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Weight::Dense(w) => x.dot(&w.t()),
            Weight::Sparse(c) => c.apply_batch(x),
        }
    }

    /// `W m` for a thin matrix `m` `(n_in, k)` (a value and a derivative, say).
    pub fn apply_cols(&self, m: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Weight::Dense(w) => w.dot(&m),
            Weight::Sparse(c) => c.matmul_dense(m, None),
        }
    }

    /// `W J` for the local map `J` `(n_in, d)` of the weight's input (`None`: the identity,
    /// so `W` itself), rows split across rayon tasks. Rows of `J` outside `support` (when
    /// given) are known to be zero and are left out of the product.
    pub fn compose(&self, j: Option<&Array2<f64>>, support: Option<&[usize]>) -> Array2<f64> {
        let Some(j) = j else {
            return self.to_dense();
        };
        match self {
            Weight::Dense(w) => match support {
                Some([]) => Array2::zeros((w.nrows(), j.ncols())),
                Some(sup) if sup.len() < j.nrows() => {
                    let ws = w.select(Axis(1), sup);
                    let js = j.select(Axis(0), sup);
                    par_matmul(ws.view(), js.view())
                }
                _ => par_matmul(w.view(), j.view()),
            },
            Weight::Sparse(c) => {
                let nonzero = support.map(|sup| {
                    let mut nz = vec![false; j.nrows()];
                    sup.iter().for_each(|&i| nz[i] = true);
                    nz
                });
                c.matmul_dense(j.view(), nonzero.as_deref())
            }
        }
    }

    /// The weight prepared for products `X W^T` with many stacked rows of `X`.
    pub fn transposed(&self) -> WeightT<'_> {
        match self {
            Weight::Dense(w) => WeightT::Dense(w.t().as_standard_layout().into_owned()),
            Weight::Sparse(c) => WeightT::Sparse(c),
        }
    }
}

/// A weight prepared for products `X W^T` with a tall `X` (stacked maps of many polygons):
/// a dense weight is stored transposed (row `i` is column `i` of `W`, contiguous), a sparse
/// one is used as it is. Dense products split the rows of `X` across rayon tasks.
#[derive(Debug, Clone)]
pub enum WeightT<'a> {
    /// `W^T`, `n_in x n_out`, row-major.
    Dense(Array2<f64>),
    /// `W` itself.
    Sparse(&'a Csr),
}

impl WeightT<'_> {
    /// `n_out`.
    pub fn n_out(&self) -> usize {
        match self {
            WeightT::Dense(wt) => wt.ncols(),
            WeightT::Sparse(c) => c.n_rows,
        }
    }

    /// `W^T` of a dense weight.
    pub fn dense(&self) -> Option<&Array2<f64>> {
        match self {
            WeightT::Dense(wt) => Some(wt),
            WeightT::Sparse(_) => None,
        }
    }

    /// `x W^T` for `x` `(n, n_in)`.
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self {
            WeightT::Dense(wt) => matmul_tall(x, wt.view()),
            WeightT::Sparse(c) => c.apply_batch(x),
        }
    }

    /// [`WeightT::apply`], leaving the columns of `x` that are zero in every row (units
    /// inactive on every polygon) out of a dense product when they are at least a tenth.
    pub fn apply_live(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let WeightT::Dense(wt) = self else {
            return self.apply(x);
        };
        let mut nz = vec![false; x.ncols()];
        for row in x.rows() {
            for (f, &v) in nz.iter_mut().zip(row) {
                *f |= v != 0.0;
            }
        }
        let cols: Vec<usize> = (0..nz.len()).filter(|&c| nz[c]).collect();
        if cols.len() * 10 < nz.len() * 9 {
            let xs = x.select(Axis(1), &cols);
            matmul_tall(xs.view(), wt.select(Axis(0), &cols).view())
        } else {
            matmul_tall(x, wt.view())
        }
    }

    /// `x W^T` where `x` `(n, |cols|)` holds the columns `cols` of an `(n, n_in)` matrix
    /// that is zero elsewhere.
    pub fn apply_cols(&self, x: ArrayView2<f64>, cols: &[usize]) -> Array2<f64> {
        match self {
            WeightT::Dense(wt) => matmul_tall(x, wt.select(Axis(0), cols).view()),
            WeightT::Sparse(c) => {
                let mut full = Array2::<f64>::zeros((x.nrows(), c.n_cols));
                for (j, &col) in cols.iter().enumerate() {
                    full.column_mut(col).assign(&x.column(j));
                }
                c.apply_batch(full.view())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Weight, WeightT};
    use crate::linalg::Csr;
    use ndarray::{Array1, Array2, Axis};

    /// A 7 x 5 matrix with a zero column and scattered zeros, dense and as CSR.
    fn pair() -> (Weight, Weight, Array2<f64>) {
        let w = Array2::from_shape_fn((7, 5), |(i, j)| {
            let v = ((i * 5 + j) as f64 * 0.37).sin();
            if j == 2 || (i + j) % 3 == 0 {
                0.0
            } else {
                v
            }
        });
        let (mut indptr, mut indices, mut data) = (vec![0], vec![], vec![]);
        for row in w.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    indices.push(j);
                    data.push(v);
                }
            }
            indptr.push(indices.len());
        }
        let csr = Csr::new(7, 5, indptr, indices, data).unwrap();
        (Weight::Dense(w.clone()), Weight::Sparse(csr), w)
    }

    fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    /// Every product of a dense and a sparse weight against the naive dense product.
    #[test]
    fn dense_and_sparse_products_agree_with_the_naive_ones() {
        let (dense, sparse, w) = pair();
        let v = Array1::from_shape_fn(5, |j| j as f64 - 1.5);
        let g = Array1::from_shape_fn(7, |i| 0.5 * i as f64 - 1.0);
        let x = Array2::from_shape_fn((300, 5), |(i, j)| ((i * 7 + j) as f64).cos());
        let m = Array2::from_shape_fn((5, 2), |(i, j)| (i + 2 * j) as f64);
        let mut j_map = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f64 - 4.0);
        j_map.row_mut(1).fill(0.0);
        j_map.row_mut(4).fill(0.0);
        let support = [0usize, 2, 3];
        for wt in [&dense, &sparse] {
            assert_eq!(wt.shape(), (7, 5));
            assert!(close(&wt.to_dense(), &w));
            assert!(close(&wt.abs().to_dense(), &w.mapv(f64::abs)));
            let av = wt.apply(v.view()).insert_axis(Axis(1));
            assert!(close(&av, &w.dot(&v).insert_axis(Axis(1))));
            let at = wt.apply_t(g.view()).insert_axis(Axis(1));
            assert!(close(&at, &w.t().dot(&g).insert_axis(Axis(1))));
            assert!(close(&wt.apply_rows(x.view()), &x.dot(&w.t())));
            assert!(close(&wt.apply_cols(m.view()), &w.dot(&m)));
            assert!(close(&wt.compose(None, None), &w));
            assert!(close(&wt.compose(Some(&j_map), None), &w.dot(&j_map)));
            assert!(close(
                &wt.compose(Some(&j_map), Some(&support)),
                &w.dot(&j_map)
            ));
            let zero = Array2::zeros((7, 3));
            let none = wt.compose(Some(&Array2::zeros((5, 3))), Some(&[]));
            assert!(close(&none, &zero));
            let t: WeightT = wt.transposed();
            assert_eq!(t.n_out(), 7);
            assert_eq!(t.dense().is_some(), wt.is_dense());
            assert!(close(&t.apply(x.view()), &x.dot(&w.t())));
            // Column 2 of x zero everywhere: left out of the dense product.
            let mut xz = x.clone();
            xz.column_mut(2).fill(0.0);
            assert!(close(&t.apply_live(xz.view()), &xz.dot(&w.t())));
            let cols = [1usize, 4];
            let compact = x.select(Axis(1), &cols);
            let mut full = Array2::<f64>::zeros((300, 5));
            for (k, &c) in cols.iter().enumerate() {
                full.column_mut(c).assign(&compact.column(k));
            }
            assert!(close(
                &t.apply_cols(compact.view(), &cols),
                &full.dot(&w.t())
            ));
        }
    }
}
