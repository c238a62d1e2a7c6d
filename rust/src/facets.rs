//! The facets of `{x : A x + b >= 0, lo <= x <= hi}` (appendix C): which rows are not
//! redundant. One routine for the complex's search ([`crate::complex::engine`]) and for
//! `Polytope.nonredundant()` (the bindings, through [`nonredundant`]).
//!
//! Row `i` is redundant when the polytope without it reaches at most `tol` (a Euclidean
//! distance) past its hyperplane; of rows equal up to a positive factor the last is kept.
//! From a point `x0` strictly inside, [`facets`] runs
//!
//! 1. the LP-free tests of [`crate::witness`]: zero rows and rows the box implies,
//!    duplicates, and facets certified by witness points along straight rays (and bent ones,
//!    unless the bounding box below runs first);
//! 2. with [`BOUNDS_ROWS_PER_DIM`] rows per dimension left undecided, the bounding box of the
//!    facets the rays certified and the box ([`outer_box`]: `2 d` small LPs, each side a
//!    certified bound): it holds the polytope without any row that is not yet a facet, so a
//!    row whose minimum over it is at least `tol` is redundant; the rays then run again among
//!    the rows left (bent ones now), which cut out the same polytope;
//! 3. Clarkson's loop over the rows still open: an LP over the facets known so far (a
//!    superset of the polytope without the row, solved inside that bounding box) proves the
//!    row redundant, or stops at a point past it; the segment from `x0` to that point leaves
//!    the polytope first through a facet, the row itself or a new one, which joins the set
//!    before the row's LP runs again. The final vertex of one LP also bounds later rows
//!    ([`Lp::minimize_sharing`]), and a crossing that is not met alone is settled by one LP
//!    over all the candidates.
//!
//! [`nonredundant`] adds the start, the insphere center ([`crate::ipm::insphere`]); a flat
//! polytope (inradius at most `tol`) has no interior point, so it goes to the appendix-C
//! loop ([`naive`]) on the polytope relaxed by `tol`.
//!
//! Certification: every facet comes with a witness point on its hyperplane that satisfies
//! every other row and the box (checked exactly), every redundant row with a certified bound
//! (weak duality, or the box over a certified bounding box); a row that neither settles
//! within the LP limits is reported [`Fate::Unsettled`].
//!
//! Performance notes: in low dimension most rows of a region miss it entirely; the rays and
//! the bounding box decide most rows without an LP, and the LPs left are small (the facets
//! known so far, not all rows) and go to the active-set method ([`crate::ipm::active_set`]).

use ndarray::{Array1, ArrayView1};

use crate::error::Result;
use crate::hrep::{box_min, normalize, UnitRows};
use crate::ipm::insphere::{insphere, Insphere, Ladder};
use crate::ipm::lp::{minimize, Exits, Lp};
use crate::ipm::{Settings as IpmSettings, Status};
use crate::linalg::take_rows;
use crate::polytope::Polytope;
use crate::witness::{classify, RowClass};

pub use crate::witness::{Settings, DUPLICATE_TOL, MAX_BENDS, TOL};

/// With at least this many rows per dimension, the bent rays wait for the bounding box of the
/// certified facets, which is computed when at least this many rows per dimension are left
/// undecided by the straight rays: its `2 d` LPs are small, but they must decide several rows
/// each to pay (measured on regions of MLPs at d = 4 to 64 and on the complex's search).
pub const BOUNDS_ROWS_PER_DIM: usize = 8;
/// The bounding box need not be tight: its LPs stop once the bounds agree to this.
const OUTER_BOX_REL_TOL: f64 = 1e-3;

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

/// How the rows were decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Redundant: zero rows, or implied by the box alone.
    pub by_box: usize,
    /// Redundant: equal (up to a positive factor) to a later row kept in its place.
    pub by_duplicate: usize,
    /// Facets certified by a witness along a straight ray.
    pub by_straight_rays: usize,
    /// Facets certified by a witness along a bent ray.
    pub by_bent_rays: usize,
    /// Redundant: implied by the bounding box of the facets the rays certified.
    pub by_bounds: usize,
    /// Facets found by an LP (Clarkson's crossings, or an LP over the others).
    pub by_lp_facet: usize,
    /// Redundant by an LP's certified bound.
    pub by_lp_redundant: usize,
    /// Rows no LP settled within its limits.
    pub unsettled: usize,
    /// LPs solved (those of the bounding box included).
    pub n_lps: usize,
}

