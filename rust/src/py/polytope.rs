//! The polytope handed to the solver bindings. The solver bindings are in `py/ipm.rs`, the
//! facets in `py/facets.rs`, the complex search in `py/complex.rs`.

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use crate::polytope::Polytope;

/// The polytope `{A x + b >= 0, lo <= x <= hi}` passed to the solvers: the four numpy
/// arrays, held as they are (no copies) and read through views by each call.
#[pyclass(frozen, name = "Polytope", module = "linregions._core")]
pub(crate) struct PyPolytope {
    a: Py<PyArray2<f64>>,
    b: Py<PyArray1<f64>>,
    lo: Py<PyArray1<f64>>,
    hi: Py<PyArray1<f64>>,
}

#[pymethods]
impl PyPolytope {
    /// Holds `a` `(N, d)`, `b` `(N,)`, `lo` and `hi` `(d,)` (float64; checked by the solvers).
    #[new]
    fn new(
        a: Bound<'_, PyArray2<f64>>,
        b: Bound<'_, PyArray1<f64>>,
        lo: Bound<'_, PyArray1<f64>>,
        hi: Bound<'_, PyArray1<f64>>,
    ) -> Self {
        let (a, b) = (a.unbind(), b.unbind());
        let (lo, hi) = (lo.unbind(), hi.unbind());
        PyPolytope { a, b, lo, hi }
    }
}

impl PyPolytope {
    /// Runs `f` on views of the arrays (read-only numpy borrows, no copies) with the GIL
    /// released: how every binding that takes a polytope does its work.
    pub(crate) fn detached<T, F>(&self, py: Python<'_>, f: F) -> T
    where
        T: Send,
        F: Send + for<'v> FnOnce(Polytope<'v>) -> T,
    {
        let (a, b) = (self.a.bind(py).readonly(), self.b.bind(py).readonly());
        let (lo, hi) = (self.lo.bind(py).readonly(), self.hi.bind(py).readonly());
        let poly = Polytope {
            a: a.as_array(),
            b: b.as_array(),
            lo: lo.as_array(),
            hi: hi.as_array(),
        };
        py.allow_threads(|| f(poly))
    }
}
