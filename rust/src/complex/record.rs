//! What the two routes to a complex share (the search, [`super::search`], and the planar
//! read-off, [`super::planar`]): the region records, the complex, its settings and the
//! adjacency built from neighbour links.

use std::collections::{HashMap, HashSet};

use ndarray::Array1;

/// Default cap on the number of regions.
pub const MAX_REGIONS: usize = 1_000_000;

/// Limits and route of [`super::search::search`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub max_regions: usize,
    /// Two inputs and a box: read the complex off the exact 2-D slice
    /// ([`super::planar`]) instead of searching (the search runs if a check fails there).
    pub planar: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_regions: MAX_REGIONS,
            planar: true,
        }
    }
}

/// One region: O(d + bits) numbers.
#[derive(Debug, Clone)]
pub struct RegionRecord {
    pub key: u128,
    pub bits: Vec<u64>,
    /// Insphere center of region ∩ domain.
    pub point: Array1<f64>,
    /// Certified inradius of region ∩ domain at `point`.
    pub inradius: f64,
    /// Facets on neuron hyperplanes (a group of coincident hyperplanes counts once).
    pub n_facets: i64,
}

/// Every region found, adjacency, and whether the search ran to the end.
#[derive(Debug, Clone)]
pub struct Complex {
    pub regions: Vec<RegionRecord>,
    /// Index pairs `(i, j)`, `i < j`, of regions sharing a facet, each pair once.
    pub edges: Vec<(usize, usize)>,
    /// (layer, unit) of the hyperplane between the two regions of each edge.
    pub edge_units: Vec<(i64, i64)>,
    pub complete: bool,
    /// The progress callback asked to stop (then `complete` is false).
    pub interrupted: bool,
    pub unsettled: usize,
}

/// Region index pairs and the (layer, unit) of the hyperplane between them.
pub type Edges = (Vec<(usize, usize)>, Vec<(i64, i64)>);

/// What a registered region keeps of a neighbour: its key and the (layer, unit) between.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub key: u128,
    pub layer: i64,
    pub unit: i64,
}

/// Adjacency from each region's neighbour keys: pairs `(i, j)`, `i < j`, each once (the
/// unit of the first listing is kept); keys outside `index` (past the cap) are skipped.
pub fn edges_of(index: &HashMap<u128, usize>, neighbours: &[Vec<Link>]) -> Edges {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut edges = Vec::new();
    let mut units = Vec::new();
    for (i, nbs) in neighbours.iter().enumerate() {
        for nb in nbs {
            let Some(&j) = index.get(&nb.key) else {
                continue;
            };
            if i == j {
                continue;
            }
            let pair = (i.min(j), i.max(j));
            if seen.insert(pair) {
                edges.push(pair);
                units.push((nb.layer, nb.unit));
            }
        }
    }
    (edges, units)
}
