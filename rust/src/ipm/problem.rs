//! What a problem adds to the shared interior-point loop ([`super::solver::solve`]): its
//! inequalities, objective and certificate ([`Problem`]), the candidate it certifies
//! ([`Point`]), the start and the final iterate.

use ndarray::{Array1, Array2, ArrayView1};

use super::layout::Layout;
use super::settings::{Settings, Status};

/// A candidate to certify: the variables `z`, multipliers `lam` (m,), `ax = A x` and
/// `atl = A^T lam_rows`.
pub struct Point<'p> {
    pub z: ArrayView1<'p, f64>,
    pub lam: ArrayView1<'p, f64>,
    pub ax: ArrayView1<'p, f64>,
    pub atl: ArrayView1<'p, f64>,
}

/// What a problem adds to the shared loop.
pub trait Problem<'a> {
    /// The inequalities `G z <= h`.
    fn layout(&self) -> &Layout<'a>;
    /// Gradient of the objective at `z` (nz,).
    fn gradient(&self, z: ArrayView1<f64>) -> Array1<f64>;
    /// A factor `F` (k x nz) of the objective's Hessian `F^T F` at `z`, `None` for a linear
    /// objective.
    fn curvature(&self, _z: ArrayView1<f64>) -> Option<Array2<f64>> {
        None
    }
    /// Certifies `p` (keeping the best bounds seen); `Some(status)` stops the solve.
    fn certify(&self, p: &Point<'_>, st: &Settings) -> Option<Status>;
    /// The current certified gap (infinite before any certificate).
    fn gap(&self) -> f64;
}

/// Starting point: variables, slacks `> 0` and multipliers `> 0` (m,).
#[derive(Debug, Clone)]
pub struct Start {
    pub z: Array1<f64>,
    pub s: Array1<f64>,
    pub lam: Array1<f64>,
}

/// The last iterate, the iterations run and how the solve ended (the certified answer is
/// kept by the problem).
#[derive(Debug, Clone)]
pub struct Solution {
    pub z: Array1<f64>,
    pub lam: Array1<f64>,
    pub iterations: usize,
    pub status: Status,
}
