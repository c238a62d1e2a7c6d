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
//! Performance notes: the maps of all polygons of a batch are stacked into one
//! `(3 P, size)` matrix so an affine layer is one GEMM for the batch, not one GEMV per
//! polygon. A polygon is cut by a layer's lines recursively (a BSP: a piece only tests the
//! lines that crossed its parent), with `rayon::join` on large subtrees and one rayon task
//! per parent polygon. Batches are capped at [`MAX_BATCH_POLYGONS`] polygons: a layer that
//! produces more continues in batches, depth first, so memory stays at a few layers of one
//! batch.

mod polygon;

use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::forward::n_words;
use crate::ir::{Network, Op, Weight};
use crate::linalg::par_matmul;
use crate::pattern::key_of;
pub use polygon::{area, argmax_cells, centroid, clip, crosses, split, Line, Pt, Split};

/// Default tolerance, relative to the diagonal of the `(s, t)` rectangle, within which a
/// vertex counts as lying on a cutting line (regions thinner than this are not resolved).
pub const SPLIT_TOL: f64 = 1e-9;
/// Polygons per batch pushed through the rest of the network together.
pub const MAX_BATCH_POLYGONS: usize = 4096;
/// Lines left to test above which the two halves of a cut are processed in parallel.
const PAR_LINES: usize = 48;

/// What to slice: `origin + s u + t v` with `extent = (s_min, s_max, t_min, t_max)`.
pub struct SliceSpec<'a> {
    pub origin: ArrayView1<'a, f64>,
    pub u: ArrayView1<'a, f64>,
    pub v: ArrayView1<'a, f64>,
    /// The input box (entries may be infinite).
    pub lo: ArrayView1<'a, f64>,
    pub hi: ArrayView1<'a, f64>,
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

struct Piece {
    verts: Vec<Pt>,
    bits: Vec<u64>,
}

struct Ctx<'a> {
    net: &'a Network,
    last_use: Vec<usize>,
    /// First pattern bit of each node.
    bit_offset: Vec<usize>,
    tol: f64,
    max_polygons: usize,
}

/// Partitions the slice into the convex polygons of the linear regions it meets.
pub fn slice(net: &Network, spec: &SliceSpec) -> Result<Vec<SlicePolygon>> {
    let d = net.n_inputs();
    for (name, a) in [
        ("origin", spec.origin),
        ("u", spec.u),
        ("v", spec.v),
        ("lo", spec.lo),
        ("hi", spec.hi),
    ] {
        if a.len() != d {
            return Err(CoreError::Shape(format!(
                "slice {name} has length {}, the network expects {d}",
                a.len()
            )));
        }
    }
    for (name, a) in [("origin", spec.origin), ("u", spec.u), ("v", spec.v)] {
        crate::linalg::check_finite(a.iter(), &format!("slice {name}"))?;
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

    let mut bit_offset = Vec::with_capacity(net.nodes.len());
    let mut bit = 0;
    for node in &net.nodes {
        bit_offset.push(bit);
        bit += match &node.op {
            Op::Relu { .. } => node.size,
            Op::MaxPool { windows, .. } => windows.iter().map(Vec::len).sum(),
            _ => 0,
        };
    }
    let ctx = Ctx {
        net,
        last_use: net.last_use(),
        bit_offset,
        tol,
        max_polygons: spec.max_polygons,
    };
    let mut input = Array2::<f64>::zeros((3, d));
    input.row_mut(0).assign(&spec.u);
    input.row_mut(1).assign(&spec.v);
    input.row_mut(2).assign(&spec.origin);
    let mut vals: Vec<Option<Array2<f64>>> = vec![None; net.nodes.len()];
    vals[0] = Some(input);
    let pieces = vec![Piece {
        verts: rect,
        bits: vec![0; n_words(net.n_pattern_bits())],
    }];
    let mut out = Vec::new();
    run(&ctx, 1, pieces, vals, false, &mut out)?;
    Ok(finish(&ctx, out))
}

/// Clips the rectangle to `lo <= origin + s u + t v <= hi`.
fn clip_to_box(mut poly: Vec<Pt>, spec: &SliceSpec, tol: f64) -> Option<Vec<Pt>> {
    for j in 0..spec.origin.len() {
        let (o, a, b) = (spec.origin[j], spec.u[j], spec.v[j]);
        if spec.lo[j].is_finite() {
            poly = clip(
                poly,
                Line {
                    a,
                    b,
                    c: o - spec.lo[j],
                },
                tol,
            )?;
        }
        if spec.hi[j].is_finite() {
            let g = Line {
                a: -a,
                b: -b,
                c: spec.hi[j] - o,
            };
            poly = clip(poly, g, tol)?;
        }
    }
    Some(poly)
}

/// Rows `3 p .. 3 p + 3` of every piece's parent, stacked.
fn gather(m: &Array2<f64>, parent: &[usize]) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((3 * parent.len(), m.ncols()));
    out.axis_chunks_iter_mut(Axis(0), 3)
        .into_par_iter()
        .zip(parent.par_iter())
        .for_each(|(mut o, &p)| o.assign(&m.slice(s![3 * p..3 * p + 3, ..])));
    out
}

