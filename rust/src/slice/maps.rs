//! The affine maps of the slice: every polygon carries, for each live node, its map as three
//! rows (coefficients of `s`, of `t`, and the constant), stacked for a group of polygons
//! (`3` rows per polygon). Linear nodes run on whole groups (one GEMM per affine node); a
//! piecewise-linear node's state is read at a point, and the maps of the pieces cut from one
//! polygon are its base map plus a [`Delta`] in the units whose state differs.

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::{s, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::ctx::Ctx;
use super::polygon::{Line, Pt};
use crate::ir::{live, Op};

/// One polygon's map of a node: `(3, size)`, rows = coefficients of `s`, `t`, constant;
/// stacked for a group of polygons.
pub(super) type Map = Arc<Array2<f64>>;

pub(super) fn is_cut(op: &Op) -> bool {
    matches!(op, Op::Relu { .. } | Op::MaxPool { .. })
}

/// Rows `3 p .. 3 p + 3` (polygon `p`) of a stacked map.
#[inline]
pub(super) fn block(m: &Array2<f64>, p: usize) -> ArrayView2<'_, f64> {
    m.slice(s![3 * p..3 * p + 3, ..])
}

/// The affine function of unit `i` on polygon `p` of a stacked map.
#[inline]
pub(super) fn unit_line(m: &ArrayView2<f64>, p: usize, i: usize) -> Line {
    Line {
        a: m[[3 * p, i]],
        b: m[[3 * p + 1, i]],
        c: m[[3 * p + 2, i]],
    }
}

/// Runs the linear nodes `k..` on stacked maps until the next piecewise-linear node (or
/// the end), freeing values no longer read; returns that node's index (or `nodes.len()`).
pub(super) fn linear_segment(ctx: &Ctx, mut k: usize, vals: &mut [Option<Map>]) -> usize {
    let nodes = &ctx.net.nodes;
    while k < nodes.len() && !is_cut(&nodes[k].op) {
        let val = |i: usize| live(vals, i);
        let y = match &nodes[k].op {
            Op::Input => unreachable!("the input is node 0"),
            Op::Affine { input, bias, .. } => {
                let w = ctx.weights[k].as_ref().expect("prepared weight");
                let mut y = w.apply_live(val(*input).view());
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

/// Drops the values of node `k`'s inputs that no later node reads.
pub(super) fn free_inputs<T>(ctx: &Ctx, k: usize, vals: &mut [Option<T>]) {
    for i in ctx.net.nodes[k].op.inputs() {
        if ctx.last_use[i] == k {
            vals[i] = None;
        }
    }
}

/// The state of a piecewise-linear node at point `c` of polygon `p` of the stacked input
/// map `x`: per ReLU unit 1 (active, `h > 0`) or 0, per max-pool window the position of
/// its first maximal entry (as the bulk forward pass reads them).
pub(super) fn state_at(op: &Op, x: &ArrayView2<f64>, p: usize, c: Pt) -> Vec<u32> {
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
#[inline]
pub(super) fn rows3<'a>(x: &'a ArrayView2<f64>, p: usize) -> [Cow<'a, [f64]>; 3] {
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
pub(super) fn unit_value(op: &Op, x: &ArrayView2<f64>, p: usize, i: usize, st: u32) -> [f64; 3] {
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

/// Maps of the pieces cut from one polygon minus the *base* map (the polygon's map in its
/// reference state): rows `3 l .. 3 l + 3` belong to piece `l`.
pub(super) enum Delta {
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
    pub(super) fn add_to(&self, l: usize, mut y: ndarray::ArrayViewMut2<f64>) {
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
pub(super) fn linear_delta(ctx: &Ctx, k: usize, deltas: &[Option<Delta>]) -> Option<Delta> {
    let node = &ctx.net.nodes[k];
    match &node.op {
        Op::Affine { input, .. } => {
            let d = deltas[*input].as_ref()?;
            let w = ctx.weights[k].as_ref().expect("prepared weight");
            Some(Delta::Dense(match d {
                Delta::Sparse { cols, m } => w.apply_cols(m.view(), cols),
                Delta::Dense(m) => w.apply(m.view()),
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

/// Node `k`'s stacked map with every polygon of the group in its reference state `refs[p]`
/// (see [`state_at`]), from the stacked map `x` of its input.
pub(super) fn base_map(ctx: &Ctx, k: usize, x: &ArrayView2<f64>, refs: &[Vec<u32>]) -> Array2<f64> {
    let op = &ctx.net.nodes[k].op;
    let size = ctx.net.nodes[k].size;
    let mut y = Array2::<f64>::zeros((3 * refs.len(), size));
    y.axis_chunks_iter_mut(Axis(0), 3)
        .into_par_iter()
        .zip(refs.par_iter())
        .enumerate()
        .for_each(|(p, (mut rows, st))| match op {
            Op::Relu { slope, .. } => {
                for (q, mut row) in rows.outer_iter_mut().enumerate() {
                    let xr = x.row(3 * p + q);
                    for (((y, &xi), &a), &s) in row.iter_mut().zip(xr).zip(st).zip(slope) {
                        *y = if a == 1 { xi } else { xi * s };
                    }
                }
            }
            _ => {
                for i in 0..size {
                    let v = unit_value(op, x, p, i, st[i]);
                    for r in 0..3 {
                        rows[[r, i]] = v[r];
                    }
                }
            }
        });
    y
}