/// Every row's fate and how the rows were decided.
#[derive(Debug, Clone)]
pub struct Facets {
    pub fates: Vec<Fate>,
    pub counts: Counts,
}

impl Facets {
    fn all_redundant(n: usize) -> Self {
        Facets {
            fates: vec![Fate::Redundant; n],
            counts: Counts::default(),
        }
    }

    /// Sorted indices of the facets.
    pub fn indices(&self) -> Vec<usize> {
        (0..self.fates.len())
            .filter(|&i| matches!(self.fates[i], Fate::Facet(_)))
            .collect()
    }
}

/// Every row's fate (see the module notes); `rows` are unit rows (zero rows allowed), `x0`
/// must be strictly inside; box sides may be infinite.
pub fn facets(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    st: &Settings,
) -> Result<Facets> {
    let n = rows.a.nrows();
    let d = x0.len();
    let mut out = Facets::all_redundant(n);
    let live: Vec<usize> = (0..n).filter(|&i| rows.norm[i] > 0.0).collect();
    out.counts.by_box = n - live.len();
    if live.is_empty() {
        return Ok(out);
    }
    let sub = select(rows, &live);
    // with many rows, the bent rays wait for the bounding box to thin the rows out
    let many = live.len() >= BOUNDS_ROWS_PER_DIM * d;
    let first_st = Settings {
        max_bends: if many { 0 } else { st.max_bends },
        ..*st
    };
    let first = classify(sub.a.view(), sub.b.view(), lo, hi, x0, first_st)?;
    for class in &first.class {
        match class {
            RowClass::BoxImplied => out.counts.by_box += 1,
            RowClass::Duplicate => out.counts.by_duplicate += 1,
            _ => {}
        }
    }
    for w in first.witnesses {
        out.fates[live[w.row]] = Fate::Facet(w.point);
        *ray_count(&mut out.counts, w.bent) += 1;
    }
    let mut cand: Vec<usize> = (0..live.len())
        .filter(|&k| matches!(first.class[k], RowClass::Facet | RowClass::Unknown))
        .map(|k| live[k])
        .collect();
    let (mut lp_lo, mut lp_hi) = (lo.to_owned(), hi.to_owned());
    let mut pruned = false;
    let n_unknown = first
        .class
        .iter()
        .filter(|&&c| c == RowClass::Unknown)
        .count();
    if many && n_unknown >= BOUNDS_ROWS_PER_DIM * d {
        let certified: Vec<usize> = cand
            .iter()
            .copied()
            .filter(|&i| is_facet(&out, i))
            .collect();
        // the bounding box of {certified facets, box} holds the polytope without any other
        // row; that of all rows (when none is certified) only decides rows clear of it
        let basis = if certified.is_empty() {
            &live
        } else {
            &certified
        };
        let (olo, ohi) = outer_box(rows, basis, lo, hi, x0)?;
        out.counts.n_lps += 2 * d;
        let before = cand.len();
        // a row that comes within tol of the bounding box may still be a facet (e.g. an
        // axis-parallel one on the box's face): only rows clear of it are dropped
        cand.retain(|&i| {
            is_facet(&out, i) || box_min(rows.a.row(i), olo.view(), ohi.view()) + rows.b[i] < st.tol
        });
        out.counts.by_bounds = before - cand.len();
        pruned = cand.len() < before;
        if !certified.is_empty() {
            (lp_lo, lp_hi) = (olo, ohi);
        }
    }
    if cand.iter().all(|&i| is_facet(&out, i)) {
        return Ok(out);
    }
    let cand_rows = select(rows, &cand);
    let mut known: Vec<bool> = cand.iter().map(|&i| is_facet(&out, i)).collect();
    let clarkson = Clarkson {
        rows: &cand_rows,
        lo: lo.reborrow(),
        hi: hi.reborrow(),
        lp_lo: lp_lo.view(),
        lp_hi: lp_hi.view(),
        x0: x0.reborrow(),
        tol: st.tol,
    };
    // the rows left cut out the same polytope: a witness among them is one of it
    if pruned && st.max_bends == 0 {
        // straight rays alone: each foot checked against the rows left (most fail on one
        // of the first rows, where the Gram matrix of `classify` costs them all)
        let slack0 = cand_rows.a.dot(&x0) + &cand_rows.b;
        for k in 0..cand.len() {
            if known[k] {
                continue;
            }
            let w = &x0 - &(slack0[k] * &cand_rows.a.row(k));
            if clarkson.inside_others(k, w.view()) {
                known[k] = true;
                out.fates[cand[k]] = Fate::Facet(w);
                out.counts.by_straight_rays += 1;
            }
        }
    } else if pruned || (many && st.max_bends > 0) {
        let again = classify(cand_rows.a.view(), cand_rows.b.view(), lo, hi, x0, *st)?;
        for w in again.witnesses {
            if known[w.row] {
                continue;
            }
            known[w.row] = true;
            out.fates[cand[w.row]] = Fate::Facet(w.point);
            *ray_count(&mut out.counts, w.bent) += 1;
        }
    }
    let fates = clarkson.run(&known, &mut out.counts.n_lps)?;
    for (k, fate) in fates.into_iter().enumerate() {
        if known[k] {
            continue;
        }
        match fate {
            Fate::Facet(_) => out.counts.by_lp_facet += 1,
            Fate::Redundant => out.counts.by_lp_redundant += 1,
            Fate::Unsettled => out.counts.unsettled += 1,
        }
        out.fates[cand[k]] = fate;
    }
    Ok(out)
}

