//! The network on a cell as fixed masks, for inputs too large for dense local maps.
//!
//! On a cell where the patterns of the layers passed so far are fixed, each of those ReLU
//! layers multiplies its input by a fixed mask (1 where active, the slope elsewhere), so
//! every later node is an exact affine function of the input. The splitting route's dense
//! carrier stores that function as a matrix per node (`J`, size x d); for an image network
//! (d = 3,072, thousands of units) that matrix costs more per cell than everything else.
//! Here nothing of size `units x d` is kept per cell: values come from a forward pass with
//! the masks, the rows of the few units that may cross the cell from one reverse pass each,
//! and which units those are from a bound that costs one pass with `|W|`:
//!
//! At the domain's center the masks of every layer (the reference masks) fix a reference
//! map `J_ref` per node; `|J_ref| r` (r: the domain box's half-widths) is computed once. On
//! a cell, `J = J_ref + D`, where `D` is a sum over the units whose mask differs from the
//! reference (the flipped ones): each adds its mask change times the column of the cell's
//! masked map from that unit onwards times its reference row. So
//! `|J_i| r_cell <= (|J_ref| r)_i + sum_u |m_u - m_ref,u| (|J_ref,u| r) |P e_u|_i`, one forward
//! pass per flipped unit: a unit whose value at the cell box's middle exceeds that is stable
//! on the cell, with no row computed. In the small balls around data points few units flip,
//! so the bound stays close to the exact range.

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;

use crate::assemble::Local;
use crate::ir::{live, Network, Op};

/// Relative margin added to the bound (its sums are rounded; a unit inside the margin is
/// given to the exact test, which costs a row, never a wrong answer).
const BOUND_MARGIN: f64 = 1e-7;

/// Per node: the masks of the ReLU nodes passed on a cell (`None` elsewhere).
pub(crate) type Masks = Vec<Option<Arc<Array1<f64>>>>;

/// The network's fixed parts for masked passes: `|W|` per affine node, the reference masks
/// and `|J_ref| r` per ReLU node's input.
pub(crate) struct MaskedNet<'a> {
    net: &'a Network,
    last_use: Vec<usize>,
    ref_masks: Vec<Option<Array1<f64>>>,
    /// `|J_ref| r` of each node read by a ReLU node.
    ref_abs: Vec<Option<Array1<f64>>>,
}

/// The slope-or-one mask of a ReLU node whose input takes the values `h`.
pub(crate) fn mask_of(h: ArrayView1<f64>, slope: &[f64]) -> Array1<f64> {
    Array1::from_iter(
        h.iter()
            .zip(slope)
            .map(|(&v, &s)| if v > 0.0 { 1.0 } else { s }),
    )
}

impl<'a> MaskedNet<'a> {
    /// Prepares `net` (no max-pool) for a domain whose box has midpoint `center` and
    /// half-widths `radius` (both `(d,)`): the reference masks are those at `center`.
    pub fn new(net: &'a Network, center: ArrayView1<f64>, radius: ArrayView1<f64>) -> Self {
        let d = net.n_inputs();
        let last_use = net.last_use();
        let n = net.nodes.len();
        let mut ref_masks = vec![None; n];
        let mut ref_abs = vec![None; n];
        let mut locals: Vec<Option<Local>> = Vec::with_capacity(n);
        for (k, node) in net.nodes.iter().enumerate() {
            let out = match &node.op {
                Op::Input => Local::identity(d),
                Op::Affine {
                    input,
                    weight,
                    bias,
                } => live(&locals, *input).affine(weight, bias),
                Op::Add { inputs } => Local::sum(inputs.iter().map(|&i| live(&locals, i)), d),
                Op::Relu { input, slope } => {
                    let l = live(&locals, *input);
                    let j = l.dense(d);
                    ref_abs[*input] = Some(j.mapv(f64::abs).dot(&radius));
                    let m = mask_of(l.at(center).view(), slope);
                    let jm = &j * &m.view().insert_axis(ndarray::Axis(1));
                    let c = &l.c * &m;
                    ref_masks[k] = Some(m);
                    Local {
                        j: Some(jm),
                        c,
                        support: None,
                    }
                }
                Op::MaxPool { .. } => unreachable!("max-pool networks are refused before"),
            };
            locals.push(Some(out));
            for i in node.op.inputs() {
                if last_use[i] == k {
                    locals[i] = None;
                }
            }
        }
        MaskedNet {
            net,
            last_use,
            ref_masks,
            ref_abs,
        }
    }

