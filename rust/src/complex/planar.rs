//! The complex of a network with two inputs over a box, read off the exact 2-D slice.
//!
//! With two inputs the slice through the whole box ([`crate::slice`]) is the complex: a
//! region is convex, so region ∩ box is one of its polygons. This route computes what the
//! search would compute for each polygon: the Chebyshev ball (the search's own
//! [`chebyshev`] over its edges), its facets (edges on neuron lines, not on the box) and, across each facet, the
//! region just beyond the facet's midpoint along the outward normal (the walk's
//! lexicographic rule: the units on the facet are decided by their derivative), which must
//! be another polygon. The edge's unit is the last unit whose bit differs (of coincident
//! hyperplanes the search keeps the last row too).
//!
//! Every record is checked before it is returned: the keys of the polygons are distinct,
//! the pattern at each ball's center is its polygon's, and every probe lands in another
//! polygon. If any check fails (a sliver thinner than the slice's tolerance, a probe within
//! rounding of a third region), `None` hands the domain to the search, which certifies each
//! step by LPs.
//!
//! Performance notes: the slice costs a few microseconds per region; per region this adds
//! one 2-D active-set LP and, for all facets at once, one forward pass of values and
//! directional derivatives (`2 E` columns).

use std::collections::HashMap;

use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;

use super::domain::Domain;
use super::engine::chebyshev;
use super::record::{edges_of, Complex, Link, RegionRecord, Settings};
use crate::error::Result;
use crate::forward::forward;
use crate::hrep::normalize;
use crate::input_box::InputBox;
use crate::ir::{Network, Op};
use crate::pattern::{key_of, key_u128};
use crate::slice::{centroid, slice, Pt, SlicePolygon, SliceSpec, SPLIT_TOL};
use crate::tolerances::MAX_POLYGONS;
use crate::walk::patterns_after;

/// Units within this of their switch at a facet's midpoint are decided by their derivative
/// along the outward normal (the facet's own units sit there up to rounding).
const PROBE_TOL: f64 = 1e-9;

/// One polygon's record and its facets: `(midpoint, outward unit normal)` of each.
struct Piece {
    record: RegionRecord,
    facets: Vec<(Pt, Pt)>,
}

/// The complex of `net` (two inputs) over the box `domain` from the slice, or `None` when
/// the route does not apply (other dimensions, a domain with rows) or a check fails.
pub fn planar(net: &Network, domain: &Domain, st: &Settings) -> Result<Option<Complex>> {
    if net.n_inputs() != 2 || domain.dim() != 2 || domain.a.nrows() > 0 {
        return Ok(None);
    }
    let (lo, hi) = (domain.lo.view(), domain.hi.view());
    let input_box = InputBox::new(domain.lo.clone(), domain.hi.clone())?;
    let origin = Array1::zeros(2);
    let (u, v) = (ndarray::array![1.0, 0.0], ndarray::array![0.0, 1.0]);
    let spec = SliceSpec {
        origin: origin.view(),
        u: u.view(),
        v: v.view(),
        domain: &input_box,
        extent: [lo[0], hi[0], lo[1], hi[1]],
        tol: SPLIT_TOL,
        max_polygons: MAX_POLYGONS,
    };
    let Ok(polygons) = slice(net, &spec) else {
        return Ok(None); // too many polygons for one slice: the search caps instead
    };
    let diag = ((hi[0] - lo[0]).powi(2) + (hi[1] - lo[1]).powi(2)).sqrt();
    let on_box_tol = 16.0 * SPLIT_TOL * diag;
    let pieces: Vec<Option<Piece>> = polygons
        .par_iter()
        .map(|p| piece(p, lo, hi, on_box_tol))
        .collect();
    let Some(pieces) = pieces.into_iter().collect::<Option<Vec<Piece>>>() else {
        return Ok(None);
    };
    let mut index: HashMap<u128, usize> = HashMap::with_capacity(pieces.len());
    for (i, p) in pieces.iter().enumerate() {
        if index.insert(p.record.key, i).is_some() {
            return Ok(None);
        }
    }
    if !centers_hold_their_keys(net, &pieces)? {
        return Ok(None);
    }
    let Some(links) = neighbour_links(net, &pieces, &index)? else {
        return Ok(None);
    };
    let keep = pieces.len().min(st.max_regions);
    let kept: HashMap<u128, usize> = index.into_iter().filter(|&(_, i)| i < keep).collect();
    let (edges, edge_units) = edges_of(&kept, &links[..keep]);
    let regions = pieces.into_iter().take(keep).map(|p| p.record).collect();
    Ok(Some(Complex {
        regions,
        edges,
        edge_units,
        complete: keep == polygons.len(),
        interrupted: false,
        unsettled: 0,
    }))
}