fn is_facet(out: &Facets, i: usize) -> bool {
    matches!(out.fates[i], Fate::Facet(_))
}

fn ray_count(counts: &mut Counts, bent: bool) -> &mut usize {
    if bent {
        &mut counts.by_bent_rays
    } else {
        &mut counts.by_straight_rays
    }
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
/// `min +-x_j` bounded below by weak duality (a side whose LP certifies no finite bound
/// keeps the box's side).
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
    let st = IpmSettings {
        rel_tol: OUTER_BOX_REL_TOL,
        abs_tol: OUTER_BOX_REL_TOL,
        ..IpmSettings::lp()
    };
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
                &st,
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

/// Clarkson's loop over candidate rows (unit rows) that cut out the polytope: witnesses are
/// checked against every candidate and the real box `lo`, `hi`; the LPs run in `lp_lo`,
/// `lp_hi`, a box that holds the polytope without any row not yet known to be a facet.
struct Clarkson<'c> {
    rows: &'c UnitRows,
    lo: ArrayView1<'c, f64>,
    hi: ArrayView1<'c, f64>,
    lp_lo: ArrayView1<'c, f64>,
    lp_hi: ArrayView1<'c, f64>,
    x0: ArrayView1<'c, f64>,
    tol: f64,
}

impl Clarkson<'_> {
    /// The fate of every row not in `known` (those are facets already; their entries are
    /// left `Redundant`), counting LPs in `n_lps`. Each open row gets an LP over the facets
    /// known so far (a superset of the polytope, so a minimum `>= -tol` proves the row
    /// redundant); when that LP's point lies past the row, the segment from `x0` to it
    /// crosses the polytope's boundary first at a facet: the row itself (decided) or a new
    /// facet, which joins the set before the row's LP is solved again. A crossing shared by
    /// several rows is settled by one LP over all the candidates.
    fn run(&self, known: &[bool], n_lps: &mut usize) -> Result<Vec<Fate>> {
        let rows = self.rows;
        let n = rows.a.nrows();
        let tol = self.tol;
        let slack0 = rows.a.dot(&self.x0) + &rows.b;
        let mut out = vec![Fate::Redundant; n];
        let mut facets: Vec<usize> = (0..n).filter(|&i| known[i]).collect();
        let open: Vec<usize> = (0..n).filter(|&i| !known[i]).collect();
        let mut sub = select(rows, &facets);
        // rows shown redundant by another row's LP (the bound its final vertex gives them)
        let mut settled = vec![false; n];
        for (pos, &i) in open.iter().enumerate() {
            if settled[i] || matches!(out[i], Fate::Facet(_)) {
                continue; // found as another row's crossing, or settled by its LP
            }
            out[i] = loop {
                if sub.a.nrows() != facets.len() {
                    sub = select(rows, &facets); // a facet joined the set
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
                        lo: self.lp_lo.reborrow(),
                        hi: self.lp_hi.reborrow(),
                    },
                    c: rows.a.row(i),
                    c0: rows.b[i],
                };
                let exits = Exits {
                    stop_below: -tol,
                    stop_above: -tol,
                };
                let (r, bounds) =
                    lp.minimize_sharing(self.x0, exits, &IpmSettings::lp(), &others, -tol)?;
                *n_lps += 1;
                for (&j, &bound) in later.iter().zip(&bounds) {
                    // a certified minimum over a superset of the polytope: row j is implied
                    if bound >= -tol {
                        settled[j] = true;
                    }
                }
                if r.value >= -tol {
                    break match r.status {
                        Status::BoundAbove => Fate::Redundant,
                        _ if r.lower_bound >= -tol => Fate::Redundant,
                        _ => self.by_lp(i, slack0[i], n_lps)?,
                    };
                }
                match self.first_crossing(&slack0, r.x.view()) {
                    Some((k, w)) if k == i => break Fate::Facet(w),
                    Some((k, w)) if !known[k] && !facets.contains(&k) => {
                        settled[k] = false;
                        out[k] = Fate::Facet(w);
                        facets.push(k);
                    }
                    _ => break self.by_lp(i, slack0[i], n_lps)?,
                }
            };
        }
        Ok(out)
    }

    /// The row the segment from `x0` to `x` leaves the polytope through, with the crossing
    /// point as its witness, when that row is crossed first and alone (the witness clears
    /// every other row and the box by `tol`).
    fn first_crossing(
        &self,
        slack0: &Array1<f64>,
        x: ArrayView1<f64>,
    ) -> Option<(usize, Array1<f64>)> {
        let rows = self.rows;
        let mut first: Option<(usize, f64)> = None;
        for j in 0..rows.a.nrows() {
            let sj = rows.a.row(j).dot(&x) + rows.b[j];
            if sj < 0.0 {
                let t = slack0[j] / (slack0[j] - sj);
                if first.is_none_or(|(_, tf)| t < tf) {
                    first = Some((j, t));
                }
            }
        }
        let (k, t) = first?;
        let w = &self.x0 + &(t * (&x - &self.x0));
        self.inside_others(k, w.view()).then_some((k, w))
    }

    /// Whether `w` satisfies every row but `i` and the box with margin `tol`.
    fn inside_others(&self, i: usize, w: ArrayView1<f64>) -> bool {
        let (rows, tol) = (self.rows, self.tol);
        (0..rows.a.nrows()).all(|j| j == i || rows.a.row(j).dot(&w) + rows.b[j] > tol)
            && (0..w.len()).all(|k| w[k] - self.lo[k] > tol && self.hi[k] - w[k] > tol)
    }

    /// Row `i` by the LP `min a_i x + b_i` over every other row.
    fn by_lp(&self, i: usize, slack_i: f64, n_lps: &mut usize) -> Result<Fate> {
        let all: Vec<usize> = (0..self.rows.a.nrows()).collect();
        *n_lps += 1;
        row_by_lp(
            self.rows, &all, i, self.lp_lo, self.lp_hi, self.x0, slack_i, self.tol,
        )
    }
}

