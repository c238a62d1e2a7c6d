//! Bindings of the interior-point solver: `Settings` (defaults from Rust), `Status`, and the
//! three problems (insphere, LP with early exits, class maxima) returning typed results.
//!
//! A thin layer: read-only numpy views in, Rust buffers moved into numpy out, the GIL
//! released around the work.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::polytope::PyPolytope;
use crate::error::CoreError;
use crate::ipm::{self, class_maxima as cm, class_presence as cp, insphere as ins, lp};

/// How a solve ended (see `linregions_core::ipm::Status`).
#[pyclass(name = "Status", eq, eq_int, frozen, module = "linregions._core")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PyStatus {
    #[pyo3(name = "OPTIMAL")]
    Optimal,
    #[pyo3(name = "POINT_BELOW")]
    PointBelow,
    #[pyo3(name = "BOUND_ABOVE")]
    BoundAbove,
    #[pyo3(name = "INFEASIBLE")]
    Infeasible,
    #[pyo3(name = "UNBOUNDED")]
    Unbounded,
    #[pyo3(name = "ITERATION_LIMIT")]
    IterationLimit,
    #[pyo3(name = "STALLED")]
    Stalled,
    #[pyo3(name = "NUMERICAL_FAILURE")]
    NumericalFailure,
}

#[pymethods]
impl PyStatus {
    /// Snake-case name, e.g. `"iteration_limit"`.
    #[getter]
    fn label(&self) -> &'static str {
        ipm::Status::from(*self).name()
    }

    /// Whether the status is a certified answer.
    #[getter]
    fn is_certified(&self) -> bool {
        ipm::Status::from(*self).is_certified()
    }
}

impl From<ipm::Status> for PyStatus {
    fn from(s: ipm::Status) -> Self {
        use ipm::Status as S;
        match s {
            S::Optimal => PyStatus::Optimal,
            S::PointBelow => PyStatus::PointBelow,
            S::BoundAbove => PyStatus::BoundAbove,
            S::Infeasible => PyStatus::Infeasible,
            S::Unbounded => PyStatus::Unbounded,
            S::IterationLimit => PyStatus::IterationLimit,
            S::Stalled => PyStatus::Stalled,
            S::NumericalFailure => PyStatus::NumericalFailure,
        }
    }
}

impl From<PyStatus> for ipm::Status {
    fn from(s: PyStatus) -> Self {
        use ipm::Status as S;
        match s {
            PyStatus::Optimal => S::Optimal,
            PyStatus::PointBelow => S::PointBelow,
            PyStatus::BoundAbove => S::BoundAbove,
            PyStatus::Infeasible => S::Infeasible,
            PyStatus::Unbounded => S::Unbounded,
            PyStatus::IterationLimit => S::IterationLimit,
            PyStatus::Stalled => S::Stalled,
            PyStatus::NumericalFailure => S::NumericalFailure,
        }
    }
}

/// Tolerances and limits of the interior-point solver; the defaults of each problem come
/// from Rust (`Settings("insphere" | "lp" | "class_maxima", **overrides)`).
#[pyclass(name = "Settings", frozen, get_all, module = "linregions._core")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct PySettings {
    rel_tol: f64,
    abs_tol: f64,
    max_iter: usize,
    reduce_tol: f64,
    single_mu: f64,
    short_step: f64,
    max_correctors: usize,
    corrector_stretch: f64,
    step_fraction: f64,
    crossover_mu: f64,
    crossover_repeat: f64,
    stall_iter: usize,
    exact_retry: bool,
}

impl From<ipm::Settings> for PySettings {
    fn from(s: ipm::Settings) -> Self {
        PySettings {
            rel_tol: s.rel_tol,
            abs_tol: s.abs_tol,
            max_iter: s.max_iter,
            reduce_tol: s.reduce_tol,
            single_mu: s.single_mu,
            short_step: s.short_step,
            max_correctors: s.max_correctors,
            corrector_stretch: s.corrector_stretch,
            step_fraction: s.step_fraction,
            crossover_mu: s.crossover_mu,
            crossover_repeat: s.crossover_repeat,
            stall_iter: s.stall_iter,
            exact_retry: s.exact_retry,
        }
    }
}