    /// The value of node `upto` at `x` `(d,)` with the masks `masks` for every ReLU node
    /// before it.
    pub fn value_at(&self, masks: &Masks, x: ArrayView1<f64>, upto: usize) -> Array1<f64> {
        let mut vals: Vec<Option<Array1<f64>>> = vec![None; upto + 1];
        vals[0] = Some(x.to_owned());
        for k in 1..=upto {
            let v = match &self.net.nodes[k].op {
                Op::Input => unreachable!("the input is node 0"),
                Op::Affine {
                    input,
                    weight,
                    bias,
                } => weight.apply(live(&vals, *input).view()) + bias,
                Op::Add { inputs } => {
                    let mut s = live(&vals, inputs[0]).clone();
                    for &i in &inputs[1..] {
                        s += live(&vals, i);
                    }
                    s
                }
                Op::Relu { input, .. } => {
                    let m = masks[k].as_ref().expect("mask of a passed ReLU node");
                    live(&vals, *input) * &**m
                }
                Op::MaxPool { .. } => unreachable!("max-pool networks are refused before"),
            };
            vals[k] = Some(v);
            if k < upto {
                for i in self.net.nodes[k].op.inputs() {
                    if self.last_use[i] == k {
                        vals[i] = None;
                    }
                }
            }
        }
        vals[upto].take().expect("value of the last node")
    }

    /// The rows `J_i` `(units.len(), d)` of node `node`'s units `units` under `masks`: one
    /// reverse pass each, in parallel.
    pub fn rows(&self, masks: &Masks, node: usize, units: &[usize]) -> Array2<f64> {
        let d = self.net.n_inputs();
        let rows: Vec<Array1<f64>> = units
            .par_iter()
            .map(|&u| {
                let mut grads: Vec<Option<Array1<f64>>> = vec![None; node + 1];
                let mut g = Array1::zeros(self.net.nodes[node].size);
                g[u] = 1.0;
                grads[node] = Some(g);
                for k in (1..=node).rev() {
                    let Some(g) = grads[k].take() else { continue };
                    let mut push = |i: usize, v: Array1<f64>| match &mut grads[i] {
                        Some(acc) => *acc += &v,
                        slot => *slot = Some(v),
                    };
                    match &self.net.nodes[k].op {
                        Op::Input => unreachable!("the input is node 0"),
                        Op::Affine { input, weight, .. } => push(*input, weight.apply_t(g.view())),
                        Op::Add { inputs } => inputs.iter().for_each(|&i| push(i, g.clone())),
                        Op::Relu { input, .. } => {
                            let m = masks[k].as_ref().expect("mask of a passed ReLU node");
                            push(*input, g * &**m)
                        }
                        Op::MaxPool { .. } => unreachable!("max-pool networks are refused"),
                    }
                }
                grads[0].take().unwrap_or_else(|| Array1::zeros(d))
            })
            .collect();
        let mut out = Array2::zeros((units.len(), d));
        for (mut o, r) in out.rows_mut().into_iter().zip(rows) {
            o.assign(&r);
        }
        out
    }

    /// The local map of node `node` (every unit) under `masks`.
    pub fn local(&self, masks: &Masks, node: usize) -> Local {
        let d = self.net.n_inputs();
        let units: Vec<usize> = (0..self.net.nodes[node].size).collect();
        Local {
            j: Some(self.rows(masks, node, &units)),
            c: self.value_at(masks, Array1::zeros(d).view(), node),
            support: None,
        }
    }

