//! The complex: every full-dimensional linear region of a network inside a domain.
//!
//! A domain is a bounded, full-dimensional H-polytope `{x : A x + b >= 0, lo <= x <= hi}`
//! ([`domain::Domain`]: a box, an L-inf or L1 ball, or any such polytope). The search
//! ([`search::search`]) starts from the region of one interior point; for each region it
//! computes the certified facets of region ∩ domain ([`engine`]) and, across every facet
//! that lies on a neuron's hyperplane, steps to the neighbour ([`step`]): the neighbour's
//! pattern comes from a forward pass at a point just across the facet's interior point, so
//! coincident hyperplanes, max-pool switches and later-layer changes flip together, and the
//! step is verified (the facet point lies on the neighbour's closure with only hyperplanes
//! parallel to the facet tight there, so the neighbour is full-dimensional and is the region
//! on the other side). Regions are deduplicated by their 128-bit pattern key.
//!
//! Performance notes: the frontier is expanded level by level, one rayon task per region;
//! a region is kept as O(d + bits) numbers (pattern, key, interior point, inradius, facet
//! count) and one (key, layer, unit) link per facet, never as its H-representation, which
//! is re-assembled when it is expanded. In low dimension the LPs (insphere, outer box,
//! Clarkson's redundancy LPs over the facets known so far) go to the active-set method
//! ([`crate::ipm::active_set`]); a facet crossed by a step that flips one bit is not crossed
//! back from the other side (the region across it is the one the step came from). What is
//! left per region is the assembly of the region and of each neighbour (for the step's
//! certificate), the witnesses' Gram product and the LPs, in about equal parts at d = 8.

pub mod domain;
pub mod engine;
mod masked;
pub mod planar;
pub mod record;
pub mod search;
pub mod split;
pub mod step;

pub use domain::Domain;
pub use search::{expand, search, Complex, Expanded, Neighbour, Progress, RegionRecord, Settings};