impl PySettings {
    fn inner(&self) -> ipm::Settings {
        ipm::Settings {
            rel_tol: self.rel_tol,
            abs_tol: self.abs_tol,
            max_iter: self.max_iter,
            reduce_tol: self.reduce_tol,
            single_mu: self.single_mu,
            short_step: self.short_step,
            max_correctors: self.max_correctors,
            corrector_stretch: self.corrector_stretch,
            step_fraction: self.step_fraction,
            crossover_mu: self.crossover_mu,
            crossover_repeat: self.crossover_repeat,
            stall_iter: self.stall_iter,
            exact_retry: self.exact_retry,
        }
    }
}

#[pymethods]
impl PySettings {
    #[new]
    #[pyo3(signature = (problem = "insphere", *, rel_tol = None, abs_tol = None, max_iter = None,
        reduce_tol = None, single_mu = None, short_step = None, max_correctors = None,
        corrector_stretch = None, step_fraction = None, crossover_mu = None,
        crossover_repeat = None, stall_iter = None, exact_retry = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        problem: &str,
        rel_tol: Option<f64>,
        abs_tol: Option<f64>,
        max_iter: Option<usize>,
        reduce_tol: Option<f64>,
        single_mu: Option<f64>,
        short_step: Option<f64>,
        max_correctors: Option<usize>,
        corrector_stretch: Option<f64>,
        step_fraction: Option<f64>,
        crossover_mu: Option<f64>,
        crossover_repeat: Option<f64>,
        stall_iter: Option<usize>,
        exact_retry: Option<bool>,
    ) -> PyResult<Self> {
        let base = match problem {
            "insphere" => ipm::Settings::insphere(),
            "lp" => ipm::Settings::lp(),
            "class_maxima" => ipm::Settings::class_maxima(),
            other => {
                return Err(CoreError::Value(format!(
                    "settings: unknown problem {other:?} (insphere, lp, class_maxima)"
                ))
                .into())
            }
        };
        overridden(
            base,
            [
                rel_tol,
                abs_tol,
                reduce_tol,
                single_mu,
                short_step,
                corrector_stretch,
                step_fraction,
                crossover_mu,
                crossover_repeat,
            ],
            [max_iter, max_correctors, stall_iter],
            exact_retry,
        )
    }

    /// A copy with the given fields changed (the others kept), validated like the
    /// constructor's.
    #[pyo3(signature = (*, rel_tol = None, abs_tol = None, max_iter = None,
        reduce_tol = None, single_mu = None, short_step = None, max_correctors = None,
        corrector_stretch = None, step_fraction = None, crossover_mu = None,
        crossover_repeat = None, stall_iter = None, exact_retry = None))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        rel_tol: Option<f64>,
        abs_tol: Option<f64>,
        max_iter: Option<usize>,
        reduce_tol: Option<f64>,
        single_mu: Option<f64>,
        short_step: Option<f64>,
        max_correctors: Option<usize>,
        corrector_stretch: Option<f64>,
        step_fraction: Option<f64>,
        crossover_mu: Option<f64>,
        crossover_repeat: Option<f64>,
        stall_iter: Option<usize>,
        exact_retry: Option<bool>,
    ) -> PyResult<Self> {
        overridden(
            self.inner(),
            [
                rel_tol,
                abs_tol,
                reduce_tol,
                single_mu,
                short_step,
                corrector_stretch,
                step_fraction,
                crossover_mu,
                crossover_repeat,
            ],
            [max_iter, max_correctors, stall_iter],
            exact_retry,
        )
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner())
    }
}

