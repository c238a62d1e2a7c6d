//! Bindings of segment walks and input gradients.

use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::network::{to_pyerr, PyNetwork};
use crate::grad::input_gradients;
use crate::walk::{walk, walk_many, Walk};

/// `(breakpoints (K+1,), bits (K, words), keys (K, 2), switch_ptr (K,), switch_units (S, 2))`:
/// the switches of interior breakpoint i are rows `switch_ptr[i]..switch_ptr[i+1]`.
fn walk_to_py<'py>(py: Python<'py>, w: Walk) -> PyResult<Bound<'py, PyTuple>> {
    let k = w.keys.len();
    let words = w.bits.first().map_or(0, Vec::len);
    let bits = Array2::from_shape_vec((k, words), w.bits.concat()).expect("rectangular bits");
    let keys = Array2::from_shape_fn(
        (k, 2),
        |(i, j)| if j == 0 { w.keys[i].0 } else { w.keys[i].1 },
    );
    let mut ptr = Vec::with_capacity(w.switches.len() + 1);
    let mut units = Vec::new();
    ptr.push(0i64);
    for mut s in w.switches {
        s.sort_unstable();
        s.dedup();
        for (l, u) in s {
            units.push(l as i64);
            units.push(u as i64);
        }
        ptr.push((units.len() / 2) as i64);
    }
    let n_units = units.len() / 2;
    let items: Vec<PyObject> = vec![
        Array1::from_vec(w.breakpoints)
            .into_pyarray(py)
            .into_any()
            .unbind(),
        bits.into_pyarray(py).into_any().unbind(),
        keys.into_pyarray(py).into_any().unbind(),
        Array1::from_vec(ptr).into_pyarray(py).into_any().unbind(),
        Array2::from_shape_vec((n_units, 2), units)
            .expect("pairs")
            .into_pyarray(py)
            .into_any()
            .unbind(),
    ];
    PyTuple::new(py, items)
}

#[pymethods]
impl PyNetwork {
    /// Exact walk of the segment `x0 -> x1` (see `walk_to_py` for the returned tuple).
    fn walk<'py>(
        &self,
        py: Python<'py>,
        x0: PyReadonlyArray1<'py, f64>,
        x1: PyReadonlyArray1<'py, f64>,
        tol: f64,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (a, b) = (x0.as_array(), x1.as_array());
        let net = &self.inner;
        let w = py
            .allow_threads(|| walk(net, a, b, tol))
            .map_err(|e| to_pyerr(py, e))?;
        walk_to_py(py, w)
    }

    /// Walks of many segments in parallel: a list of tuples as returned by `walk`.
    fn walk_many<'py>(
        &self,
        py: Python<'py>,
        starts: PyReadonlyArray2<'py, f64>,
        ends: PyReadonlyArray2<'py, f64>,
        tol: f64,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let (a, b) = (starts.as_array(), ends.as_array());
        let net = &self.inner;
        let walks = py
            .allow_threads(|| walk_many(net, a, b, tol))
            .map_err(|e| to_pyerr(py, e))?;
        walks.into_iter().map(|w| walk_to_py(py, w)).collect()
    }

    /// Gradients `(n, d)` of `v_i . logits(x_i)`; `x` `(n, d)`, `v` `(n, M)`.
    fn input_gradients<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        v: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (xa, va) = (x.as_array(), v.as_array());
        let net = &self.inner;
        let g = py
            .allow_threads(|| input_gradients(net, xa, va))
            .map_err(|e| to_pyerr(py, e))?;
        Ok(g.into_pyarray(py))
    }
}
