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

mod polygon;

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::forward::n_words;
use crate::ir::{Network, Op, Weight};
use crate::pattern::key_of;
pub use polygon::{
    area, argmax_cells, centroid, clip, crosses, crosses_with_norm, split, Line, Pt, Split,
};

/// Default tolerance, relative to the diagonal of the `(s, t)` rectangle, within which a
/// vertex counts as lying on a cutting line (regions thinner than this are not resolved).
pub const SPLIT_TOL: f64 = 1e-9;
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

/// One polygon's map of a node: `(3, size)`, rows = coefficients of `s`, `t`, constant.
type Map = Arc<Array2<f64>>;

/// The pieces cut from one polygon, their states at the cut node (see [`state_at`]) and
/// the stacked maps of the nodes live after the cut.
type Pieces = (Vec<Vec<Pt>>, Vec<Vec<u32>>, Vec<Option<Map>>);

struct Ctx<'a> {
    net: &'a Network,
    last_use: Vec<usize>,
    /// First pattern bit of each node.
    bit_offset: Vec<usize>,
    /// `W^T` (contiguous rows = columns of `W`) of every dense affine node.
    wt: Vec<Option<Array2<f64>>>,
    tol: f64,
    max_polygons: usize,
    /// Polygons so far (pieces only split, so this never exceeds the final count).
    count: AtomicUsize,
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
    let wt = net
        .nodes
        .iter()
        .map(|n| match &n.op {
            Op::Affine {
                weight: Weight::Dense(w),
                ..
            } => Some(w.t().as_standard_layout().into_owned()),
            _ => None,
        })
        .collect();
    let ctx = Ctx {
        net,
        last_use: net.last_use(),
        bit_offset,
        wt,
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

/// Polygons of a group whose maps are stacked and pushed through a layer together (bounds
/// the memory of the stacked maps: a few `(3 GROUP_CHUNK, width)` matrices).
const GROUP_CHUNK: usize = 1024;

fn is_cut(op: &Op) -> bool {
    matches!(op, Op::Relu { .. } | Op::MaxPool { .. })
}

/// Rows `3 p .. 3 p + 3` (polygon `p`) of a stacked map.
fn block(m: &Array2<f64>, p: usize) -> ArrayView2<'_, f64> {
    m.slice(s![3 * p..3 * p + 3, ..])
}

/// The affine function of unit `i` on polygon `p` of a stacked map.
fn unit_line(m: &ArrayView2<f64>, p: usize, i: usize) -> Line {
    Line {
        a: m[[3 * p, i]],
        b: m[[3 * p + 1, i]],
        c: m[[3 * p + 2, i]],
    }
}

/// `a @ b`, rows split across rayon tasks when `a` is tall (in blocks of a few hundred
/// rows: each GEMM call packs all of `b`, so small blocks would spend their time packing).
fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let rows = a.nrows();
    if rows <= 256 {
        return a.dot(&b);
    }
    let block = rows.div_ceil(2 * rayon::current_num_threads()).max(128);
    let mut out = Array2::<f64>::zeros((rows, b.ncols()));
    out.axis_chunks_iter_mut(Axis(0), block)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), block))
        .for_each(|(mut o, a_blk)| {
            ndarray::linalg::general_mat_mul(1.0, &a_blk, &b, 0.0, &mut o);
        });
    out
}