/// Row `i` by the LP `min a_i x + b_i` over the rows `keep` but `i` and the box: a feasible
/// point past the hyperplane gives a witness on it (the segment from `x0`, which has slack
/// `slack_i > 0`, meets it inside the others).
#[allow(clippy::too_many_arguments)]
fn row_by_lp(
    rows: &UnitRows,
    keep: &[usize],
    i: usize,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    slack_i: f64,
    tol: f64,
) -> Result<Fate> {
    let others: Vec<usize> = keep.iter().copied().filter(|&j| j != i).collect();
    let UnitRows { a, b, .. } = select(rows, &others);
    let exits = Exits {
        stop_below: -tol,
        stop_above: -tol,
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
        &IpmSettings::lp(),
    )?;
    if r.value < -tol {
        let s = slack_i / (slack_i - r.value);
        let w = &x0 + &(s * (&r.x - &x0));
        return Ok(Fate::Facet(w));
    }
    Ok(match r.status {
        Status::BoundAbove => Fate::Redundant,
        _ if r.lower_bound >= -tol => Fate::Redundant,
        _ => Fate::Unsettled,
    })
}

/// Appendix C: the rows in order, each by an LP over the rows not yet removed and the box,
/// removed when redundant; `x0` strictly inside.
pub fn naive(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    x0: ArrayView1<f64>,
    tol: f64,
) -> Result<Facets> {
    let n = rows.a.nrows();
    let mut out = Facets::all_redundant(n);
    let mut kept: Vec<usize> = (0..n).filter(|&i| rows.norm[i] > 0.0).collect();
    let live = kept.clone();
    for i in live {
        let slack_i = rows.a.row(i).dot(&x0) + rows.b[i];
        let fate = row_by_lp(rows, &kept, i, lo, hi, x0, slack_i, tol)?;
        out.counts.n_lps += 1;
        match fate {
            Fate::Redundant => kept.retain(|&j| j != i),
            Fate::Unsettled => out.counts.unsettled += 1,
            Fate::Facet(_) => {}
        }
        out.fates[i] = fate;
    }
    Ok(out)
}

