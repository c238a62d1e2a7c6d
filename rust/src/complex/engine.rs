//! Adapter to the polytope engine: the insphere ([`crate::ipm::insphere`]) and the facets
//! ([`crate::facets`]) with the complex's settings.
//!
//! The complex calls the engine only through this file, so moving the solvers changes
//! nothing else here.

use ndarray::{Array1, ArrayView1};

use crate::error::Result;
use crate::hrep::UnitRows;
use crate::ipm::insphere::{insphere, Ladder};
use crate::ipm::Settings;
use crate::polytope::Polytope;

pub use crate::facets::{outer_box, Fate};

/// The complex's facet settings: straight rays only (the rows they leave go to the bounding
/// box and the LPs over the facets known so far; the search's timings were taken so).
const FACETS: crate::facets::Settings = crate::facets::Settings {
    tol: crate::facets::TOL,
    duplicate_tol: crate::facets::DUPLICATE_TOL,
    max_bends: 0,
};

/// Iterations of the complex's first insphere pass (without the active-set finish until
/// its end); the full solve runs if it ends uncertified.
const FAST_INSPHERE_ITER: usize = 30;

/// A certified inscribed ball: every point within `radius` of `center` is inside.
#[derive(Debug, Clone)]
pub struct Ball {
    pub center: Array1<f64>,
    pub radius: f64,
}

/// Largest inscribed ball of `{A x + b >= 0, lo <= x <= hi}` (unit rows), solved from the
/// point `start` when one strictly inside is known (in low dimension the active-set method
/// answers from there or from the box's center; the interior-point insphere otherwise or
/// where it declines).
///
/// The active-set finish is left for the end of a short first pass, and the full solve for
/// a ball the short one cannot certify: where the ball is pinned by both faces of hundreds
/// of box coordinates (a small ball around an MNIST digit, whose background pixels sit at
/// the input box), its active set has more rows than variables and costs several times the
/// whole solve.
pub fn chebyshev(
    rows: &UnitRows,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    start: Option<ArrayView1<f64>>,
) -> Result<Ball> {
    let full = Settings::insphere();
    let ladder = Ladder {
        start,
        settings: Settings {
            crossover_mu: 0.0,
            max_iter: FAST_INSPHERE_ITER,
            exact_retry: false,
            ..full
        },
        retry: Some(full),
    };
    let poly = Polytope {
        a: rows.a.view(),
        b: rows.b.view(),
        lo: lo.reborrow(),
        hi: hi.reborrow(),
    };
    let ins = insphere(poly, &ladder)?;
    Ok(Ball {
        center: ins.center,
        radius: ins.radius,
    })
}

/// Unit rows with a finite box: the polytope `{x : a x + b >= 0, lo <= x <= hi}` whose facets
/// [`facets`] finds.
#[derive(Clone, Copy)]
pub struct Bounded<'a> {
    pub rows: &'a UnitRows,
    pub lo: ArrayView1<'a, f64>,
    pub hi: ArrayView1<'a, f64>,
}

/// Every row's fate; `x0` must be strictly inside (e.g. the insphere center).
pub fn facets(poly: &Bounded<'_>, x0: ArrayView1<f64>) -> Result<Vec<Fate>> {
    crate::facets::facets(poly.rows, poly.lo, poly.hi, x0, &FACETS).map(|f| f.fates)
}
