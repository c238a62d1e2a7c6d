//! Exact partition of a 2-D affine slice of input space into linear regions (paper fig. 1, 8).
//!
//! The slice is `x(s, t) = origin + s u + t v` for `(s, t)` in a rectangle, clipped to the
//! input box. Every polygon carries the local affine map of each live node as three rows
//! (coefficients of `s`, of `t`, and the constant), so a node's pre-activations are affine
//! functions of `(s, t)` on the polygon. Nodes run in execution order: a ReLU layer cuts each
//! polygon by the zero lines of its neurons, a max-pool layer by the lines where a window's
//! argmax changes; the signs (and argmaxes) of a piece are read at its centroid, exactly as
//! the bulk forward pass reads them at a point, so the keys agree with `forward`.
//!
//! Performance notes: the partition is built depth first (rayon tasks over polygons), a
//! *group* at a time: the pieces cut from one polygon, with their maps stacked (`3` rows per
//! polygon). A polygon is cut by a layer's lines recursively (a BSP: a piece only tests the
//! lines that crossed its parent, `rayon::join` on large subtrees; a vectorised sign-change
//! sweep discards most lines first). Each polygon of a group gets a *base* map: the polygon
//! in the state (signs, argmaxes) at its centroid pushed through the following linear nodes,
//! one GEMM per affine node for the whole group (units inactive on the whole group left
//! out). Its pieces differ from the base only in the units whose state differs:
//! - ReLU feeding one dense affine node (an MLP): the affine map is carried down the BSP,
//!   one rank-1 update `coef * x_i (outer) W[:, i]` per cut, then corrected for units whose
//!   centroid state differs from the BSP side (lines within the tolerance);
//! - otherwise: a delta that is sparse in those units, pushed through the linear nodes (an
//!   affine node makes it one GEMM `(3 L, |U|) @ (|U|, n_out)` for the `L` pieces).
//!
//! Layout: this file is the driver (validation, groups, the depth-first descent, the final
//! polygons); [`maps`] holds the affine maps (linear nodes on stacked maps, states, deltas),
//! [`cut`] the cutting (the BSP and its two flavours), [`polygon`] the plane geometry,
//! [`ctx`] what every step reads.

mod ctx;
mod cut;
mod maps;
mod polygon;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ndarray::{s, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::input_box::InputBox;
use crate::ir::{Network, Op};
use crate::linalg::check_finite;
use crate::pattern::{key_of, n_words, Bits};
use ctx::Ctx;
use cut::Cut;
use maps::{base_map, block, free_inputs, linear_segment, state_at, unit_line, Map};
pub use polygon::{
    area, argmax_cells, centroid, clip, crosses, crosses_with_norm, split, Line, Pt, Split,
};

/// Default tolerance, relative to the diagonal of the `(s, t)` rectangle, within which a
/// vertex counts as lying on a cutting line (regions thinner than this are not resolved).
pub const SPLIT_TOL: f64 = 1e-9;

/// What to slice: `origin + s u + t v` with `extent = (s_min, s_max, t_min, t_max)`.
pub struct SliceSpec<'a> {
    pub origin: ArrayView1<'a, f64>,
    pub u: ArrayView1<'a, f64>,
    pub v: ArrayView1<'a, f64>,
    /// The input box (entries may be infinite).
    pub domain: &'a InputBox,
    pub extent: [f64; 4],
    /// Relative tolerance (see [`SPLIT_TOL`]).
    pub tol: f64,
    /// Refuse slices with more polygons than this (0: no limit).
    pub max_polygons: usize,
}

/// One polygon of the partition: a linear region met by the slice.
#[derive(Debug, Clone)]
pub struct SlicePolygon {
    /// Counter-clockwise vertices in `(s, t)`.
    pub vertices: Vec<Pt>,
    /// Packed pattern bits (same packing as the bulk forward pass).
    pub bits: Vec<u64>,
    /// `(high, low)` halves of the pattern key.
    pub key: (u64, u64),
    /// Fraction of (leaky) ReLU neurons active (NaN without ReLUs).
    pub active_fraction: f64,
    /// `(3, M)`: logits(s, t) = s * row 0 + t * row 1 + row 2 on the polygon.
    pub logit_map: Array2<f64>,
    /// The class with the largest area in the polygon.
    pub class: usize,
    /// `(class, cell)`: where each class is the network's argmax within the polygon.
    pub class_cells: Vec<(usize, Vec<Pt>)>,
}