/// `base` with the given fields replaced: the floats `[rel_tol, abs_tol, reduce_tol,
/// single_mu, short_step, corrector_stretch, step_fraction, crossover_mu, crossover_repeat]`,
/// the counts `[max_iter, max_correctors, stall_iter]` and `exact_retry`; validated.
fn overridden(
    base: ipm::Settings,
    floats: [Option<f64>; 9],
    counts: [Option<usize>; 3],
    exact_retry: Option<bool>,
) -> PyResult<PySettings> {
    let [rel_tol, abs_tol, reduce_tol, single_mu, short_step, corrector_stretch, step_fraction, crossover_mu, crossover_repeat] =
        floats;
    let [max_iter, max_correctors, stall_iter] = counts;
    let s = ipm::Settings {
        rel_tol: rel_tol.unwrap_or(base.rel_tol),
        abs_tol: abs_tol.unwrap_or(base.abs_tol),
        max_iter: max_iter.unwrap_or(base.max_iter),
        reduce_tol: reduce_tol.unwrap_or(base.reduce_tol),
        single_mu: single_mu.unwrap_or(base.single_mu),
        short_step: short_step.unwrap_or(base.short_step),
        max_correctors: max_correctors.unwrap_or(base.max_correctors),
        corrector_stretch: corrector_stretch.unwrap_or(base.corrector_stretch),
        step_fraction: step_fraction.unwrap_or(base.step_fraction),
        crossover_mu: crossover_mu.unwrap_or(base.crossover_mu),
        crossover_repeat: crossover_repeat.unwrap_or(base.crossover_repeat),
        stall_iter: stall_iter.unwrap_or(base.stall_iter),
        exact_retry: exact_retry.unwrap_or(base.exact_retry),
    };
    s.validate().map_err(CoreError::Value)?;
    Ok(s.into())
}

/// Insphere: `center` (d,), `radius` (exact for that center), `upper_bound` (certified),
/// `iterations`, `status`, `solver` (`"ipm"`, `"active-set"` or `"box"`), `retried`
/// (whether the second pass answered).
#[pyclass(name = "InsphereResult", frozen, get_all, module = "linregions._core")]
pub(crate) struct PyInsphere {
    center: Py<PyArray1<f64>>,
    radius: f64,
    upper_bound: f64,
    iterations: usize,
    status: PyStatus,
    solver: &'static str,
    retried: bool,
}

impl PyInsphere {
    pub(crate) fn new(py: Python<'_>, out: ins::Insphere) -> Self {
        PyInsphere {
            center: out.center.into_pyarray(py).unbind(),
            radius: out.radius,
            upper_bound: out.upper_bound,
            iterations: out.iterations,
            status: out.status.into(),
            solver: out.solver.label(),
            retried: out.retried,
        }
    }
}

/// LP: the best exactly feasible `x`, its `value`, a certified `lower_bound`, `iterations`,
/// `status`.
#[pyclass(name = "LpResult", frozen, get_all, module = "linregions._core")]
pub(crate) struct PyLpResult {
    x: Py<PyArray1<f64>>,
    value: f64,
    lower_bound: f64,
    iterations: usize,
    status: PyStatus,
}

/// One class's maximum: `class_`, `point` (d,), `log_prob`, certified `gap`, the row
/// `multipliers` (N,) that certify it, `iterations`, `status`.
#[pyclass(name = "ClassMaximum", frozen, get_all, module = "linregions._core")]
pub(crate) struct PyClassMaximum {
    class_: usize,
    point: Py<PyArray1<f64>>,
    log_prob: f64,
    gap: f64,
    multipliers: Py<PyArray1<f64>>,
    iterations: usize,
    status: PyStatus,
}

/// Whether one class wins somewhere in the region: `class_`, `present`, the best `margin`
/// (its logit minus the largest other) found at `point` (d,), a certified `margin_bound`
/// on the largest margin, `iterations`, `status`.
#[pyclass(name = "ClassPresence", frozen, get_all, module = "linregions._core")]
pub(crate) struct PyClassPresence {
    class_: usize,
    present: bool,
    margin: f64,
    margin_bound: f64,
    point: Py<PyArray1<f64>>,
    iterations: usize,
    status: PyStatus,
}

/// The insphere (eq. 5) of `{A x + b >= 0, lo <= x <= hi}` (box sides may be infinite):
/// the active-set method in low dimension, the interior point with `settings`, and with
/// `retry` a second interior-point pass where the first ends uncertified.
#[pyfunction]
#[pyo3(signature = (poly, settings, retry = None))]
pub(crate) fn insphere(
    py: Python<'_>,
    poly: &PyPolytope,
    settings: &PySettings,
    retry: Option<&PySettings>,
) -> PyResult<PyInsphere> {
    let ladder = ins::Ladder {
        retry: retry.map(PySettings::inner),
        ..ins::Ladder::new(settings.inner())
    };
    let out = poly.detached(py, |p| ins::insphere(p, &ladder))?;
    Ok(PyInsphere::new(py, out))
}

