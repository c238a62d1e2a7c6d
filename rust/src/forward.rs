//! Bulk forward passes: logits and activation-pattern bits for many points.
//!
//! Points are processed in chunks, one rayon task per chunk, each chunk pushed through
//! the whole network with single-threaded GEMMs. Node values are dropped as soon as
//! their last reader has run, so memory stays at a few layers per chunk.

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::ir::{live, Network, Op};
use crate::linalg::check_finite;
use crate::pattern::{n_words, Bits};

/// Points per rayon task.
const CHUNK: usize = 256;

/// Result of a bulk forward pass.
pub struct Forward {
    /// `(n, n_outputs)` logits.
    pub logits: Array2<f64>,
    /// `(n, n_words)` packed pattern bits (one [`Bits`] pattern per row), present when
    /// requested.
    pub bits: Option<Array2<u64>>,
}

fn check_points(net: &Network, x: &ArrayView2<f64>) -> Result<()> {
    if x.ncols() != net.n_inputs() {
        return Err(CoreError::Shape(format!(
            "points have {} features, the network expects {}",
            x.ncols(),
            net.n_inputs()
        )));
    }
    check_finite(x.iter(), "input points")
}

/// Runs `x` (n x n_inputs) through the network; optionally packs the activation pattern.
pub fn forward(net: &Network, x: ArrayView2<f64>, with_bits: bool) -> Result<Forward> {
    check_points(net, &x)?;
    let n = x.nrows();
    let mut logits = Array2::<f64>::zeros((n, net.n_outputs()));
    let words = n_words(net.n_pattern_bits());
    let mut bits = with_bits.then(|| Array2::<u64>::zeros((n, words)));
    let last_use = net.last_use();

    let logit_chunks = logits.axis_chunks_iter_mut(Axis(0), CHUNK);
    match bits.as_mut() {
        Some(b) => {
            let bit_chunks = b.axis_chunks_iter_mut(Axis(0), CHUNK);
            logit_chunks
                .into_par_iter()
                .zip(bit_chunks)
                .enumerate()
                .for_each(|(c, (mut lo, bo))| {
                    let xs = x.slice(s![c * CHUNK..c * CHUNK + lo.nrows(), ..]);
                    lo.assign(&forward_chunk(net, xs, &last_use, Some(bo)));
                });
        }
        None => {
            logit_chunks
                .into_par_iter()
                .enumerate()
                .for_each(|(c, mut lo)| {
                    let xs = x.slice(s![c * CHUNK..c * CHUNK + lo.nrows(), ..]);
                    lo.assign(&forward_chunk(net, xs, &last_use, None));
                });
        }
    }
    Ok(Forward { logits, bits })
}

/// Point `p`'s pattern in a chunk of packed patterns.
fn pattern_row<'a>(bits: &'a mut ArrayViewMut2<u64>, p: usize) -> &'a mut [u64] {
    bits.row_mut(p)
        .into_slice()
        .expect("pattern rows are contiguous")
}

/// Pushes one chunk through the network and returns its output node values.
fn forward_chunk(
    net: &Network,
    x: ArrayView2<f64>,
    last_use: &[usize],
    bits: Option<ArrayViewMut2<u64>>,
) -> Array2<f64> {
    let mut values = run_chunk(net, x, Some(last_use), bits);
    values.pop().flatten().expect("output node value")
}

/// Values of every node for the points `x` (n x n_inputs), computed exactly as the bulk
/// forward pass computes them (so signs agree bit for bit with `forward`).
pub fn node_values(net: &Network, x: ArrayView2<f64>) -> Result<Vec<Array2<f64>>> {
    check_points(net, &x)?;
    Ok(run_chunk(net, x, None, None)
        .into_iter()
        .map(|v| v.expect("kept value"))
        .collect())
}

/// The packed pattern of one point `x` (length n_inputs), computed as the bulk forward pass
/// computes it (same bits, same key).
pub fn pattern_at(net: &Network, x: ndarray::ArrayView1<f64>) -> Result<Vec<u64>> {
    let x = x.insert_axis(Axis(0));
    check_points(net, &x)?;
    let mut bits = Array2::<u64>::zeros((1, n_words(net.n_pattern_bits())));
    run_chunk(net, x, Some(&net.last_use()), Some(bits.view_mut()));
    Ok(bits.into_raw_vec_and_offset().0)
}

/// Runs the network on one chunk. With `last_use`, values are dropped after their last
/// reader; without it every node value is kept.
fn run_chunk(
    net: &Network,
    x: ArrayView2<f64>,
    last_use: Option<&[usize]>,
    mut bits: Option<ArrayViewMut2<u64>>,
) -> Vec<Option<Array2<f64>>> {
    let n = x.nrows();
    let mut values: Vec<Option<Array2<f64>>> = vec![None; net.nodes.len()];
    let mut bit_offset = 0usize;
    for (k, node) in net.nodes.iter().enumerate() {
        let val = |i: usize| live(&values, i);
        let out = match &node.op {
            Op::Input => x.to_owned(),
            Op::Affine {
                input,
                weight,
                bias,
            } => {
                let mut y = weight.apply_rows(val(*input).view());
                y += bias;
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
                let h = val(*input);
                if let Some(b) = bits.as_mut() {
                    for (p, hr) in h.axis_iter(Axis(0)).enumerate() {
                        let row = pattern_row(b, p);
                        for (i, &v) in hr.iter().enumerate() {
                            if v > 0.0 {
                                row.set_bit(bit_offset + i);
                            }
                        }
                    }
                }
                bit_offset += node.size;
                let mut y = h.clone();
                for mut row in y.axis_iter_mut(Axis(0)) {
                    for (v, &s) in row.iter_mut().zip(slope) {
                        if *v <= 0.0 {
                            *v *= s;
                        }
                    }
                }
                y
            }
            Op::MaxPool { input, windows } => {
                let h = val(*input);
                let mut y = Array2::<f64>::zeros((n, windows.len()));
                for p in 0..n {
                    let mut off = bit_offset;
                    for (w, win) in windows.iter().enumerate() {
                        let (arg, best) = window_argmax(h.row(p), win);
                        y[[p, w]] = best;
                        if let Some(b) = bits.as_mut() {
                            pattern_row(b, p).set_bit(off + arg);
                        }
                        off += win.len();
                    }
                }
                bit_offset += windows.iter().map(Vec::len).sum::<usize>();
                y
            }
        };
        values[k] = Some(out);
        if let Some(last) = last_use {
            for i in node.op.inputs() {
                if last[i] == k {
                    values[i] = None;
                }
            }
        }
    }
    values
}

/// Position within `win` of its first maximal entry, and that maximum.
pub fn window_argmax(h: ndarray::ArrayView1<f64>, win: &[usize]) -> (usize, f64) {
    let mut arg = 0;
    let mut best = h[win[0]];
    for (pos, &j) in win.iter().enumerate().skip(1) {
        if h[j] > best {
            best = h[j];
            arg = pos;
        }
    }
    (arg, best)
}