/// Partitions the slice into the convex polygons of the linear regions it meets.
pub fn slice(net: &Network, spec: &SliceSpec) -> Result<Vec<SlicePolygon>> {
    let d = net.n_inputs();
    let box_dim = spec.domain.dim();
    for (name, len) in [
        ("origin", spec.origin.len()),
        ("u", spec.u.len()),
        ("v", spec.v.len()),
        ("box", box_dim),
    ] {
        if len != d {
            return Err(CoreError::Shape(format!(
                "slice {name} has length {len}, the network expects {d}"
            )));
        }
    }
    for (name, a) in [("origin", spec.origin), ("u", spec.u), ("v", spec.v)] {
        check_finite(a.iter(), &format!("slice {name}"))?;
    }
    let [s0, s1, t0, t1] = spec.extent;
    if !(spec.extent.iter().all(|e| e.is_finite()) && s0 < s1 && t0 < t1) {
        return Err(CoreError::Value(format!(
            "slice extent must be finite with s_min < s_max and t_min < t_max, got {:?}",
            spec.extent
        )));
    }
    if !(spec.tol >= 0.0 && spec.tol.is_finite()) {
        return Err(CoreError::Value(format!(
            "slice tolerance must be finite and >= 0, got {}",
            spec.tol
        )));
    }
    let tol = spec.tol * (s1 - s0).hypot(t1 - t0);
    let rect = clip_to_box(vec![[s0, t0], [s1, t0], [s1, t1], [s0, t1]], spec, tol)
        .ok_or_else(|| CoreError::Value("the slice does not meet the input box".into()))?;

    let bit_offset = net
        .nodes
        .iter()
        .scan(0, |bit, node| {
            let first = *bit;
            *bit += node.n_pattern_bits();
            Some(first)
        })
        .collect();
    let weights = net
        .nodes
        .iter()
        .map(|n| match &n.op {
            Op::Affine { weight, .. } => Some(weight.transposed()),
            _ => None,
        })
        .collect();
    let ctx = Ctx {
        net,
        last_use: net.last_use(),
        bit_offset,
        weights,
        tol,
        max_polygons: spec.max_polygons,
        count: AtomicUsize::new(1),
    };
    let mut input = Array2::<f64>::zeros((3, d));
    input.row_mut(0).assign(&spec.u);
    input.row_mut(1).assign(&spec.v);
    input.row_mut(2).assign(&spec.origin);
    let mut vals: Vec<Option<Map>> = vec![None; net.nodes.len()];
    vals[0] = Some(Arc::new(input));
    let k = linear_segment(&ctx, 1, &mut vals);
    let bits = vec![0; n_words(net.n_pattern_bits())];
    if k < net.nodes.len() {
        descend(&ctx, k, vec![rect], vec![bits], vals)
    } else {
        let logits = vals.pop().flatten().expect("output map");
        Ok(vec![finish(&ctx, rect, bits, logits.view())])
    }
}

/// Clips the rectangle to `lo <= origin + s u + t v <= hi`.
fn clip_to_box(mut poly: Vec<Pt>, spec: &SliceSpec, tol: f64) -> Option<Vec<Pt>> {
    let InputBox { lo, hi } = spec.domain;
    for j in 0..spec.origin.len() {
        let (o, a, b) = (spec.origin[j], spec.u[j], spec.v[j]);
        if lo[j].is_finite() {
            poly = clip(poly, Line { a, b, c: o - lo[j] }, tol)?;
        }
        if hi[j].is_finite() {
            let g = Line {
                a: -a,
                b: -b,
                c: hi[j] - o,
            };
            poly = clip(poly, g, tol)?;
        }
    }
    Some(poly)
}

/// Polygons of a group whose maps are stacked and pushed through a layer together (bounds
/// the memory of the stacked maps: a few `(3 GROUP_CHUNK, width)` matrices).
const GROUP_CHUNK: usize = 1024;

/// Sets the pattern bits of piecewise-linear node `k` in state `st`.
fn set_state_bits(ctx: &Ctx, k: usize, st: &[u32], bits: &mut [u64]) {
    let off = ctx.bit_offset[k];
    match &ctx.net.nodes[k].op {
        Op::Relu { .. } => {
            for (i, &a) in st.iter().enumerate() {
                if a == 1 {
                    bits.set_bit(off + i);
                }
            }
        }
        Op::MaxPool { windows, .. } => {
            let mut bit = off;
            for (win, &a) in windows.iter().zip(st) {
                bits.set_bit(bit + a as usize);
                bit += win.len();
            }
        }
        _ => unreachable!("not a piecewise-linear node"),
    }
}

