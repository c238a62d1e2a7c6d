//! Binding of the exact 2-D slice partition.

use ndarray::{Array1, Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray1};
use pyo3::prelude::*;

use super::network::PyNetwork;
use crate::pattern::key_array;
use crate::slice::{slice, SlicePolygon, SliceSpec};
use crate::tolerances::{MAX_POLYGONS, SLICE_TOL};

/// Ragged polygons as concatenated `(V, 2)` vertices and `(P + 1,)` offsets.
fn flatten<'a>(polys: impl Iterator<Item = &'a Vec<[f64; 2]>>) -> (Array2<f64>, Array1<i64>) {
    let mut verts = Vec::new();
    let mut offsets = vec![0i64];
    for p in polys {
        verts.extend(p.iter().flat_map(|q| q.iter().copied()));
        offsets.push((verts.len() / 2) as i64);
    }
    let n = verts.len() / 2;
    let verts = Array2::from_shape_vec((n, 2), verts).expect("vertex buffer");
    (verts, Array1::from_vec(offsets))
}

/// The partition of a 2-D slice: region polygon i has vertices
/// `vertices[offsets[i]:offsets[i + 1]]`, classification polygon j likewise with
/// `class_vertices` and `class_offsets`.
#[pyclass(frozen, get_all, name = "SliceData", module = "linregions._core")]
pub(crate) struct PySliceData {
    /// `(V, 2)` counter-clockwise `(s, t)` vertices of the region polygons.
    vertices: Py<PyArray2<f64>>,
    /// `(P + 1,)` offsets.
    offsets: Py<PyArray1<i64>>,
    /// `(P, words)` packed patterns.
    bits: Py<PyArray2<u64>>,
    /// `(P, 2)` high and low halves of the keys.
    keys: Py<PyArray2<u64>>,
    /// `(P,)` fraction of (leaky) ReLU neurons active.
    active_fraction: Py<PyArray1<f64>>,
    /// `(P,)` class predicted on the largest part of each region.
    classes: Py<PyArray1<i64>>,
    /// `(P, 3, M)`: logits(s, t) = s L[0] + t L[1] + L[2] on polygon i.
    logit_maps: Py<PyArray3<f64>>,
    /// `(V', 2)` vertices of the classification polygons.
    class_vertices: Py<PyArray2<f64>>,
    /// `(Q + 1,)` offsets.
    class_offsets: Py<PyArray1<i64>>,
    /// `(Q,)` region polygon holding each classification polygon.
    class_parent: Py<PyArray1<i64>>,
    /// `(Q,)` class predicted on each classification polygon.
    class_label: Py<PyArray1<i64>>,
}

fn slice_to_py(py: Python<'_>, polys: Vec<SlicePolygon>, m: usize) -> PySliceData {
    let p = polys.len();
    let words = polys.first().map_or(1, |q| q.bits.len());
    let (verts, offsets) = flatten(polys.iter().map(|q| &q.vertices));
    let bits = Array2::from_shape_vec(
        (p, words),
        polys.iter().flat_map(|q| q.bits.clone()).collect(),
    )
    .expect("bits buffer");
    let keys = key_array(&polys.iter().map(|q| q.key).collect::<Vec<_>>());
    let active = Array1::from_iter(polys.iter().map(|q| q.active_fraction));
    let classes = Array1::from_iter(polys.iter().map(|q| q.class as i64));
    let mut maps = Array3::<f64>::zeros((p, 3, m));
    for (i, q) in polys.iter().enumerate() {
        maps.slice_mut(ndarray::s![i, .., ..]).assign(&q.logit_map);
    }
    let cells: Vec<(usize, usize, &Vec<[f64; 2]>)> = polys
        .iter()
        .enumerate()
        .flat_map(|(i, q)| q.class_cells.iter().map(move |(c, cell)| (i, *c, cell)))
        .collect();
    let (cverts, coffsets) = flatten(cells.iter().map(|c| c.2));
    let cparent = Array1::from_iter(cells.iter().map(|c| c.0 as i64));
    let clabel = Array1::from_iter(cells.iter().map(|c| c.1 as i64));
    PySliceData {
        vertices: verts.into_pyarray(py).unbind(),
        offsets: offsets.into_pyarray(py).unbind(),
        bits: bits.into_pyarray(py).unbind(),
        keys: keys.into_pyarray(py).unbind(),
        active_fraction: active.into_pyarray(py).unbind(),
        classes: classes.into_pyarray(py).unbind(),
        logit_maps: maps.into_pyarray(py).unbind(),
        class_vertices: cverts.into_pyarray(py).unbind(),
        class_offsets: coffsets.into_pyarray(py).unbind(),
        class_parent: cparent.into_pyarray(py).unbind(),
        class_label: clabel.into_pyarray(py).unbind(),
    }
}

#[pymethods]
impl PyNetwork {
    /// Exact partition of `origin + s u + t v`, `extent = (s0, s1, t0, t1)`, clipped to the
    /// input box.
    #[pyo3(signature = (origin, u, v, extent, tol=SLICE_TOL, max_polygons=MAX_POLYGONS))]
    #[allow(clippy::too_many_arguments)]
    fn slice<'py>(
        &self,
        py: Python<'py>,
        origin: PyReadonlyArray1<'py, f64>,
        u: PyReadonlyArray1<'py, f64>,
        v: PyReadonlyArray1<'py, f64>,
        extent: [f64; 4],
        tol: f64,
        max_polygons: usize,
    ) -> PyResult<PySliceData> {
        let spec = SliceSpec {
            origin: origin.as_array(),
            u: u.as_array(),
            v: v.as_array(),
            domain: &self.domain,
            extent,
            tol,
            max_polygons,
        };
        let inner = &self.inner;
        let polys: Vec<SlicePolygon> = py.allow_threads(|| slice(inner, &spec))?;
        Ok(slice_to_py(py, polys, inner.n_outputs()))
    }
}
