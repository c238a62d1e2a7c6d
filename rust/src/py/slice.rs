//! Binding of the exact 2-D slice partition.

use ndarray::{Array1, Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray1};
use pyo3::prelude::*;

use super::network::PyNetwork;
use super::patterns::PyPatterns;
use crate::pattern::key_array;
use crate::slice::{slice, SlicePolygon, SliceSpec};
use crate::tolerances::{MAX_POLYGONS, SLICE_TOL};

/// Ragged polygons: polygon i has the counter-clockwise `(s, t)` vertices
/// `vertices[offsets[i]:offsets[i + 1]]`.
#[pyclass(frozen, get_all, name = "Polygons", module = "linregions._core")]
pub(crate) struct PyPolygons {
    /// `(V, 2)` the vertices of all polygons, concatenated.
    vertices: Py<PyArray2<f64>>,
    /// `(P + 1,)` offsets.
    offsets: Py<PyArray1<i64>>,
}

/// Concatenates `polys` into numpy arrays.
fn flatten<'a>(
    py: Python<'_>,
    polys: impl Iterator<Item = &'a Vec<[f64; 2]>>,
) -> PyResult<Py<PyPolygons>> {
    let mut verts = Vec::new();
    let mut offsets = vec![0i64];
    for p in polys {
        verts.extend(p.iter().flat_map(|q| q.iter().copied()));
        offsets.push((verts.len() / 2) as i64);
    }
    let n = verts.len() / 2;
    let verts = Array2::from_shape_vec((n, 2), verts).expect("vertex buffer");
    let polygons = PyPolygons {
        vertices: verts.into_pyarray(py).unbind(),
        offsets: Array1::from_vec(offsets).into_pyarray(py).unbind(),
    };
    Py::new(py, polygons)
}

/// The partition of a 2-D slice into region polygons (`polygons`; `bits` `(P, words)` and
/// `keys` `(P, 2)` are the pattern of each) and their classification polygons
/// (`class_polygons`).
#[pyclass(extends = PyPatterns, frozen, get_all, name = "SliceData", module = "linregions._core")]
pub(crate) struct PySliceData {
    /// The `P` region polygons.
    polygons: Py<PyPolygons>,
    /// `(P,)` fraction of (leaky) ReLU neurons active.
    active_fraction: Py<PyArray1<f64>>,
    /// `(P,)` class predicted on the largest part of each region.
    classes: Py<PyArray1<i64>>,
    /// `(P, 3, M)`: logits(s, t) = s L[0] + t L[1] + L[2] on polygon i.
    logit_maps: Py<PyArray3<f64>>,
    /// The `Q` classification polygons (each region polygon cut by the argmax of the logits).
    class_polygons: Py<PyPolygons>,
    /// `(Q,)` region polygon holding each classification polygon.
    class_parent: Py<PyArray1<i64>>,
    /// `(Q,)` class predicted on each classification polygon.
    class_label: Py<PyArray1<i64>>,
}

fn slice_to_py(py: Python<'_>, polys: Vec<SlicePolygon>, m: usize) -> PyResult<Py<PySliceData>> {
    let p = polys.len();
    let words = polys.first().map_or(1, |q| q.bits.len());
    let polygons = flatten(py, polys.iter().map(|q| &q.vertices))?;
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
    let class_polygons = flatten(py, cells.iter().map(|c| c.2))?;
    let cparent = Array1::from_iter(cells.iter().map(|c| c.0 as i64));
    let clabel = Array1::from_iter(cells.iter().map(|c| c.1 as i64));
    let partition = PySliceData {
        polygons,
        active_fraction: active.into_pyarray(py).unbind(),
        classes: classes.into_pyarray(py).unbind(),
        logit_maps: maps.into_pyarray(py).unbind(),
        class_polygons,
        class_parent: cparent.into_pyarray(py).unbind(),
        class_label: clabel.into_pyarray(py).unbind(),
    };
    Py::new(py, PyPatterns::init(py, bits, keys).add_subclass(partition))
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
    ) -> PyResult<Py<PySliceData>> {
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
        slice_to_py(py, polys, inner.n_outputs())
    }
}
