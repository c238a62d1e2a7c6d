//! One inequality-form primal-dual interior-point solver (Mehrotra predictor-corrector with
//! Gondzio's centrality correctors), shaped as Clarabel.rs shapes its solver: one loop,
//! [`solve`], over a [`Problem`] that supplies its objective (gradient, Hessian) and its own
//! certificate; everything else is shared: the row/box layout ([`Layout`]), the normal
//! matrix (rows left out, float32 early, exact retry), the predictor, the correctors, the
//! step rule, the active-set finish ([`crossover`]), [`Settings`] and [`Status`].
//!
//! In low dimension (`d <= 16`) LPs are first tried by a primal active-set method
//! ([`active_set`]: a few steps of `O(n d)` instead of interior-point iterations that cost
//! mostly overhead there), with the same certificates; the interior point runs where it
//! declines.
//!
//! The problem is `min f(z)  s.t.  G z <= h` with `z = (x, e)` (see [`layout`]). Its three
//! implementations: [`lp`] (linear `f`, early exits), [`insphere`] (`f = -r`, eq. 5) and
//! [`class_maxima`] (log-sum-exp, eq. 6-8).
//!
//! Performance notes: an iteration is one lower-triangle GEMM for the normal matrix
//! `G^T W G (+ H)` (faer, see [`crate::linalg::gram`]), one Cholesky, two products with
//! `A` (for the residuals and the certificates) and up to four triangular solves. Early
//! iterations form the matrix in float32 and without the rows whose weight is negligible;
//! a step shorter than `short_step` switches these approximations off, and a pass that ends
//! uncertified is repeated once without them.
//!
//! Certification: the solver never trusts its own iterates. Each problem's
//! [`Problem::certify`] turns any point and any multipliers `>= 0` into certified bounds
//! (exact feasibility checks, weak duality) and says when they meet.

pub mod active_set;
pub mod ball;
pub mod class_maxima;
pub mod class_presence;
pub mod crossover;
pub mod face;
pub mod free;
pub mod insphere;
pub mod layout;
pub mod linear;
pub mod lp;
pub mod problem;
pub mod settings;
pub mod solver;

pub use layout::Layout;
pub use problem::{Point, Problem, Solution, Start};
pub use settings::{Settings, Status};
pub use solver::solve;