/// Runs the linear nodes `k..` on stacked maps until the next piecewise-linear node (or
/// the end), freeing values no longer read; returns that node's index (or `nodes.len()`).
fn linear_segment(ctx: &Ctx, mut k: usize, vals: &mut [Option<Map>]) -> usize {
    let nodes = &ctx.net.nodes;
    while k < nodes.len() && !is_cut(&nodes[k].op) {
        let val = |i: usize| vals[i].as_ref().expect("live value");
        let y = match &nodes[k].op {
            Op::Input => unreachable!("the input is node 0"),
            Op::Affine {
                input,
                weight,
                bias,
            } => {
                let x = val(*input);
                let mut y = match weight {
                    Weight::Dense(_) => {
                        let wt = ctx.wt[k].as_ref().expect("W^T");
                        // Units that are zero on every polygon of the batch (inactive ReLUs)
                        // are left out of the product.
                        let mut nz = vec![false; x.ncols()];
                        for row in x.rows() {
                            for (f, &v) in nz.iter_mut().zip(row) {
                                *f |= v != 0.0;
                            }
                        }
                        let cols: Vec<usize> = (0..nz.len()).filter(|&c| nz[c]).collect();
                        if cols.len() * 10 < nz.len() * 9 {
                            let xs = x.select(Axis(1), &cols);
                            matmul(xs.view(), wt.select(Axis(0), &cols).view())
                        } else {
                            matmul(x.view(), wt.view())
                        }
                    }
                    Weight::Sparse(c) => c.apply_batch(x.view()),
                };
                for mut rows in y.axis_chunks_iter_mut(Axis(0), 3) {
                    let mut r = rows.row_mut(2);
                    r += bias;
                }
                y
            }
            Op::Add { inputs } => {
                let mut y = val(inputs[0]).as_ref().clone();
                for &i in &inputs[1..] {
                    y += val(i).as_ref();
                }
                y
            }
            Op::Relu { .. } | Op::MaxPool { .. } => unreachable!(),
        };
        vals[k] = Some(Arc::new(y));
        free_inputs(ctx, k, vals);
        k += 1;
    }
    k
}

fn free_inputs<T>(ctx: &Ctx, k: usize, vals: &mut [Option<T>]) {
    for i in ctx.net.nodes[k].op.inputs() {
        if ctx.last_use[i] == k {
            vals[i] = None;
        }
    }
}

/// The state of a piecewise-linear node at point `c` of polygon `p` of the stacked input
/// map `x`: per ReLU unit 1 (active, `h > 0`) or 0, per max-pool window the position of
/// its first maximal entry (as the bulk forward pass reads them).
fn state_at(op: &Op, x: &ArrayView2<f64>, p: usize, c: Pt) -> Vec<u32> {
    let [ra, rb, rc] = rows3(x, p);
    let h = |e: usize| ra[e] * c[0] + rb[e] * c[1] + rc[e];
    match op {
        Op::Relu { .. } => ra
            .iter()
            .zip(rb.iter())
            .zip(rc.iter())
            .map(|((a, b), k)| u32::from(a * c[0] + b * c[1] + k > 0.0))
            .collect(),
        Op::MaxPool { windows, .. } => windows
            .iter()
            .map(|win| {
                let (mut arg, mut best) = (0, h(win[0]));
                for (pos, &e) in win.iter().enumerate().skip(1) {
                    if h(e) > best {
                        best = h(e);
                        arg = pos;
                    }
                }
                arg as u32
            })
            .collect(),
        _ => unreachable!("not a piecewise-linear node"),
    }
}

/// The three rows of polygon `p` of a stacked map as slices.
fn rows3<'a>(x: &'a ArrayView2<f64>, p: usize) -> [Cow<'a, [f64]>; 3] {
    let row = |q: usize| -> Cow<'a, [f64]> {
        let r = x.row(3 * p + q);
        match r.to_slice() {
            Some(sl) => Cow::Borrowed(sl),
            None => Cow::Owned(r.to_vec()),
        }
    };
    [row(0), row(1), row(2)]
}

/// Column `i` of the node's output on polygon `p` in state `st` (three rows).
fn unit_value(op: &Op, x: &ArrayView2<f64>, p: usize, i: usize, st: u32) -> [f64; 3] {
    let col = |e: usize| [x[[3 * p, e]], x[[3 * p + 1, e]], x[[3 * p + 2, e]]];
    match op {
        Op::Relu { slope, .. } => {
            let v = col(i);
            if st == 1 {
                v
            } else {
                v.map(|a| a * slope[i])
            }
        }
        Op::MaxPool { windows, .. } => col(windows[i][st as usize]),
        _ => unreachable!("not a piecewise-linear node"),
    }
}

