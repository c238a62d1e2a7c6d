//! Adapter to the polytope engine (insphere, LP-free facet witnesses, the dense LP).
//!
//! The complex calls the engine only through this file, so moving the solvers (e.g. into
//! `ipm/` and `polytope/`) changes nothing else here.

use ndarray::{Array1, ArrayView1};

use crate::error::Result;
use crate::hrep::{box_min, UnitRows};
use crate::ipm::active_set;
use crate::ipm::insphere::insphere;
use crate::ipm::lp::{minimize, Exits, Lp};
use crate::ipm::{Settings, Status};
use crate::linalg::take_rows;
use crate::polytope::Polytope;
use crate::witness::{classify, RowClass, Settings as WitnessSettings};

/// Distance (in input units) within which a row is redundant rather than a facet.
pub const FACET_TOL: f64 = 1e-9;
/// The complex's witnesses: straight rays only (a bent ray's witness is not kept, so the row
/// would need its LP anyway).
const WITNESSES: WitnessSettings = WitnessSettings {
    tol: crate::witness::TOL,
    duplicate_tol: crate::witness::DUPLICATE_TOL,
    max_bends: 0,
};
/// An outer box is computed first when there are more rows than this many per dimension.
const OUTER_BOX_ROWS_PER_DIM: usize = 4;
/// The outer box need not be tight: its LPs stop once the bounds agree to this.
const OUTER_BOX_REL_TOL: f64 = 1e-3;

/// A certified inscribed ball: every point within `radius` of `center` is inside.
#[derive(Debug, Clone)]
pub struct Ball {
    pub center: Array1<f64>,
    pub radius: f64,
}

/// Largest inscribed ball of `{A x + b >= 0, lo <= x <= hi}` (unit rows), solved from the
/// point `start` when one strictly inside is known (the active-set method answers in low
/// dimension; the interior-point insphere otherwise or where it declines).
pub fn chebyshev(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    start: Option<ArrayView1<f64>>,
) -> Result<Ball> {
    if rows.a.nrows() == 0 {
        // a box: its center, at half the narrowest width from every face
        let center = (&lo + &hi) / 2.0;
        let radius = (0..lo.len()).fold(f64::INFINITY, |r, j| {
            r.min(center[j] - lo[j]).min(hi[j] - center[j])
        });
        return Ok(Ball { center, radius });
    }
    let st = Settings::insphere();
    if let Some(x0) = start.filter(|x| x.len() < active_set::MAX_DIM) {
        if let Some((center, radius, _)) =
            active_set::insphere_small(rows.a.view(), rows.b.view(), lo, hi, x0, &st)
        {
            return Ok(Ball { center, radius });
        }
    }
    // The active-set finish is left for the end of a short solve, and the full solve for a
    // ball the short one cannot certify: where the ball is pinned by both faces of hundreds
    // of box coordinates (a small ball around an MNIST digit, whose background pixels sit at
    // the input box), its active set has more rows than variables and costs several times
    // the whole solve.
    let fast = Settings {
        crossover_mu: 0.0,
        max_iter: FAST_INSPHERE_ITER,
        exact_retry: false,
        ..st
    };
    let mut ins = insphere(rows.a.view(), rows.b.view(), lo, hi, &fast)?;
    if !ins.status.is_certified() {
        ins = insphere(rows.a.view(), rows.b.view(), lo, hi, &st)?;
    }
    Ok(Ball {
        center: ins.center,
        radius: ins.radius,
    })
}

/// Iterations of the complex's first insphere solve (without the active-set finish until
/// its end); the full solve runs if it ends uncertified.
const FAST_INSPHERE_ITER: usize = 30;

