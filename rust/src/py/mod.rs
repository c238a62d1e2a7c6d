//! PyO3 bindings, one file per concern; the module `linregions._core` is assembled here.
//!
//! Arrays come in as read-only numpy views and go out by moving Rust buffers into numpy;
//! every heavy call releases the GIL. Errors become the classes of `linregions.errors`.

use pyo3::prelude::*;

mod complex;
mod errors;
mod ipm;
mod network;
mod polytope;
mod slice;
mod walk;

#[pymodule]
#[pyo3(name = "_core")]
fn linregions_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("BOUNDARY_TOL", crate::tolerances::BOUNDARY_TOL)?;
    m.add("WALK_TOL", crate::tolerances::WALK_TOL)?;
    m.add("SLICE_TOL", crate::tolerances::SLICE_TOL)?;
    m.add("MAX_POLYGONS", crate::tolerances::MAX_POLYGONS)?;
    m.add_class::<network::PyNetwork>()?;
    m.add_class::<network::PyBoundaryPolicy>()?;
    m.add_class::<network::PyRegionData>()?;
    m.add_class::<network::PyPatternData>()?;
    m.add_class::<walk::PyWalkData>()?;
    m.add_class::<slice::PySliceData>()?;
    m.add_function(wrap_pyfunction!(network::pattern_keys, m)?)?;
    m.add_function(wrap_pyfunction!(network::unique_keys, m)?)?;
    m.add_class::<ipm::PyStatus>()?;
    m.add_class::<ipm::PySettings>()?;
    m.add_class::<ipm::PyInsphere>()?;
    m.add_class::<ipm::PyLpResult>()?;
    m.add_class::<ipm::PyClassMaximum>()?;
    m.add_function(wrap_pyfunction!(ipm::insphere, m)?)?;
    m.add_function(wrap_pyfunction!(ipm::lp_minimize, m)?)?;
    m.add_function(wrap_pyfunction!(ipm::class_maxima, m)?)?;
    m.add_class::<polytope::PyRowClassification>()?;
    m.add_function(wrap_pyfunction!(polytope::classify_rows, m)?)?;
    m.add_class::<complex::PyComplexResult>()?;
    m.add_class::<complex::PyRegionRecords>()?;
    m.add_function(wrap_pyfunction!(complex::complex_search, m)?)?;
    m.add_function(wrap_pyfunction!(complex::complex_describe, m)?)?;
    Ok(())
}
