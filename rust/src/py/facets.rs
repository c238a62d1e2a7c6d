//! The facets of a polytope, one call (witnesses, the bounding box and Clarkson's LPs in
//! `linregions_core::facets`), returning a typed report.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use super::ipm::PyInsphere;
use super::polytope::PyPolytope;
use crate::error::CoreError;
use crate::facets::{nonredundant, Method, Settings};

/// The facets of a polytope and how each row was decided (see `linregions_core::facets`):
/// `facets` (sorted row indices), `method` (`"auto"`, `"naive"`, `"naive (flat polytope)"`,
/// or `"none"` when the insphere did not allow a start), the counts, and `insphere`, the
/// ball whose center started the search (its status says why no row was decided).
#[pyclass(name = "FacetReport", frozen, get_all, module = "linregions._core")]
pub(crate) struct PyFacetReport {
    facets: Py<PyArray1<i64>>,
    method: &'static str,
    by_box: usize,
    by_duplicate: usize,
    by_straight_rays: usize,
    by_bent_rays: usize,
    by_bounds: usize,
    by_lp_facet: usize,
    by_lp_redundant: usize,
    unsettled: usize,
    n_lps: usize,
    insphere: Py<PyInsphere>,
}

/// The facets of `{A x + b >= 0, lo <= x <= hi}` by `method` (`"auto"` or `"naive"`) from
/// its insphere center.
#[pyfunction]
#[pyo3(signature = (poly, method, tol, duplicate_tol, max_bends))]
pub(crate) fn facets(
    py: Python<'_>,
    poly: &PyPolytope,
    method: &str,
    tol: f64,
    duplicate_tol: f64,
    max_bends: usize,
) -> PyResult<PyFacetReport> {
    let method = match method {
        "auto" => Method::Auto,
        "naive" => Method::Naive,
        other => {
            return Err(
                CoreError::Value(format!("facets: unknown method {other:?} (auto, naive)")).into(),
            )
        }
    };
    let st = Settings {
        tol,
        duplicate_tol,
        max_bends,
    };
    let rep = poly.detached(py, |p| nonredundant(p, method, &st))?;
    let c = rep.facets.counts;
    let idx: Vec<i64> = rep.facets.indices().into_iter().map(|i| i as i64).collect();
    Ok(PyFacetReport {
        facets: idx.into_pyarray(py).unbind(),
        method: rep.route.label(),
        by_box: c.by_box,
        by_duplicate: c.by_duplicate,
        by_straight_rays: c.by_straight_rays,
        by_bent_rays: c.by_bent_rays,
        by_bounds: c.by_bounds,
        by_lp_facet: c.by_lp_facet,
        by_lp_redundant: c.by_lp_redundant,
        unsettled: c.unsettled,
        n_lps: c.n_lps,
        insphere: Py::new(py, PyInsphere::new(py, rep.insphere))?,
    })
}
