//! Bindings of the polytope engine: insphere by interior point, LP-free row classification.
//!
//! A thin layer: read-only numpy views in, Rust buffers moved into numpy out, the GIL
//! released around the work. Solver outcomes come back as data (a status string).

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::network::to_pyerr;
use crate::dense;
use crate::insphere::{self as ipm, Status};
use crate::lp;
use crate::witness;

/// `(center, radius, upper_bound, iterations, status)` of the insphere (eq. 5).
#[pyfunction]
#[pyo3(signature = (a, b, lo, hi, rel_tol, abs_tol, max_iter))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn insphere<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    rel_tol: f64,
    abs_tol: f64,
    max_iter: usize,
) -> PyResult<(Bound<'py, PyArray1<f64>>, f64, f64, usize, &'static str)> {
    let (av, bv, lov, hiv) = (a.as_array(), b.as_array(), lo.as_array(), hi.as_array());
    let st = ipm::Settings {
        rel_tol,
        abs_tol,
        max_iter,
    };
    let out = py
        .allow_threads(|| ipm::insphere(av, bv, lov, hiv, st))
        .map_err(|e| to_pyerr(py, e))?;
    let status = match out.status {
        Status::Optimal => "optimal",
        Status::IterationLimit => "iteration_limit",
        Status::NumericalFailure => "numerical_failure",
    };
    Ok((
        out.center.into_pyarray(py),
        out.radius,
        out.upper_bound,
        out.iterations,
        status,
    ))
}

/// `(class, by_straight_rays, by_bent_rays)`: per-row codes 0 unknown, 1 facet (witness),
/// 2 duplicate of a later row, 3 implied by the box alone.
#[pyfunction]
#[pyo3(signature = (a, b, lo, hi, x0, tol, duplicate_tol, max_bends))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn classify_rows<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    x0: PyReadonlyArray1<'py, f64>,
    tol: f64,
    duplicate_tol: f64,
    max_bends: usize,
) -> PyResult<(Bound<'py, PyArray1<u8>>, usize, usize)> {
    let (av, bv, lov, hiv, xv) = (
        a.as_array(),
        b.as_array(),
        lo.as_array(),
        hi.as_array(),
        x0.as_array(),
    );
    let st = witness::Settings {
        tol,
        duplicate_tol,
        max_bends,
    };
    let out = py
        .allow_threads(|| witness::classify(av, bv, lov, hiv, xv, st))
        .map_err(|e| to_pyerr(py, e))?;
    let codes: Vec<u8> = out.class.iter().map(|&c| c as u8).collect();
    Ok((
        codes.into_pyarray(py),
        out.by_straight_rays,
        out.by_bent_rays,
    ))
}

/// Lower triangle of `A_S^T diag(w_S) A_S` (d x d, strict upper triangle zero) over the rows `S` (all when `None`), in
/// float32 arithmetic when `single`; for the Newton systems of the class-maxima solver.
#[pyfunction]
#[pyo3(signature = (a, w, rows, single))]
pub(crate) fn weighted_gram<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    w: PyReadonlyArray1<'py, f64>,
    rows: Option<PyReadonlyArray1<'py, i64>>,
    single: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (av, wv) = (a.as_array(), w.as_array());
    if wv.len() != av.nrows() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "weighted_gram: {} weights for {} rows",
            wv.len(),
            av.nrows()
        )));
    }
    let rows: Option<Vec<usize>> = match rows {
        None => None,
        Some(r) => {
            let mut out = Vec::with_capacity(r.len()?);
            for &i in r.as_array().iter() {
                if i < 0 || i as usize >= av.nrows() {
                    return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                        "weighted_gram: row index {i} out of range [0, {})",
                        av.nrows()
                    )));
                }
                out.push(i as usize);
            }
            Some(out)
        }
    };
    let g = py.allow_threads(|| dense::weighted_gram(av, wv, rows.as_deref(), single));
    Ok(g.into_pyarray(py))
}

/// `(x, value, lower_bound, iterations, outcome)` of `min c.x + c0` over the polytope from
/// the strictly interior `x0`, stopping early at a feasible value below `stop_below` or a
/// certified lower bound at or above `stop_above`.
#[pyfunction]
#[pyo3(signature = (a, b, lo, hi, c, c0, x0, rel_tol, abs_tol, max_iter, stop_below, stop_above))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn lp_minimize<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
    c0: f64,
    x0: PyReadonlyArray1<'py, f64>,
    rel_tol: f64,
    abs_tol: f64,
    max_iter: usize,
    stop_below: f64,
    stop_above: f64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, f64, f64, usize, &'static str)> {
    let (av, bv, lov, hiv, cv, xv) = (
        a.as_array(),
        b.as_array(),
        lo.as_array(),
        hi.as_array(),
        c.as_array(),
        x0.as_array(),
    );
    let st = lp::Settings {
        rel_tol,
        abs_tol,
        max_iter,
        stop_below,
        stop_above,
    };
    let out = py
        .allow_threads(|| lp::minimize(av, bv, lov, hiv, cv, c0, xv, st))
        .map_err(|e| to_pyerr(py, e))?;
    let outcome = match out.outcome {
        lp::Outcome::PointBelow => "point_below",
        lp::Outcome::BoundAbove => "bound_above",
        lp::Outcome::Optimal => "optimal",
        lp::Outcome::IterationLimit => "iteration_limit",
        lp::Outcome::NumericalFailure => "numerical_failure",
    };
    Ok((
        out.x.into_pyarray(py),
        out.value,
        out.lower_bound,
        out.iterations,
        outcome,
    ))
}
