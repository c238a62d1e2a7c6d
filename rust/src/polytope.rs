//! The polytope `{x : A x + b >= 0, lo <= x <= hi}` as one borrowed argument: the solvers,
//! the row classification and the bindings pass its four arrays together.

use ndarray::{ArrayView1, ArrayView2};

use crate::error::Result;

/// Views (no copies) of `A` `(N, d)`, `b` `(N,)` and the box `lo`, `hi` `(d,)`.
#[derive(Debug, Clone, Copy)]
pub struct Polytope<'a> {
    pub a: ArrayView2<'a, f64>,
    pub b: ArrayView1<'a, f64>,
    pub lo: ArrayView1<'a, f64>,
    pub hi: ArrayView1<'a, f64>,
}

impl<'a> Polytope<'a> {
    /// The same views with a shorter lifetime (to pair them with views of another origin).
    pub fn reborrow<'b>(self) -> Polytope<'b>
    where
        'a: 'b,
    {
        let (a, b) = (self.a.reborrow(), self.b.reborrow());
        let (lo, hi) = (self.lo.reborrow(), self.hi.reborrow());
        Polytope { a, b, lo, hi }
    }

    /// Ambient dimension d.
    pub fn dim(&self) -> usize {
        self.a.ncols()
    }

    /// Shapes, finite `A` and `b`, no NaN in the box and `lo <= hi` ([`crate::hrep::check`]).
    pub fn check(&self) -> Result<()> {
        crate::hrep::check(self.a, self.b, self.lo, self.hi)
    }
}
