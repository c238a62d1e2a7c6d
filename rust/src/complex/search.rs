//! Breadth-first search over certified facets (see the module notes of [`super`]).

use std::collections::HashMap;
use std::time::Instant;

use ndarray::{Array1, ArrayView1};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::ir::Network;
use crate::pattern::key_u128;

use super::domain::Domain;
use super::engine::{chebyshev, facets, Bounded, Fate};
pub use super::record::{edges_of, Complex, Edges, Link, RegionRecord, Settings, MAX_REGIONS};
use super::step::{region_at, rows_are_bits, Facet};

/// Regions expanded between two progress reports (and chances to stop).
const BATCH: usize = 512;
/// Points tried (the domain's center, then pseudo-random ones) to find a first region.
const START_TRIES: usize = 64;

/// The region across one facet.
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub key: u128,
    /// A point strictly inside the neighbour (just across the facet).
    pub point: Array1<f64>,
    /// (layer, unit) of the facet's hyperplane.
    pub layer: i64,
    pub unit: i64,
    /// The neighbour's pattern differs from this region's in this unit's bit alone: then
    /// the neighbour's facet on this unit's hyperplane is the same facet seen from the other
    /// side, and across it lies this region (so the neighbour need not step back).
    pub simple: bool,
}

/// A facet already crossed from the other side: (layer, unit) of the hyperplane, and the
/// key and an interior point of the region across it.
pub type Known<'a> = (i64, i64, u128, ArrayView1<'a, f64>);

/// A region with its facets followed.
#[derive(Debug, Clone)]
pub struct Expanded {
    pub record: RegionRecord,
    pub neighbours: Vec<Neighbour>,
    /// Rows whose fate the LP did not settle, plus facets with no certified step.
    pub unsettled: usize,
}

/// Progress of a running search.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub found: usize,
    pub frontier: usize,
    pub seconds: f64,
}

