//! Bindings of the network core (forward, patterns, region assembly).
//!
//! A thin layer. Arrays come in as read-only numpy views and go out by
//! moving Rust buffers into numpy (no element-wise copies); every heavy call releases
//! the GIL. Results are typed objects; errors are the exception classes of
//! `linregions.errors`.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::errors::{InvalidValueError, ShapeError};
use super::patterns::PyPatterns;
use crate::assemble::{assemble, n_rows, BoundaryPolicy};
use crate::error::CoreError;
use crate::forward::forward;
use crate::input_box::InputBox;
use crate::ir::{Network, Weight};
use crate::linalg::Csr;
use crate::pattern::{key_u128, keys, unique};
use crate::tolerances::BOUNDARY_TOL;

fn usize_vec(a: &PyReadonlyArray1<i64>, what: &str) -> PyResult<Vec<usize>> {
    a.as_array()
        .iter()
        .map(|&v| {
            usize::try_from(v)
                .map_err(|_| InvalidValueError::new_err(format!("{what} has a negative entry {v}")))
        })
        .collect()
}

/// What `Network.region` does with a unit on a boundary (|pre-activation| <= tol).
#[pyclass(
    eq,
    eq_int,
    frozen,
    hash,
    name = "BoundaryPolicy",
    module = "linregions._core"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PyBoundaryPolicy {
    /// Refuse with `OnBoundaryError` listing the units.
    Error,
    /// Take undetermined ReLUs as active.
    Active,
    /// Take undetermined ReLUs as inactive.
    Inactive,
}

impl From<PyBoundaryPolicy> for BoundaryPolicy {
    fn from(p: PyBoundaryPolicy) -> Self {
        match p {
            PyBoundaryPolicy::Error => BoundaryPolicy::Error,
            PyBoundaryPolicy::Active => BoundaryPolicy::Active,
            PyBoundaryPolicy::Inactive => BoundaryPolicy::Inactive,
        }
    }
}

/// The H-representation of one region, `a x + b >= 0` (the box is the network's).
#[pyclass(frozen, get_all, name = "RegionData", module = "linregions._core")]
pub(crate) struct PyRegionData {
    /// `(N, d)` inward normals, rows in execution order.
    a: Py<PyArray2<f64>>,
    /// `(N,)` offsets.
    b: Py<PyArray1<f64>>,
    /// `(N,)` piecewise-linear layer of each row.
    layer: Py<PyArray1<i64>>,
    /// `(N,)` neuron or window index of each row within its layer.
    unit: Py<PyArray1<i64>>,
    /// `(words,)` packed pattern bits.
    bits: Py<PyArray1<u64>>,
    /// 128-bit pattern key.
    key: u128,
    /// `(M, d)`: logits(x) = logit_w x + logit_c on the region.
    logit_w: Py<PyArray2<f64>>,
    /// `(M,)`.
    logit_c: Py<PyArray1<f64>>,
    /// `(layer, unit, value)` of units on a boundary resolved by the policy.
    boundary: Vec<(usize, usize, f64)>,
}

/// Packed patterns (`bits`, `keys` of each point) grouped by key: see `Network.patterns`.
#[pyclass(extends = PyPatterns, frozen, get_all, name = "PatternData", module = "linregions._core")]
pub(crate) struct PyPatternData {
    /// `(n,)` index of each point's pattern among the unique ones.
    inverse: Py<PyArray1<i64>>,
    /// `(u,)` points per unique pattern.
    counts: Py<PyArray1<i64>>,
    /// `(u,)` first point of each unique pattern.
    first: Py<PyArray1<i64>>,
}

/// Network under construction and evaluation; built node by node from Python, over its
/// input box (checked once here for every point-taking method).
#[pyclass(name = "Network", module = "linregions._core")]
pub(crate) struct PyNetwork {
    pub(crate) inner: Network,
    pub(crate) domain: InputBox,
}

impl PyNetwork {
    /// Checks that `x` lies in the input box (`hint` is appended to the message).
    pub(crate) fn check_in_box(
        &self,
        x: ndarray::ArrayView1<f64>,
        name: &str,
        hint: &str,
    ) -> PyResult<()> {
        self.domain.check(x, name, hint).map_err(PyErr::from)
    }
}

