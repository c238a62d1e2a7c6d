//! Stepping across a facet to the neighbouring region, with a certificate.
//!
//! From a point `w` on facet `i` (unit inward normal `n`), the neighbour's pattern is read by
//! a forward pass at `y = w - t n` for a small `t`. The step is accepted when, for the region
//! `R'` assembled at `y`, every row of `R'` holds at `w` (within [`VERIFY_TOL`]) and the only
//! rows tight at `w` have normal `-n` (parallel to the facet, pointing away from the region
//! left behind): then `R'` contains a half-ball around `w` on the far side of the facet, so it
//! is full-dimensional and it is the region across the facet at `w`. Otherwise `t` shrinks.

use ndarray::{Array1, ArrayView1};

use crate::assemble::{assemble, BoundaryPolicy, RegionData};
use crate::error::Result;
use crate::hrep::{normalize, UnitRows};
use crate::ir::Network;

use super::domain::Domain;

/// Distance (input units) within which a row counts as tight at the facet point.
pub const VERIFY_TOL: f64 = 1e-9;
/// Cosine above `1 - PARALLEL_TOL` counts as parallel.
pub const PARALLEL_TOL: f64 = 1e-9;
/// Longest first step, as a fraction of the domain's inradius.
const MAX_STEP: f64 = 1e-3;
/// Attempts with a step shrunk by [`SHRINK`] each time.
const MAX_TRIES: usize = 12;
const SHRINK: f64 = 0.125;

/// The region of `x`: ReLU pre-activations `> 0` are active, `<= 0` inactive and max-pool
/// ties go to the first maximal entry, as in the bulk forward pass (same bits, same key).
pub fn region_at(net: &Network, x: ArrayView1<f64>) -> Result<RegionData> {
    assemble(net, x, 0.0, BoundaryPolicy::Inactive)
}

/// The neighbour across facet `i` of `rows` (region rows stacked over the domain rows) at
/// the facet point `w`, or `None` when no step could be certified.
pub fn cross(
    net: &Network,
    domain: &Domain,
    rows: &UnitRows,
    i: usize,
    w: ArrayView1<f64>,
) -> Result<Option<(RegionData, Array1<f64>)>> {
    let n = rows.a.row(i);
    let u = n.mapv(|v| -v);
    let slack = rows.a.dot(&w) + &rows.b;
    // room around w: rows not parallel to the facet and the box faces
    let mut room = f64::INFINITY;
    for j in 0..rows.a.nrows() {
        if rows.norm[j] > 0.0 && rows.a.row(j).dot(&n) < 1.0 - PARALLEL_TOL {
            room = room.min(slack[j]);
        }
    }
    for k in 0..w.len() {
        room = room.min(w[k] - domain.lo[k]).min(domain.hi[k] - w[k]);
    }
    if room.is_nan() || room <= 0.0 {
        return Ok(None);
    }
    let mut t = (0.5 * room).min(MAX_STEP * domain.inradius);
    for _ in 0..MAX_TRIES {
        let y = &w + &(t * &u);
        if domain.contains_strictly(y.view()) {
            let r = region_at(net, y.view())?;
            if verified(&r, w, u.view()) {
                return Ok(Some((r, y)));
            }
        }
        t *= SHRINK;
    }
    Ok(None)
}

fn verified(r: &RegionData, w: ArrayView1<f64>, u: ArrayView1<f64>) -> bool {
    let rows = normalize(r.a.view(), r.b.view());
    let s = rows.a.dot(&w) + &rows.b;
    (0..s.len()).all(|k| {
        if rows.norm[k] == 0.0 {
            return rows.b[k] >= 0.0;
        }
        s[k] > VERIFY_TOL || (s[k] >= -VERIFY_TOL && rows.a.row(k).dot(&u) >= 1.0 - PARALLEL_TOL)
    })
}
