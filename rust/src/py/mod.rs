//! PyO3 bindings, one file per concern; the module `linregions._core` is assembled here.
//!
//! Arrays come in as read-only numpy views and go out by moving Rust buffers into numpy;
//! every heavy call releases the GIL. Errors become the classes of `linregions.errors`.

use pyo3::prelude::*;

mod complex;
mod network;
mod polytope;
mod slice;
mod walk;

#[pymodule]
#[pyo3(name = "_core")]
fn linregions_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<network::PyNetwork>()?;
    m.add_function(wrap_pyfunction!(network::pattern_keys, m)?)?;
    m.add_function(wrap_pyfunction!(network::unique_keys, m)?)?;
    m.add_function(wrap_pyfunction!(polytope::insphere, m)?)?;
    m.add_function(wrap_pyfunction!(polytope::classify_rows, m)?)?;
    m.add_function(wrap_pyfunction!(polytope::weighted_gram, m)?)?;
    m.add_function(wrap_pyfunction!(polytope::lp_minimize, m)?)?;
    m.add_function(wrap_pyfunction!(slice::slice_network, m)?)?;
    m.add_class::<complex::PyComplexResult>()?;
    m.add_class::<complex::PyRegionRecords>()?;
    m.add_function(wrap_pyfunction!(complex::complex_search, m)?)?;
    m.add_function(wrap_pyfunction!(complex::complex_describe, m)?)?;
    Ok(())
}
