//! Bindings of the network core (forward, patterns, region assembly).
//!
//! A thin layer. Arrays come in as read-only numpy views and go out by
//! moving Rust buffers into numpy (no element-wise copies); every heavy call releases
//! the GIL. Errors become the exception classes of `linregions.errors`.

use ndarray::Array1;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::assemble::{assemble, n_rows, BoundaryPolicy};
use crate::error::CoreError;
use crate::forward::forward;
use crate::ir::{Network, Weight};
use crate::linalg::Csr;
use crate::pattern::{keys, unique};

pub(crate) fn to_pyerr(py: Python<'_>, err: CoreError) -> PyErr {
    let raise = || -> PyResult<PyErr> {
        let errors = py.import("linregions.errors")?;
        let msg = err.to_string();
        let exc = match &err {
            CoreError::Shape(_) => errors.getattr("ShapeError")?.call1((msg,))?,
            CoreError::Value(_) => errors.getattr("InvalidValueError")?.call1((msg,))?,
            CoreError::OnBoundary(units) => {
                let list: Vec<(usize, usize, f64)> =
                    units.iter().map(|u| (u.layer, u.unit, u.value)).collect();
                errors.getattr("OnBoundaryError")?.call1((msg, list))?
            }
        };
        Ok(PyErr::from_value(exc))
    };
    raise().unwrap_or_else(|e| e)
}

fn usize_vec(a: &PyReadonlyArray1<i64>, what: &str) -> PyResult<Vec<usize>> {
    a.as_array()
        .iter()
        .map(|&v| {
            usize::try_from(v).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!("{what} has a negative entry {v}"))
            })
        })
        .collect()
}

/// Network under construction and evaluation; built node by node from Python.
#[pyclass(name = "Network", module = "linregions._core")]
pub(crate) struct PyNetwork {
    pub(crate) inner: Network,
}

#[pymethods]
impl PyNetwork {
    #[new]
    fn new(py: Python<'_>, n_inputs: usize) -> PyResult<Self> {
        Network::new(n_inputs)
            .map(|inner| PyNetwork { inner })
            .map_err(|e| to_pyerr(py, e))
    }

    #[getter]
    fn n_inputs(&self) -> usize {
        self.inner.n_inputs()
    }
    #[getter]
    fn n_outputs(&self) -> usize {
        self.inner.n_outputs()
    }
    #[getter]
    fn n_neurons(&self) -> usize {
        self.inner.n_neurons()
    }
    #[getter]
    fn n_pattern_bits(&self) -> usize {
        self.inner.n_pattern_bits()
    }
    #[getter]
    fn n_rows(&self) -> usize {
        n_rows(&self.inner)
    }
    #[getter]
    fn n_nodes(&self) -> usize {
        self.inner.nodes.len()
    }

    fn add_dense(
        &mut self,
        py: Python<'_>,
        input: usize,
        weight: PyReadonlyArray2<f64>,
        bias: PyReadonlyArray1<f64>,
    ) -> PyResult<usize> {
        let w = Weight::Dense(weight.as_array().to_owned());
        let b = bias.as_array().to_owned();
        self.inner
            .add_affine(input, w, b)
            .map_err(|e| to_pyerr(py, e))
    }

    #[allow(clippy::too_many_arguments)]
    fn add_sparse(
        &mut self,
        py: Python<'_>,
        input: usize,
        n_cols: usize,
        indptr: PyReadonlyArray1<i64>,
        indices: PyReadonlyArray1<i64>,
        data: PyReadonlyArray1<f64>,
        bias: PyReadonlyArray1<f64>,
    ) -> PyResult<usize> {
        let indptr = usize_vec(&indptr, "CSR indptr")?;
        let indices = usize_vec(&indices, "CSR indices")?;
        let n_rows = indptr.len().saturating_sub(1);
        let csr = Csr::new(n_rows, n_cols, indptr, indices, data.as_array().to_vec())
            .map_err(|e| to_pyerr(py, e))?;
        let b = bias.as_array().to_owned();
        self.inner
            .add_affine(input, Weight::Sparse(csr), b)
            .map_err(|e| to_pyerr(py, e))
    }

    fn add_sum(&mut self, py: Python<'_>, inputs: Vec<usize>) -> PyResult<usize> {
        self.inner.add_sum(inputs).map_err(|e| to_pyerr(py, e))
    }

