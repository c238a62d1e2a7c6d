//! H-representations `{x : A x + b >= 0, lo <= x <= hi}`: input checks, row normalisation,
//! and the cheap redundancy tests that need no LP (zero rows, rows implied by the box alone,
//! rows equal up to a positive factor).
//!
//! Rows are normalised to unit length here so that every slack is a Euclidean distance and
//! one tolerance means the same thing for a row scaled by 1e-6 and one scaled by 1e6.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::{CoreError, Result};

/// Checks shapes, finiteness of `a` and `b`, no NaN in the box and `lo <= hi`.
pub fn check(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
) -> Result<()> {
    let (n, d) = a.dim();
    if b.len() != n {
        return Err(CoreError::Shape(format!(
            "b has {} entries, A has {n} rows",
            b.len()
        )));
    }
    if lo.len() != d || hi.len() != d {
        return Err(CoreError::Shape(format!(
            "lo and hi must have {d} entries (A is {n} x {d}), got {} and {}",
            lo.len(),
            hi.len()
        )));
    }
    crate::linalg::check_finite(a.iter(), "A")?;
    crate::linalg::check_finite(b.iter(), "b")?;
    for j in 0..d {
        if lo[j].is_nan() || hi[j].is_nan() || lo[j] > hi[j] {
            return Err(CoreError::Value(format!(
                "box entry {j} is invalid: lo = {}, hi = {}",
                lo[j], hi[j]
            )));
        }
    }
    Ok(())
}

/// Rows scaled to unit normals: `a[i] = A[i] / |A[i]|`, `b[i] = b[i] / |A[i]|`.
/// A zero row keeps `a[i] = 0`, `b[i]` unchanged and `norm[i] = 0`.
#[derive(Debug, Clone)]
pub struct UnitRows {
    pub a: Array2<f64>,
    pub b: Array1<f64>,
    pub norm: Array1<f64>,
}

/// Normalises every row of `A x + b >= 0` to a unit normal.
pub fn normalize(a: ArrayView2<f64>, b: ArrayView1<f64>) -> UnitRows {
    let mut an = a.to_owned();
    let mut bn = b.to_owned();
    let mut norm = Array1::<f64>::zeros(a.nrows());
    for (i, mut row) in an.axis_iter_mut(Axis(0)).enumerate() {
        let nr = row.dot(&row).sqrt();
        norm[i] = nr;
        if nr > 0.0 {
            row.mapv_inplace(|v| v / nr);
            bn[i] /= nr;
        }
    }
    UnitRows { a: an, b: bn, norm }
}

/// `min over the box of a . x` (may be `-inf` for an unbounded box).
pub fn box_min(a: ArrayView1<f64>, lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> f64 {
    let mut m = 0.0;
    for ((&v, &l), &h) in a.iter().zip(lo).zip(hi) {
        if v > 0.0 {
            m += v * l;
        } else if v < 0.0 {
            m += v * h;
        }
    }
    m
}

/// `max over the box of a . x` (may be `+inf` for an unbounded box).
pub fn box_max(a: ArrayView1<f64>, lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> f64 {
    let mut m = 0.0;
    for ((&v, &l), &h) in a.iter().zip(lo).zip(hi) {
        if v > 0.0 {
            m += v * h;
        } else if v < 0.0 {
            m += v * l;
        }
    }
    m
}

/// Unit rows whose slack is at least this everywhere in the box are left out of the
/// insphere and class-maxima solves (see [`solver_rows`]).
pub const BOX_IMPLIED_MARGIN: f64 = 1e-9;

/// The unit rows a solver over the polytope must keep: non-zero rows whose hyperplane the
/// box does not keep at least [`BOX_IMPLIED_MARGIN`] away. A row left out holds with slack
/// `>= BOX_IMPLIED_MARGIN` at every point of the box, so at every point these solvers
/// return, and its multiplier is 0 in their certificates. At a small box around a data
/// point (a VNN-LIB property) most rows of a deep network's region are of that kind.
pub fn solver_rows(rows: &UnitRows, lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> Vec<usize> {
    // box_min is never NaN (an infinite side gives -inf), so `<` keeps every unsure row
    (0..rows.a.nrows())
        .filter(|&i| {
            rows.norm[i] > 0.0 && box_min(rows.a.row(i), lo, hi) + rows.b[i] < BOX_IMPLIED_MARGIN
        })
        .collect()
}

/// For each row `i`, `Some(j)` when row `i` equals a later row `j` up to a positive factor
/// (unit normals and offsets within `tol`), so that only the last of each group is kept.
/// `gram` is `a a^T` of the unit rows.
pub fn later_duplicates(rows: &UnitRows, gram: ArrayView2<f64>, tol: f64) -> Vec<Option<usize>> {
    let n = rows.a.nrows();
    (0..n)
        .map(|i| {
            if rows.norm[i] == 0.0 {
                return None;
            }
            ((i + 1)..n).rev().find(|&j| {
                rows.norm[j] > 0.0
                    && gram[[i, j]] >= 1.0 - tol
                    && (rows.b[i] - rows.b[j]).abs() <= tol
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn normalises_and_keeps_zero_rows() {
        let a = array![[3.0, 4.0], [0.0, 0.0]];
        let b = array![10.0, -1.0];
        let r = normalize(a.view(), b.view());
        assert_eq!(r.a.row(0).to_vec(), vec![0.6, 0.8]);
        assert_eq!(r.b[0], 2.0);
        assert_eq!(r.norm[1], 0.0);
        assert_eq!(r.b[1], -1.0);
    }

    #[test]
    fn box_min_and_check() {
        let lo = array![-1.0, 0.0];
        let hi = array![1.0, 2.0];
        assert_eq!(
            box_min(array![1.0, -1.0].view(), lo.view(), hi.view()),
            -3.0
        );
        let bad = array![2.0, 0.0];
        let a = Array2::<f64>::zeros((1, 2));
        let b = array![0.0];
        assert!(check(a.view(), b.view(), lo.view(), hi.view()).is_ok());
        assert!(check(a.view(), b.view(), bad.view(), hi.view()).is_err());
    }

    #[test]
    fn duplicates_keep_the_last() {
        let a = array![[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]];
        let b = array![1.0, 2.0, 1.0];
        let r = normalize(a.view(), b.view());
        let g = r.a.dot(&r.a.t());
        assert_eq!(
            later_duplicates(&r, g.view(), 1e-12),
            vec![Some(1), None, None]
        );
    }
}
