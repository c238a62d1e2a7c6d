//! Bindings of the complex search: every region of a domain, and the per-region records
//! used to merge tiles enumerated apart (Dask).

use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::PyClassInitializer;
use rayon::prelude::*;

use super::network::PyNetwork;
use super::patterns::PyPatterns;
use super::polytope::PyPolytope;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::complex::split::{split, Control, Maps, SplitSettings, SplitStats};
use crate::complex::{expand, search, Complex, Domain, Expanded, Progress, RegionRecord, Settings};
use crate::error::{CoreError, Result};
use crate::ir::Network;
use crate::pattern::{key_array, key_halves};

/// Regions as records: `bits` `(n, words)`, `keys` `(n, 2)` (high, low halves), a point
/// inside each, its inradius and its facet count; the base of both results below.
#[pyclass(
    extends = PyPatterns,
    subclass,
    frozen,
    get_all,
    name = "_Regions",
    module = "linregions._core"
)]
pub(crate) struct PyRegions {
    /// `(n, d)` insphere centers of region ∩ domain.
    points: Py<PyArray2<f64>>,
    /// `(n,)` certified inradii.
    inradius: Py<PyArray1<f64>>,
    /// `(n,)` facets on neuron hyperplanes.
    n_facets: Py<PyArray1<i64>>,
    /// Rows or steps the solvers could not settle (0 in a certified result).
    unsettled: usize,
}

impl PyRegions {
    /// The records of `regions` (dimension `d`, `words` pattern words) moved into numpy.
    fn init(
        py: Python<'_>,
        regions: &[&RegionRecord],
        (d, words): (usize, usize),
        unsettled: usize,
    ) -> PyClassInitializer<Self> {
        let n = regions.len();
        let halves: Vec<(u64, u64)> = regions.iter().map(|r| key_halves(r.key)).collect();
        let keys = key_array(&halves);
        let bits = Array2::from_shape_fn((n, words), |(i, j)| regions[i].bits[j]);
        let points = Array2::from_shape_fn((n, d), |(i, j)| regions[i].point[j]);
        let inradius = Array1::from_iter(regions.iter().map(|r| r.inradius));
        let n_facets = Array1::from_iter(regions.iter().map(|r| r.n_facets));
        PyPatterns::init(py, bits, keys).add_subclass(PyRegions {
            points: points.into_pyarray(py).unbind(),
            inradius: inradius.into_pyarray(py).unbind(),
            n_facets: n_facets.into_pyarray(py).unbind(),
            unsettled,
        })
    }
}

fn pairs<T: Copy + Default>(v: &[(T, T)]) -> Array2<T> {
    Array2::from_shape_fn((v.len(), 2), |(i, j)| if j == 0 { v[i].0 } else { v[i].1 })
}

/// Every region of a domain (see `linregions.model.complex`).
#[pyclass(extends = PyRegions, frozen, get_all, name = "ComplexResult", module = "linregions._core")]
pub(crate) struct PyComplexResult {
    /// `(E, 2)` region index pairs sharing a facet.
    edges: Py<PyArray2<i64>>,
    /// `(E, 2)` (layer, unit) of the hyperplane of each edge.
    edge_units: Py<PyArray2<i64>>,
    /// False when `max_regions` or an interruption stopped the search.
    complete: bool,
    /// Ctrl-C (or a progress callback raising `KeyboardInterrupt`) stopped the search; the
    /// regions found so far are returned.
    interrupted: bool,
}

/// Enumerates the regions of `net` in `{A x + b >= 0, lo <= x <= hi}`; `progress` (optional)
/// is called as `progress(found, frontier, seconds)`; `planar`: two inputs and a box are
/// read off the exact slice (see `complex::planar`).
#[pyfunction]
#[pyo3(signature = (net, domain, max_regions, workers=None, progress=None, planar=true))]
pub(crate) fn complex_search(
    py: Python<'_>,
    net: &PyNetwork,
    domain: &PyPolytope,
    max_regions: usize,
    workers: Option<usize>,
    progress: Option<PyObject>,
    planar: bool,
) -> PyResult<Py<PyComplexResult>> {
    let domain = domain.detached(py, |p| Domain::new(p.a, p.b, p.lo, p.hi))?;
    let inner = &net.inner;
    let report = reporter(progress.as_ref());
    let settings = Settings {
        max_regions,
        planar,
    };
    let cx =
        py.allow_threads(|| in_pool(workers, || search(inner, &domain, settings, Some(&report))))?;
    complex_result(py, inner, &cx)
}

