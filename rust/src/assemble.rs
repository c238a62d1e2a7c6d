//! H-representation of the linear region holding one input point (paper, app. B).
//!
//! Forward-mode propagation of the local affine map: every node carries `J` (size x d)
//! and `c` (size) with `value(x) = J x + c` on the region. A ReLU neuron i contributes
//! the row `s_i J_i`, `s_i c_i` with `s_i = sgn(h_i(x*))` (eq. 2-3, 16-17); a max-pool
//! window contributes `J_max - J_e >= 0` for every other entry e. Rows whose input is
//! known to be zero (inactive ReLUs) are skipped in later products, which roughly halves
//! the cost of each dense layer.

use ndarray::{Array1, Array2, ArrayView1, Axis};

use crate::error::{BoundaryUnit, CoreError, Result};
use crate::forward::{node_values, window_argmax};
use crate::ir::{live, Network, Op, Weight};
use crate::pattern::{key_of, n_words, Bits};

/// What to do when the point lies on a boundary (|pre-activation| <= tol, or a max-pool
/// tie within tol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryPolicy {
    /// Refuse, listing the undetermined units.
    Error,
    /// Treat undetermined ReLUs as active (max-pool ties: the first maximal entry).
    Active,
    /// Treat undetermined ReLUs as inactive (max-pool ties: the first maximal entry).
    Inactive,
}

/// The region of one point: `A x + b >= 0` (the box is kept by the caller).
#[derive(Debug, Clone)]
pub struct RegionData {
    /// `(N, d)` inward normals, rows in execution order.
    pub a: Array2<f64>,
    /// `(N,)` offsets.
    pub b: Array1<f64>,
    /// `(N,)` piecewise-linear layer of each row.
    pub layer: Array1<i64>,
    /// `(N,)` neuron (ReLU) or window (max-pool) index of each row within its layer.
    pub unit: Array1<i64>,
    /// Packed pattern bits (same packing as the bulk forward pass).
    pub bits: Array1<u64>,
    /// `(high, low)` halves of the pattern key.
    pub key: (u64, u64),
    /// `(M, d)` and `(M,)`: logits(x) = W x + c on the region.
    pub logit_w: Array2<f64>,
    pub logit_c: Array1<f64>,
    /// Units found on a boundary and resolved by the policy (empty under `Error`).
    pub boundary: Vec<BoundaryUnit>,
}

/// Local affine map of one node: `value(x) = J x + c` on a region (or on a cell where the
/// patterns of the layers before it are fixed); `J` is `None` for the identity (the input
/// node).
pub(crate) struct Local {
    pub j: Option<Array2<f64>>,
    pub c: Array1<f64>,
    /// Rows of `J` that may be non-zero; `None` means all.
    pub support: Option<Vec<usize>>,
}

impl Local {
    /// The input node's map: the identity.
    pub fn identity(d: usize) -> Self {
        Local {
            j: None,
            c: Array1::zeros(d),
            support: None,
        }
    }

    pub fn dense(&self, d: usize) -> Array2<f64> {
        self.j.clone().unwrap_or_else(|| Array2::eye(d))
    }

    pub fn row(&self, i: usize, d: usize) -> Array1<f64> {
        match &self.j {
            Some(j) => j.row(i).to_owned(),
            None => {
                let mut r = Array1::zeros(d);
                r[i] = 1.0;
                r
            }
        }
    }

    /// `J x + c`.
    pub fn at(&self, x: ArrayView1<f64>) -> Array1<f64> {
        match &self.j {
            Some(j) => j.dot(&x) + &self.c,
            None => &x + &self.c,
        }
    }

    /// Local map of `W v + bias` given this one, the map of `v`.
    pub fn affine(&self, weight: &Weight, bias: &Array1<f64>) -> Local {
        Local {
            j: Some(weight.compose(self.j.as_ref(), self.support.as_deref())),
            c: weight.apply(self.c.view()) + bias,
            support: None,
        }
    }

    /// Local map of the elementwise sum of the nodes whose maps are `terms` (at least one).
    pub fn sum<'a>(mut terms: impl Iterator<Item = &'a Local>, d: usize) -> Local {
        let first = terms.next().expect("an add node has inputs");
        let mut j = first.dense(d);
        let mut c = first.c.clone();
        for l in terms {
            match &l.j {
                Some(ji) => j += ji,
                None => j.diag_mut().mapv_inplace(|v| v + 1.0),
            }
            c += &l.c;
        }
        Local {
            j: Some(j),
            c,
            support: None,
        }
    }
}

/// Number of rows of the H-representation: one per ReLU neuron, window size - 1 per window.
pub fn n_rows(net: &Network) -> usize {
    net.nodes
        .iter()
        .map(|n| match &n.op {
            Op::Relu { .. } => n.size,
            Op::MaxPool { windows, .. } => windows.iter().map(|w| w.len() - 1).sum(),
            _ => 0,
        })
        .sum()
}