/// Which method [`nonredundant`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Witnesses, the bounding box and Clarkson's loop ([`facets`]).
    Auto,
    /// Appendix C, one LP per row ([`naive`]).
    Naive,
}

/// The route [`nonredundant`] took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Auto,
    Naive,
    /// A flat polytope (inradius at most `tol`): [`naive`] on the polytope relaxed by `tol`.
    NaiveFlat,
    /// No route: the insphere was not certified, or the polytope is empty.
    None,
}

impl Route {
    /// `"auto"`, `"naive"`, `"naive (flat polytope)"` or `"none"`.
    pub fn label(self) -> &'static str {
        match self {
            Route::Auto => "auto",
            Route::Naive => "naive",
            Route::NaiveFlat => "naive (flat polytope)",
            Route::None => "none",
        }
    }
}

/// The facets of a polytope, the route taken and the insphere that gave its start.
#[derive(Debug, Clone)]
pub struct Report {
    pub facets: Facets,
    pub route: Route,
    pub insphere: Insphere,
}

/// The facets of `poly` from its insphere center (see the module notes). When the insphere
/// is not certified, or certifies an empty polytope, no row is decided (route `None`): the
/// caller reads the outcome from the insphere's status.
pub fn nonredundant(poly: Polytope<'_>, method: Method, st: &Settings) -> Result<Report> {
    poly.check()?;
    let ins = insphere(poly, &Ladder::new(IpmSettings::insphere()))?;
    let n = poly.a.nrows();
    if !ins.status.is_certified() || ins.status == Status::Infeasible {
        return Ok(Report {
            facets: Facets::all_redundant(n),
            route: Route::None,
            insphere: ins,
        });
    }
    let rows = normalize(poly.a, poly.b);
    let (facets, route) = if ins.radius <= st.tol {
        (flat(&rows, poly.lo, poly.hi, st.tol)?, Route::NaiveFlat)
    } else if method == Method::Naive {
        let found = naive(&rows, poly.lo, poly.hi, ins.center.view(), st.tol)?;
        (found, Route::Naive)
    } else {
        let found = facets(&rows, poly.lo, poly.hi, ins.center.view(), st)?;
        (found, Route::Auto)
    };
    Ok(Report {
        facets,
        route,
        insphere: ins,
    })
}