/// The progress callback of a search as the core calls it: Ctrl-C (or the callback raising
/// `KeyboardInterrupt`) asks the search to stop; any other exception it raises is shown and
/// the search goes on.
fn reporter(progress: Option<&PyObject>) -> impl Fn(Progress) -> bool + Sync + '_ {
    move |p: Progress| -> bool {
        Python::with_gil(|py| {
            if let Some(cb) = progress {
                if let Err(e) = cb.call1(py, (p.found, p.frontier, p.seconds)) {
                    if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
                        return false;
                    }
                    e.print(py);
                }
            }
            py.check_signals().is_ok()
        })
    }
}

/// Runs `run` on `workers` threads (default: rayon's global pool).
fn in_pool<T: Send>(workers: Option<usize>, run: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    match workers {
        None => run(),
        Some(w) => rayon::ThreadPoolBuilder::new()
            .num_threads(w.max(1))
            .build()
            .map_err(|e| CoreError::Value(format!("cannot start {w} threads: {e}")))?
            .install(run),
    }
}

/// Seconds between two progress reports of the splitting route.
const SPLIT_POLL: f64 = 0.1;

/// Runs [`split`] on `workers` threads (default: rayon's global pool) while the calling
/// thread, the one that holds Python's signal handlers, reports progress every
/// [`SPLIT_POLL`] seconds and passes a stop (Ctrl-C, or the callback's
/// `KeyboardInterrupt`) on to the run.
fn split_reporting(
    net: &Network,
    domain: &Domain,
    st: SplitSettings<'_>,
    workers: Option<usize>,
    report: &(dyn Fn(Progress) -> bool + Sync),
) -> Result<(Complex, SplitStats)> {
    let control = Control::default();
    let finished = (Mutex::new(None), Condvar::new());
    let start = Instant::now();
    let pool = match workers {
        None => None,
        Some(w) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(w.max(1))
                .build()
                .map_err(|e| CoreError::Value(format!("cannot start {w} threads: {e}")))?,
        ),
    };
    in_place_scope(pool.as_ref(), |scope| {
        scope.spawn(|_| {
            let r = split(net, domain, st, &control);
            *finished.0.lock().expect("split result") = Some(r);
            finished.1.notify_all();
        });
        let mut result = finished.0.lock().expect("split result");
        while result.is_none() {
            let poll = Duration::from_secs_f64(SPLIT_POLL);
            result = finished
                .1
                .wait_timeout(result, poll)
                .expect("split result")
                .0;
            if result.is_some() {
                break;
            }
            let p = Progress {
                found: control.found.load(Ordering::Relaxed),
                frontier: 0,
                seconds: start.elapsed().as_secs_f64(),
            };
            if !control.stop.load(Ordering::Relaxed) && !report(p) {
                control.stop.store(true, Ordering::Relaxed);
            }
        }
    });
    finished
        .0
        .into_inner()
        .expect("split result")
        .expect("the split task ran")
}

/// `op` on the calling thread with a scope whose tasks run on `pool` (default: rayon's
/// global pool).
fn in_place_scope<'s, R>(
    pool: Option<&rayon::ThreadPool>,
    op: impl FnOnce(&rayon::Scope<'s>) -> R,
) -> R {
    match pool {
        None => rayon::in_place_scope(op),
        Some(p) => p.in_place_scope(op),
    }
}