    /// A bound `e` `(size of node q,)` on `|J - J_ref| r` at node `q` under `masks` (see
    /// the module notes): `J - J_ref` is the sum, over the units u whose mask differs from
    /// the reference, of `(m_u - m_ref,u)` times the column of the masked map from u's node
    /// to `q` times u's reference row, so `e = sum_u |m_u - m_ref,u| (|J_ref,u| r) |P e_u|`
    /// with `P e_u` exact (one forward pass per flipped unit). `None`: no unit flipped.
    pub fn deviation_bound(&self, masks: &Masks, q: usize) -> Option<Array1<f64>> {
        let mut e: Option<Array1<f64>> = None;
        for (k, node) in self.net.nodes.iter().enumerate().take(q) {
            let (Op::Relu { input, .. }, Some(m)) = (&node.op, masks[k].as_ref()) else {
                continue;
            };
            let mr = self.ref_masks[k].as_ref().expect("reference mask");
            let ra = self.ref_abs[*input]
                .as_ref()
                .expect("|J_ref| r of a ReLU input");
            for u in 0..node.size {
                let w = (m[u] - mr[u]).abs() * ra[u];
                if w == 0.0 {
                    continue;
                }
                if let Some(v) = self.column(masks, k, u, q) {
                    match &mut e {
                        Some(acc) => acc.zip_mut_with(&v, |a, &x| *a += w * x.abs()),
                        None => e = Some(v.mapv(|x| w * x.abs())),
                    }
                }
            }
        }
        e
    }

    /// `P e_u`: node `q`'s value when node `k`'s is the unit vector `e_u` and nothing else
    /// feeds it (biases left out, ReLU nodes after `k` with their masks); `None` where `q`
    /// does not depend on `k`.
    fn column(&self, masks: &Masks, k: usize, u: usize, q: usize) -> Option<Array1<f64>> {
        let mut vals: Vec<Option<Array1<f64>>> = vec![None; q + 1];
        let mut start = Array1::zeros(self.net.nodes[k].size);
        start[u] = 1.0;
        vals[k] = Some(start);
        for n in k + 1..=q {
            vals[n] = match &self.net.nodes[n].op {
                Op::Input => None,
                Op::Affine { input, weight, .. } => {
                    vals[*input].as_ref().map(|v| weight.apply(v.view()))
                }
                Op::Add { inputs } => {
                    let mut acc: Option<Array1<f64>> = None;
                    for &i in inputs {
                        if let Some(v) = &vals[i] {
                            match &mut acc {
                                Some(a) => *a += v,
                                None => acc = Some(v.clone()),
                            }
                        }
                    }
                    acc
                }
                Op::Relu { input, .. } => {
                    let m = masks[n].as_ref().expect("mask of a passed ReLU node");
                    vals[*input].as_ref().map(|v| v * &**m)
                }
                Op::MaxPool { .. } => unreachable!("max-pool networks are refused before"),
            };
        }
        vals[q].take()
    }

    /// The units of the ReLU node reading `input` that may change sign on a cell whose box
    /// has midpoint `mid`, given the cell's masks and `e` of `input`; the others keep the
    /// sign they have at `mid` on the whole cell.
    pub fn open_units(
        &self,
        masks: &Masks,
        e: Option<&Array1<f64>>,
        input: usize,
        mid: ArrayView1<f64>,
    ) -> Vec<usize> {
        let z = self.value_at(masks, mid, input);
        let ra = self.ref_abs[input]
            .as_ref()
            .expect("|J_ref| r of a ReLU input");
        (0..z.len())
            .filter(|&i| {
                let bound = ra[i] + e.map_or(0.0, |v| v[i]);
                z[i].abs() <= bound * (1.0 + BOUND_MARGIN) + f64::MIN_POSITIVE
            })
            .collect()
    }
}
