//! The cutting of the slice: a polygon is cut by the lines of a piecewise-linear node (the
//! zero lines of ReLU units, the argmax changes of max-pool windows) recursively, as a BSP
//! in which a piece only tests the lines that crossed its parent; the pieces come out with
//! their states and their maps of the nodes live after the cut.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::ctx::Ctx;
use super::maps::{
    block, free_inputs, linear_delta, rows3, state_at, unit_line, unit_value, Delta, Map,
};
use super::polygon::{argmax_cells, centroid, crosses_with_norm, split, Line, Pt, Split};
use crate::ir::{Op, WeightT};

/// Lines left to test above which the two halves of a cut are processed in parallel.
const PAR_LINES: usize = 48;

/// The pieces cut from one polygon, their states at the cut node (see [`state_at`]) and
/// the stacked maps of the nodes live after the cut.
pub(super) type Pieces = (Vec<Vec<Pt>>, Vec<Vec<u32>>, Vec<Option<Map>>);

/// One polygon of a group to cut at piecewise-linear node `k`: what every cut reads.
#[derive(Clone, Copy)]
pub(super) struct Cut<'a, 'x> {
    pub ctx: &'a Ctx<'a>,
    /// The piecewise-linear node.
    pub k: usize,
    /// The polygon's vertices.
    pub verts: &'a [Pt],
    /// The group's stacked map of node `k`'s input.
    pub x: &'a ArrayView2<'x, f64>,
    /// The polygon's index in the group.
    pub p: usize,
    /// Its reference state at node `k` (the state at its centroid).
    pub r: &'a [u32],
    /// The group's base maps (every polygon in its reference state) of the nodes live after
    /// the linear nodes that follow node `k`.
    pub base: &'a [Option<Map>],
}

impl Cut<'_, '_> {
    /// The pieces of the polygon cut at piecewise-linear node `k`, their states, and their
    /// stacked maps of the nodes live after the linear nodes `k + 1 .. next`: its base block (the
    /// polygon in its reference state) plus a delta that is sparse at node `k`.
    pub fn generic(&self, next: usize) -> Pieces {
        let Cut {
            ctx,
            k,
            verts: v,
            x: xv,
            p,
            r,
            base,
        } = *self;
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

    /// [`Cut::generic`] for a ReLU node `k` read only by the dense affine node `a`: the pieces
    /// come out of the BSP with their maps of node `a`, each cut adding one rank-1 term
    /// `coef * x_unit (outer) W[:, unit]` to one side; pieces whose centroid state differs from
    /// the state along their BSP path (lines within the tolerance) get the same correction.
    pub fn relu_affine(&self, a: usize) -> Pieces {
        let (ctx, xv, p, r) = (self.ctx, self.x, self.p, self.r);
        let op = &ctx.net.nodes[self.k].op;
        let Op::Relu { slope, .. } = op else {
            unreachable!("a ReLU node")
        };
        let f = |st: u32, unit: usize| if st == 1 { 1.0 } else { slope[unit] };
        let wt = ctx.weights[a]
            .as_ref()
            .and_then(WeightT::dense)
            .expect("dense W^T");
        let rank1 = |m: &mut Array2<f64>, unit: usize, coef: f64| {
            let w = wt.row(unit);
            for q in 0..3 {
                let c = coef * xv[[3 * p + q, unit]];
                if c != 0.0 {
                    m.row_mut(q).scaled_add(c, &w);
                }
            }
        };
        let m0 = block(self.base[a].as_ref().expect("live base"), p).to_owned();
        let lines = relu_crossing(self.verts, xv, p, ctx.tol);
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
            self.verts.to_vec(),
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
        let mut child_vals: Vec<Option<Map>> = vec![None; self.base.len()];
        child_vals[a] = Some(Arc::new(out));
        (pieces, states, child_vals)
    }
}

/// The zero lines of ReLU units that cross polygon `p` of the stacked map `x` (see
/// [`super::crosses`]): `(unit, line, norm of the line)` in unit order.
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
pub(super) fn cut_piece(
    op: &Op,
    verts: &[Pt],
    x: &ArrayView2<f64>,
    p: usize,
    tol: f64,
) -> Vec<Vec<Pt>> {
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
