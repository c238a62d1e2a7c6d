//! Facets certified without LPs, and rows removed by tests that need none.
//!
//! Row `i` of `{x : A x + b >= 0, lo <= x <= hi}` is a facet (not redundant) when some
//! point `w` on its hyperplane satisfies every other row and the box with a margin larger
//! than the tolerance: a *witness*. From an interior point `x0`, the first hyperplane a ray
//! meets is a facet whenever it is met alone. We shoot
//!
//! 1. one straight ray toward each hyperplane, along its normal: the Gram matrix `A A^T` of
//!    the unit rows gives every row's hitting time on every ray at once;
//! 2. for rows still undecided, rays bent around the rows and box faces that block them:
//!    the direction is projected off the blockers' normals (so their slack stays as it is
//!    at `x0`), and blockers met on the new ray are added, up to `max_bends` times.
//!
//! Every proposed witness is then checked exactly (one product with `A^T`), so a row is only
//! reported as a facet with a certificate. Zero rows with `b >= 0`, rows implied by the box
//! alone and all but the last of each group of rows equal up to a positive factor are
//! reported as redundant. Rows left `Unknown` need an LP (Clarkson's loop in
//! [`crate::facets`]).

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::hrep::{box_min, check, later_duplicates, normalize, UnitRows};
use crate::linalg::{par_matmul, take_rows};

/// Default tolerance (Euclidean distance): a row is redundant when removing it lets the
/// polytope reach no further than this beyond its hyperplane.
pub const TOL: f64 = 1e-9;
/// Default tolerance on unit normals and offsets under which two rows are duplicates.
pub const DUPLICATE_TOL: f64 = 1e-12;
/// Default number of times a ray is bent around blockers.
/// (128 bends leave 22 of 3,072 rows of a random-init 784-1024x3 region undecided, where
/// 16 left 396; a bend costs one product with `A`.)
pub const MAX_BENDS: usize = 128;
/// Rows per rayon task in the straight-ray phase.
const STRAIGHT_RAYS_PER_TASK: usize = 256;
/// Squared length under which a projected direction counts as zero.
const NULL_DIRECTION: f64 = 1e-20;
/// Fraction of the way to the first blocker that a bent ray's origin moves.
const BEND_AT: f64 = 0.99;

/// What the LP-free tests decided about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RowClass {
    /// Needs an LP.
    Unknown = 0,
    /// A facet, certified by a witness point.
    Facet = 1,
    /// Redundant: equal (up to a positive factor) to a later row that is kept in its place.
    Duplicate = 2,
    /// Redundant: implied by the box alone (or a zero row `0 x + b >= 0` with `b >= 0`).
    BoxImplied = 3,
}

/// Tolerances and limits of [`classify`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub tol: f64,
    pub duplicate_tol: f64,
    pub max_bends: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tol: TOL,
            duplicate_tol: DUPLICATE_TOL,
            max_bends: MAX_BENDS,
        }
    }
}

/// A facet's certificate: a point on its hyperplane that satisfies every other row and the
/// box with the margin, found along a straight or a bent ray.
#[derive(Debug, Clone)]
pub struct Witness {
    pub row: usize,
    pub point: Array1<f64>,
    pub bent: bool,
}

/// Per-row decisions, the witness of each facet, and how many facets each ray phase
/// certified.
#[derive(Debug, Clone)]
pub struct Classified {
    pub class: Vec<RowClass>,
    pub witnesses: Vec<Witness>,
    pub by_straight_rays: usize,
    pub by_bent_rays: usize,
}