/// A core [`Complex`] moved into numpy.
fn complex_result(py: Python<'_>, inner: &Network, cx: &Complex) -> PyResult<Py<PyComplexResult>> {
    let words = crate::pattern::n_words(inner.n_pattern_bits());
    let refs: Vec<&RegionRecord> = cx.regions.iter().collect();
    let regions = PyRegions::init(py, &refs, (inner.n_inputs(), words), cx.unsettled);
    let edges: Vec<(i64, i64)> = cx
        .edges
        .iter()
        .map(|&(i, j)| (i as i64, j as i64))
        .collect();
    let graph = PyComplexResult {
        edges: pairs(&edges).into_pyarray(py).unbind(),
        edge_units: pairs(&cx.edge_units).into_pyarray(py).unbind(),
        complete: cx.complete,
        interrupted: cx.interrupted,
    };
    Py::new(py, regions.add_subclass(graph))
}

/// Every region of `net` in `{A x + b >= 0, lo <= x <= hi}` by the splitting route (see
/// `complex::split`): records without edges (`n_facets` -1), sorted by key.
#[pyfunction]
#[pyo3(signature = (net, domain, max_regions, workers=None, progress=None, maps="auto"))]
pub(crate) fn complex_split(
    py: Python<'_>,
    net: &PyNetwork,
    domain: &PyPolytope,
    max_regions: usize,
    workers: Option<usize>,
    progress: Option<PyObject>,
    maps: &str,
) -> PyResult<Py<PyComplexResult>> {
    let maps = maps_of(maps)?;
    let domain = domain.detached(py, |p| Domain::new(p.a, p.b, p.lo, p.hi))?;
    let inner = &net.inner;
    let report = reporter(progress.as_ref());
    let st = SplitSettings {
        max_regions,
        records: true,
        outputs: &[],
        maps,
    };
    let (cx, _) = py.allow_threads(|| split_reporting(inner, &domain, st, workers, &report))?;
    complex_result(py, inner, &cx)
}

/// The splitting route's carrier named by `maps` ("auto", "dense" or "masked").
fn maps_of(maps: &str) -> crate::error::Result<Maps> {
    match maps {
        "auto" => Ok(Maps::Auto),
        "dense" => Ok(Maps::Dense),
        "masked" => Ok(Maps::Masked),
        other => Err(CoreError::Value(format!(
            "maps must be 'auto', 'dense' or 'masked', got {other:?}"
        ))),
    }
}

/// What a count of the regions of a domain found (the splitting route, no records kept).
#[pyclass(frozen, get_all, name = "RegionCount", module = "linregions._core")]
pub(crate) struct PyRegionCount {
    /// Regions found.
    regions: usize,
    /// False when `max_regions` or an interruption stopped the count.
    complete: bool,
    /// Ctrl-C (or the progress callback raising `KeyboardInterrupt`) stopped it.
    interrupted: bool,
    /// Splits whose halves could not both be certified (0 in a certified count).
    unsettled: usize,
    /// Cells split (internal nodes of the search tree).
    splits: usize,
    /// LPs solved to decide neurons.
    lps: usize,
    /// Neuron decisions settled by the box test alone (no LP).
    by_box: usize,
    /// Distinct neurons that change sign somewhere in the domain.
    unstable: usize,
    /// Regions where one of the output constraints holds on a full-dimensional part.
    meeting: usize,
}

