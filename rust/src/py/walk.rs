//! Bindings of segment walks and input gradients.

use ndarray::{Array1, Array2, ArrayView1};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

use super::network::PyNetwork;
use super::patterns::PyPatterns;
use crate::error::{CoreError, Result};
use crate::grad::input_gradients;
use crate::ir::Network;
use crate::pattern::key_array;
use crate::tolerances::WALK_TOL;
use crate::walk::{breakpoint_logits, check_segments, walk, Walk};

const BOX_HINT: &str = "; pass respect_box=False to walk anyway";

/// The pieces of one segment `x0 + beta (x1 - x0)`: the switches of interior breakpoint i
/// are rows `switch_ptr[i]..switch_ptr[i + 1]` of `switch_units`.
/// `bits` `(K, words)` and `keys` `(K, 2)` are the pattern of each piece.
#[pyclass(extends = PyPatterns, frozen, get_all, name = "WalkData", module = "linregions._core")]
pub(crate) struct PyWalkData {
    /// `(K + 1,)` breakpoints `0 = beta_0 < ... < beta_K = 1`.
    breakpoints: Py<PyArray1<f64>>,
    /// `(K,)` offsets into `switch_units` (K - 1 interior breakpoints).
    switch_ptr: Py<PyArray1<i64>>,
    /// `(S, 2)` `(layer, unit)` of the units that switch.
    switch_units: Py<PyArray2<i64>>,
    /// `(K + 1, M)` logits at the breakpoints.
    logits: Py<PyArray2<f64>>,
}

/// A walk with its breakpoint logits, computed without the GIL.
fn walk_logits(
    net: &Network,
    x0: ArrayView1<f64>,
    x1: ArrayView1<f64>,
    tol: f64,
) -> Result<(Walk, Array2<f64>)> {
    let w = walk(net, x0, x1, tol)?;
    let logits = breakpoint_logits(net, x0, x1, &w)?;
    Ok((w, logits))
}

/// Names of the ends of segment `i` in messages: `x0`, `x1` for a single walk, else
/// `starts[i]`, `ends[i]`.
fn end_names(single: bool, i: usize) -> (String, String) {
    if single {
        ("x0".into(), "x1".into())
    } else {
        (format!("starts[{i}]"), format!("ends[{i}]"))
    }
}

fn walk_to_py(py: Python<'_>, w: Walk, logits: Array2<f64>) -> PyResult<Py<PyWalkData>> {
    let k = w.keys.len();
    let words = w.bits.first().map_or(0, Vec::len);
    let bits = Array2::from_shape_vec((k, words), w.bits.concat()).expect("rectangular bits");
    let keys = key_array(&w.keys);
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
    let pieces = PyWalkData {
        breakpoints: Array1::from_vec(w.breakpoints).into_pyarray(py).unbind(),
        switch_ptr: Array1::from_vec(ptr).into_pyarray(py).unbind(),
        switch_units: Array2::from_shape_vec((n_units, 2), units)
            .expect("pairs")
            .into_pyarray(py)
            .unbind(),
        logits: logits.into_pyarray(py).unbind(),
    };
    Py::new(py, PyPatterns::init(py, bits, keys).add_subclass(pieces))
}

#[pymethods]
impl PyNetwork {
    /// Walks of the segments `starts[i] -> ends[i]` (both `(n, d)`), in parallel; with
    /// `respect_box` every end must lie in the box. `single` marks one walk `x0 -> x1`
    /// (`n = 1`), so that messages name its ends `x0` and `x1`.
    #[pyo3(signature = (starts, ends, tol=WALK_TOL, respect_box=true, single=false))]
    fn walk<'py>(
        &self,
        py: Python<'py>,
        starts: PyReadonlyArray2<'py, f64>,
        ends: PyReadonlyArray2<'py, f64>,
        tol: f64,
        respect_box: bool,
        single: bool,
    ) -> PyResult<Vec<Py<PyWalkData>>> {
        use rayon::prelude::*;
        let (a, b) = (starts.as_array(), ends.as_array());
        check_segments(a, b)?;
        if single && a.nrows() != 1 {
            return Err(CoreError::Shape(format!(
                "a single walk takes one segment, got {}",
                a.nrows()
            ))
            .into());
        }
        if respect_box {
            for i in 0..a.nrows() {
                let (x0, x1) = end_names(single, i);
                self.check_in_box(a.row(i), &x0, BOX_HINT)?;
                self.check_in_box(b.row(i), &x1, BOX_HINT)?;
            }
        }
        let net = &self.inner;
        let walks = py.allow_threads(|| {
            (0..a.nrows())
                .into_par_iter()
                .map(|i| walk_logits(net, a.row(i), b.row(i), tol))
                .collect::<Result<Vec<_>>>()
        })?;
        walks
            .into_iter()
            .map(|(w, l)| walk_to_py(py, w, l))
            .collect()
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
        let g = py.allow_threads(|| input_gradients(net, xa, va))?;
        Ok(g.into_pyarray(py))
    }
}