    fn add_relu(&mut self, py: Python<'_>, input: usize, slope: f64) -> PyResult<usize> {
        self.inner
            .add_relu(input, slope)
            .map_err(|e| to_pyerr(py, e))
    }

    /// A ReLU whose unit `i` has negative slope `slopes[i]` (PReLU).
    fn add_relu_slopes(
        &mut self,
        py: Python<'_>,
        input: usize,
        slopes: PyReadonlyArray1<f64>,
    ) -> PyResult<usize> {
        let slopes = slopes.as_array().to_vec();
        self.inner
            .add_relu_slopes(input, slopes)
            .map_err(|e| to_pyerr(py, e))
    }

    /// `windows`: (n_windows, k) input indices, -1 for absent entries (padding).
    fn add_maxpool(
        &mut self,
        py: Python<'_>,
        input: usize,
        windows: PyReadonlyArray2<i64>,
    ) -> PyResult<usize> {
        let wins: Vec<Vec<usize>> = windows
            .as_array()
            .rows()
            .into_iter()
            .map(|r| r.iter().filter(|&&v| v >= 0).map(|&v| v as usize).collect())
            .collect();
        self.inner
            .add_maxpool(input, wins)
            .map_err(|e| to_pyerr(py, e))
    }

    /// Logits `(n, M)` of `x` `(n, d)` and, with `with_bits`, packed patterns `(n, words)`.
    #[pyo3(signature = (x, with_bits=false))]
    #[allow(clippy::type_complexity)]
    fn forward<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        with_bits: bool,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, Option<Bound<'py, PyArray2<u64>>>)> {
        let xv = x.as_array();
        let net = &self.inner;
        let out = py
            .allow_threads(|| forward(net, xv, with_bits))
            .map_err(|e| to_pyerr(py, e))?;
        Ok((
            out.logits.into_pyarray(py),
            out.bits.map(|b| b.into_pyarray(py)),
        ))
    }

    /// H-representation of the region of `x`; `policy` is "error", "active" or "inactive".
    fn region<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray1<'py, f64>,
        tol: f64,
        policy: &str,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let policy = match policy {
            "error" => BoundaryPolicy::Error,
            "active" => BoundaryPolicy::Active,
            "inactive" => BoundaryPolicy::Inactive,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "on_boundary must be 'error', 'active' or 'inactive', got {other:?}"
                )))
            }
        };
        let xv = x.as_array();
        let net = &self.inner;
        let r = py
            .allow_threads(|| assemble(net, xv, tol, policy))
            .map_err(|e| to_pyerr(py, e))?;
        let boundary: Vec<(usize, usize, f64)> = r
            .boundary
            .iter()
            .map(|u| (u.layer, u.unit, u.value))
            .collect();
        let key = Array1::from_vec(vec![r.key.0, r.key.1]);
        let items: Vec<PyObject> = vec![
            r.a.into_pyarray(py).into_any().unbind(),
            r.b.into_pyarray(py).into_any().unbind(),
            r.layer.into_pyarray(py).into_any().unbind(),
            r.unit.into_pyarray(py).into_any().unbind(),
            r.bits.into_pyarray(py).into_any().unbind(),
            key.into_pyarray(py).into_any().unbind(),
            r.logit_w.into_pyarray(py).into_any().unbind(),
            r.logit_c.into_pyarray(py).into_any().unbind(),
            boundary.into_pyobject(py)?.into_any().unbind(),
        ];
        PyTuple::new(py, items)
    }
}

/// `(n, 2)` uint64 keys (high, low halves of xxh3-128) of packed pattern rows.
#[pyfunction]
pub(crate) fn pattern_keys<'py>(
    py: Python<'py>,
    bits: PyReadonlyArray2<'py, u64>,
) -> Bound<'py, PyArray2<u64>> {
    let bv = bits.as_array();
    py.allow_threads(|| keys(bv)).into_pyarray(py)
}

/// Groups keys: `(inverse (n,), counts (u,), first (u,))`, unique keys in order of first
/// appearance.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub(crate) fn unique_keys<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray2<'py, u64>,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
)> {
    let kv = keys.as_array();
    if kv.ncols() != 2 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "keys must have shape (n, 2), got (n, {})",
            kv.ncols()
        )));
    }
    let u = py.allow_threads(|| unique(kv));
    Ok((
        u.inverse.into_pyarray(py),
        u.counts.into_pyarray(py),
        u.first.into_pyarray(py),
    ))
}