/// Number of pattern bits in which two regions differ.
fn differing_bits(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The region ∩ domain holding `x` with its facets and neighbours; `None` when that
/// intersection is not full-dimensional (`x` on a boundary with a flat side chosen).
pub fn expand(net: &Network, domain: &Domain, x: ArrayView1<f64>) -> Result<Option<Expanded>> {
    expand_with(net, domain, x, &[])
}

/// [`expand`], where the facets in `known` (crossed by simple steps from the regions across
/// them, see [`Neighbour::simple`]) are not crossed again.
pub fn expand_with(
    net: &Network,
    domain: &Domain,
    x: ArrayView1<f64>,
    known: &[Known<'_>],
) -> Result<Option<Expanded>> {
    let r = region_at(net, x)?;
    let n_net = r.a.nrows();
    let bits = r.bits.as_slice().expect("a pattern is contiguous");
    let by_bits = rows_are_bits(net);
    let rows = domain.stack(r.a.view(), r.b.view());
    let ball = chebyshev(&rows, domain.lo.view(), domain.hi.view(), Some(x))?;
    if ball.radius.is_nan() || ball.radius <= 0.0 {
        return Ok(None);
    }
    let poly = Bounded {
        rows: &rows,
        lo: domain.lo.view(),
        hi: domain.hi.view(),
    };
    let fates = facets(&poly, ball.center.view())?;
    let mut neighbours = Vec::new();
    let mut unsettled = 0;
    let mut n_facets = 0;
    for (i, fate) in fates.iter().enumerate() {
        match fate {
            Fate::Facet(w) if i < n_net => {
                n_facets += 1;
                let (layer, unit) = (r.layer[i], r.unit[i]);
                if let Some(&(_, _, key, point)) =
                    known.iter().find(|k| (k.0, k.1) == (layer, unit))
                {
                    neighbours.push(Neighbour {
                        key,
                        point: point.to_owned(),
                        layer,
                        unit,
                        simple: true,
                    });
                    continue;
                }
                let facet = Facet {
                    net,
                    domain,
                    rows: &rows,
                    i,
                    bits,
                    rows_are_bits: by_bits,
                };
                match facet.cross(w.view())? {
                    Some((nb, y)) => neighbours.push(Neighbour {
                        key: nb.key,
                        point: y,
                        layer,
                        unit,
                        simple: differing_bits(bits, &nb.bits) == 1,
                    }),
                    None => unsettled += 1,
                }
            }
            Fate::Unsettled => unsettled += 1,
            _ => {}
        }
    }
    Ok(Some(Expanded {
        record: RegionRecord {
            key: key_u128(r.key),
            bits: r.bits.to_vec(),
            point: ball.center,
            inradius: ball.radius,
            n_facets,
        },
        neighbours,
        unsettled,
    }))
}

/// A first full-dimensional region: from the domain's center, else from pseudo-random
/// points of the domain (a fixed sequence, so the search is deterministic).
fn first(net: &Network, domain: &Domain) -> Result<Expanded> {
    if let Some(e) = expand(net, domain, domain.center.view())? {
        return Ok(e);
    }
    let d = domain.dim();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..START_TRIES {
        let x = Array1::from_iter((0..d).map(|j| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            domain.center[j] + (2.0 * u - 1.0) * domain.inradius
        }));
        if domain.contains_strictly(x.view()) {
            if let Some(e) = expand(net, domain, x.view())? {
                return Ok(e);
            }
        }
    }
    Err(CoreError::Value(format!(
        "no full-dimensional region found at {} points of the domain",
        START_TRIES + 1
    )))
}

/// Enumerates every region of `net` inside `domain` (see the module notes of [`super`]).
/// `progress` is called after each batch of regions; when it returns false the search stops
/// there and returns what it found (`complete` false, `interrupted` true).
pub fn search(
    net: &Network,
    domain: &Domain,
    st: Settings,
    progress: Option<&(dyn Fn(Progress) -> bool + Sync)>,
) -> Result<Complex> {
    check_request(net, domain, st.max_regions)?;
    let start = Instant::now();
    if st.planar {
        if let Some(cx) = super::planar::planar(net, domain, &st)? {
            if let Some(cb) = progress {
                let seconds = start.elapsed().as_secs_f64();
                let found = cx.regions.len();
                cb(Progress {
                    found,
                    frontier: 0,
                    seconds,
                });
            }
            return Ok(cx);
        }
    }
    let mut index: HashMap<u128, usize> = HashMap::new();
    let mut regions: Vec<RegionRecord> = Vec::new();
    // per region, the (key, layer, unit) across each facet: O(1) numbers per facet
    let mut links: Vec<Vec<Link>> = Vec::new();
    let mut unsettled = 0;
    let mut complete = true;
    let mut interrupted = false;
    let mut frontier: Vec<Expanded> = vec![first(net, domain)?];
    while !frontier.is_empty() {
        // register this level's regions (a key reached twice in one level is kept once)
        let scan_from = regions.len();
        let mut level: Vec<Vec<Neighbour>> = Vec::new();
        for e in frontier.drain(..) {
            if index.contains_key(&e.record.key) {
                continue;
            }
            index.insert(e.record.key, regions.len());
            regions.push(e.record);
            links.push(e.neighbours.iter().map(Link::from).collect());
            level.push(e.neighbours);
            unsettled += e.unsettled;
        }
        if interrupted {
            break;
        }
        // keys first seen from this level, up to the cap, with the facets already crossed
        // into them by simple steps
        let mut fresh: Vec<(Array1<f64>, Vec<Known<'_>>)> = Vec::new();
        let mut queued: HashMap<u128, usize> = HashMap::new();
        for (r, nbs) in level.iter().enumerate() {
            for nb in nbs {
                if index.contains_key(&nb.key) {
                    continue;
                }
                let slot = match queued.get(&nb.key) {
                    Some(&slot) => slot,
                    None if regions.len() + fresh.len() >= st.max_regions => {
                        complete = false;
                        continue;
                    }
                    None => {
                        queued.insert(nb.key, fresh.len());
                        fresh.push((nb.point.clone(), Vec::new()));
                        fresh.len() - 1
                    }
                };
                if nb.simple {
                    let parent = &regions[scan_from + r];
                    fresh[slot]
                        .1
                        .push((nb.layer, nb.unit, parent.key, parent.point.view()));
                }
            }
        }
        drop(level);
        for batch in fresh.chunks(BATCH) {
            let done: Vec<Result<Option<Expanded>>> = batch
                .par_iter()
                .map(|(y, known)| expand_with(net, domain, y.view(), known))
                .collect();
            for r in done {
                match r? {
                    Some(e) => frontier.push(e),
                    None => unsettled += 1,
                }
            }
            if let Some(cb) = progress {
                let go_on = cb(Progress {
                    found: regions.len() + frontier.len(),
                    frontier: fresh.len() - frontier.len(),
                    seconds: start.elapsed().as_secs_f64(),
                });
                if !go_on {
                    (interrupted, complete) = (true, false);
                    break;
                }
            }
        }
    }
    let (edges, edge_units) = edges_of(&index, &links);
    Ok(Complex {
        regions,
        edges,
        edge_units,
        complete,
        interrupted,
        unsettled,
    })
}

/// Refuses a domain of another dimension than the network's input, and a cap of 0.
pub fn check_request(net: &Network, domain: &Domain, max_regions: usize) -> Result<()> {
    if domain.dim() != net.n_inputs() {
        return Err(CoreError::Shape(format!(
            "domain has {} dimensions, the network {} inputs",
            domain.dim(),
            net.n_inputs()
        )));
    }
    if max_regions == 0 {
        return Err(CoreError::Value("max_regions must be at least 1".into()));
    }
    Ok(())
}

impl From<&Neighbour> for Link {
    fn from(nb: &Neighbour) -> Self {
        Link {
            key: nb.key,
            layer: nb.layer,
            unit: nb.unit,
        }
    }
}