/// The record of one polygon: its Chebyshev ball and its facets. `None` when the ball
/// cannot be computed.
fn piece(p: &SlicePolygon, lo: ArrayView1<f64>, hi: ArrayView1<f64>, on_box: f64) -> Option<Piece> {
    let verts = simplified(&p.vertices);
    let n = verts.len();
    let mut facets = Vec::new();
    let mut rows = Vec::new();
    for k in 0..n {
        let (a, b) = (verts[k], verts[(k + 1) % n]);
        let side =
            |j: usize, bound: f64| (a[j] - bound).abs() <= on_box && (b[j] - bound).abs() <= on_box;
        if side(0, lo[0]) || side(0, hi[0]) || side(1, lo[1]) || side(1, hi[1]) {
            continue;
        }
        let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
        let len = (ex * ex + ey * ey).sqrt();
        // counter-clockwise: the interior is on the left, the outward normal on the right
        let out = [ey / len, -ex / len];
        rows.push(([-out[0], -out[1]], out[0] * a[0] + out[1] * a[1]));
        facets.push(([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0], out));
    }
    let a = Array2::from_shape_fn((rows.len(), 2), |(i, j)| rows[i].0[j]);
    let b = Array1::from_iter(rows.iter().map(|r| r.1));
    let c = centroid(&verts);
    let ball = chebyshev(
        &normalize(a.view(), b.view()),
        lo,
        hi,
        Some(ndarray::aview1(&c)),
    )
    .ok()?;
    let (center, radius) = (ball.center, ball.radius);
    if radius.is_nan() || radius <= 0.0 {
        return None;
    }
    Some(Piece {
        record: RegionRecord {
            key: key_u128(p.key),
            bits: p.bits.clone(),
            point: center,
            inradius: radius,
            n_facets: facets.len() as i64,
        },
        facets,
    })
}

/// The polygon without repeated vertices and without vertices inside a straight edge.
fn simplified(poly: &[Pt]) -> Vec<Pt> {
    let scale = poly
        .iter()
        .fold(0.0f64, |m, p| m.max(p[0].abs()).max(p[1].abs()))
        .max(f64::MIN_POSITIVE);
    let mut out: Vec<Pt> = Vec::with_capacity(poly.len());
    for &p in poly {
        if out
            .last()
            .is_none_or(|q| (p[0] - q[0]).abs().max((p[1] - q[1]).abs()) > 1e-14 * scale)
        {
            out.push(p);
        }
    }
    while out.len() > 3
        && (out[0][0] - out[out.len() - 1][0])
            .abs()
            .max((out[0][1] - out[out.len() - 1][1]).abs())
            <= 1e-14 * scale
    {
        out.pop();
    }
    let mut k = 0;
    while out.len() > 3 && k < out.len() {
        let n = out.len();
        let (a, b, c) = (out[(k + n - 1) % n], out[k], out[(k + 1) % n]);
        let (u, v) = ([b[0] - a[0], b[1] - a[1]], [c[0] - b[0], c[1] - b[1]]);
        let cross = u[0] * v[1] - u[1] * v[0];
        let lens = (u[0].hypot(u[1])) * (v[0].hypot(v[1]));
        if cross.abs() <= SPLIT_TOL * lens && u[0] * v[0] + u[1] * v[1] > 0.0 {
            out.remove(k);
        } else {
            k += 1;
        }
    }
    out
}

/// Whether the bulk forward pass gives each ball's center its polygon's key.
fn centers_hold_their_keys(net: &Network, pieces: &[Piece]) -> Result<bool> {
    let x = Array2::from_shape_fn((pieces.len(), 2), |(i, j)| pieces[i].record.point[j]);
    let fw = forward(net, x.view(), true)?;
    let bits = fw.bits.expect("bits were asked for");
    Ok(pieces
        .iter()
        .enumerate()
        .all(|(i, p)| key_u128(key_of(bits.row(i))) == p.record.key))
}

/// Across each facet, the key of the region beyond it and the unit between; `None` when a
/// probe finds no polygon or its own.
fn neighbour_links(
    net: &Network,
    pieces: &[Piece],
    index: &HashMap<u128, usize>,
) -> Result<Option<Vec<Vec<Link>>>> {
    let owner: Vec<usize> = pieces
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::repeat_n(i, p.facets.len()))
        .collect();
    let all: Vec<&(Pt, Pt)> = pieces.iter().flat_map(|p| p.facets.iter()).collect();
    let mid = Array2::from_shape_fn((all.len(), 2), |(e, j)| all[e].0[j]);
    let dir = Array2::from_shape_fn((all.len(), 2), |(e, j)| all[e].1[j]);
    let bits = patterns_after(net, mid.view(), dir.view(), PROBE_TOL);
    let units = bit_units(net);
    let mut links: Vec<Vec<Link>> = pieces
        .iter()
        .map(|p| Vec::with_capacity(p.facets.len()))
        .collect();
    for (e, &i) in owner.iter().enumerate() {
        let key = key_u128(key_of(bits.row(e)));
        match index.get(&key) {
            Some(&j) if j != i => {}
            _ => return Ok(None),
        }
        let own = &pieces[i].record.bits;
        let last = (0..units.len())
            .rev()
            .find(|&k| (own[k / 64] ^ bits[[e, k / 64]]) >> (k % 64) & 1 == 1)
            .expect("different keys differ in a bit");
        let (layer, unit) = units[last];
        links[i].push(Link { key, layer, unit });
    }
    Ok(Some(links))
}

/// The (layer, unit) of every pattern bit: a ReLU neuron, or a max-pool window.
fn bit_units(net: &Network) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(net.n_pattern_bits());
    for node in &net.nodes {
        let Some(layer) = node.layer else { continue };
        match &node.op {
            Op::Relu { .. } => out.extend((0..node.size).map(|i| (layer as i64, i as i64))),
            Op::MaxPool { windows, .. } => {
                for (w, win) in windows.iter().enumerate() {
                    out.extend(std::iter::repeat_n((layer as i64, w as i64), win.len()));
                }
            }
            _ => {}
        }
    }
    out
}