fn set_state_bits(ctx: &Ctx, k: usize, st: &[u32], bits: &mut [u64]) {
    let off = ctx.bit_offset[k];
    match &ctx.net.nodes[k].op {
        Op::Relu { .. } => {
            for (i, &a) in st.iter().enumerate() {
                if a == 1 {
                    set_bit(bits, off + i);
                }
            }
        }
        Op::MaxPool { windows, .. } => {
            let mut bit = off;
            for (win, &a) in windows.iter().zip(st) {
                set_bit(bits, bit + a as usize);
                bit += win.len();
            }
        }
        _ => unreachable!("not a piecewise-linear node"),
    }
}

/// Maps of the pieces cut from one polygon minus the *base* map (the polygon's map in its
/// reference state): rows `3 l .. 3 l + 3` belong to piece `l`.
enum Delta {
    /// Zero outside the columns `cols` (the units whose state differs): `(3 L, |cols|)`.
    Sparse { cols: Vec<usize>, m: Array2<f64> },
    /// `(3 L, size)`.
    Dense(Array2<f64>),
}

impl Delta {
    fn to_dense(&self, size: usize) -> Array2<f64> {
        match self {
            Delta::Dense(m) => m.clone(),
            Delta::Sparse { cols, m } => {
                let mut out = Array2::<f64>::zeros((m.nrows(), size));
                for (j, &c) in cols.iter().enumerate() {
                    out.column_mut(c).assign(&m.column(j));
                }
                out
            }
        }
    }

    /// Adds piece `l`'s rows to `y` (its copy of the base map).
    fn add_to(&self, l: usize, mut y: ndarray::ArrayViewMut2<f64>) {
        match self {
            Delta::Dense(m) => y += &m.slice(s![3 * l..3 * l + 3, ..]),
            Delta::Sparse { cols, m } => {
                for (j, &c) in cols.iter().enumerate() {
                    for r in 0..3 {
                        y[[r, c]] += m[[3 * l + r, j]];
                    }
                }
            }
        }
    }
}

