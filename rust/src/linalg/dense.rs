//! Dense kernels for the interior-point solver ([`crate::ipm`]): matrix-vector products, a
//! Cholesky factorisation (grown row by row for the active-set finish), LU and least
//! squares, on faer (SIMD kernels, rayon threads); the Gram products are in
//! [`super::gram`].
//!
//! Performance notes: faer's left-looking Cholesky factors a 785 x 785 matrix in ~7 ms.
//! ndarray arrays are passed to faer as views of the same memory (no copies).

use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};
use rayon::prelude::*;

/// Panel width of the fallback blocked Cholesky.
const CHOL_BLOCK: usize = 64;
/// Rows per rayon task in its trailing update.
const CHOL_ROW_BLOCK: usize = 64;
/// Cholesky pivots below this fraction of the largest diagonal entry are treated as zero.
pub const PIVOT_FLOOR: f64 = 1e-15;
/// What a zero pivot becomes (before its square root): the direction it stands for then
/// gets a (near) zero step.
const HUGE_PIVOT: f64 = 1e64;

/// Products with fewer multiply-adds than this run on the calling thread: waking the rayon
/// pool costs more than they do (the complex solves many small LPs, d + 1 variables and
/// ~100 rows, each inside a rayon task of its own).
pub(crate) const PAR_MIN_WORK: usize = 1 << 18;

/// faer's parallelism for a product of about `work` multiply-adds.
fn par_for(work: usize) -> Par {
    if work < PAR_MIN_WORK {
        Par::Seq
    } else {
        Par::rayon(0)
    }
}

/// faer view of an ndarray matrix (any strides), same memory.
pub(crate) fn as_faer<'a, T: faer::traits::ComplexField>(m: &ArrayView2<'a, T>) -> MatRef<'a, T> {
    let (r, c) = m.dim();
    let st = m.strides();
    // SAFETY: pointer, shape and strides come from a live ndarray view with the same lifetime.
    unsafe { MatRef::from_raw_parts(m.as_ptr(), r, c, st[0], st[1]) }
}

pub(crate) fn as_faer_mut<T: faer::traits::ComplexField>(m: &mut Array2<T>) -> MatMut<'_, T> {
    let (r, c) = m.dim();
    let st = m.strides().to_vec();
    // SAFETY: as above, with exclusive access through `&mut`.
    unsafe { MatMut::from_raw_parts_mut(m.as_mut_ptr(), r, c, st[0], st[1]) }
}

/// Mutable faer view of an ndarray view (any strides), same memory.
pub(crate) fn as_faer_view_mut<'a, T: faer::traits::ComplexField>(
    m: &'a mut ndarray::ArrayViewMut2<'_, T>,
) -> MatMut<'a, T> {
    let (r, c) = m.dim();
    let st = m.strides().to_vec();
    // SAFETY: exclusive access through `&mut` for the returned lifetime.
    unsafe { MatMut::from_raw_parts_mut(m.as_mut_ptr(), r, c, st[0], st[1]) }
}

/// `a x` for `a` (n x d): faer's matrix-vector kernel, threads on rayon.
pub fn matvec(a: ArrayView2<f64>, x: ArrayView1<f64>) -> Array1<f64> {
    let mut out = Array1::<f64>::zeros(a.nrows());
    gemv(as_faer(&a), x, &mut out);
    out
}

/// `a^T v` for `a` (n x d).
pub fn matvec_t(a: ArrayView2<f64>, v: ArrayView1<f64>) -> Array1<f64> {
    let mut out = Array1::<f64>::zeros(a.ncols());
    gemv(as_faer(&a).transpose(), v, &mut out);
    out
}

fn gemv(m: MatRef<'_, f64>, x: ArrayView1<f64>, out: &mut Array1<f64>) {
    let xs = x.to_owned();
    let xv = ArrayView2::from_shape((xs.len(), 1), xs.as_slice().expect("owned is contiguous"))
        .expect("shape matches length");
    let n = out.len();
    let mut o = out
        .view_mut()
        .into_shape_with_order((n, 1))
        .expect("contiguous");
    // SAFETY: `o` is a live, contiguous (n x 1) view borrowed for this call only.
    let of = unsafe { MatMut::from_raw_parts_mut(o.as_mut_ptr(), n, 1, 1, 1) };
    let work = m.nrows() * m.ncols();
    faer::linalg::matmul::matmul(of, Accum::Replace, m, as_faer(&xv), 1.0, par_for(work));
}

/// A column vector as an (n x 1) faer matrix.
fn column(v: ArrayView1<f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(v.len(), 1, |i, _| v[i])
}

