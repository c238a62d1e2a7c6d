//! Binding of the exact 2-D slice partition.

use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::network::{to_pyerr, PyNetwork};
use crate::slice::{slice, SlicePolygon, SliceSpec};

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

/// Exact partition of `origin + s u + t v`, `extent = (s0, s1, t0, t1)`, clipped to `lo..hi`.
///
/// Returns `(vertices (V, 2), offsets (P + 1,), bits (P, words), keys (P, 2),
/// active (P,), classes (P,), logit_maps (3 P, M), class_vertices (V', 2),
/// class_offsets (Q + 1,), class_parent (Q,), class_label (Q,))`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub(crate) fn slice_network<'py>(
    py: Python<'py>,
    net: PyRef<'py, PyNetwork>,
    origin: PyReadonlyArray1<'py, f64>,
    u: PyReadonlyArray1<'py, f64>,
    v: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    extent: [f64; 4],
    tol: f64,
    max_polygons: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let spec = SliceSpec {
        origin: origin.as_array(),
        u: u.as_array(),
        v: v.as_array(),
        lo: lo.as_array(),
        hi: hi.as_array(),
        extent,
        tol,
        max_polygons,
    };
    let inner = &net.inner;
    let polys: Vec<SlicePolygon> = py
        .allow_threads(|| slice(inner, &spec))
        .map_err(|e| to_pyerr(py, e))?;
    let p = polys.len();
    let words = polys.first().map_or(1, |q| q.bits.len());
    let m = polys.first().map_or(0, |q| q.logit_map.ncols());
    let (verts, offsets) = flatten(polys.iter().map(|q| &q.vertices));
    let bits = Array2::from_shape_vec(
        (p, words),
        polys.iter().flat_map(|q| q.bits.clone()).collect(),
    )
    .expect("bits buffer");
    let keys = Array2::from_shape_vec(
        (p, 2),
        polys.iter().flat_map(|q| [q.key.0, q.key.1]).collect(),
    )
    .expect("keys buffer");
    let active = Array1::from_iter(polys.iter().map(|q| q.active_fraction));
    let classes = Array1::from_iter(polys.iter().map(|q| q.class as i64));
    let mut maps = Array2::<f64>::zeros((3 * p, m));
    for (i, q) in polys.iter().enumerate() {
        maps.slice_mut(ndarray::s![3 * i..3 * i + 3, ..])
            .assign(&q.logit_map);
    }
    let cells: Vec<(usize, usize, &Vec<[f64; 2]>)> = polys
        .iter()
        .enumerate()
        .flat_map(|(i, q)| q.class_cells.iter().map(move |(c, cell)| (i, *c, cell)))
        .collect();
    let (cverts, coffsets) = flatten(cells.iter().map(|c| c.2));
    let cparent = Array1::from_iter(cells.iter().map(|c| c.0 as i64));
    let clabel = Array1::from_iter(cells.iter().map(|c| c.1 as i64));
    let items: Vec<PyObject> = vec![
        verts.into_pyarray(py).into_any().unbind(),
        offsets.into_pyarray(py).into_any().unbind(),
        bits.into_pyarray(py).into_any().unbind(),
        keys.into_pyarray(py).into_any().unbind(),
        active.into_pyarray(py).into_any().unbind(),
        classes.into_pyarray(py).into_any().unbind(),
        maps.into_pyarray(py).into_any().unbind(),
        cverts.into_pyarray(py).into_any().unbind(),
        coffsets.into_pyarray(py).into_any().unbind(),
        cparent.into_pyarray(py).into_any().unbind(),
        clabel.into_pyarray(py).into_any().unbind(),
    ];
    PyTuple::new(py, items)
}
