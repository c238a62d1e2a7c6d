//! Exact traversal of a segment `x0 + beta (x1 - x0)`, beta in [0, 1], region by region.
//!
//! Inside a region every node value is affine in beta, so one forward pass of values and
//! directional derivatives gives, for every ReLU neuron and max-pool window, the beta at
//! which it switches; the smallest one ends the current piece. The state of each unit on
//! the next piece is decided lexicographically at the breakpoint: by the sign of its value,
//! and where that is zero (within `tol`), by the sign of its derivative along the segment
//! (computed with the already-decided states of earlier layers). Several neurons switching
//! at once, and starting exactly on a boundary, need no special case. Every breakpoint is
//! recomputed from `x0` directly, so errors do not accumulate. Cost: one forward pass of
//! two vectors per region crossed.

use ndarray::{concatenate, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{ensure_same, CoreError, Result};
use crate::ir::{Network, Op};
use crate::linalg::check_finite;
use crate::pattern::{key_of, n_words, Bits};

/// Upper bound on the pieces of one segment; reaching it is reported as an error.
pub const MAX_PIECES: usize = 1_000_000;

/// Switch parameters within this relative distance of the first one count as simultaneous.
const SIMULTANEOUS_REL: f64 = 1e-12;

/// The pieces of one segment.
#[derive(Debug, Clone)]
pub struct Walk {
    /// `K + 1` breakpoints, `0 = beta_0 < ... < beta_K = 1`.
    pub breakpoints: Vec<f64>,
    /// Packed pattern of each of the `K` pieces (same packing as the bulk forward pass).
    pub bits: Vec<Vec<u64>>,
    /// Key of each piece.
    pub keys: Vec<(u64, u64)>,
    /// For each interior breakpoint (K - 1 of them), the `(layer, unit)` pairs that switch.
    pub switches: Vec<Vec<(usize, usize)>>,
}

/// Values and derivatives along `u` of every node at one point, with the unit states that
/// hold just after it (lexicographic rule), and the packed pattern.
struct Probe {
    /// Per node: `(size x 2)`, column 0 value, column 1 derivative.
    vd: Vec<Array2<f64>>,
    bits: Vec<u64>,
    /// Per piecewise-linear node (in layer order): ReLU active flags or max-pool argmax.
    states: Vec<Vec<usize>>,
}

fn lex_active(h: f64, dh: f64, tol: f64) -> bool {
    if h > tol {
        true
    } else if h < -tol {
        false
    } else if dh != 0.0 {
        dh > 0.0
    } else {
        h > 0.0
    }
}

/// A unit whose switch ends the current piece: `(layer, unit, entry)`; `entry` is the
/// entering window position for max-pool, 0 for ReLU.
type Switch = (usize, usize, usize);

/// Probes the point; units in `forced` (the ones whose switch defines this breakpoint) are
/// taken to sit exactly on their boundary, so their derivative decides their state.
fn probe(
    net: &Network,
    x: ArrayView1<f64>,
    u: ArrayView1<f64>,
    tol: f64,
    forced: &[Switch],
) -> Probe {
    let mut vd: Vec<Array2<f64>> = Vec::with_capacity(net.nodes.len());
    let mut bits = vec![0u64; n_words(net.n_pattern_bits())];
    let mut states = Vec::with_capacity(net.n_layers);
    let mut bit = 0usize;
    for node in &net.nodes {
        let out = match &node.op {
            Op::Input => concatenate![Axis(1), x.insert_axis(Axis(1)), u.insert_axis(Axis(1))],
            Op::Affine {
                input,
                weight,
                bias,
            } => {
                let mut y = weight.apply_cols(vd[*input].view());
                y.column_mut(0).scaled_add(1.0, bias);
                y
            }
            Op::Add { inputs } => {
                let mut y = vd[inputs[0]].clone();
                for &i in &inputs[1..] {
                    y += &vd[i];
                }
                y
            }
            Op::Relu { input, slope } => {
                let h = &vd[*input];
                let mut y = h.clone();
                let mut st = Vec::with_capacity(node.size);
                let layer = states.len();
                for i in 0..node.size {
                    let on = forced.iter().any(|&(l, k, _)| l == layer && k == i);
                    let v = if on { 0.0 } else { h[[i, 0]] };
                    let active = lex_active(v, h[[i, 1]], tol);
                    st.push(active as usize);
                    if active {
                        bits.set_bit(bit + i);
                    } else {
                        y.row_mut(i).mapv_inplace(|v| v * slope[i]);
                    }
                }
                bit += node.size;
                states.push(st);
                y
            }
            Op::MaxPool { input, windows } => {
                let h = &vd[*input];
                let mut y = Array2::<f64>::zeros((windows.len(), 2));
                let mut st = Vec::with_capacity(windows.len());
                let layer = states.len();
                for (w, win) in windows.iter().enumerate() {
                    let entering: Vec<usize> = forced
                        .iter()
                        .filter(|&&(l, k, _)| l == layer && k == w)
                        .map(|&(_, _, e)| e)
                        .collect();
                    let arg = lex_argmax(h, win, tol, &entering);
                    st.push(arg);
                    y.row_mut(w).assign(&h.row(win[arg]));
                    bits.set_bit(bit + arg);
                    bit += win.len();
                }
                states.push(st);
                y
            }
        };
        vd.push(out);
    }
    Probe { vd, bits, states }
}

/// Entry of `win` that is maximal just after the current point: largest value, ties
/// (within `tol` of the maximum, or `entering` positions) broken by the largest
/// derivative, then by position.
fn lex_argmax(h: &Array2<f64>, win: &[usize], tol: f64, entering: &[usize]) -> usize {
    lex_argmax_at(h, win, tol, entering, (0, 1))
}

/// [`lex_argmax`] with the values in column `cols.0` of `h` and the derivatives in `cols.1`.
fn lex_argmax_at(
    h: &Array2<f64>,
    win: &[usize],
    tol: f64,
    entering: &[usize],
    (vc, dc): (usize, usize),
) -> usize {
    let best = win
        .iter()
        .map(|&j| h[[j, vc]])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut arg = usize::MAX;
    for (p, &j) in win.iter().enumerate() {
        let tied = h[[j, vc]] >= best - tol || entering.contains(&p);
        if tied && (arg == usize::MAX || h[[j, dc]] > h[[win[arg], dc]]) {
            arg = p;
        }
    }
    arg
}

/// Points per task of [`patterns_after`].
const PROBE_CHUNK: usize = 256;

/// The packed pattern `(k, words)` of the region entered just after each point `x[c]` in
/// the direction `u[c]` (`x`, `u`: `(k, n_inputs)`), by the walk's lexicographic rule: a unit
/// whose value is within `tol` of its switch is decided by its derivative along `u[c]`. One
/// forward pass of the points and their directions stacked (rayon tasks over chunks).
pub fn patterns_after(
    net: &Network,
    x: ArrayView2<f64>,
    u: ArrayView2<f64>,
    tol: f64,
) -> Array2<u64> {
    let mut bits = Array2::<u64>::zeros((x.nrows(), n_words(net.n_pattern_bits())));
    bits.axis_chunks_iter_mut(Axis(0), PROBE_CHUNK)
        .into_par_iter()
        .enumerate()
        .for_each(|(c, mut out)| {
            let rows = c * PROBE_CHUNK..c * PROBE_CHUNK + out.nrows();
            let xs = x.slice(ndarray::s![rows.clone(), ..]);
            let us = u.slice(ndarray::s![rows, ..]);
            probe_rows(net, xs, us, tol, &mut out);
        });
    bits
}

/// [`patterns_after`] for one chunk: node values in rows `0..k`, derivatives in `k..2k`.
fn probe_rows(
    net: &Network,
    x: ArrayView2<f64>,
    u: ArrayView2<f64>,
    tol: f64,
    bits: &mut ndarray::ArrayViewMut2<u64>,
) {
    let k = x.nrows();
    let mut vd: Vec<Array2<f64>> = Vec::with_capacity(net.nodes.len());
    let mut bit = 0usize;
    for node in &net.nodes {
        let out = match &node.op {
            Op::Input => concatenate![Axis(0), x, u],
            Op::Affine {
                input,
                weight,
                bias,
            } => {
                let mut y = weight.apply_rows(vd[*input].view());
                for mut row in y.rows_mut().into_iter().take(k) {
                    row += bias;
                }
                y
            }
            Op::Add { inputs } => {
                let mut y = vd[inputs[0]].clone();
                for &i in &inputs[1..] {
                    y += &vd[i];
                }
                y
            }
            Op::Relu { input, slope } => {
                let mut y = vd[*input].clone();
                for p in 0..k {
                    let row = bits
                        .row_mut(p)
                        .into_slice()
                        .expect("contiguous pattern row");
                    for i in 0..node.size {
                        if lex_active(y[[p, i]], y[[k + p, i]], tol) {
                            row.set_bit(bit + i);
                        } else {
                            y[[p, i]] *= slope[i];
                            y[[k + p, i]] *= slope[i];
                        }
                    }
                }
                bit += node.size;
                y
            }
            Op::MaxPool { input, windows } => {
                let h = vd[*input].t();
                let h = h.to_owned(); // (units, 2k): lex_argmax reads columns
                let mut y = Array2::<f64>::zeros((2 * k, windows.len()));
                for p in 0..k {
                    let row = bits
                        .row_mut(p)
                        .into_slice()
                        .expect("contiguous pattern row");
                    let mut off = bit;
                    for (w, win) in windows.iter().enumerate() {
                        let arg = lex_argmax_at(&h, win, tol, &[], (p, k + p));
                        y[[p, w]] = h[[win[arg], p]];
                        y[[k + p, w]] = h[[win[arg], k + p]];
                        row.set_bit(off + arg);
                        off += win.len();
                    }
                }
                bit += windows.iter().map(Vec::len).sum::<usize>();
                y
            }
        };
        vd.push(out);
    }
}

/// Smallest step `t >= 0` (in beta units) after which some unit switches, and the units
/// that switch there; `f64::INFINITY` if none does.
fn next_switch(net: &Network, p: &Probe) -> (f64, Vec<Switch>) {
    let mut cands: Vec<(f64, Switch)> = Vec::new();
    let mut layer = 0;
    for node in &net.nodes {
        match &node.op {
            Op::Relu { input, .. } => {
                let h = &p.vd[*input];
                for (i, &active) in p.states[layer].iter().enumerate() {
                    let (v, dv) = (h[[i, 0]], h[[i, 1]]);
                    let heading_out = if active == 1 { dv < 0.0 } else { dv > 0.0 };
                    if heading_out {
                        cands.push(((-v / dv).max(0.0), (layer, i, 0)));
                    }
                }
                layer += 1;
            }
            Op::MaxPool { input, windows } => {
                let h = &p.vd[*input];
                for (w, win) in windows.iter().enumerate() {
                    let j = win[p.states[layer][w]];
                    for (pos, &e) in win.iter().enumerate() {
                        let gain = h[[e, 1]] - h[[j, 1]];
                        if gain > 0.0 {
                            cands
                                .push((((h[[j, 0]] - h[[e, 0]]) / gain).max(0.0), (layer, w, pos)));
                        }
                    }
                }
                layer += 1;
            }
            _ => {}
        }
    }
    let t_min = cands.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let tie = SIMULTANEOUS_REL * t_min.abs();
    let switching = cands
        .into_iter()
        .filter(|c| c.0 <= t_min + tie)
        .map(|c| c.1)
        .collect();
    (t_min, switching)
}

fn changed_units(net: &Network, a: &Probe, b: &Probe) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for layer in 0..net.n_layers {
        for (unit, (sa, sb)) in a.states[layer].iter().zip(&b.states[layer]).enumerate() {
            if sa != sb {
                out.push((layer, unit));
            }
        }
    }
    out
}

