//! Adapter to the polytope engine (insphere, LP-free facet witnesses, the dense LP).
//!
//! The complex calls the engine only through this file, so moving the solvers (e.g. into
//! `ipm/` and `polytope/`) changes nothing else here.

use ndarray::{Array1, ArrayView1, Axis};

use crate::error::Result;
use crate::hrep::UnitRows;
use crate::insphere::{insphere, Settings as InsphereSettings};
use crate::lp::{minimize, Outcome, Settings as LpSettings};
use crate::witness::{classify, RowClass, Settings as WitnessSettings};

/// Distance (in input units) within which a row is redundant rather than a facet.
pub const FACET_TOL: f64 = 1e-9;

/// A certified inscribed ball: every point within `radius` of `center` is inside.
#[derive(Debug, Clone)]
pub struct Ball {
    pub center: Array1<f64>,
    pub radius: f64,
}

/// Largest inscribed ball of `{A x + b >= 0, lo <= x <= hi}` (unit rows).
pub fn chebyshev(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
) -> Result<Ball> {
    let ins = insphere(
        rows.a.view(),
        rows.b.view(),
        lo,
        hi,
        InsphereSettings::default(),
    )?;
    Ok(Ball {
        center: ins.center,
        radius: ins.radius,
    })
}

/// What became of a row of the polytope.
#[derive(Debug, Clone)]
pub enum Fate {
    /// A facet, with a point on its hyperplane that satisfies every other row and the box.
    Facet(Array1<f64>),
    /// Redundant (implied by the others, the box, or an equal row kept in its place).
    Redundant,
    /// The LP did not settle it within its limits.
    Unsettled,
}

/// Every row's fate; `x0` must be strictly inside (e.g. the insphere center).
pub fn facets(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
) -> Result<Vec<Fate>> {
    let n = rows.a.nrows();
    let class = classify(
        rows.a.view(),
        rows.b.view(),
        lo,
        hi,
        x0,
        WitnessSettings::default(),
    )?
    .class;
    let keep: Vec<usize> = (0..n)
        .filter(|&i| matches!(class[i], RowClass::Facet | RowClass::Unknown))
        .collect();
    let slack0 = rows.a.dot(&x0) + &rows.b;
    let mut out = vec![Fate::Redundant; n];
    for &i in &keep {
        let ai = rows.a.row(i);
        if class[i] == RowClass::Facet {
            let w = &x0 - &(slack0[i] * &ai);
            if strictly_inside_others(rows, &keep, i, w.view(), lo, hi) {
                out[i] = Fate::Facet(w);
                continue;
            }
        }
        out[i] = facet_by_lp(rows, &keep, i, lo, hi, x0, slack0[i])?;
    }
    Ok(out)
}

/// Whether `w` satisfies every kept row but `i` and the box with margin `FACET_TOL`.
fn strictly_inside_others(
    rows: &UnitRows,
    keep: &[usize],
    i: usize,
    w: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
) -> bool {
    keep.iter()
        .all(|&j| j == i || rows.a.row(j).dot(&w) + rows.b[j] > FACET_TOL)
        && (0..w.len()).all(|k| w[k] - lo[k] > FACET_TOL && hi[k] - w[k] > FACET_TOL)
}

/// Row `i` by the LP `min a_i x + b_i` over the other kept rows: a feasible point past the
/// hyperplane gives a witness on it (the segment from `x0` meets it inside the others).
fn facet_by_lp(
    rows: &UnitRows,
    keep: &[usize],
    i: usize,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    slack_i: f64,
) -> Result<Fate> {
    let others: Vec<usize> = keep.iter().copied().filter(|&j| j != i).collect();
    let a = rows.a.select(Axis(0), &others);
    let b = rows.b.select(Axis(0), &others);
    let st = LpSettings {
        stop_below: -FACET_TOL,
        stop_above: -FACET_TOL,
        ..LpSettings::default()
    };
    let r = minimize(
        a.view(),
        b.view(),
        lo.reborrow(),
        hi.reborrow(),
        rows.a.row(i),
        rows.b[i],
        x0,
        st,
    )?;
    if r.value < -FACET_TOL {
        // x0 has slack_i > 0, r.x has slack < 0: the hyperplane is crossed in between.
        let s = slack_i / (slack_i - r.value);
        let w = &x0 + &(s * (&r.x - &x0));
        return Ok(Fate::Facet(w));
    }
    Ok(match r.outcome {
        Outcome::BoundAbove => Fate::Redundant,
        _ if r.lower_bound >= -FACET_TOL => Fate::Redundant,
        _ => Fate::Unsettled,
    })
}
