//! Bindings of the LP-free row classification of the polytope engine (facet witnesses,
//! duplicates, rows implied by the box). The solver bindings are in `py/ipm.rs`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::polytope_views;
use crate::witness;

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
#[pyo3(signature = (a, b, lo, hi, x0, tol, duplicate_tol, max_bends))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn classify_rows<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    x0: PyReadonlyArray1<'py, f64>,
    tol: f64,
    duplicate_tol: f64,
    max_bends: usize,
) -> PyResult<PyRowClassification> {
    let (av, bv, lov, hiv) = polytope_views(&a, &b, &lo, &hi);
    let xv = x0.as_array();
    let st = witness::Settings {
        tol,
        duplicate_tol,
        max_bends,
    };
    let out = py.allow_threads(|| witness::classify(av, bv, lov, hiv, xv, st))?;
    let codes: Vec<u8> = out.class.iter().map(|&c| c as u8).collect();
    Ok(PyRowClassification {
        codes: codes.into_pyarray(py).unbind(),
        by_straight_rays: out.by_straight_rays,
        by_bent_rays: out.by_bent_rays,
    })
}
