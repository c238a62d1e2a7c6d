//! Default tolerances and limits of the network layers (regions, walks, slices): one home.
//!
//! The Python bindings take their keyword defaults from here and export the values as
//! `linregions._core.BOUNDARY_TOL` etc., so the Python constants of the same names are
//! these numbers, never copies.

/// |pre-activation| (or max-pool tie gap) at or below which a unit counts as lying on a
/// region boundary when the region of a point is assembled.
pub const BOUNDARY_TOL: f64 = 1e-12;

/// |pre-activation| at or below which a unit at a walk breakpoint is decided by its
/// derivative along the segment (pieces thinner than about `WALK_TOL / |derivative|` may
/// merge).
pub const WALK_TOL: f64 = 1e-10;

/// Tolerance of the 2-D slice, relative to the diagonal of the `(s, t)` rectangle, within
/// which a polygon vertex counts as lying on a cutting line.
pub use crate::slice::SPLIT_TOL as SLICE_TOL;

/// Default cap on the number of polygons of one slice (a guard against slices that would
/// exhaust memory).
pub const MAX_POLYGONS: usize = 5_000_000;
