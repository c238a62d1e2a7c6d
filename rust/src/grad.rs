//! Input gradients of weighted logits, `v^T d logits / dx`, by reverse mode over the IR.
//!
//! The activation states are those of the bulk forward pass (ReLU active where its
//! pre-activation is > 0, max-pool: first maximal entry), so the gradient is the one of
//! the region `patterns()` assigns to the point. One forward and one backward pass per point.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{ensure_same, Result};
use crate::forward::{node_values, window_argmax};
use crate::ir::{Network, Op};

/// Gradient `(d,)` of `v . logits(x)` at one point `x` (`v`: `(M,)`).
pub fn input_gradient(
    net: &Network,
    x: ArrayView1<f64>,
    v: ArrayView1<f64>,
) -> Result<Array1<f64>> {
    let g = input_gradients(net, x.insert_axis(Axis(0)), v.insert_axis(Axis(0)))?;
    Ok(g.row(0).to_owned())
}

/// The gradient at one point, shapes checked by the caller.
fn gradient_at(net: &Network, x: ArrayView1<f64>, v: ArrayView1<f64>) -> Result<Array1<f64>> {
    let values = node_values(net, x.insert_axis(Axis(0)))?;
    let mut grads: Vec<Array1<f64>> = net.nodes.iter().map(|n| Array1::zeros(n.size)).collect();
    let last = net.nodes.len() - 1;
    grads[last].assign(&v);
    for k in (1..net.nodes.len()).rev() {
        let g = std::mem::take(&mut grads[k]);
        match &net.nodes[k].op {
            Op::Input => {}
            Op::Affine { input, weight, .. } => {
                grads[*input] += &weight.apply_t(g.view());
            }
            Op::Add { inputs } => {
                for &i in inputs {
                    grads[i] += &g;
                }
            }
            Op::Relu { input, slope } => {
                let h = values[*input].row(0);
                let scaled =
                    Array1::from_iter(g.iter().zip(h.iter()).zip(slope).map(|((&gi, &hi), &s)| {
                        if hi > 0.0 {
                            gi
                        } else {
                            s * gi
                        }
                    }));
                grads[*input] += &scaled;
            }
            Op::MaxPool { input, windows } => {
                let h = values[*input].row(0);
                for (w, win) in windows.iter().enumerate() {
                    let (arg, _) = window_argmax(h, win);
                    grads[*input][win[arg]] += g[w];
                }
            }
        }
    }
    Ok(std::mem::take(&mut grads[0]))
}

/// Gradients `(n, d)` of `v_i . logits(x_i)` for points `x` `(n, d)` and weights `v` `(n, M)`.
pub fn input_gradients(
    net: &Network,
    x: ArrayView2<f64>,
    v: ArrayView2<f64>,
) -> Result<Array2<f64>> {
    ensure_same(
        "numbers of points and of logit-weight rows",
        x.nrows(),
        v.nrows(),
    )?;
    ensure_same(
        "numbers of logit weights and of the network's logits",
        v.ncols(),
        net.n_outputs(),
    )?;
    let rows: Vec<Array1<f64>> = (0..x.nrows())
        .into_par_iter()
        .map(|i| gradient_at(net, x.row(i), v.row(i)))
        .collect::<Result<_>>()?;
    let mut out = Array2::zeros((x.nrows(), net.n_inputs()));
    for (i, r) in rows.into_iter().enumerate() {
        out.row_mut(i).assign(&r);
    }
    Ok(out)
}