/// `min c.x + c0` over the polytope from the strictly interior `x0`, stopping early at a
/// feasible value below `stop_below` or a certified lower bound at or above `stop_above`.
#[pyfunction]
#[pyo3(signature = (poly, c, c0, x0, settings, stop_below = f64::NEG_INFINITY,
    stop_above = f64::INFINITY))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn lp_minimize<'py>(
    py: Python<'py>,
    poly: &PyPolytope,
    c: PyReadonlyArray1<'py, f64>,
    c0: f64,
    x0: PyReadonlyArray1<'py, f64>,
    settings: &PySettings,
    stop_below: f64,
    stop_above: f64,
) -> PyResult<PyLpResult> {
    let (c, xv) = (c.as_array(), x0.as_array());
    let exits = lp::Exits {
        stop_below,
        stop_above,
    };
    let st = settings.inner();
    let out = poly.detached(py, |p| {
        let (poly, c) = (p.reborrow(), c.reborrow());
        lp::Lp { poly, c, c0 }.minimize(xv, exits, &st)
    })?;
    Ok(PyLpResult {
        x: out.x.into_pyarray(py).unbind(),
        value: out.value,
        lower_bound: out.lower_bound,
        iterations: out.iterations,
        status: out.status.into(),
    })
}

/// The certified gap of class `t` at the point `x` with row multipliers `lam` (LP weak
/// duality; `linregions_core::ipm::class_maxima::gap_at`).
#[pyfunction]
#[pyo3(signature = (poly, w, c, t, x, lam))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn class_gap<'py>(
    py: Python<'py>,
    poly: &PyPolytope,
    w: PyReadonlyArray2<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
    t: usize,
    x: PyReadonlyArray1<'py, f64>,
    lam: PyReadonlyArray1<'py, f64>,
) -> PyResult<f64> {
    let (wv, cv, xv, lv) = (w.as_array(), c.as_array(), x.as_array(), lam.as_array());
    Ok(poly.detached(py, |p| cm::gap_at(p, wv, cv, t, xv, lv))?)
}

/// Most likely point of each class in `classes` inside the region (eq. 6-8); `w`, `c` the
/// logit map, `x` the region's own point.
#[pyfunction]
#[pyo3(signature = (poly, w, c, x, classes, settings))]
pub(crate) fn class_maxima<'py>(
    py: Python<'py>,
    poly: &PyPolytope,
    w: PyReadonlyArray2<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray1<'py, f64>,
    classes: Vec<usize>,
    settings: &PySettings,
) -> PyResult<Vec<PyClassMaximum>> {
    let (wv, cv, xv) = (w.as_array(), c.as_array(), x.as_array());
    let st = settings.inner();
    let out = poly.detached(py, |p| {
        cm::class_maxima(p.a, p.b, p.lo, p.hi, wv, cv, xv, &classes, &st)
    })?;
    Ok(out
        .into_iter()
        .map(|r| PyClassMaximum {
            class_: r.class,
            point: r.point.into_pyarray(py).unbind(),
            log_prob: r.log_prob,
            gap: r.gap,
            multipliers: r.multipliers.into_pyarray(py).unbind(),
            iterations: r.iterations,
            status: r.status.into(),
        })
        .collect())
}

/// Whether each class in `classes` wins somewhere inside the region (an LP per class that
/// `x`, the region's point, does not already settle); `w`, `c` the logit map.
#[pyfunction]
#[pyo3(signature = (poly, w, c, x, classes, settings))]
pub(crate) fn class_presence<'py>(
    py: Python<'py>,
    poly: &PyPolytope,
    w: PyReadonlyArray2<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray1<'py, f64>,
    classes: Vec<usize>,
    settings: &PySettings,
) -> PyResult<Vec<PyClassPresence>> {
    let (wv, cv, xv) = (w.as_array(), c.as_array(), x.as_array());
    let st = settings.inner();
    let out = poly.detached(py, |p| cp::class_presence(p, wv, cv, xv, &classes, &st))?;
    Ok(out
        .into_iter()
        .map(|r| PyClassPresence {
            class_: r.class,
            present: r.present,
            margin: r.margin,
            margin_bound: r.margin_bound,
            point: r.point.into_pyarray(py).unbind(),
            iterations: r.iterations,
            status: r.status.into(),
        })
        .collect())
}