/// Appendix C on a flat polytope: every row and box side relaxed by `tol` (the relaxed
/// polytope holds a ball of radius `tol` around any point of the flat one), from its
/// insphere center. A row is removed only when the relaxed polytope without it reaches at
/// most `tol` past it, so every row removed is implied; a row kept may reach as little as
/// `tol` past its hyperplane in the flat polytope itself.
fn flat(rows: &UnitRows, lo: ArrayView1<f64>, hi: ArrayView1<f64>, tol: f64) -> Result<Facets> {
    let relaxed = UnitRows {
        a: rows.a.clone(),
        b: &rows.b + tol,
        norm: rows.norm.clone(),
    };
    let (lo_r, hi_r) = (lo.mapv(|v| v - tol), hi.mapv(|v| v + tol));
    let poly = Polytope {
        a: relaxed.a.view(),
        b: relaxed.b.view(),
        lo: lo_r.view(),
        hi: hi_r.view(),
    };
    let ins = insphere(poly, &Ladder::new(IpmSettings::insphere()))?;
    if !(ins.status.is_certified() && ins.radius > 0.0) {
        let mut out = Facets::all_redundant(rows.a.nrows());
        for i in (0..rows.a.nrows()).filter(|&i| rows.norm[i] > 0.0) {
            out.fates[i] = Fate::Unsettled;
            out.counts.unsettled += 1;
        }
        return Ok(out);
    }
    naive(&relaxed, lo_r.view(), hi_r.view(), ins.center.view(), tol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn report(
        a: ndarray::Array2<f64>,
        b: Array1<f64>,
        lo: Array1<f64>,
        hi: Array1<f64>,
        m: Method,
    ) -> Report {
        let poly = Polytope {
            a: a.view(),
            b: b.view(),
            lo: lo.view(),
            hi: hi.view(),
        };
        nonredundant(poly, m, &Settings::default()).unwrap()
    }

    #[test]
    fn square_cut_by_rows_both_methods() {
        // box [0, 2]^2: x + y <= 3 (dup of row 2), x + y <= 4, 2x + 2y <= 6 (kept),
        // x <= 5 (box), y <= 1.9 (facet), y <= 1.95 (redundant, needs an LP)
        let a = array![
            [-1.0, -1.0],
            [-1.0, -1.0],
            [-2.0, -2.0],
            [-1.0, 0.0],
            [0.0, -1.0],
            [0.0, -1.0]
        ];
        let b = array![3.0, 4.0, 6.0, 5.0, 1.9, 1.95];
        for m in [Method::Auto, Method::Naive] {
            let r = report(a.clone(), b.clone(), array![0.0, 0.0], array![2.0, 2.0], m);
            assert_eq!(r.facets.indices(), vec![2, 4], "{m:?}");
            assert_eq!(r.facets.counts.unsettled, 0);
        }
        let r = report(a, b, array![0.0, 0.0], array![2.0, 2.0], Method::Auto);
        let c = r.facets.counts;
        assert_eq!(r.route, Route::Auto);
        assert_eq!((c.by_box, c.by_duplicate), (2, 1));
        assert_eq!(c.by_straight_rays + c.by_bent_rays + c.by_lp_facet, 2);
        assert_eq!(c.by_lp_redundant + c.by_bounds, 1);
    }

    #[test]
    fn a_flat_polytope_keeps_its_two_sides() {
        // 0 <= x <= 0 by two rows, y <= 0.5, in [-1, 1]^2
        let a = array![[1.0, 0.0], [-1.0, 0.0], [0.0, -1.0]];
        let b = array![0.0, 0.0, 0.5];
        let r = report(a, b, array![-1.0, -1.0], array![1.0, 1.0], Method::Auto);
        assert_eq!(r.route, Route::NaiveFlat);
        assert_eq!(r.facets.indices(), vec![0, 1, 2]);
    }

    #[test]
    fn an_empty_polytope_decides_nothing() {
        let a = array![[1.0], [-1.0]];
        let b = array![-1.5, 0.5];
        let r = report(a, b, array![0.0], array![2.0], Method::Auto);
        assert_eq!(r.route, Route::None);
        assert_eq!(r.insphere.status, Status::Infeasible);
    }
}