/// Classifies every row (see the module notes). `x0` must be strictly inside.
pub fn classify(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    st: Settings,
) -> Result<Classified> {
    check(a, b, lo, hi)?;
    let (n, d) = a.dim();
    if x0.len() != d {
        return Err(CoreError::Shape(format!(
            "x0 has {} entries, expected {d}",
            x0.len()
        )));
    }
    let rows = normalize(a, b);
    let slack = rows.a.dot(&x0) + &rows.b;
    let inside = (0..n).all(|i| slack[i] > 0.0 || (rows.norm[i] == 0.0 && rows.b[i] >= 0.0))
        && (0..d).all(|j| x0[j] > lo[j] && x0[j] < hi[j]);
    if !inside {
        return Err(CoreError::Value(
            "x0 is not strictly inside the polytope".into(),
        ));
    }
    let mut class = vec![RowClass::Unknown; n];
    for (i, c) in class.iter_mut().enumerate() {
        if rows.norm[i] == 0.0 || box_min(rows.a.row(i), lo, hi) + rows.b[i] >= -st.tol {
            *c = RowClass::BoxImplied;
        }
    }
    let gram = par_matmul(rows.a.view(), rows.a.t());
    for (i, dup) in later_duplicates(&rows, gram.view(), st.duplicate_tol)
        .into_iter()
        .enumerate()
    {
        if dup.is_some() && class[i] == RowClass::Unknown {
            class[i] = RowClass::Duplicate;
        }
    }
    let active: Vec<usize> = (0..n).filter(|&i| class[i] == RowClass::Unknown).collect();
    let geo = Geometry {
        rows: &rows,
        slack: &slack,
        lo: lo.view(),
        hi: hi.view(),
        x0: x0.view(),
        active: &active,
        margin: 2.0 * st.tol,
    };

    // a straight ray is O(n): small polytopes are one rayon task
    let proposals: Vec<(usize, Array1<f64>)> = active
        .par_iter()
        .with_min_len(STRAIGHT_RAYS_PER_TASK)
        .filter_map(|&i| geo.straight_ray(i, gram.row(i)))
        .collect();
    let mut witnesses = Vec::new();
    let by_straight_rays = geo.certify(proposals, &mut class, &mut witnesses, false);

    let undecided: Vec<usize> = active
        .iter()
        .copied()
        .filter(|&i| st.max_bends > 0 && class[i] == RowClass::Unknown)
        .collect();
    let center = Origin {
        point: x0.to_owned(),
        slack: slack.clone(),
    };
    let proposals: Vec<(usize, Array1<f64>)> = undecided
        .par_iter()
        .filter_map(|&i| geo.bent_ray(i, st.max_bends, &center))
        .collect();
    let by_bent_rays = geo.certify(proposals, &mut class, &mut witnesses, true);
    Ok(Classified {
        class,
        witnesses,
        by_straight_rays,
        by_bent_rays,
    })
}

/// Where a bent ray starts: a point strictly inside and the unit-row slacks there.
struct Origin {
    point: Array1<f64>,
    slack: Array1<f64>,
}

struct Geometry<'a> {
    rows: &'a UnitRows,
    slack: &'a Array1<f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
    x0: ArrayView1<'a, f64>,
    active: &'a [usize],
    margin: f64,
}