fn finite_column(m: &faer::Mat<f64>, n: usize) -> Option<Array1<f64>> {
    let out = Array1::from_iter((0..n).map(|i| m[(i, 0)]));
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Solves the square system `m x = r` by LU with partial pivoting (for the symmetric
/// indefinite KKT systems of the active-set finish); `None` if the answer is not finite.
pub fn lu_solve(m: ArrayView2<f64>, r: ArrayView1<f64>) -> Option<Array1<f64>> {
    use faer::linalg::solvers::Solve;
    assert_eq!(m.nrows(), m.ncols(), "lu_solve: square matrix");
    let x = as_faer(&m).partial_piv_lu().solve(column(r));
    finite_column(&x, m.ncols())
}

/// Least-squares solution of `m x = r` for a tall `m` (n x k, n >= k) by Householder QR;
/// `None` if the answer is not finite (rank-deficient `m`).
pub fn lstsq(m: ArrayView2<f64>, r: ArrayView1<f64>) -> Option<Array1<f64>> {
    use faer::linalg::solvers::SolveLstsq;
    assert!(m.nrows() >= m.ncols(), "lstsq: tall matrix");
    let x = as_faer(&m).qr().solve_lstsq(column(r));
    finite_column(&x, m.ncols())
}

/// Largest `t` with `v + t dv >= 0` (infinite when no entry decreases).
pub fn max_step(v: ArrayView1<f64>, dv: ArrayView1<f64>) -> f64 {
    Zip::from(&v)
        .and(&dv)
        .fold(f64::INFINITY, |acc, &vi, &dvi| {
            if dvi < 0.0 {
                acc.min(-vi / dvi)
            } else {
                acc
            }
        })
}

/// Dense lower Cholesky factor (row-major), with tiny pivots replaced by a huge one so that
/// directions the data does not determine get a zero step.
pub struct Cholesky {
    l: Array2<f64>,
}

impl Cholesky {
    /// Factors a symmetric positive semi-definite matrix (only its lower triangle is read);
    /// `None` if its diagonal has a non-finite entry or the factorisation breaks down.
    pub fn factor(m: Array2<f64>) -> Option<Cholesky> {
        let backup = m.clone();
        match Self::factor_faer(m) {
            Some(c) => Some(c),
            // faer's kernel can leave a non-positive pivot on nearly singular matrices (seen
            // at n = 12 near an LP optimum); the blocked right-looking factorisation below
            // replaces every tiny pivot
            None => Self::factor_blocked(backup),
        }
    }

    /// Factors a symmetric positive semi-definite matrix (lower triangle read) without
    /// dropping directions: if a pivot is not positive, a diagonal shift (from `1e-15` of
    /// the largest diagonal entry, growing 100-fold) is added and the factorisation retried.
    /// For normal matrices with a curvature term, where a zeroed direction would stall the
    /// iterate (a shift only damps it).
    pub fn factor_shifted(m: Array2<f64>) -> Option<Cholesky> {
        let n = m.nrows();
        let max_diag = (0..n).fold(0.0f64, |acc, i| acc.max(m[[i, i]]));
        if !max_diag.is_finite() {
            return None;
        }
        let mut shift = 0.0;
        for _ in 0..12 {
            let mut mm = m.clone();
            for i in 0..n {
                mm[[i, i]] += shift;
            }
            if let Some(c) = Self::factor_faer_with(mm, 0.0) {
                return Some(c);
            }
            shift = if shift == 0.0 {
                1e-15 * max_diag.max(f64::MIN_POSITIVE)
            } else {
                shift * 100.0
            };
        }
        None
    }

    fn factor_faer(m: Array2<f64>) -> Option<Cholesky> {
        let n = m.nrows();
        let max_diag = (0..n).fold(0.0f64, |acc, i| acc.max(m[[i, i]]));
        Self::factor_faer_with(m, PIVOT_FLOOR * max_diag.max(f64::MIN_POSITIVE))
    }

    /// faer's Cholesky; pivots at most `floor` become huge (`floor = 0`: none).
    fn factor_faer_with(mut m: Array2<f64>, floor: f64) -> Option<Cholesky> {
        let n = m.nrows();
        let max_diag = (0..n).fold(0.0f64, |acc, i| acc.max(m[[i, i]]));
        if !max_diag.is_finite() {
            return None;
        }
        let reg = faer::linalg::cholesky::llt::factor::LltRegularization {
            dynamic_regularization_delta: if floor > 0.0 { HUGE_PIVOT } else { 0.0 },
            dynamic_regularization_epsilon: floor,
        };
        let scratch = faer::linalg::cholesky::llt::factor::cholesky_in_place_scratch::<f64>(
            n,
            par_for(n * n * n / 3),
            Default::default(),
        );
        let mut mem = faer::dyn_stack::MemBuffer::new(scratch);
        let stack = faer::dyn_stack::MemStack::new(&mut mem);
        let ok = faer::linalg::cholesky::llt::factor::cholesky_in_place(
            as_faer_mut(&mut m),
            reg,
            par_for(n * n * n / 3),
            stack,
            Default::default(),
        );
        if ok.is_err() {
            return None;
        }
        for i in 0..n {
            for j in (i + 1)..n {
                m[[i, j]] = 0.0;
            }
        }
        if m.iter().any(|v| !v.is_finite()) || (0..n).any(|i| m[[i, i]] <= 0.0) {
            return None;
        }
        Some(Cholesky { l: m })
    }

    /// Right-looking blocked Cholesky (panels on rayon, trailing updates as GEMMs) with
    /// pivots below `PIVOT_FLOOR` of the largest diagonal entry replaced by a huge one.
    fn factor_blocked(mut m: Array2<f64>) -> Option<Cholesky> {
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

    /// The lower factor `L` (row-major).
    pub fn lower(&self) -> ArrayView2<'_, f64> {
        self.l.view()
    }

    /// Extends the factor of `M` (q x q) to the factor of `[[M, C^T], [C, E]]` for `k`
    /// rows more: `cross = C` (k x q), `corner = E` (k x k, lower triangle read). The new
    /// rows of `L` are `C L^-T` and the factor of `E - (C L^-T)(C L^-T)^T`, computed row by
    /// row in the order a full factorisation would use, so that adding rows one at a time
    /// costs `O(k q^2)` instead of a new `O(q^3)` factorisation. Pivots at most `floor`
    /// become huge (as in [`Cholesky::factor`]). `false` (and the factor unchanged) if a
    /// new entry is not finite.
    pub fn extend(&mut self, cross: ArrayView2<f64>, corner: ArrayView2<f64>, floor: f64) -> bool {
        let (q, k) = (self.l.nrows(), corner.nrows());
        assert_eq!(cross.dim(), (k, q), "Cholesky::extend: cross is k x q");
        assert_eq!(corner.ncols(), k, "Cholesky::extend: corner is k x k");
        let n = q + k;
        let mut l = Array2::<f64>::zeros((n, n));
        l.slice_mut(s![..q, ..q]).assign(&self.l);
        let flat = l.as_slice_mut().expect("standard layout");
        for i in q..n {
            for j in 0..=i {
                let src = if j < q {
                    cross[[i - q, j]]
                } else {
                    corner[[i - q, j - q]]
                };
                let (head, row_i) = flat.split_at_mut(i * n);
                let row_j = if j < i {
                    &head[j * n..j * n + j]
                } else {
                    &row_i[..j]
                };
                let dot: f64 = row_i[..j].iter().zip(row_j).map(|(a, b)| a * b).sum();
                let v = src - dot;
                row_i[j] = if i == j {
                    if v > floor {
                        v.sqrt()
                    } else {
                        HUGE_PIVOT
                    }
                } else {
                    v / head[j * n + j]
                };
            }
        }
        if l.slice(s![q.., ..]).iter().any(|v| !v.is_finite()) {
            return false;
        }
        self.l = l;
        true
    }

    /// Solves `L L^T Z = R` for many right-hand sides (the columns of `r`, n x k).
    pub fn solve_many(&self, mut r: Array2<f64>) -> Array2<f64> {
        let l = as_faer(&self.l.view());
        let work = self.l.nrows() * self.l.nrows() * r.ncols();
        {
            let mut v = r.view_mut();
            let rf = as_faer_view_mut(&mut v);
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(l, rf, par_for(work));
        }
        {
            let mut v = r.view_mut();
            let rf = as_faer_view_mut(&mut v);
            faer::linalg::triangular_solve::solve_upper_triangular_in_place(
                l.transpose(),
                rf,
                par_for(work),
            );
        }
        r
    }

    /// Solves `L L^T z = rhs` (faer's triangular solves on the calling thread).
    pub fn solve(&self, z: Array1<f64>) -> Array1<f64> {
        let n = z.len();
        let mut z = z
            .into_shape_with_order((n, 1))
            .expect("a vector is one column");
        {
            let l = as_faer(&self.l.view());
            let mut v = z.view_mut();
            let zf = as_faer_view_mut(&mut v);
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(l, zf, Par::Seq);
            let zf = as_faer_view_mut(&mut v);
            faer::linalg::triangular_solve::solve_upper_triangular_in_place(
                l.transpose(),
                zf,
                Par::Seq,
            );
        }
        z.into_shape_with_order(n).expect("one column")
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
        let mut m = crate::linalg::gram::gram_t(b.view());
        for i in 0..n {
            m[[i, i]] += 1.0;
        }
        (b, m)
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
    fn cholesky_of_a_singular_matrix_gives_finite_factors() {
        // rank one in 12 dimensions, entries spread over 20 orders of magnitude
        let n = 12;
        let v = Array1::from_shape_fn(n, |i| 10f64.powi(i as i32 - 6));
        let mut m = Array2::from_shape_fn((n, n), |(i, j)| v[i] * v[j] * 1e8);
        m[[3, 3]] += 1e-12;
        let c = Cholesky::factor(m).expect("a factor");
        let l = c.lower();
        assert!((0..n).all(|i| l[[i, i]] > 0.0) && l.iter().all(|x| x.is_finite()));
        let z = c.solve(Array1::ones(n));
        assert!(z.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn lu_solves_a_symmetric_indefinite_kkt_system() {
        // [H C^T; C 0] with H singular (rank 4 of 6, definite on the null space of C) and
        // C (3 x 6) of full row rank
        let bh = Array2::from_shape_fn((6, 4), |(i, k)| {
            let (i, k) = (i as f64, k as f64);
            (1.3 * i * i + 0.7 * k + 0.1 * i * k).cos()
        });
        let h = bh.dot(&bh.t());
        let c = Array2::from_shape_fn((3, 6), |(i, j)| {
            if j == 2 * i || j == 2 * i + 1 {
                1.0 + j as f64
            } else {
                0.1
            }
        });
        let mut k = Array2::<f64>::zeros((9, 9));
        k.slice_mut(s![..6, ..6]).assign(&h);
        k.slice_mut(s![..6, 6..]).assign(&c.t());
        k.slice_mut(s![6.., ..6]).assign(&c);
        let x = Array1::from_shape_fn(9, |i| (i as f64) - 4.0);
        let rhs = k.dot(&x);
        let z = lu_solve(k.view(), rhs.view()).expect("nonsingular");
        let err = (&z - &x).mapv(f64::abs).fold(0.0f64, |a, &v| a.max(v));
        assert!(err < 1e-9, "{err}");
        // a singular matrix gives no answer rather than a wrong one
        let zero = Array2::<f64>::zeros((3, 3));
        assert!(lu_solve(zero.view(), Array1::ones(3).view()).is_none());
    }

    #[test]
    fn lstsq_matches_the_normal_equations() {
        let (b, _) = spd(8); // 15 x 8, full column rank
        let r = Array1::from_shape_fn(15, |i| (i as f64 * 0.3).cos());
        let x = lstsq(b.view(), r.view()).expect("full rank");
        // the residual is orthogonal to the columns
        let res = b.t().dot(&(&b.dot(&x) - &r));
        assert!(res.iter().all(|v| v.abs() < 1e-10), "{res}");
        // a consistent system is solved exactly
        let want = Array1::from_shape_fn(8, |i| i as f64);
        let x = lstsq(b.view(), b.dot(&want).view()).unwrap();
        assert!((&x - &want).iter().all(|v| v.abs() < 1e-10));
    }

    #[test]
    fn shifted_cholesky_keeps_every_direction() {
        // rank one: the plain factor zeroes the other directions; the shifted one damps them
        let n = 6;
        let v = Array1::from_shape_fn(n, |i| 1.0 + i as f64);
        let m = Array2::from_shape_fn((n, n), |(i, j)| v[i] * v[j]);
        let c = Cholesky::factor_shifted(m.clone()).expect("a factor");
        let l = c.lower();
        assert!((0..n).all(|i| l[[i, i]] > 0.0 && l[[i, i]] < 1e3));
        // on a well-conditioned matrix it is the plain factor
        let (_, m) = spd(40);
        let x = Array1::from_shape_fn(40, |i| (i as f64).sin());
        let z = Cholesky::factor_shifted(m.clone())
            .unwrap()
            .solve(m.dot(&x));
        assert!((&z - &x).iter().all(|e| e.abs() < 1e-8));
        let mut bad = m;
        bad[[0, 0]] = f64::NAN;
        assert!(Cholesky::factor_shifted(bad).is_none());
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
