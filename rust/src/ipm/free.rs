//! Box sides at infinity (`lo_j = -inf`, `hi_j = inf`): the solver runs on an *artificial*
//! finite box around a given point (so the normal matrix stays positive definite and every
//! iterate is finite), and the problems certify their answers for the real, unbounded set.
//!
//! Certification: a point found inside the artificial box is inside the real set (the
//! artificial box only adds faces). A dual bound for the real set needs multipliers whose
//! dual residual `r = c - A^T lam` has an allowed sign on every coordinate (`r_j > 0` is
//! absorbed by a finite `lo_j`, `r_j < 0` by a finite `hi_j`). The solver's multipliers of
//! the artificial faces vanish only in the limit, so [`correct`] moves the row multipliers
//! by the weighted least-squares step `delta = Lam A_K y` that zeroes the residual on the
//! coordinates `K` where it would need an infinite side, and keeps the result only when it
//! stays `>= 0`.
//! The residual left after that step is rounding (a few ulps of `|c_j| + sum_i lam_i |a_ij|`);
//! a residual within [`FREE_RESIDUAL_TOL`] of that scale counts as zero (HiGHS accepts dual
//! residuals of 1e-7). When no certificate is found the solve ends uncertified.

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

use crate::linalg::dense::{matvec_t, Cholesky};
use crate::linalg::gram::weighted_gram;

/// Half-width of the artificial box, in units of the problem's own scale (the largest of
/// 1, `|x0|_inf` and the distances `|b_i| / |a_i|` of the hyperplanes from the origin).
pub const ARTIFICIAL_REACH: f64 = 1e4;
/// Relative dual residual on a coordinate with an infinite side that counts as zero.
pub const FREE_RESIDUAL_TOL: f64 = 1e-12;
/// Rounds of the correction step (the second one removes the first one's rounding).
const CORRECTION_ROUNDS: usize = 2;

/// Which box sides are infinite.
#[derive(Debug, Clone)]
pub struct Sides {
    pub lo_free: Vec<bool>,
    pub hi_free: Vec<bool>,
}