/// The affine function of unit `i` on polygon `p` of a stacked map.
fn unit_line(m: &ArrayView2<f64>, p: usize, i: usize) -> Line {
    Line {
        a: m[[3 * p, i]],
        b: m[[3 * p + 1, i]],
        c: m[[3 * p + 2, i]],
    }
}

/// Runs nodes `start..` on a batch. With `presplit`, the pieces are already cut for node
/// `start` (and `vals` gathered for them).
fn run(
    ctx: &Ctx,
    start: usize,
    mut pieces: Vec<Piece>,
    mut vals: Vec<Option<Array2<f64>>>,
    presplit: bool,
    out: &mut Vec<(Piece, Array2<f64>)>,
) -> Result<()> {
    let net = ctx.net;
    for k in start..net.nodes.len() {
        let node = &net.nodes[k];
        if matches!(node.op, Op::Relu { .. } | Op::MaxPool { .. }) && !(presplit && k == start) {
            let input = node.op.inputs()[0];
            let x = vals[input].as_ref().expect("live input").view();
            let cut: Vec<Vec<Vec<Pt>>> = pieces
                .par_iter()
                .enumerate()
                .map(|(p, pc)| cut_piece(&node.op, &pc.verts, &x, p, ctx.tol))
                .collect();
            let mut new_pieces = Vec::new();
            let mut parent = Vec::new();
            for (p, polys) in cut.into_iter().enumerate() {
                for verts in polys {
                    new_pieces.push(Piece {
                        verts,
                        bits: pieces[p].bits.clone(),
                    });
                    parent.push(p);
                }
            }
            if ctx.max_polygons > 0 && out.len() + new_pieces.len() > ctx.max_polygons {
                return Err(CoreError::Value(format!(
                    "the slice has more than max_polygons = {} polygons (at node {k})",
                    ctx.max_polygons
                )));
            }
            if new_pieces.len() > MAX_BATCH_POLYGONS {
                let mut rest = new_pieces.into_iter();
                for chunk in parent.chunks(MAX_BATCH_POLYGONS) {
                    let batch: Vec<Piece> = rest.by_ref().take(chunk.len()).collect();
                    let sub: Vec<Option<Array2<f64>>> = vals
                        .iter()
                        .map(|v| v.as_ref().map(|m| gather(m, chunk)))
                        .collect();
                    run(ctx, k, batch, sub, true, out)?;
                }
                return Ok(());
            }
            for v in vals.iter_mut().flatten() {
                *v = gather(v, &parent);
            }
            pieces = new_pieces;
        }
        let value = apply_node(ctx, k, &mut pieces, &vals);
        vals[k] = Some(value);
        for i in node.op.inputs() {
            if ctx.last_use[i] == k {
                vals[i] = None;
            }
        }
    }
    let logits = vals.pop().flatten().expect("output map");
    for (p, pc) in pieces.into_iter().enumerate() {
        out.push((pc, logits.slice(s![3 * p..3 * p + 3, ..]).to_owned()));
    }
    Ok(())
}

/// Cuts polygon `p` by the lines of a piecewise-linear node reading the stacked map `x`.
fn cut_piece(op: &Op, verts: &[Pt], x: &ArrayView2<f64>, p: usize, tol: f64) -> Vec<Vec<Pt>> {
    match op {
        Op::Relu { .. } => {
            let lines: Vec<Line> = (0..x.ncols()).map(|i| unit_line(x, p, i)).collect();
            let cand: Vec<u32> = (0..lines.len() as u32)
                .filter(|&i| crosses(verts, lines[i as usize], tol))
                .collect();
            bsp(verts.to_vec(), &lines, &cand, tol)
        }
        Op::MaxPool { windows, .. } => {
            let mut pieces = vec![verts.to_vec()];
            for win in windows {
                let f: Vec<Line> = win.iter().map(|&e| unit_line(x, p, e)).collect();
                pieces = pieces
                    .into_iter()
                    .flat_map(|pc| argmax_cells(&pc, &f, tol).into_iter().map(|(_, c)| c))
                    .collect();
            }
            pieces
        }
        _ => vec![verts.to_vec()],
    }
}

/// Cuts `piece` by every candidate line, testing in each sub-piece only the lines that
/// crossed its parent.
fn bsp(piece: Vec<Pt>, lines: &[Line], cand: &[u32], tol: f64) -> Vec<Vec<Pt>> {
    for (k, &i) in cand.iter().enumerate() {
        if let Split::Two(pos, neg) = split(&piece, lines[i as usize], tol) {
            let rest = &cand[k + 1..];
            let keep = |poly: &[Pt]| -> Vec<u32> {
                rest.iter()
                    .copied()
                    .filter(|&j| crosses(poly, lines[j as usize], tol))
                    .collect()
            };
            let (cp, cn) = (keep(&pos), keep(&neg));
            let (mut a, b) = if rest.len() > PAR_LINES {
                rayon::join(|| bsp(pos, lines, &cp, tol), || bsp(neg, lines, &cn, tol))
            } else {
                (bsp(pos, lines, &cp, tol), bsp(neg, lines, &cn, tol))
            };
            a.extend(b);
            return a;
        }
    }
    vec![piece]
}

