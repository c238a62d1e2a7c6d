//! The face of the active-set finish ([`super::crossover`]): the active rows `B = G_S`
//! (q x nz) and the Cholesky factor of `B B^T`, grown row by row.
//!
//! Performance notes: the purification of an insphere at d = 784 adds the last ~20 rows of a
//! vertex one ratio test at a time. Forming and factoring `B B^T` anew at each step (q ~ 780:
//! a q x q x nz Gram and a q^3 / 3 Cholesky, ~50 ms on two cores) cost more than all the
//! interior-point iterations before it; appending a row to the factor
//! ([`Cholesky::extend`]) costs `O(q nz + q^2)`, and a projection onto the face reads `B`
//! (the slacks of the face rows are `h_S - B z`), not all of `A`.

use ndarray::{Array1, Array2, ArrayView1, Axis};

use super::layout::Layout;
use crate::linalg::dense::{matvec, matvec_t, Cholesky, PIVOT_FLOOR};
use crate::linalg::gram::gram_t;

/// Active rows of `G`, their right-hand sides and the factor of `B B^T`.
pub struct Face {
    rows: Vec<usize>,
    bm: Array2<f64>,
    /// `h_S`.
    h: Array1<f64>,
    chol: Cholesky,
    /// Largest diagonal entry of `B B^T` (the pivot floor is relative to it).
    max_diag: f64,
}

impl Face {
    /// The face of `rows` (indices of rows of `G`, whose right-hand side is `h`); `None` if
    /// `B B^T` cannot be factored.
    pub fn new(lay: &Layout<'_>, h: ArrayView1<f64>, rows: &[usize]) -> Option<Face> {
        let bm = active_rows(lay, rows);
        let chol = Cholesky::factor(gram_t(bm.t()))?;
        let max_diag = bm
            .rows()
            .into_iter()
            .fold(0.0f64, |acc, r| acc.max(r.dot(&r)));
        Some(Face {
            rows: rows.to_vec(),
            bm,
            h: rows.iter().map(|&k| h[k]).collect(),
            chol,
            max_diag,
        })
    }

    /// The active rows, in the order of `B`.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Solves `B B^T y = r`.
    pub fn solve(&self, r: Array1<f64>) -> Array1<f64> {
        self.chol.solve(r)
    }

    /// `B v` (q,).
    pub fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        matvec(self.bm.view(), v)
    }

    /// `B^T y` (nz,).
    pub fn apply_t(&self, y: ArrayView1<f64>) -> Array1<f64> {
        matvec_t(self.bm.view(), y)
    }

    /// Appends rows of `G` (not yet on the face); `None` if the factor cannot be extended.
    pub fn add(&mut self, lay: &Layout<'_>, h: ArrayView1<f64>, new: &[usize]) -> Option<()> {
        if new.is_empty() {
            return Some(());
        }
        let rm = active_rows(lay, new);
        let cross = rm.dot(&self.bm.t());
        let corner = rm.dot(&rm.t());
        for r in rm.rows() {
            self.max_diag = self.max_diag.max(r.dot(&r));
        }
        let floor = PIVOT_FLOOR * self.max_diag.max(f64::MIN_POSITIVE);
        if !self.chol.extend(cross.view(), corner.view(), floor) {
            return None;
        }
        self.bm.append(Axis(0), rm.view()).ok()?;
        self.h
            .append(Axis(0), Array1::from_iter(new.iter().map(|&k| h[k])).view())
            .ok()?;
        self.rows.extend_from_slice(new);
        Some(())
    }

    /// Moves `z` onto the face: `z += B^T (B B^T)^-1 (h_S - B z)`, the nearest point of it.
    pub fn project(&self, z: &mut Array1<f64>) {
        let slack_s = &self.h - &self.apply(z.view());
        *z += &self.apply_t(self.solve(slack_s).view());
    }
}

/// The rows `rows` of `G` as a dense matrix (q x nz).
pub fn active_rows(lay: &Layout<'_>, rows: &[usize]) -> Array2<f64> {
    let mut bm = Array2::<f64>::zeros((rows.len(), lay.nz()));
    for (r, &k) in rows.iter().enumerate() {
        bm.row_mut(r).assign(&lay.g_row(k));
    }
    bm
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, CowArray};

    #[test]
    fn grown_factor_matches_a_new_one() {
        let (n, d) = (40, 12);
        // a fixed pseudo-random fill (full rank)
        let a = Array2::from_shape_fn((n, d), |(i, j)| {
            let h = ((i * d + j) as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (h >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        });
        let lay = Layout::new(
            CowArray::from(a),
            Array1::ones(n),
            Array1::from_elem(d, -1.0),
            Array1::ones(d),
            true,
        );
        let first = [3, 17, 25, 40, 41];
        let more = [[8, 60].as_slice(), &[30], &[2, 9, 11]];
        let h = lay.h();
        let mut face = Face::new(&lay, h.view(), &first).expect("factor");
        let mut all = first.to_vec();
        for m in more {
            face.add(&lay, h.view(), m).expect("extend");
            all.extend_from_slice(m);
        }
        let fresh = Face::new(&lay, h.view(), &all).expect("factor");
        assert_eq!(face.rows(), fresh.rows());
        assert_eq!(face.bm, fresh.bm);
        let r = Array1::from_shape_fn(all.len(), |i| (i as f64).sin());
        let (x, y) = (face.solve(r.clone()), fresh.solve(r.clone()));
        let err = (&x - &y).mapv(f64::abs).fold(0.0f64, |acc, &v| acc.max(v));
        assert!(err < 1e-10 * y.mapv(f64::abs).sum(), "{err}");
        // the solve is exact: B B^T x = r
        let bbt = face.bm.dot(&face.bm.t());
        let res = (&bbt.dot(&x) - &r)
            .mapv(f64::abs)
            .fold(0.0f64, |acc, &v| acc.max(v));
        assert!(res < 1e-9, "{res}");
        // the projection lands on the face: B z = h_S
        let mut z = Array1::from_shape_fn(d + 1, |j| 0.1 * j as f64);
        face.project(&mut z);
        let off = (&face.apply(z.view()) - &face.h).mapv(f64::abs);
        assert!(off.iter().all(|&v| v < 1e-12), "{off}");
        assert_eq!(face.h, Array1::from_iter(all.iter().map(|&k| h[k])));
        // a dependent row gives a huge pivot (its multiplier ~0), not a failure
        let mut dep = Face::new(&lay, h.view(), &first).expect("factor");
        dep.add(&lay, h.view(), &[first[1]])
            .expect("extend with a repeated row");
        let l = dep.chol.lower().diag().to_owned();
        assert!(
            l[l.len() - 1] > 1e30 && l.slice(s![..l.len() - 1]).iter().all(|&v| v < 1e3),
            "{l}"
        );
    }
}