/// Counts the regions of `net` in `{A x + b >= 0, lo <= x <= hi}` by the splitting route,
/// keeping no region (memory stays that of the search tree's open branches); `outputs`:
/// output constraints `C y <= e` (a disjunction), the regions where one can hold counted too.
#[pyfunction]
#[pyo3(signature = (net, domain, max_regions, workers=None, progress=None, outputs=None, maps="auto"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn count_split(
    py: Python<'_>,
    net: &PyNetwork,
    domain: &PyPolytope,
    max_regions: usize,
    workers: Option<usize>,
    progress: Option<PyObject>,
    outputs: Option<Vec<(PyReadonlyArray2<'_, f64>, PyReadonlyArray1<'_, f64>)>>,
    maps: &str,
) -> PyResult<PyRegionCount> {
    let maps = maps_of(maps)?;
    let domain = domain.detached(py, |p| Domain::new(p.a, p.b, p.lo, p.hi))?;
    let inner = &net.inner;
    let m = inner.n_outputs();
    let mut systems = Vec::new();
    for (k, (cm, e)) in outputs.iter().flatten().enumerate() {
        let (cm, e) = (cm.as_array(), e.as_array());
        if cm.ncols() != m || e.len() != cm.nrows() {
            return Err(CoreError::Shape(format!(
                "output system {k}: C is {:?} and e has {} entries; the network has {m} outputs",
                cm.dim(),
                e.len()
            ))
            .into());
        }
        crate::linalg::check_finite(cm.iter().chain(e.iter()), "output system")?;
        systems.push((cm.to_owned(), e.to_owned()));
    }
    let report = reporter(progress.as_ref());
    let st = SplitSettings {
        max_regions,
        records: false,
        outputs: &systems,
        maps,
    };
    let (cx, stats): (Complex, SplitStats) =
        py.allow_threads(|| split_reporting(inner, &domain, st, workers, &report))?;
    Ok(PyRegionCount {
        regions: stats.regions,
        complete: cx.complete,
        interrupted: cx.interrupted,
        unsettled: cx.unsettled,
        splits: stats.splits,
        lps: stats.lps,
        by_box: stats.by_box,
        unstable: stats.unstable,
        meeting: stats.meeting,
    })
}

/// The regions holding given points, described within a domain, with their neighbours' keys
/// (for merging tiles enumerated apart).
/// The records are as in `ComplexResult`; a point whose region ∩ domain is flat is left out.
#[pyclass(extends = PyRegions, frozen, get_all, name = "RegionRecords", module = "linregions._core")]
pub(crate) struct PyRegionRecords {
    /// `(E,)` row of the region each neighbour belongs to.
    neighbour_of: Py<PyArray1<i64>>,
    /// `(E, 2)` neighbour keys.
    neighbour_keys: Py<PyArray2<u64>>,
    /// `(E, 2)` (layer, unit) of the facet crossed.
    neighbour_units: Py<PyArray2<i64>>,
}

/// Describes the region ∩ domain of each row of `points` (one rayon task per point).
#[pyfunction]
pub(crate) fn complex_describe<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    domain: &PyPolytope,
    points: PyReadonlyArray2<'py, f64>,
) -> PyResult<Py<PyRegionRecords>> {
    let domain = domain.detached(py, |p| Domain::new(p.a, p.b, p.lo, p.hi))?;
    let inner = &net.inner;
    let pts = points.as_array();
    if pts.ncols() != inner.n_inputs() {
        return Err(CoreError::Shape(format!(
            "points have {} columns, the network {} inputs",
            pts.ncols(),
            inner.n_inputs()
        ))
        .into());
    }
    let done: Vec<Option<Expanded>> = py.allow_threads(|| {
        (0..pts.nrows())
            .into_par_iter()
            .map(|i| expand(inner, &domain, pts.row(i)))
            .collect::<Result<Vec<_>>>()
    })?;
    let found: Vec<&Expanded> = done.iter().flatten().collect();
    let refs: Vec<&RegionRecord> = found.iter().map(|e| &e.record).collect();
    let words = crate::pattern::n_words(inner.n_pattern_bits());
    let unsettled = found.iter().map(|e| e.unsettled).sum::<usize>()
        + done.iter().filter(|e| e.is_none()).count();
    let regions = PyRegions::init(py, &refs, (inner.n_inputs(), words), unsettled);
    let mut of = Vec::new();
    let mut nk = Vec::new();
    let mut nu = Vec::new();
    for (i, e) in found.iter().enumerate() {
        for nb in &e.neighbours {
            of.push(i as i64);
            nk.push(key_halves(nb.key));
            nu.push((nb.layer, nb.unit));
        }
    }
    let neighbours = PyRegionRecords {
        neighbour_of: Array1::from_vec(of).into_pyarray(py).unbind(),
        neighbour_keys: pairs(&nk).into_pyarray(py).unbind(),
        neighbour_units: pairs(&nu).into_pyarray(py).unbind(),
    };
    Py::new(py, regions.add_subclass(neighbours))
}