impl Sides {
    /// The infinite sides of `lo <= x <= hi`.
    pub fn new(lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> Self {
        Sides {
            lo_free: lo.iter().map(|v| !v.is_finite()).collect(),
            hi_free: hi.iter().map(|v| !v.is_finite()).collect(),
        }
    }

    /// Whether any side is infinite.
    pub fn any(&self) -> bool {
        self.lo_free.iter().chain(&self.hi_free).any(|&f| f)
    }

    /// Contribution `min over the box of r_j x_j` of coordinate `j` to a dual bound, with
    /// `tol` the residual that counts as zero: `-inf` when `r_j` needs an infinite side.
    pub fn term(&self, j: usize, r: f64, lo: f64, hi: f64, tol: f64) -> f64 {
        if r > 0.0 {
            if !self.lo_free[j] {
                r * lo
            } else if r <= tol {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        } else if r < 0.0 {
            if !self.hi_free[j] {
                r * hi
            } else if -r <= tol {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        } else {
            0.0
        }
    }
}

/// The real box of a problem (sides may be infinite; the layout holds the artificial one)
/// and which of its sides are infinite.
#[derive(Debug, Clone)]
pub struct RealBox {
    pub lo: Array1<f64>,
    pub hi: Array1<f64>,
    pub sides: Sides,
}

impl RealBox {
    pub fn new(lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> Self {
        let sides = Sides::new(lo, hi);
        let (lo, hi) = (lo.to_owned(), hi.to_owned());
        RealBox { lo, hi, sides }
    }

    /// [`Sides::term`] of coordinate `j` over this box.
    pub fn term(&self, j: usize, r: f64, tol: f64) -> f64 {
        self.sides.term(j, r, self.lo[j], self.hi[j], tol)
    }
}

/// The bound the stall test measures progress by: the real one once it is certified
/// (finite), the artificial box's before.
pub fn progress_bound(real: f64, artificial: f64) -> f64 {
    if real.is_finite() {
        real
    } else {
        artificial
    }
}

/// The artificial finite box: finite sides are kept, an infinite side is placed
/// `reach` away from `center` (or from the finite side).
pub fn artificial_box(
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    center: ArrayView1<f64>,
    reach: f64,
) -> (Array1<f64>, Array1<f64>) {
    let d = lo.len();
    let mut la = Array1::zeros(d);
    let mut ha = Array1::zeros(d);
    for j in 0..d {
        let c = center[j].clamp(lo[j], hi[j]);
        let (l, h) = match (lo[j].is_finite(), hi[j].is_finite()) {
            (true, true) => (lo[j], hi[j]),
            (true, false) => (lo[j], c.max(lo[j]) + reach),
            (false, true) => (c.min(hi[j]) - reach, hi[j]),
            (false, false) => (c - reach, c + reach),
        };
        la[j] = l;
        ha[j] = h;
    }
    (la, ha)
}

/// The problem's scale for [`ARTIFICIAL_REACH`]: the largest of 1, `|x|_inf` and the
/// distances of the hyperplanes of the unit rows `(a, b)` from the origin.
pub fn scale(b_unit: ArrayView1<f64>, x: ArrayView1<f64>) -> f64 {
    let mut s = 1.0f64;
    for v in b_unit.iter().chain(x.iter()) {
        if v.is_finite() {
            s = s.max(v.abs());
        }
    }
    s
}

/// Per-coordinate rounding scale `|c_j| + sum_i lam_i |a_ij|` times [`FREE_RESIDUAL_TOL`].
pub fn residual_tol(a: ArrayView2<f64>, lam: ArrayView1<f64>, c: ArrayView1<f64>) -> Array1<f64> {
    let abs_a = a.mapv(f64::abs);
    let s = matvec_t(abs_a.view(), lam);
    (&s + &c.mapv(f64::abs)) * FREE_RESIDUAL_TOL
}

/// Row multipliers `lam' >= 0` near `lam` (rows, clipped at 0) whose residual
/// `c - A^T lam'` needs no infinite side (it is zeroed, to rounding, on the coordinates where
/// it has the wrong sign for a finite side or where both sides are infinite), with
/// `A^T lam'`; `None` when the step would make a multiplier negative or is not finite.
pub fn correct(
    a: ArrayView2<f64>,
    lam: ArrayView1<f64>,
    c: ArrayView1<f64>,
    sides: &Sides,
) -> Option<(Array1<f64>, Array1<f64>)> {
    let mut l = lam.mapv(|v| v.max(0.0));
    let mut atl = matvec_t(a, l.view());
    for _ in 0..CORRECTION_ROUNDS {
        let k: Vec<usize> = (0..c.len())
            .filter(|&j| {
                let r = c[j] - atl[j];
                (sides.lo_free[j] && sides.hi_free[j] && r != 0.0)
                    || (sides.lo_free[j] && r > 0.0)
                    || (sides.hi_free[j] && r < 0.0)
            })
            .collect();
        if k.is_empty() {
            break;
        }
        let ak = a.select(Axis(1), &k);
        let rk = Array1::from_iter(k.iter().map(|&j| c[j] - atl[j]));
        let m = weighted_gram(ak.view(), l.view(), None, false);
        let chol = Cholesky::factor(m)?;
        let y = chol.solve(rk);
        let step = ak.dot(&y);
        let next = &l + &(&l * &step);
        if next.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return None;
        }
        l = next;
        atl = matvec_t(a, l.view());
    }
    Some((l, atl))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// No box: every side infinite (d = 2).
    fn no_box() -> (Array1<f64>, Array1<f64>) {
        let inf = f64::INFINITY;
        (array![-inf, -inf], array![inf, inf])
    }

    #[test]
    fn correction_zeroes_the_free_residual() {
        // min y over {y >= x - 1, y >= -x - 1}: optimum -1 at x = 0, multipliers (1/2, 1/2).
        // Rows: -x + y + 1 >= 0, x + y + 1 >= 0; c = (0, 1).
        let a = array![[-1.0, 1.0], [1.0, 1.0]];
        let c = array![0.0, 1.0];
        let (lo, hi) = no_box();
        let sides = Sides::new(lo.view(), hi.view());
        let (l, atl) = correct(a.view(), array![0.49, 0.52].view(), c.view(), &sides).unwrap();
        assert!((l[0] - 0.5).abs() < 1e-12 && (l[1] - 0.5).abs() < 1e-12);
        assert!((atl[0]).abs() < 1e-15 && (atl[1] - 1.0).abs() < 1e-15);
        assert_eq!(sides.term(0, 1e-17, lo[0], hi[0], 1e-12), 0.0);
        assert_eq!(sides.term(0, 1e-3, lo[0], hi[0], 1e-12), f64::NEG_INFINITY);
    }

    #[test]
    fn artificial_box_keeps_finite_sides() {
        let lo = array![0.0, f64::NEG_INFINITY, f64::NEG_INFINITY];
        let hi = array![f64::INFINITY, 2.0, f64::INFINITY];
        let (l, h) = artificial_box(lo.view(), hi.view(), array![1.0, 1.0, 1.0].view(), 10.0);
        assert_eq!(l.to_vec(), vec![0.0, -9.0, -9.0]);
        assert_eq!(h.to_vec(), vec![11.0, 2.0, 11.0]);
    }

    #[test]
    fn insphere_of_a_slab_without_box_is_certified() {
        use crate::ipm::insphere::{insphere, Ladder};
        use crate::ipm::{Settings, Status};
        use crate::polytope::Polytope;
        // -1 <= y <= 1, x free: radius 1
        let (lo, hi) = no_box();
        let solve = |a: ndarray::Array2<f64>, b: Array1<f64>| {
            let poly = Polytope {
                a: a.view(),
                b: b.view(),
                lo: lo.view(),
                hi: hi.view(),
            };
            insphere(poly, &Ladder::new(Settings::insphere())).unwrap()
        };
        let r = solve(array![[0.0, 1.0], [0.0, -1.0]], array![1.0, 1.0]);
        assert_eq!(r.status, Status::Optimal);
        assert!((r.radius - 1.0).abs() < 1e-9 && r.upper_bound >= r.radius);
        assert!(r.upper_bound - 1.0 < 1e-8);
        // empty: x >= 1 and x <= -1
        let r = solve(array![[1.0, 0.0], [-1.0, 0.0]], array![-1.0, -1.0]);
        assert_eq!(r.status, Status::Infeasible);
        assert!(r.upper_bound < -0.99);
    }

    #[test]
    fn lp_without_box_certifies_both_answers() {
        use crate::ipm::lp::{Exits, Lp};
        use crate::ipm::{Settings, Status};
        use crate::polytope::Polytope;
        // min y over {y >= x - 1, y >= -x - 1}: -1
        let a = array![[-1.0, 1.0], [1.0, 1.0]];
        let b = array![1.0, 1.0];
        let (lo, hi) = no_box();
        let c = array![0.0, 1.0];
        let x0 = array![0.3, 2.0];
        let st = Settings::lp();
        let run = |n: usize, exits| {
            let rows = ndarray::s![..n, ..];
            let poly = Polytope {
                a: a.slice(rows),
                b: b.slice(ndarray::s![..n]),
                lo: lo.view(),
                hi: hi.view(),
            };
            let lp = Lp {
                poly,
                c: c.view(),
                c0: 0.0,
            };
            lp.minimize(x0.view(), exits, &st).unwrap()
        };
        let above = run(
            2,
            Exits {
                stop_below: f64::NEG_INFINITY,
                stop_above: -1.5,
            },
        );
        assert_eq!(above.status, Status::BoundAbove);
        assert!(above.lower_bound >= -1.5 && above.lower_bound <= -1.0 + 1e-9);
        let opt = run(2, Exits::default());
        assert_eq!(opt.status, Status::Optimal);
        assert!((opt.value + 1.0).abs() < 1e-8 && opt.lower_bound <= -1.0 + 1e-12);
        // one row only: unbounded below, a feasible point below -10 is found
        let below = run(
            1,
            Exits {
                stop_below: -10.0,
                stop_above: f64::INFINITY,
            },
        );
        assert_eq!(below.status, Status::PointBelow);
        assert!(below.value < -10.0 && below.x[1] >= below.x[0] - 1.0);
    }
}
