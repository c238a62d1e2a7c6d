//! Domains of the search: bounded, full-dimensional H-polytopes
//! `{x : A x + b >= 0, lo <= x <= hi}` (rows not normalised; the box is finite).

use ndarray::{concatenate, Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::{CoreError, Result};
use crate::hrep::{check, normalize, UnitRows};

use super::engine::chebyshev;

/// Inradius (input units) at or below which a domain counts as flat.
pub const FLAT_TOL: f64 = 1e-9;
/// Largest dimension for which the L1 ball is written out as its 2^d facet rows.
pub const MAX_L1_DIM: usize = 12;

/// A bounded, full-dimensional polytope: the box `lo <= x <= hi` cut by `A x + b >= 0`.
#[derive(Debug, Clone)]
pub struct Domain {
    pub a: Array2<f64>,
    pub b: Array1<f64>,
    pub lo: Array1<f64>,
    pub hi: Array1<f64>,
    /// Chebyshev center and radius (certified), computed when the domain is built.
    pub center: Array1<f64>,
    pub inradius: f64,
}

impl Domain {
    /// Validates and builds `{A x + b >= 0, lo <= x <= hi}`: shapes, finite values, a finite
    /// box, and a positive inradius (an empty or flat domain is refused).
    pub fn new(
        a: ArrayView2<f64>,
        b: ArrayView1<f64>,
        lo: ArrayView1<f64>,
        hi: ArrayView1<f64>,
    ) -> Result<Self> {
        check(a, b, lo, hi)?;
        if let Some(j) = (0..lo.len()).find(|&j| !lo[j].is_finite() || !hi[j].is_finite()) {
            return Err(CoreError::Value(format!(
                "domain is unbounded: box entry {j} is [{}, {}]",
                lo[j], hi[j]
            )));
        }
        let rows = normalize(a, b);
        let ball = chebyshev(&rows, lo, hi, None)?;
        if ball.radius.is_nan() || ball.radius <= FLAT_TOL {
            let what = if ball.radius < -FLAT_TOL {
                "empty"
            } else {
                "flat"
            };
            return Err(CoreError::Value(format!(
                "domain is {what}: its largest inscribed radius is {:.3e}",
                ball.radius
            )));
        }
        Ok(Domain {
            a: a.to_owned(),
            b: b.to_owned(),
            lo: lo.to_owned(),
            hi: hi.to_owned(),
            center: ball.center,
            inradius: ball.radius,
        })
    }

    /// The box `lo <= x <= hi`.
    pub fn boxed(lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> Result<Self> {
        let d = lo.len();
        Self::new(
            Array2::zeros((0, d)).view(),
            Array1::zeros(0).view(),
            lo,
            hi,
        )
    }

    /// The L-inf ball `|x - c|_inf <= r`: a box.
    pub fn linf_ball(c: ArrayView1<f64>, r: f64) -> Result<Self> {
        check_radius(r)?;
        Self::boxed((&c - r).view(), (&c + r).view())
    }

    /// The L1 ball `|x - c|_1 <= r`: its bounding box and its 2^d facets
    /// `sum_j s_j (x_j - c_j) <= r`, s in {-1, 1}^d. Refused for d > [`MAX_L1_DIM`].
    pub fn l1_ball(c: ArrayView1<f64>, r: f64) -> Result<Self> {
        check_radius(r)?;
        let d = c.len();
        if d > MAX_L1_DIM {
            return Err(CoreError::Value(format!(
                "an L1 ball in {d} dimensions has 2^{d} facets; at most {MAX_L1_DIM} dimensions are supported"
            )));
        }
        let n = 1usize << d;
        let mut a = Array2::<f64>::zeros((n, d));
        let mut b = Array1::<f64>::from_elem(n, r);
        for s in 0..n {
            for j in 0..d {
                let sj = if s >> j & 1 == 1 { 1.0 } else { -1.0 };
                a[[s, j]] = -sj;
                b[s] += sj * c[j];
            }
        }
        Self::new(a.view(), b.view(), (&c - r).view(), (&c + r).view())
    }

    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// The domain cut by the box `[lo, hi]` (e.g. a network's input box); refused when the
    /// intersection is empty or flat.
    pub fn within(&self, lo: ArrayView1<f64>, hi: ArrayView1<f64>) -> Result<Self> {
        if lo.len() != self.dim() || hi.len() != self.dim() {
            return Err(CoreError::Shape(format!(
                "domain has {} dimensions, the box {} and {}",
                self.dim(),
                lo.len(),
                hi.len()
            )));
        }
        let l = Array1::from_iter((0..self.dim()).map(|j| self.lo[j].max(lo[j])));
        let h = Array1::from_iter((0..self.dim()).map(|j| self.hi[j].min(hi[j])));
        if let Some(j) = (0..self.dim()).find(|&j| l[j].is_nan() || h[j].is_nan() || l[j] >= h[j]) {
            return Err(CoreError::Value(format!(
                "domain and input box do not overlap in coordinate {j}: [{}, {}] vs [{}, {}]",
                self.lo[j], self.hi[j], lo[j], hi[j]
            )));
        }
        Self::new(self.a.view(), self.b.view(), l.view(), h.view())
    }

    /// `region rows` stacked over the domain rows, normalised; the domain rows come last.
    pub fn stack(&self, a: ArrayView2<f64>, b: ArrayView1<f64>) -> UnitRows {
        if self.a.nrows() == 0 {
            return normalize(a, b);
        }
        let aa = concatenate(Axis(0), &[a.reborrow(), self.a.view()]).expect("same width");
        let bb = concatenate(Axis(0), &[b.reborrow(), self.b.view()]).expect("same length");
        normalize(aa.view(), bb.view())
    }

    /// Whether `x` satisfies every row and the box strictly.
    pub fn contains_strictly(&self, x: ArrayView1<f64>) -> bool {
        (0..self.dim()).all(|j| x[j] > self.lo[j] && x[j] < self.hi[j])
            && (self.a.dot(&x) + &self.b).iter().all(|&s| s > 0.0)
    }
}

fn check_radius(r: f64) -> Result<()> {
    if !(r.is_finite() && r > 0.0) {
        return Err(CoreError::Value(format!(
            "ball radius must be finite and > 0, got {r}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn box_and_balls() {
        let d = Domain::boxed(array![-1.0, 0.0].view(), array![1.0, 4.0].view()).unwrap();
        assert!((d.inradius - 1.0).abs() < 1e-8);
        let l1 = Domain::l1_ball(array![0.0, 0.0].view(), 1.0).unwrap();
        assert_eq!(l1.a.nrows(), 4);
        assert!((l1.inradius - 1.0 / 2f64.sqrt()).abs() < 1e-8);
        assert!(l1.contains_strictly(array![0.4, 0.4].view()));
        assert!(!l1.contains_strictly(array![0.6, 0.6].view()));
    }

    #[test]
    fn refusals() {
        let inf = f64::INFINITY;
        assert!(Domain::boxed(array![0.0].view(), array![inf].view()).is_err());
        assert!(Domain::boxed(array![0.0].view(), array![0.0].view()).is_err());
        assert!(Domain::linf_ball(array![0.0].view(), f64::NAN).is_err());
        assert!(Domain::l1_ball(Array1::zeros(13).view(), 1.0).is_err());
        // x >= 0.5 in [0, 1] and x <= 0.25: empty
        let a = array![[1.0], [-1.0]];
        let b = array![-0.5, 0.25];
        assert!(Domain::new(a.view(), b.view(), array![0.0].view(), array![1.0].view()).is_err());
    }
}
