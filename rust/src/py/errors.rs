//! The package's exceptions (`linregions.errors`), raised from Rust as their own classes.

use pyo3::prelude::*;

use crate::error::CoreError;

pyo3::import_exception!(linregions.errors, ShapeError);
pyo3::import_exception!(linregions.errors, InvalidValueError);
pyo3::import_exception!(linregions.errors, OnBoundaryError);

/// Converts a core error into the matching `linregions.errors` exception (so `?` turns a
/// `CoreError` into a `PyErr` at the boundary).
impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> PyErr {
        let msg = err.to_string();
        match err {
            CoreError::Shape(_) => ShapeError::new_err(msg),
            CoreError::Value(_) => InvalidValueError::new_err(msg),
            CoreError::OnBoundary(units) => {
                let list: Vec<(usize, usize, f64)> =
                    units.iter().map(|u| (u.layer, u.unit, u.value)).collect();
                OnBoundaryError::new_err((msg, list))
            }
        }
    }
}