impl Geometry<'_> {
    /// Time at which the ray `x0 + t u` leaves the box, and the coordinate.
    fn box_exit(&self, u: ArrayView1<f64>) -> (f64, usize) {
        let mut best = (f64::INFINITY, usize::MAX);
        for (k, &uk) in u.iter().enumerate() {
            let t = if uk > 0.0 {
                (self.hi[k] - self.x0[k]) / uk
            } else if uk < 0.0 {
                (self.lo[k] - self.x0[k]) / uk
            } else {
                continue;
            };
            if t < best.0 {
                best = (t, k);
            }
        }
        best
    }

    /// Ray along `-a_i`; `g_i` is row i of the Gram matrix (so `a_j . u = -g_i[j]`).
    fn straight_ray(&self, i: usize, g_i: ArrayView1<f64>) -> Option<(usize, Array1<f64>)> {
        let u = self.rows.a.row(i).mapv(|v| -v);
        let mut first = (f64::INFINITY, usize::MAX);
        for &j in self.active {
            if g_i[j] > 0.0 {
                let t = self.slack[j] / g_i[j];
                if t < first.0 {
                    first = (t, j);
                }
            }
        }
        let (t, k) = first;
        if t.partial_cmp(&self.box_exit(u.view()).0) != Some(std::cmp::Ordering::Less) {
            return None;
        }
        let w = &self.x0 + &(t * &u);
        Some((k, w))
    }

    /// Ray toward hyperplane `i`, bent around blockers; proposes a witness for `i`.
    ///
    /// The ray starts at `o = x0` along `-a_i`. When a row or box face would be met before
    /// hyperplane `i`, the origin moves most of the way (`BEND_AT`) to the first one met, that
    /// blocker's normal is projected off the direction (so the ray now runs parallel to it),
    /// and the ray is shot again.
    fn bent_ray(
        &self,
        i: usize,
        max_bends: usize,
        origin: &Origin,
    ) -> Option<(usize, Array1<f64>)> {
        let ai = self.rows.a.row(i);
        let d = ai.len();
        let mut basis: Vec<Array1<f64>> = Vec::new();
        let mut o = origin.point.clone();
        let mut so = origin.slack.clone();
        for _ in 0..=max_bends {
            let mut p = ai.to_owned();
            for _ in 0..2 {
                for q in &basis {
                    let c = q.dot(&p);
                    p.scaled_add(-c, q);
                }
            }
            let pp = p.dot(&p);
            if pp < NULL_DIRECTION {
                return None;
            }
            let u = p.mapv(|v| -v);
            let au = self.rows.a.dot(&u);
            let t = so[i] / -au[i];
            if !(t.is_finite() && t > 0.0) {
                return None;
            }
            // first blocker: (time, Some(row) | None with box coordinate)
            let mut first = (f64::INFINITY, usize::MAX, false);
            for &j in self.active {
                if j != i && au[j] < 0.0 && so[j] + t * au[j] <= self.margin {
                    let tj = so[j] / -au[j];
                    if tj < first.0 {
                        first = (tj, j, true);
                    }
                }
            }
            for k in 0..d {
                let xk = o[k] + t * u[k];
                let tk = if u[k] > 0.0 && self.hi[k] - xk <= self.margin {
                    (self.hi[k] - o[k]) / u[k]
                } else if u[k] < 0.0 && xk - self.lo[k] <= self.margin {
                    (self.lo[k] - o[k]) / u[k]
                } else {
                    continue;
                };
                if tk < first.0 {
                    first = (tk, k, false);
                }
            }
            if first.1 == usize::MAX {
                return Some((i, &o + &(t * &u)));
            }
            let (tb, k, is_row) = first;
            let step = BEND_AT * tb;
            o.scaled_add(step, &u);
            so.scaled_add(step, &au);
            let mut v = if is_row {
                self.rows.a.row(k).to_owned()
            } else {
                let mut e = Array1::zeros(d);
                e[k] = 1.0;
                e
            };
            for _ in 0..2 {
                for q in &basis {
                    let c = q.dot(&v);
                    v.scaled_add(-c, q);
                }
            }
            let nv = v.dot(&v).sqrt();
            if nv <= 1e-9 || basis.len() + 1 >= d {
                return None;
            }
            basis.push(v / nv);
        }
        None
    }

    /// Checks proposed witnesses exactly; marks certified rows as facets, keeps their
    /// witnesses (found along `bent` rays or straight ones), returns how many.
    fn certify(
        &self,
        mut proposals: Vec<(usize, Array1<f64>)>,
        class: &mut [RowClass],
        witnesses: &mut Vec<Witness>,
        bent: bool,
    ) -> usize {
        proposals.sort_by_key(|p| p.0);
        proposals.dedup_by_key(|p| p.0);
        proposals.retain(|p| class[p.0] == RowClass::Unknown);
        if proposals.is_empty() {
            return 0;
        }
        let d = self.x0.len();
        let mut pts = Array2::<f64>::zeros((proposals.len(), d));
        for (r, (_, w)) in proposals.iter().enumerate() {
            pts.row_mut(r).assign(w);
        }
        let act = take_rows(self.rows.a.view(), self.active);
        let bact: Array1<f64> = self.active.iter().map(|&i| self.rows.b[i]).collect();
        let mut count = 0;
        for (blk, chunk) in proposals.chunks(256).enumerate() {
            let p = pts.slice(s![blk * 256..blk * 256 + chunk.len(), ..]);
            let sl = par_matmul(p, act.t());
            for (r, (k, w)) in chunk.iter().enumerate() {
                let pos = self.active.iter().position(|j| j == k);
                let Some(pk) = pos else { continue };
                let own = (sl[[r, pk]] + bact[pk]).abs();
                let need = self.margin + own;
                let rows_ok =
                    (0..self.active.len()).all(|q| q == pk || sl[[r, q]] + bact[q] > need);
                let box_ok = (0..d).all(|j| w[j] - self.lo[j] > need && self.hi[j] - w[j] > need);
                if rows_ok && box_ok && own <= self.margin {
                    class[*k] = RowClass::Facet;
                    witnesses.push(Witness {
                        row: *k,
                        point: w.clone(),
                        bent,
                    });
                    count += 1;
                }
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn run(
        a: Array2<f64>,
        b: Array1<f64>,
        lo: Array1<f64>,
        hi: Array1<f64>,
        x0: Array1<f64>,
    ) -> Vec<RowClass> {
        classify(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            x0.view(),
            Settings::default(),
        )
        .unwrap()
        .class
    }

    #[test]
    fn square_cut_by_rows() {
        use RowClass::*;
        // box [0, 2]^2; rows: x + y <= 3 (facet), x + y <= 4 (touches at a vertex: box-implied),
        // 2x + 2y <= 6 (duplicate of the first; the last is kept), x <= 5 (box-implied),
        // y <= 1.9 (facet), y <= 1.95 (redundant, needs an LP).
        let a = array![
            [-1.0, -1.0],
            [-1.0, -1.0],
            [-2.0, -2.0],
            [-1.0, 0.0],
            [0.0, -1.0],
            [0.0, -1.0]
        ];
        let b = array![3.0, 4.0, 6.0, 5.0, 1.9, 1.95];
        let c = run(a, b, array![0.0, 0.0], array![2.0, 2.0], array![0.5, 0.5]);
        assert_eq!(
            c,
            vec![Duplicate, BoxImplied, Facet, BoxImplied, Facet, Unknown]
        );
    }

    #[test]
    fn bent_ray_finds_a_facet_behind_a_blocker() {
        use RowClass::*;
        // Box [-10, 10]^2, x0 = 0. Row 0: y <= 1. Row 1: x + 0.1 y <= 3, whose normal ray from
        // the origin passes y = 0.3 at x = 2.97: fine. Row 2: 0.2x + y <= 1.5 is met along its
        // normal after row 0 (y <= 1) blocks it; bending along y = const finds it.
        let a = array![[0.0, -1.0], [-1.0, -0.1], [-0.2, -1.0]];
        let b = array![1.0, 3.0, 1.5];
        let c = run(
            a,
            b,
            array![-10.0, -10.0],
            array![10.0, 10.0],
            array![0.0, 0.0],
        );
        assert_eq!(c, vec![Facet, Facet, Facet]);
    }

    #[test]
    fn refuses_a_point_outside() {
        let a = array![[1.0]];
        let b = array![-1.0];
        let (lo, hi, x0) = (array![0.0], array![2.0], array![0.5]);
        assert!(classify(
            a.view(),
            b.view(),
            lo.view(),
            hi.view(),
            x0.view(),
            Settings::default()
        )
        .is_err());
    }
}
