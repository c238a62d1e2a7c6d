//! PyO3 bindings, one file per concern; the module `linregions._core` is assembled here.
//!
//! Arrays come in as read-only numpy views and go out by moving Rust buffers into numpy;
//! every heavy call releases the GIL. Errors become the classes of `linregions.errors`.

use pyo3::prelude::*;

mod complex;
mod errors;
mod facets;
mod ipm;
mod network;
mod patterns;
mod polytope;
mod slice;
mod walk;

/// Adds the listed classes, then the listed functions, to the module `m`.
macro_rules! add_items {
    ($m:ident; classes: [$($class:ty),* $(,)?]; functions: [$($func:path),* $(,)?]) => {{
        $($m.add_class::<$class>()?;)*
        $($m.add_function(wrap_pyfunction!($func, $m)?)?;)*
    }};
}

#[pymodule]
#[pyo3(name = "_core")]
fn linregions_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("BOUNDARY_TOL", crate::tolerances::BOUNDARY_TOL)?;
    m.add("WALK_TOL", crate::tolerances::WALK_TOL)?;
    m.add("SLICE_TOL", crate::tolerances::SLICE_TOL)?;
    m.add("MAX_POLYGONS", crate::tolerances::MAX_POLYGONS)?;
    m.add("RECESSION_TOL", crate::ipm::insphere::RECESSION_TOL)?;
    m.add("FACET_TOL", crate::facets::TOL)?;
    m.add("DUPLICATE_TOL", crate::facets::DUPLICATE_TOL)?;
    m.add("MAX_BENDS", crate::facets::MAX_BENDS)?;
    add_items!(m;
        classes: [
            network::PyNetwork, network::PyBoundaryPolicy, network::PyRegionData,
            patterns::PyPatterns, network::PyPatternData, walk::PyWalkData, slice::PySliceData,
            slice::PyPolygons,
            ipm::PyStatus, ipm::PySettings, ipm::PyInsphere, ipm::PyLpResult, ipm::PyClassMaximum,
            ipm::PyClassPresence,
            polytope::PyPolytope, facets::PyFacetReport, complex::PyRegions,
            complex::PyComplexResult, complex::PyRegionRecords, complex::PyRegionCount,
        ];
        functions: [
            network::pattern_keys, network::unique_keys,
            ipm::insphere, ipm::lp_minimize, ipm::class_maxima, ipm::class_gap,
            ipm::class_presence,
            facets::facets, complex::complex_search, complex::complex_describe,
            complex::complex_split, complex::count_split,
        ]
    );
    Ok(())
}