/// Cuts every polygon of a group at piecewise-linear node `k` and continues with the
/// pieces, depth first. `vals` holds the stacked maps (`3` rows per polygon) of the live
/// nodes, among them node `k`'s input.
fn descend(
    ctx: &Ctx,
    k: usize,
    verts: Vec<Vec<Pt>>,
    bits: Vec<Vec<u64>>,
    vals: Vec<Option<Map>>,
) -> Result<Vec<SlicePolygon>> {
    if verts.len() > GROUP_CHUNK {
        let mut out = Vec::new();
        let (mut verts, mut bits) = (verts.into_iter(), bits.into_iter());
        for start in (0..verts.len()).step_by(GROUP_CHUNK) {
            let n = GROUP_CHUNK.min(verts.len());
            let rows = s![3 * start..3 * (start + n), ..];
            let sub = vals
                .iter()
                .map(|v| v.as_ref().map(|m| Arc::new(m.slice(rows).to_owned())))
                .collect();
            let (cv, cb) = (
                verts.by_ref().take(n).collect(),
                bits.by_ref().take(n).collect(),
            );
            out.extend(descend(ctx, k, cv, cb, sub)?);
        }
        return Ok(out);
    }
    let net = ctx.net;
    let op = &net.nodes[k].op;
    let x = vals[op.inputs()[0]].clone().expect("live input");
    let xv = x.view();
    // Base maps: every polygon in the state at its centroid, all pushed through the linear
    // nodes up to the next piecewise-linear node together (one GEMM per affine node).
    let refs: Vec<Vec<u32>> = verts
        .par_iter()
        .enumerate()
        .map(|(p, v)| state_at(op, &xv, p, centroid(v)))
        .collect();
    let y = base_map(ctx, k, &xv, &refs);
    let mut base = vals;
    base[k] = Some(Arc::new(y));
    free_inputs(ctx, k, &mut base);
    let next = linear_segment(ctx, k + 1, &mut base);

    // The common case (a ReLU layer feeding one dense affine layer, nothing else live):
    // the affine map is carried down the BSP of each polygon's cut, one rank-1 update per
    // cut, instead of being rebuilt for each piece.
    let fast = match &net.nodes.get(k + 1).map(|n| &n.op) {
        Some(Op::Affine { input, weight, .. })
            if weight.is_dense()
                && matches!(op, Op::Relu { .. })
                && next == k + 2
                && *input == k
                && base
                    .iter()
                    .enumerate()
                    .all(|(i, b)| b.is_none() || i == k + 1) =>
        {
            Some(k + 1)
        }
        _ => None,
    };
    let results: Vec<Vec<SlicePolygon>> = verts
        .into_par_iter()
        .zip(bits)
        .enumerate()
        .map(|(p, (v, pbits))| {
            let cut = Cut {
                ctx,
                k,
                verts: &v,
                x: &xv,
                p,
                r: &refs[p],
                base: &base,
            };
            let (pieces, states, child_vals) = match fast {
                Some(a) => cut.relu_affine(a),
                None => cut.generic(next),
            };
            let n_new = pieces.len();
            if n_new > 1 {
                let total = ctx.count.fetch_add(n_new - 1, Ordering::Relaxed) + n_new - 1;
                if ctx.max_polygons > 0 && total > ctx.max_polygons {
                    return Err(CoreError::Value(format!(
                        "the slice has more than max_polygons = {} polygons (at node {k})",
                        ctx.max_polygons
                    )));
                }
            }
            let child_bits: Vec<Vec<u64>> = states
                .iter()
                .map(|st| {
                    let mut b = pbits.clone();
                    set_state_bits(ctx, k, st, &mut b);
                    b
                })
                .collect();
            if next < net.nodes.len() {
                descend(ctx, next, pieces, child_bits, child_vals)
            } else {
                let logits = child_vals.last().cloned().flatten().expect("output map");
                Ok(pieces
                    .into_iter()
                    .zip(child_bits)
                    .enumerate()
                    .map(|(l, (pc, b))| finish(ctx, pc, b, block(&logits, l)))
                    .collect())
            }
        })
        .collect::<Result<_>>()?;
    Ok(results.into_iter().flatten().collect())
}

/// Key, activation rate and classification cells of a final polygon.
fn finish(ctx: &Ctx, verts: Vec<Pt>, bits: Vec<u64>, logit_map: ArrayView2<f64>) -> SlicePolygon {
    let (mut active, mut n_relu) = (0usize, 0usize);
    for (k, node) in ctx.net.nodes.iter().enumerate() {
        if matches!(node.op, Op::Relu { .. }) {
            let o = ctx.bit_offset[k];
            n_relu += node.size;
            active += bits.count_ones_in(o..o + node.size);
        }
    }
    let f: Vec<Line> = (0..logit_map.ncols())
        .map(|m| unit_line(&logit_map, 0, m))
        .collect();
    let class_cells = argmax_cells(&verts, &f, ctx.tol);
    let class = class_cells
        .iter()
        .map(|(m, c)| (*m, area(c)))
        .fold((0, f64::NEG_INFINITY), |b, x| if x.1 > b.1 { x } else { b })
        .0;
    SlicePolygon {
        key: key_of(ArrayView1::from(&bits)),
        active_fraction: active as f64 / n_relu as f64,
        vertices: verts,
        bits,
        logit_map: logit_map.to_owned(),
        class,
        class_cells,
    }
}