fn set_bit(bits: &mut [u64], k: usize) {
    bits[k / 64] |= 1u64 << (k % 64);
}

/// The stacked map of node `k` for the (already cut) pieces; sets their pattern bits.
fn apply_node(
    ctx: &Ctx,
    k: usize,
    pieces: &mut [Piece],
    vals: &[Option<Array2<f64>>],
) -> Array2<f64> {
    let node = &ctx.net.nodes[k];
    let val = |i: usize| vals[i].as_ref().expect("live value");
    match &node.op {
        Op::Input => val(0).clone(),
        Op::Affine {
            input,
            weight,
            bias,
        } => {
            let x = val(*input);
            let mut y = match weight {
                Weight::Dense(w) => par_matmul(x.view(), w.t()),
                Weight::Sparse(c) => c.apply_batch(x.view()),
            };
            for mut rows in y.axis_chunks_iter_mut(Axis(0), 3) {
                let mut r = rows.row_mut(2);
                r += bias;
            }
            y
        }
        Op::Add { inputs } => {
            let mut y = val(inputs[0]).clone();
            for &i in &inputs[1..] {
                y += val(i);
            }
            y
        }
        Op::Relu { input, slope } => {
            let mut y = val(*input).clone();
            let off = ctx.bit_offset[k];
            y.axis_chunks_iter_mut(Axis(0), 3)
                .into_par_iter()
                .zip(pieces.par_iter_mut())
                .for_each(|(mut rows, pc)| {
                    let c = centroid(&pc.verts);
                    for i in 0..rows.ncols() {
                        let h = rows[[0, i]] * c[0] + rows[[1, i]] * c[1] + rows[[2, i]];
                        if h > 0.0 {
                            set_bit(&mut pc.bits, off + i);
                        } else {
                            rows.column_mut(i).mapv_inplace(|v| v * slope);
                        }
                    }
                });
            y
        }
        Op::MaxPool { input, windows } => {
            let x = val(*input);
            let mut y = Array2::<f64>::zeros((x.nrows(), windows.len()));
            let off = ctx.bit_offset[k];
            y.axis_chunks_iter_mut(Axis(0), 3)
                .into_par_iter()
                .zip(x.axis_chunks_iter(Axis(0), 3))
                .zip(pieces.par_iter_mut())
                .for_each(|((mut rows, xr), pc)| {
                    let c = centroid(&pc.verts);
                    let mut bit = off;
                    for (w, win) in windows.iter().enumerate() {
                        let h = |e: usize| xr[[0, e]] * c[0] + xr[[1, e]] * c[1] + xr[[2, e]];
                        let (mut arg, mut best) = (0, h(win[0]));
                        for (pos, &e) in win.iter().enumerate().skip(1) {
                            if h(e) > best {
                                best = h(e);
                                arg = pos;
                            }
                        }
                        set_bit(&mut pc.bits, bit + arg);
                        rows.column_mut(w).assign(&xr.column(win[arg]));
                        bit += win.len();
                    }
                });
            y
        }
    }
}

/// Keys, activation rates and classification cells of the final pieces.
fn finish(ctx: &Ctx, out: Vec<(Piece, Array2<f64>)>) -> Vec<SlicePolygon> {
    let relu_bits: Vec<(usize, usize)> = ctx
        .net
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.op, Op::Relu { .. }))
        .map(|(k, n)| (ctx.bit_offset[k], n.size))
        .collect();
    let n_relu: usize = relu_bits.iter().map(|r| r.1).sum();
    out.into_par_iter()
        .map(|(pc, logit_map)| {
            let active = relu_bits
                .iter()
                .flat_map(|&(o, n)| o..o + n)
                .filter(|&b| pc.bits[b / 64] >> (b % 64) & 1 == 1)
                .count();
            let f: Vec<Line> = (0..logit_map.ncols())
                .map(|m| unit_line(&logit_map.view(), 0, m))
                .collect();
            let class_cells = argmax_cells(&pc.verts, &f, ctx.tol);
            let class = class_cells
                .iter()
                .map(|(m, c)| (*m, area(c)))
                .fold((0, f64::NEG_INFINITY), |b, x| if x.1 > b.1 { x } else { b })
                .0;
            SlicePolygon {
                key: key_of(ArrayView1::from(&pc.bits)),
                active_fraction: active as f64 / n_relu as f64,
                vertices: pc.verts,
                bits: pc.bits,
                logit_map,
                class,
                class_cells,
            }
        })
        .collect()
}