#[pymethods]
impl PyNetwork {
    /// A network with no nodes over the box `lo <= x <= hi` (both `(d,)`).
    #[new]
    fn new(lo: PyReadonlyArray1<'_, f64>, hi: PyReadonlyArray1<'_, f64>) -> PyResult<Self> {
        let domain = InputBox::new(lo.as_array().to_owned(), hi.as_array().to_owned())?;
        let inner = Network::new(domain.dim())?;
        Ok(PyNetwork { inner, domain })
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
    /// Lower corner of the input box `(d,)` (a copy).
    #[getter]
    fn lo<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.domain.lo.clone().into_pyarray(py)
    }
    /// Upper corner of the input box `(d,)` (a copy).
    #[getter]
    fn hi<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.domain.hi.clone().into_pyarray(py)
    }

    fn add_dense(
        &mut self,
        input: usize,
        weight: PyReadonlyArray2<f64>,
        bias: PyReadonlyArray1<f64>,
    ) -> PyResult<usize> {
        let w = Weight::Dense(weight.as_array().to_owned());
        let b = bias.as_array().to_owned();
        self.inner.add_affine(input, w, b).map_err(PyErr::from)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_sparse(
        &mut self,
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
        let csr = Csr::new(n_rows, n_cols, indptr, indices, data.as_array().to_vec())?;
        let b = bias.as_array().to_owned();
        self.inner
            .add_affine(input, Weight::Sparse(csr), b)
            .map_err(PyErr::from)
    }

    fn add_sum(&mut self, inputs: Vec<usize>) -> PyResult<usize> {
        self.inner.add_sum(inputs).map_err(PyErr::from)
    }

    fn add_relu(&mut self, input: usize, slope: f64) -> PyResult<usize> {
        self.inner.add_relu(input, slope).map_err(PyErr::from)
    }

    /// A ReLU whose unit `i` has negative slope `slopes[i]` (PReLU).
    fn add_relu_slopes(&mut self, input: usize, slopes: PyReadonlyArray1<f64>) -> PyResult<usize> {
        let slopes = slopes.as_array().to_vec();
        self.inner
            .add_relu_slopes(input, slopes)
            .map_err(PyErr::from)
    }

    /// `windows`: (n_windows, k) input indices, -1 for absent entries (padding).
    fn add_maxpool(&mut self, input: usize, windows: PyReadonlyArray2<i64>) -> PyResult<usize> {
        let wins: Vec<Vec<usize>> = windows
            .as_array()
            .rows()
            .into_iter()
            .map(|r| r.iter().filter(|&&v| v >= 0).map(|&v| v as usize).collect())
            .collect();
        self.inner.add_maxpool(input, wins).map_err(PyErr::from)
    }

    /// Logits `(n, M)` of `x` `(n, d)`.
    fn logits<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let xv = x.as_array();
        let net = &self.inner;
        let out = py.allow_threads(|| forward(net, xv, false))?;
        Ok(out.logits.into_pyarray(py))
    }

    /// Packed activation patterns of `x` `(n, d)`, their keys and grouping.
    fn patterns<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Py<PyPatternData>> {
        let xv = x.as_array();
        let net = &self.inner;
        let (bits, k, u) = py.allow_threads(|| {
            let bits = forward(net, xv, true)?.bits.expect("bits requested");
            let k = keys(bits.view());
            let u = unique(k.view());
            Ok::<_, CoreError>((bits, k, u))
        })?;
        let grouping = PyPatternData {
            inverse: u.inverse.into_pyarray(py).unbind(),
            counts: u.counts.into_pyarray(py).unbind(),
            first: u.first.into_pyarray(py).unbind(),
        };
        Py::new(py, PyPatterns::init(py, bits, k).add_subclass(grouping))
    }

    /// H-representation of the region of `x` `(d,)`, which must lie in the input box.
    #[pyo3(signature = (x, tol=BOUNDARY_TOL, policy=PyBoundaryPolicy::Error))]
    fn region<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray1<'py, f64>,
        tol: f64,
        policy: PyBoundaryPolicy,
    ) -> PyResult<PyRegionData> {
        let xv = x.as_array();
        self.check_in_box(xv, "x", "")?;
        let net = &self.inner;
        let r = py.allow_threads(|| assemble(net, xv, tol, policy.into()))?;
        Ok(PyRegionData {
            a: r.a.into_pyarray(py).unbind(),
            b: r.b.into_pyarray(py).unbind(),
            layer: r.layer.into_pyarray(py).unbind(),
            unit: r.unit.into_pyarray(py).unbind(),
            bits: r.bits.into_pyarray(py).unbind(),
            key: key_u128(r.key),
            logit_w: r.logit_w.into_pyarray(py).unbind(),
            logit_c: r.logit_c.into_pyarray(py).unbind(),
            boundary: r
                .boundary
                .iter()
                .map(|u| (u.layer, u.unit, u.value))
                .collect(),
        })
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
        return Err(ShapeError::new_err(format!(
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