/// The delta of linear node `k` given the deltas of its inputs (`None`: zero).
fn linear_delta(ctx: &Ctx, k: usize, deltas: &[Option<Delta>]) -> Option<Delta> {
    let node = &ctx.net.nodes[k];
    match &node.op {
        Op::Affine { input, weight, .. } => {
            let d = deltas[*input].as_ref()?;
            let (_, n_in) = weight.shape();
            Some(Delta::Dense(match (weight, d) {
                (Weight::Dense(_), Delta::Sparse { cols, m }) => {
                    let wt = ctx.wt[k].as_ref().expect("W^T");
                    matmul(m.view(), wt.select(Axis(0), cols).view())
                }
                (Weight::Dense(_), Delta::Dense(m)) => {
                    matmul(m.view(), ctx.wt[k].as_ref().expect("W^T").view())
                }
                (Weight::Sparse(c), d) => c.apply_batch(d.to_dense(n_in).view()),
            }))
        }
        Op::Add { inputs } => {
            let mut y: Option<Array2<f64>> = None;
            for &i in inputs {
                if let Some(d) = deltas[i].as_ref() {
                    let dense = d.to_dense(ctx.net.nodes[i].size);
                    y = Some(match y {
                        None => dense,
                        Some(acc) => acc + dense,
                    });
                }
            }
            y.map(Delta::Dense)
        }
        _ => unreachable!("not a linear node"),
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
    let size = net.nodes[k].size;
    let mut y = Array2::<f64>::zeros((3 * verts.len(), size));
    y.axis_chunks_iter_mut(Axis(0), 3)
        .into_par_iter()
        .zip(refs.par_iter())
        .enumerate()
        .for_each(|(p, (mut rows, st))| match op {
            Op::Relu { slope, .. } => {
                for (q, mut row) in rows.outer_iter_mut().enumerate() {
                    let xr = xv.row(3 * p + q);
                    for (((y, &xi), &a), &s) in row.iter_mut().zip(xr).zip(st).zip(slope) {
                        *y = if a == 1 { xi } else { xi * s };
                    }
                }
            }
            _ => {
                for i in 0..size {
                    let v = unit_value(op, &xv, p, i, st[i]);
                    for r in 0..3 {
                        rows[[r, i]] = v[r];
                    }
                }
            }
        });
    let mut base = vals;
    base[k] = Some(Arc::new(y));
    free_inputs(ctx, k, &mut base);
    let next = linear_segment(ctx, k + 1, &mut base);

    // The common case (a ReLU layer feeding one dense affine layer, nothing else live):
    // the affine map is carried down the BSP of each polygon's cut, one rank-1 update per
    // cut, instead of being rebuilt for each piece.
    let fast = match &net.nodes.get(k + 1).map(|n| &n.op) {
        Some(Op::Affine {
            input,
            weight: Weight::Dense(_),
            ..
        }) if matches!(op, Op::Relu { .. })
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
            let (pieces, states, child_vals) = match fast {
                Some(a) => cut_relu_affine(ctx, k, a, &v, &xv, p, &refs[p], &base),
                None => cut_generic(ctx, k, next, &v, &xv, p, &refs[p], &base),
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

/// The pieces of polygon `p` cut at piecewise-linear node `k`, their states, and their
/// stacked maps of the nodes live after the linear nodes `k + 1 .. next`: base block `p`
/// (the polygon in reference state `r`) plus a delta that is sparse at node `k`.
#[allow(clippy::too_many_arguments)]
fn cut_generic(
    ctx: &Ctx,
    k: usize,
    next: usize,
    v: &[Pt],
    xv: &ArrayView2<f64>,
    p: usize,
    r: &[u32],
    base: &[Option<Map>],
) -> Pieces {
    let net = ctx.net;
    let op = &net.nodes[k].op;
    let size = net.nodes[k].size;
    let pieces = cut_piece(op, v, xv, p, ctx.tol);
    // Each piece's state, and the units where it differs from the reference.
    let states: Vec<Vec<u32>> = pieces
        .iter()
        .map(|pc| state_at(op, xv, p, centroid(pc)))
        .collect();
    let cols: Vec<usize> = (0..size)
        .filter(|&i| states.iter().any(|st| st[i] != r[i]))
        .collect();
    let mut deltas: Vec<Option<Delta>> = (0..net.nodes.len()).map(|_| None).collect();
    if !cols.is_empty() {
        let mut m = Array2::<f64>::zeros((3 * pieces.len(), cols.len()));
        for (l, st) in states.iter().enumerate() {
            for (j, &i) in cols.iter().enumerate() {
                if st[i] != r[i] {
                    let a = unit_value(op, xv, p, i, st[i]);
                    let b = unit_value(op, xv, p, i, r[i]);
                    for q in 0..3 {
                        m[[3 * l + q, j]] = a[q] - b[q];
                    }
                }
            }
        }
        deltas[k] = Some(Delta::Sparse { cols, m });
        for j in k + 1..next {
            deltas[j] = linear_delta(ctx, j, &deltas);
            free_inputs(ctx, j, &mut deltas);
        }
    }
    // The pieces' maps of the nodes still live: base block `p` plus their delta.
    let n_pc = pieces.len();
    let child_vals: Vec<Option<Map>> = base
        .iter()
        .zip(&deltas)
        .map(|(b, d)| {
            b.as_ref().map(|b| {
                let bp = block(b, p);
                let mut out = Array2::<f64>::zeros((3 * n_pc, b.ncols()));
                for (l, mut o) in out.axis_chunks_iter_mut(Axis(0), 3).enumerate() {
                    o.assign(&bp);
                    if let Some(d) = d {
                        d.add_to(l, o);
                    }
                }
                Arc::new(out)
            })
        })
        .collect();
    (pieces, states, child_vals)
}

/// [`cut_generic`] for a ReLU node `k` read only by the dense affine node `a`: the pieces
/// come out of the BSP with their maps of node `a`, each cut adding one rank-1 term
/// `coef * x_unit (outer) W[:, unit]` to one side; pieces whose centroid state differs from
/// the state along their BSP path (lines within the tolerance) get the same correction.
#[allow(clippy::too_many_arguments)]
fn cut_relu_affine(
    ctx: &Ctx,
    k: usize,
    a: usize,
    v: &[Pt],
    xv: &ArrayView2<f64>,
    p: usize,
    r: &[u32],
    base: &[Option<Map>],
) -> Pieces {
    let op = &ctx.net.nodes[k].op;
    let Op::Relu { slope, .. } = op else {
        unreachable!("a ReLU node")
    };
    let f = |st: u32, unit: usize| if st == 1 { 1.0 } else { slope[unit] };
    let wt = ctx.wt[a].as_ref().expect("W^T");
    let rank1 = |m: &mut Array2<f64>, unit: usize, coef: f64| {
        let w = wt.row(unit);
        for q in 0..3 {
            let c = coef * xv[[3 * p + q, unit]];
            if c != 0.0 {
                m.row_mut(q).scaled_add(c, &w);
            }
        }
    };
    let m0 = block(base[a].as_ref().expect("live base"), p).to_owned();
    let lines = relu_crossing(v, xv, p, ctx.tol);
    let cand: Vec<u32> = (0..lines.len() as u32).collect();
    type Payload = (Array2<f64>, Vec<(u32, u32)>);
    let sides = |(m, flips): Payload, unit: u32| -> (Payload, Payload) {
        let u = unit as usize;
        let ri = r[u];
        let mut flipped = m.clone();
        rank1(&mut flipped, u, f(1 - ri, u) - f(ri, u));
        let mut ff = flips.clone();
        ff.push((unit, 1 - ri));
        if ri == 1 {
            ((m, flips), (flipped, ff))
        } else {
            ((flipped, ff), (m, flips))
        }
    };
    let mut leaves = Vec::new();
    bsp(
        v.to_vec(),
        (m0, Vec::new()),
        &lines,
        &cand,
        ctx.tol,
        &sides,
        &mut leaves,
    );
    let n_pc = leaves.len();
    let mut out = Array2::<f64>::zeros((3 * n_pc, wt.ncols()));
    let mut pieces = Vec::with_capacity(n_pc);
    let mut states = Vec::with_capacity(n_pc);
    for ((pc, (mut m, flips)), mut o) in
        leaves.into_iter().zip(out.axis_chunks_iter_mut(Axis(0), 3))
    {
        let st = state_at(op, xv, p, centroid(&pc));
        let mut path = r.to_vec();
        for &(u, s) in &flips {
            path[u as usize] = s;
        }
        for (j, (&sj, &pj)) in st.iter().zip(&path).enumerate() {
            if sj != pj {
                rank1(&mut m, j, f(sj, j) - f(pj, j));
            }
        }
        o.assign(&m);
        pieces.push(pc);
        states.push(st);
    }
    let mut child_vals: Vec<Option<Map>> = vec![None; base.len()];
    child_vals[a] = Some(Arc::new(out));
    (pieces, states, child_vals)
}

/// The zero lines of ReLU units that cross polygon `p` of the stacked map `x` (see
/// [`crosses`]): `(unit, line, norm of the line)` in unit order.
fn relu_crossing(verts: &[Pt], x: &ArrayView2<f64>, p: usize, tol: f64) -> Vec<(u32, Line, f64)> {
    let [ra, rb, rc] = rows3(x, p);
    // A crossing line changes sign over the vertices: most lines are rejected by this
    // vectorised sweep without computing their norm.
    let n = ra.len();
    let (mut lo, mut hi) = (vec![f64::INFINITY; n], vec![f64::NEG_INFINITY; n]);
    for &v in verts {
        for i in 0..n {
            let e = ra[i] * v[0] + rb[i] * v[1] + rc[i];
            lo[i] = if e < lo[i] { e } else { lo[i] };
            hi[i] = if e > hi[i] { e } else { hi[i] };
        }
    }
    (0..n)
        .filter(|&i| hi[i] > 0.0 && lo[i] < 0.0)
        .filter_map(|i| {
            let g = Line {
                a: ra[i],
                b: rb[i],
                c: rc[i],
            };
            let n = g.norm();
            crosses_with_norm(verts, g, n, tol).then_some((i as u32, g, n))
        })
        .collect()
}

/// Cuts polygon `p` by the lines of a piecewise-linear node reading the stacked map `x`.
fn cut_piece(op: &Op, verts: &[Pt], x: &ArrayView2<f64>, p: usize, tol: f64) -> Vec<Vec<Pt>> {
    match op {
        Op::Relu { .. } => {
            let lines = relu_crossing(verts, x, p, tol);
            if lines.is_empty() {
                return vec![verts.to_vec()];
            }
            let cand: Vec<u32> = (0..lines.len() as u32).collect();
            let mut out = Vec::new();
            bsp(
                verts.to_vec(),
                (),
                &lines,
                &cand,
                tol,
                &|_, _| ((), ()),
                &mut out,
            );
            out.into_iter().map(|(v, _)| v).collect()
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

/// Cuts `piece` by every candidate line (indices into `lines`), testing in each sub-piece
/// only the lines that crossed its parent; appends the pieces to `out`. Each piece carries
/// a payload: `sides(payload, unit)` makes the payloads of the positive and the negative
/// side of a cut by `unit`'s line.
fn bsp<T: Send + Sync>(
    piece: Vec<Pt>,
    payload: T,
    lines: &[(u32, Line, f64)],
    cand: &[u32],
    tol: f64,
    sides: &(dyn Fn(T, u32) -> (T, T) + Sync),
    out: &mut Vec<(Vec<Pt>, T)>,
) {
    for (k, &i) in cand.iter().enumerate() {
        let (unit, line, _) = lines[i as usize];
        if let Split::Two(pos, neg) = split(&piece, line, tol) {
            let rest = &cand[k + 1..];
            let keep = |poly: &[Pt]| -> Vec<u32> {
                rest.iter()
                    .copied()
                    .filter(|&j| {
                        let (_, g, n) = lines[j as usize];
                        crosses_with_norm(poly, g, n, tol)
                    })
                    .collect()
            };
            let (cp, cn) = (keep(&pos), keep(&neg));
            let (tp, tn) = sides(payload, unit);
            if rest.len() > PAR_LINES {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                rayon::join(
                    || bsp(pos, tp, lines, &cp, tol, sides, &mut a),
                    || bsp(neg, tn, lines, &cn, tol, sides, &mut b),
                );
                out.extend(a);
                out.extend(b);
            } else {
                bsp(pos, tp, lines, &cp, tol, sides, out);
                bsp(neg, tn, lines, &cn, tol, sides, out);
            }
            return;
        }
    }
    out.push((piece, payload));
}

/// Number of set bits `from..to` of a packed bit vector.
fn count_bits(bits: &[u64], from: usize, to: usize) -> usize {
    let mut n = 0;
    let mut b = from;
    while b < to {
        let (w, off) = (b / 64, b % 64);
        let len = (64 - off).min(to - b);
        let mask = if len == 64 {
            u64::MAX
        } else {
            ((1u64 << len) - 1) << off
        };
        n += (bits[w] & mask).count_ones() as usize;
        b += len;
    }
    n
}

fn set_bit(bits: &mut [u64], k: usize) {
    bits[k / 64] |= 1u64 << (k % 64);
}

/// Key, activation rate and classification cells of a final polygon.
fn finish(ctx: &Ctx, verts: Vec<Pt>, bits: Vec<u64>, logit_map: ArrayView2<f64>) -> SlicePolygon {
    let (mut active, mut n_relu) = (0usize, 0usize);
    for (k, node) in ctx.net.nodes.iter().enumerate() {
        if matches!(node.op, Op::Relu { .. }) {
            let o = ctx.bit_offset[k];
            n_relu += node.size;
            active += count_bits(&bits, o, o + node.size);
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

#[cfg(test)]
mod tests {
    use super::count_bits;

    #[test]
    fn count_bits_matches_a_bit_by_bit_count() {
        let bits = [0xF0F0_1234_8000_0001u64, u64::MAX, 0x5555_5555_5555_5555];
        for from in [0, 1, 5, 63, 64, 65, 100, 128] {
            for to in from..=192 {
                let naive = (from..to)
                    .filter(|&b| bits[b / 64] >> (b % 64) & 1 == 1)
                    .count();
                assert_eq!(count_bits(&bits, from, to), naive, "{from}..{to}");
            }
        }
    }
}
