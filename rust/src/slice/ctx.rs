//! What every step of one slice reads (the driver in [`super`] builds it; [`super::cut`] and
//! [`super::maps`] read it).

use std::sync::atomic::AtomicUsize;

use crate::ir::{Network, WeightT};

/// What every step of one slice reads.
pub(super) struct Ctx<'a> {
    pub(super) net: &'a Network,
    pub(super) last_use: Vec<usize>,
    /// First pattern bit of each node.
    pub(super) bit_offset: Vec<usize>,
    /// The weight of every affine node, prepared for products with stacked maps.
    pub(super) weights: Vec<Option<WeightT<'a>>>,
    pub(super) tol: f64,
    pub(super) max_polygons: usize,
    /// Polygons so far (pieces only split, so this never exceeds the final count).
    pub(super) count: AtomicUsize,
}