/// Unit rows with a finite box: the polytope `{x : a x + b >= 0, lo <= x <= hi}` whose facets
/// [`facets`] finds.
#[derive(Clone, Copy)]
pub struct Bounded<'a> {
    pub rows: &'a UnitRows,
    pub lo: ArrayView1<'a, f64>,
    pub hi: ArrayView1<'a, f64>,
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
///
/// In low dimension most rows of a region miss it entirely. The straight-ray witnesses
/// (LP-free) certify most facets first; the outer box of those facets and the box (2d small
/// LPs, each bound from weak duality) contains the polytope, so a row whose minimum over it
/// is `>= FACET_TOL` is redundant. Each row left gets a witness check against the others
/// left and, if that fails, one LP over them.
pub fn facets(poly: &Bounded<'_>, x0: ArrayView1<f64>) -> Result<Vec<Fate>> {
    let Bounded { rows, lo, hi } = *poly;
    let n = rows.a.nrows();
    let d = x0.len();
    let mut out = vec![Fate::Redundant; n];
    let live: Vec<usize> = (0..n).filter(|&i| rows.norm[i] > 0.0).collect();
    if live.is_empty() {
        return Ok(out);
    }
    let sub = select(rows, &live);
    let class = classify(sub.a.view(), sub.b.view(), lo, hi, x0, WITNESSES)?.class;
    let cand: Vec<usize> = if live.len() > OUTER_BOX_ROWS_PER_DIM * d {
        // the outer box of {the rows the rays certified, the box} contains the polytope,
        // and its LPs are small (a few rows instead of all)
        let certified: Vec<usize> = (0..live.len())
            .filter(|&k| class[k] == RowClass::Facet)
            .map(|k| live[k])
            .collect();
        let basis = if certified.is_empty() {
            &live
        } else {
            &certified
        };
        let (olo, ohi) = outer_box(rows, basis, lo, hi, x0)?;
        // a row that comes within FACET_TOL of the outer box may still be a facet (e.g. an
        // axis-parallel one on the box's face): only rows clear of it are dropped
        (0..live.len())
            .filter(|&k| match class[k] {
                RowClass::Facet => true,
                RowClass::Unknown => {
                    let i = live[k];
                    box_min(rows.a.row(i), olo.view(), ohi.view()) + rows.b[i] < FACET_TOL
                }
                _ => false,
            })
            .collect()
    } else {
        (0..live.len())
            .filter(|&k| matches!(class[k], RowClass::Facet | RowClass::Unknown))
            .collect()
    };
    if cand.is_empty() {
        return Ok(out);
    }
    let cand_rows = select(&sub, &cand);
    let cand_poly = Bounded {
        rows: &cand_rows,
        lo: lo.reborrow(),
        hi: hi.reborrow(),
    };
    for (k, fate) in fates_of_candidates(&cand_poly, x0)?.into_iter().enumerate() {
        out[live[cand[k]]] = fate;
    }
    Ok(out)
}

/// The rows `idx` of `rows`.
fn select(rows: &UnitRows, idx: &[usize]) -> UnitRows {
    UnitRows {
        a: take_rows(rows.a.view(), idx),
        b: idx.iter().map(|&i| rows.b[i]).collect(),
        norm: idx.iter().map(|&i| rows.norm[i]).collect(),
    }
}

/// A certified outer box of the polytope of the rows `live` of `rows` and the box: each
/// `min +-x_j` bounded below by weak duality.
pub fn outer_box(
    rows: &UnitRows,
    live: &[usize],
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    let d = x0.len();
    let UnitRows { a, b, .. } = select(rows, live);
    let mut olo = lo.to_owned();
    let mut ohi = hi.to_owned();
    for j in 0..d {
        for sign in [1.0, -1.0] {
            let mut c = Array1::<f64>::zeros(d);
            c[j] = sign;
            let r = minimize(
                a.view(),
                b.view(),
                lo.reborrow(),
                hi.reborrow(),
                c.view(),
                0.0,
                x0,
                Exits::default(),
                &Settings {
                    rel_tol: OUTER_BOX_REL_TOL,
                    abs_tol: OUTER_BOX_REL_TOL,
                    ..Settings::lp()
                },
            )?;
            if r.lower_bound.is_finite() {
                if sign > 0.0 {
                    olo[j] = olo[j].max(r.lower_bound);
                } else {
                    ohi[j] = ohi[j].min(-r.lower_bound);
                }
            }
        }
    }
    Ok((olo, ohi))
}

