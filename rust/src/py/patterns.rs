//! The base class of every result that carries activation patterns (`PatternData`,
//! `WalkData`, `SliceData`, and through `_Regions` the complex search's results): the
//! packed bits and their keys, declared and moved into numpy in one place.

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;
use pyo3::PyClassInitializer;

/// Packed activation patterns, one row of 64-bit words each, and their 128-bit keys.
#[pyclass(
    subclass,
    frozen,
    get_all,
    name = "_Patterns",
    module = "linregions._core"
)]
pub(crate) struct PyPatterns {
    /// `(n, words)` packed pattern bits.
    bits: Py<PyArray2<u64>>,
    /// `(n, 2)` high and low halves of the keys.
    keys: Py<PyArray2<u64>>,
}

impl PyPatterns {
    /// Moves `bits` and `keys` into numpy (no copies); a result class is added on top with
    /// `add_subclass`.
    pub(crate) fn init(
        py: Python<'_>,
        bits: Array2<u64>,
        keys: Array2<u64>,
    ) -> PyClassInitializer<Self> {
        let (bits, keys) = (
            bits.into_pyarray(py).unbind(),
            keys.into_pyarray(py).unbind(),
        );
        PyClassInitializer::from(PyPatterns { bits, keys })
    }
}
