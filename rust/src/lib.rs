//! linregions core: exact linear regions of piecewise-linear networks.
//!
//! The algorithms here know nothing of Python: a [`ir::Network`] is built node by node,
//! then [`forward::forward`] evaluates many points (logits and packed activation
//! patterns), [`pattern`] hashes and groups patterns, and [`assemble::assemble`] builds
//! the H-representation of the region holding one point. The optional `python` feature
//! adds the PyO3 bindings in [`py`].

pub mod assemble;
pub mod bounds;
pub mod complex;
pub mod error;
pub mod facets;
pub mod forward;
pub mod grad;
pub mod hrep;
pub mod input_box;
pub mod ipm;
pub mod ir;
pub mod linalg;
pub mod pattern;
pub mod polytope;
pub mod slice;
pub mod tolerances;
pub mod walk;
pub mod weight;
pub mod witness;

#[cfg(feature = "python")]
mod py;

pub use error::{BoundaryUnit, CoreError, Result};

/// mimalloc: the complex's search allocates and frees many small arrays per region, and
/// glibc's allocator took about 8 % of it (measured at d = 8).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