/// The candidates' fates, by Clarkson's method: a row whose straight-ray witness (the foot
/// of the perpendicular from `x0`) clears every other candidate is a facet; every other row
/// gets an LP over the facets known so far (a superset of the polytope, so a minimum
/// `>= -FACET_TOL` proves the row redundant). When that LP's point lies past the row, the
/// segment from `x0` to it crosses the polytope's boundary first at a facet: the row itself
/// (decided) or a new facet, which joins the set before the row's LP is solved again. A
/// crossing shared by several rows is settled by one LP over all the candidates.
fn fates_of_candidates(poly: &Bounded<'_>, x0: ArrayView1<f64>) -> Result<Vec<Fate>> {
    let Bounded { rows, lo, hi } = *poly;
    let n = rows.a.nrows();
    let keep: Vec<usize> = (0..n).collect();
    let slack0 = rows.a.dot(&x0) + &rows.b;
    let mut out = vec![Fate::Redundant; n];
    let mut known: Vec<usize> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for &i in &keep {
        let w = &x0 - &(slack0[i] * &rows.a.row(i));
        if strictly_inside_others(rows, &keep, i, w.view(), lo, hi) {
            out[i] = Fate::Facet(w);
            known.push(i);
        } else {
            open.push(i);
        }
    }
    let mut sub = select(rows, &known);
    // rows shown redundant by another row's LP (the bound its final vertex gives them)
    let mut settled = vec![false; n];
    for (pos, &i) in open.iter().enumerate() {
        if settled[i] || matches!(out[i], Fate::Facet(_)) {
            continue; // found as another row's crossing, or settled by its LP
        }
        out[i] = loop {
            if sub.a.nrows() != known.len() {
                sub = select(rows, &known); // a facet joined the set
            }
            let later: Vec<usize> = open[pos + 1..]
                .iter()
                .copied()
                .filter(|&j| !settled[j] && !matches!(out[j], Fate::Facet(_)))
                .collect();
            let others: Vec<(ArrayView1<f64>, f64)> =
                later.iter().map(|&j| (rows.a.row(j), rows.b[j])).collect();
            let lp = Lp {
                poly: Polytope {
                    a: sub.a.view(),
                    b: sub.b.view(),
                    lo: lo.reborrow(),
                    hi: hi.reborrow(),
                },
                c: rows.a.row(i),
                c0: rows.b[i],
            };
            let (r, bounds) = lp.minimize_sharing(
                x0,
                Exits {
                    stop_below: -FACET_TOL,
                    stop_above: -FACET_TOL,
                },
                &Settings::lp(),
                &others,
                -FACET_TOL,
            )?;
            for (&j, &bound) in later.iter().zip(&bounds) {
                // a certified minimum over a superset of the polytope: row j is implied
                if bound >= -FACET_TOL {
                    settled[j] = true;
                }
            }
            if r.value >= -FACET_TOL {
                break match r.status {
                    Status::BoundAbove => Fate::Redundant,
                    _ if r.lower_bound >= -FACET_TOL => Fate::Redundant,
                    _ => facet_by_lp(rows, &keep, i, lo, hi, x0, slack0[i])?,
                };
            }
            match first_crossing(rows, &keep, lo, hi, x0, &slack0, r.x.view()) {
                Some((k, w)) if k == i => break Fate::Facet(w),
                Some((k, w)) if !known.contains(&k) => {
                    out[k] = Fate::Facet(w);
                    known.push(k);
                }
                _ => break facet_by_lp(rows, &keep, i, lo, hi, x0, slack0[i])?,
            }
        };
    }
    Ok(out)
}

/// The row the segment from `x0` to `x` leaves the polytope through, with the crossing
/// point as its witness, when that row is crossed first and alone (the witness clears every
/// other kept row and the box by `FACET_TOL`).
fn first_crossing(
    rows: &UnitRows,
    keep: &[usize],
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    slack0: &Array1<f64>,
    x: ArrayView1<f64>,
) -> Option<(usize, Array1<f64>)> {
    let mut first: Option<(usize, f64)> = None;
    for &j in keep {
        let sj = rows.a.row(j).dot(&x) + rows.b[j];
        if sj < 0.0 {
            let t = slack0[j] / (slack0[j] - sj);
            if first.is_none_or(|(_, tf)| t < tf) {
                first = Some((j, t));
            }
        }
    }
    let (k, t) = first?;
    let w = &x0 + &(t * (&x - &x0));
    strictly_inside_others(rows, keep, k, w.view(), lo, hi).then_some((k, w))
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
    let UnitRows { a, b, .. } = select(rows, &others);
    let exits = Exits {
        stop_below: -FACET_TOL,
        stop_above: -FACET_TOL,
    };
    let r = minimize(
        a.view(),
        b.view(),
        lo.reborrow(),
        hi.reborrow(),
        rows.a.row(i),
        rows.b[i],
        x0,
        exits,
        &Settings::lp(),
    )?;
    if r.value < -FACET_TOL {
        // x0 has slack_i > 0, r.x has slack < 0: the hyperplane is crossed in between.
        let s = slack_i / (slack_i - r.value);
        let w = &x0 + &(s * (&r.x - &x0));
        return Ok(Fate::Facet(w));
    }
    Ok(match r.status {
        Status::BoundAbove => Fate::Redundant,
        _ if r.lower_bound >= -FACET_TOL => Fate::Redundant,
        _ => Fate::Unsettled,
    })
}
