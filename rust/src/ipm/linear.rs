//! The LP `min c.x + c0  s.t.  A x + b >= 0,  lo <= x <= hi`, its early exits and its
//! result: what the two LP solvers share (the active-set method, [`super::active_set`], and
//! the interior-point one, [`super::lp`], which tries the first in low dimension).

use ndarray::{Array1, ArrayView1};

use super::settings::Status;
use crate::polytope::Polytope;

/// Early-exit thresholds of an LP solve (both infinite: solve to optimality).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exits {
    /// Stop at an exactly feasible point with value below this.
    pub stop_below: f64,
    /// Stop when the certified lower bound reaches this.
    pub stop_above: f64,
}

impl Default for Exits {
    fn default() -> Self {
        Exits {
            stop_below: f64::NEG_INFINITY,
            stop_above: f64::INFINITY,
        }
    }
}

/// The best exactly feasible point seen, its value, a certified lower bound on the minimum,
/// the iterations and how the solve ended.
#[derive(Debug, Clone)]
pub struct LpResult {
    pub x: Array1<f64>,
    pub value: f64,
    pub lower_bound: f64,
    pub iterations: usize,
    pub status: Status,
}

/// The LP `min c.x + c0` over a polytope (views, no copies).
#[derive(Debug, Clone, Copy)]
pub struct Lp<'a> {
    pub poly: Polytope<'a>,
    pub c: ArrayView1<'a, f64>,
    pub c0: f64,
}