/// Assembles the region of `x` (length n_inputs).
pub fn assemble(
    net: &Network,
    x: ArrayView1<f64>,
    tol: f64,
    policy: BoundaryPolicy,
) -> Result<RegionData> {
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(CoreError::Value(format!(
            "boundary tolerance must be finite and >= 0, got {tol}"
        )));
    }
    let values = node_values(net, x.insert_axis(Axis(0)))?;
    let d = net.n_inputs();
    let n = n_rows(net);
    let mut a = Array2::<f64>::zeros((n, d));
    let mut b = Array1::<f64>::zeros(n);
    let mut layer = Array1::<i64>::zeros(n);
    let mut unit = Array1::<i64>::zeros(n);
    let mut bits = vec![0u64; n_words(net.n_pattern_bits())];
    let mut boundary = Vec::new();
    let mut row = 0usize;
    let mut bit = 0usize;
    let mut locals: Vec<Option<Local>> = Vec::with_capacity(net.nodes.len());
    let last_use = net.last_use();

    for (k, node) in net.nodes.iter().enumerate() {
        let loc = |i: usize| live(&locals, i);
        let out = match &node.op {
            Op::Input => Local::identity(d),
            Op::Affine {
                input,
                weight,
                bias,
            } => loc(*input).affine(weight, bias),
            Op::Add { inputs } => Local::sum(inputs.iter().map(|&i| loc(i)), d),
            Op::Relu { input, slope } => {
                let h = values[*input].row(0);
                let li = node.layer.expect("relu has a layer");
                // the input's map is usually read by this ReLU alone: taken, not copied
                let (mut j, mut c) = if last_use[*input] == k {
                    let l = locals[*input]
                        .take()
                        .expect("node value dropped before its last use");
                    (l.j.unwrap_or_else(|| Array2::eye(d)), l.c)
                } else {
                    let l = loc(*input);
                    (l.dense(d), l.c.clone())
                };
                let mut support = Vec::with_capacity(node.size);
                for i in 0..node.size {
                    // A neuron whose local map is identically zero is not on a boundary: its
                    // sign is zero on the whole region. It counts as inactive, like forward.
                    let degenerate = c[i] == 0.0 && j.row(i).iter().all(|&v| v == 0.0);
                    let active = if h[i].abs() <= tol && !degenerate {
                        boundary.push(BoundaryUnit {
                            layer: li,
                            unit: i,
                            value: h[i],
                        });
                        policy == BoundaryPolicy::Active
                    } else {
                        h[i] > 0.0
                    };
                    let sign = if active { 1.0 } else { -1.0 };
                    a.row_mut(row)
                        .zip_mut_with(&j.row(i), |o, &v| *o = sign * v);
                    b[row] = sign * c[i];
                    layer[row] = li as i64;
                    unit[row] = i as i64;
                    row += 1;
                    if active {
                        bits.set_bit(bit + i);
                        support.push(i);
                    } else {
                        j.row_mut(i).mapv_inplace(|v| v * slope[i]);
                        c[i] *= slope[i];
                        if slope[i] != 0.0 {
                            support.push(i);
                        }
                    }
                }
                bit += node.size;
                Local {
                    j: Some(j),
                    c,
                    support: Some(support),
                }
            }
            Op::MaxPool { input, windows } => {
                let l = loc(*input);
                let h = values[*input].row(0);
                let li = node.layer.expect("maxpool has a layer");
                let mut j = Array2::<f64>::zeros((windows.len(), d));
                let mut c = Array1::<f64>::zeros(windows.len());
                for (w, win) in windows.iter().enumerate() {
                    let (arg, best) = window_argmax(h, win);
                    let jm = l.row(win[arg], d);
                    // Ties between entries with the same local map hold on the whole region
                    // (e.g. two dead ReLUs): they are not boundaries.
                    let gap = win
                        .iter()
                        .enumerate()
                        .filter(|&(p, &e)| {
                            p != arg && (l.c[e] != l.c[win[arg]] || l.row(e, d) != jm)
                        })
                        .map(|(_, &e)| best - h[e])
                        .fold(f64::INFINITY, f64::min);
                    if gap <= tol {
                        boundary.push(BoundaryUnit {
                            layer: li,
                            unit: w,
                            value: gap,
                        });
                    }
                    for (p, &e) in win.iter().enumerate() {
                        if p == arg {
                            continue;
                        }
                        a.row_mut(row).assign(&(&jm - &l.row(e, d)));
                        b[row] = l.c[win[arg]] - l.c[e];
                        layer[row] = li as i64;
                        unit[row] = w as i64;
                        row += 1;
                    }
                    bits.set_bit(bit + arg);
                    bit += win.len();
                    j.row_mut(w).assign(&jm);
                    c[w] = l.c[win[arg]];
                }
                Local {
                    j: Some(j),
                    c,
                    support: None,
                }
            }
        };
        locals.push(Some(out));
        for i in node.op.inputs() {
            if last_use[i] == k {
                locals[i] = None;
            }
        }
    }
    if policy == BoundaryPolicy::Error && !boundary.is_empty() {
        return Err(CoreError::OnBoundary(boundary));
    }
    let out = locals.pop().flatten().expect("output local map");
    let key = key_of(ArrayView1::from(&bits));
    Ok(RegionData {
        a,
        b,
        layer,
        unit,
        bits: Array1::from_vec(bits),
        key,
        logit_w: out.dense(d),
        logit_c: out.c,
        boundary,
    })
}