fn check_segment(net: &Network, x0: ArrayView1<f64>, x1: ArrayView1<f64>) -> Result<()> {
    let d = net.n_inputs();
    ensure_same(
        "lengths of the segment start x0 and of the input",
        x0.len(),
        d,
    )?;
    ensure_same(
        "lengths of the segment end x1 and of the input",
        x1.len(),
        d,
    )?;
    check_finite(x0.iter(), "segment start x0")?;
    check_finite(x1.iter(), "segment end x1")
}

/// Checks that the segment ends `starts` and `ends` (`(n, d)` each) agree in shape.
pub fn check_segments(starts: ArrayView2<f64>, ends: ArrayView2<f64>) -> Result<()> {
    ensure_same("shapes of starts and ends", starts.dim(), ends.dim())
}

/// Walks the segment from `x0` to `x1`. `tol` is the |value| below which a unit's state is
/// decided by its derivative; pieces shorter than `tol / |derivative|` may be merged.
pub fn walk(net: &Network, x0: ArrayView1<f64>, x1: ArrayView1<f64>, tol: f64) -> Result<Walk> {
    check_segment(net, x0, x1)?;
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(CoreError::Value(format!(
            "walk tolerance must be finite and >= 0, got {tol}"
        )));
    }
    let u: Array1<f64> = &x1 - &x0;
    let mut cur = probe(net, x0, u.view(), tol, &[]);
    let mut out = Walk {
        breakpoints: vec![0.0],
        bits: vec![],
        keys: vec![],
        switches: vec![],
    };
    let mut beta = 0.0;
    loop {
        out.keys.push(key_of(ArrayView1::from(&cur.bits)));
        out.bits.push(cur.bits.clone());
        let (step, forced) = next_switch(net, &cur);
        let next_beta = beta + step;
        if next_beta >= 1.0 || !next_beta.is_finite() {
            out.breakpoints.push(1.0);
            return Ok(out);
        }
        if out.keys.len() >= MAX_PIECES {
            return Err(CoreError::Value(format!(
                "segment crosses more than {MAX_PIECES} regions; split it"
            )));
        }
        let x = &x0 + &(&u * next_beta);
        let nxt = probe(net, x.view(), u.view(), tol, &forced);
        let switched = changed_units(net, &cur, &nxt);
        if next_beta > beta {
            out.switches.push(switched);
            out.breakpoints.push(next_beta);
        } else {
            // A zero-length step (a switch exactly at the current breakpoint): the piece
            // just recorded has no length, so it is replaced by the next one.
            out.keys.pop();
            out.bits.pop();
            if let Some(last) = out.switches.last_mut() {
                last.extend(switched);
            }
        }
        beta = next_beta;
        cur = nxt;
    }
}

/// Walks many segments in parallel (`starts`, `ends`: `(n, d)`).
pub fn walk_many(
    net: &Network,
    starts: ArrayView2<f64>,
    ends: ArrayView2<f64>,
    tol: f64,
) -> Result<Vec<Walk>> {
    check_segments(starts, ends)?;
    (0..starts.nrows())
        .into_par_iter()
        .map(|i| walk(net, starts.row(i), ends.row(i), tol))
        .collect()
}

/// Logits `(K + 1, M)` at the breakpoints `x0 + beta_k (x1 - x0)` of a walk (the network is
/// continuous, so each breakpoint has one value); the last row is taken at `x1` itself.
pub fn breakpoint_logits(
    net: &Network,
    x0: ArrayView1<f64>,
    x1: ArrayView1<f64>,
    walk: &Walk,
) -> Result<Array2<f64>> {
    let u = &x1 - &x0;
    let last = walk.breakpoints.len() - 1;
    let pts = Array2::from_shape_fn((walk.breakpoints.len(), x0.len()), |(k, j)| {
        if k == last {
            x1[j]
        } else {
            x0[j] + walk.breakpoints[k] * u[j]
        }
    });
    Ok(crate::forward::forward(net, pts.view(), false)?.logits)
}
