//! The polytope handed to the solver bindings, and the LP-free row classification of the
//! polytope engine (facet witnesses, duplicates, rows implied by the box). The solver
//! bindings are in `py/ipm.rs`, the complex search in `py/complex.rs`.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::polytope::Polytope;
use crate::witness;

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

/// Per-row codes (`codes`: 0 unknown, 1 facet by a witness point, 2 duplicate of a later
/// row, 3 implied by the box alone) and how many facets each ray search found.
#[pyclass(
    name = "RowClassification",
    frozen,
    get_all,
    module = "linregions._core"
)]
pub(crate) struct PyRowClassification {
    codes: Py<PyArray1<u8>>,
    by_straight_rays: usize,
    by_bent_rays: usize,
}

/// Classifies the rows of `{A x + b >= 0, lo <= x <= hi}` without LPs, from the interior
/// point `x0`.
#[pyfunction]
#[pyo3(signature = (poly, x0, tol, duplicate_tol, max_bends))]
pub(crate) fn classify_rows<'py>(
    py: Python<'py>,
    poly: &PyPolytope,
    x0: PyReadonlyArray1<'py, f64>,
    tol: f64,
    duplicate_tol: f64,
    max_bends: usize,
) -> PyResult<PyRowClassification> {
    let xv = x0.as_array();
    let st = witness::Settings {
        tol,
        duplicate_tol,
        max_bends,
    };
    let out = poly.detached(py, |p| witness::classify(p.a, p.b, p.lo, p.hi, xv, st))?;
    let codes: Vec<u8> = out.class.iter().map(|&c| c as u8).collect();
    Ok(PyRowClassification {
        codes: codes.into_pyarray(py).unbind(),
        by_straight_rays: out.by_straight_rays,
        by_bent_rays: out.by_bent_rays,
    })
}
