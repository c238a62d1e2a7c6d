//! Sound bounds on every pre-activation over a box by symbolic linear bounds (the forward
//! relaxation of DeepPoly, Singh et al., POPL 2019): each node's values are held between two
//! affine functions of the input, `L x + l0 <= v(x) <= U x + u0` on the whole box, carried
//! through affine and sum nodes exactly and through a (leaky) ReLU by its chord above and a
//! line through the origin below. A unit whose lower bound over the box is positive, or upper
//! bound negative, keeps its sign on the whole box: its hyperplane does not cross it.
//!
//! Unlike the box test of a cell's own affine map (exact on the cell, but extended outside
//! it), these bounds hold for the true network on the whole box, across every pattern of the
//! earlier layers, so they settle units once for every cell of a domain.
//!
//! Performance notes: each affine node costs two products of its weight (`W` and `|W|`)
//! with the `n_in x d` bound matrices, i.e. the cost of one dense local map; meant for the
//! dense carrier's sizes (inputs x units up to a few million).

use ndarray::{Array1, Array2, ArrayView1, Zip};

use crate::hrep::{box_max, box_min};
use crate::ir::{Network, Op};

/// A bound must clear zero by this much, relative to the size of the values involved, to
/// settle a unit (the products above are rounded).
const MARGIN: f64 = 1e-9;

/// Affine lower and upper bounds of one node's values: `lw x + lb <= v(x) <= uw x + ub`
/// (`None` weights: the identity, for the input node).
#[derive(Debug, Clone)]
struct Affine2 {
    lw: Option<Array2<f64>>,
    lb: Array1<f64>,
    uw: Option<Array2<f64>>,
    ub: Array1<f64>,
}

/// `min` and `max` over the box of `w x + b` row by row (`None`: the identity).
fn concretize(
    w: Option<&Array2<f64>>,
    b: &Array1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    upper: bool,
) -> Array1<f64> {
    match w {
        None => {
            if upper {
                b + &hi
            } else {
                b + &lo
            }
        }
        Some(w) => {
            let mut out = b.clone();
            Zip::from(&mut out).and(w.rows()).for_each(|o, row| {
                *o += if upper {
                    box_max(row, lo, hi)
                } else {
                    box_min(row, lo, hi)
                };
            });
            out
        }
    }
}

fn dense_or_identity(w: Option<&Array2<f64>>, n: usize, d: usize) -> Array2<f64> {
    match w {
        Some(w) => w.clone(),
        None => {
            debug_assert_eq!(n, d);
            Array2::eye(d)
        }
    }
}

/// Which units of each ReLU node keep one sign on the box `[lo, hi]`: per node, `Some(v)`
/// with `v[i]` true when unit i's pre-activation is certified `> 0` or `< 0` on the whole box;
/// `None` for other nodes. `None` overall for networks with max-pool layers (not handled).
pub fn settled_units(
    net: &Network,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
) -> Option<Vec<Option<Vec<bool>>>> {
    let d = net.n_inputs();
    let last_use = net.last_use();
    let mut vals: Vec<Option<Affine2>> = vec![None; net.nodes.len()];
    let mut settled: Vec<Option<Vec<bool>>> = vec![None; net.nodes.len()];
    for (k, node) in net.nodes.iter().enumerate() {
        let out = match &node.op {
            Op::Input => Affine2 {
                lw: None,
                lb: Array1::zeros(d),
                uw: None,
                ub: Array1::zeros(d),
            },
            Op::Affine {
                input,
                weight,
                bias,
            } => {
                let v = vals[*input].as_ref().expect("input computed");
                let abs = weight.abs();
                // W+ L + W- U = (W (L + U) + |W| (L - U)) / 2, and the reverse for the upper
                let (lw, uw) = match (&v.lw, &v.uw) {
                    (None, None) => {
                        let w = weight.to_dense();
                        (Some(w.clone()), Some(w))
                    }
                    (lw, uw) => {
                        let n = v.lb.len();
                        let l = dense_or_identity(lw.as_ref(), n, d);
                        let u = dense_or_identity(uw.as_ref(), n, d);
                        let (sum, diff) = (&l + &u, &l - &u);
                        let ws = weight.compose(Some(&sum), None);
                        let wd = abs.compose(Some(&diff), None);
                        (Some((&ws + &wd) * 0.5), Some((&ws - &wd) * 0.5))
                    }
                };
                let (bs, bd) = (&v.lb + &v.ub, &v.lb - &v.ub);
                let (ws, wd) = (weight.apply(bs.view()), abs.apply(bd.view()));
                Affine2 {
                    lw,
                    lb: (&ws + &wd) * 0.5 + bias,
                    uw,
                    ub: (&ws - &wd) * 0.5 + bias,
                }
            }
            Op::Add { inputs } => {
                let mut terms = inputs.iter().map(|&i| vals[i].as_ref().expect("input"));
                let first = terms.next().expect("an add node has inputs");
                let n = first.lb.len();
                let mut lw = dense_or_identity(first.lw.as_ref(), n, d);
                let mut uw = dense_or_identity(first.uw.as_ref(), n, d);
                let (mut lb, mut ub) = (first.lb.clone(), first.ub.clone());
                for t in terms {
                    lw += &dense_or_identity(t.lw.as_ref(), n, d);
                    uw += &dense_or_identity(t.uw.as_ref(), n, d);
                    lb += &t.lb;
                    ub += &t.ub;
                }
                Affine2 {
                    lw: Some(lw),
                    lb,
                    uw: Some(uw),
                    ub,
                }
            }
            Op::Relu { input, slope } => {
                let v = vals[*input].as_ref().expect("input computed");
                let (out, flags) = relu(v, slope, lo, hi, d);
                settled[k] = Some(flags);
                out
            }
            Op::MaxPool { .. } => return None,
        };
        vals[k] = Some(out);
        for i in node.op.inputs() {
            if last_use[i] == k {
                vals[i] = None;
            }
        }
    }
    Some(settled)
}

/// The bounds through `y = max(z, s z)` (per unit slope `s`), and which units keep a sign.
fn relu(
    v: &Affine2,
    slope: &[f64],
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    d: usize,
) -> (Affine2, Vec<bool>) {
    let n = v.lb.len();
    let l = concretize(v.lw.as_ref(), &v.lb, lo, hi, false);
    let u = concretize(v.uw.as_ref(), &v.ub, lo, hi, true);
    let mut lw = dense_or_identity(v.lw.as_ref(), n, d);
    let mut uw = dense_or_identity(v.uw.as_ref(), n, d);
    let (mut lb, mut ub) = (v.lb.clone(), v.ub.clone());
    let mut flags = vec![false; n];
    for i in 0..n {
        let (li, ui, s) = (l[i], u[i], slope[i]);
        let margin = MARGIN * (1.0 + li.abs().max(ui.abs()));
        if li > margin {
            flags[i] = true;
            continue;
        }
        let (mut lrow, mut urow) = (lw.row_mut(i), uw.row_mut(i));
        if ui < -margin {
            flags[i] = true;
            if s >= 0.0 {
                lrow.mapv_inplace(|a| a * s);
                urow.mapv_inplace(|a| a * s);
                lb[i] *= s;
                ub[i] *= s;
            } else {
                let (l_row, u_row) = (lrow.to_owned(), urow.to_owned());
                lrow.assign(&(&u_row * s));
                urow.assign(&(&l_row * s));
                let (lbi, ubi) = (lb[i], ub[i]);
                lb[i] = s * ubi;
                ub[i] = s * lbi;
            }
            continue;
        }
        if !(li.is_finite() && ui.is_finite() && (0.0..=1.0).contains(&s)) || ui <= li {
            // constant bounds: the extremes of max(z, s z) over [l, u] lie at l, u or 0
            let f = |z: f64| z.max(s * z);
            let (a, b) = (f(li), f(ui));
            lrow.fill(0.0);
            urow.fill(0.0);
            lb[i] = a.min(b).min(0.0);
            ub[i] = a.max(b).max(0.0);
            continue;
        }
        // chord from (l, s l) to (u, u) above (slope lam > 0), a line through 0 below
        let lam = (ui - s * li) / (ui - li);
        urow.mapv_inplace(|a| a * lam);
        ub[i] = lam * (ub[i] - li) + s * li;
        let alpha = if ui > -li { 1.0 } else { s };
        lrow.mapv_inplace(|a| a * alpha);
        lb[i] *= alpha;
    }
    (
        Affine2 {
            lw: Some(lw),
            lb,
            uw: Some(uw),
            ub,
        },
        flags,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forward::pattern_at;
    use crate::weight::Weight;
    use ndarray::{array, Array2};

    /// Uniform numbers in [0, 1) from a fixed seed (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn range(&mut self, a: f64, b: f64) -> f64 {
            a + (b - a) * self.next()
        }
    }

    fn random_net(widths: &[usize], seed: u64, slope: f64, residual: bool) -> Network {
        let mut rng = Rng(seed * 7919 + 1);
        let mut net = Network::new(widths[0]).unwrap();
        let mut prev = 0;
        for w in widths.windows(2) {
            let scale = 1.5 / (w[0] as f64).sqrt();
            let weight = Array2::from_shape_fn((w[1], w[0]), |_| rng.range(-scale, scale));
            let bias = Array1::from_shape_fn(w[1], |_| rng.range(-0.5, 0.5));
            let aff = net.add_affine(prev, Weight::Dense(weight), bias).unwrap();
            let pre = if residual && w[0] == w[1] && prev != 0 {
                net.add_sum(vec![aff, prev]).unwrap()
            } else {
                aff
            };
            prev = net.add_relu(pre, slope).unwrap();
        }
        net
    }

    fn bit(words: &[u64], b: usize) -> bool {
        (words[b / 64] >> (b % 64)) & 1 == 1
    }

    /// Every unit the bounds settle keeps its sign at many random points of the box, on
    /// ReLU, leaky and residual nets; and the bounds do settle some.
    #[test]
    fn settled_units_keep_their_sign_on_samples() {
        let cases = [
            (0, 0.0, false),
            (1, 0.1, false),
            (2, 0.0, true),
            (3, -0.2, false),
        ];
        for (seed, slope, residual) in cases {
            let net = random_net(&[4, 16, 16, 16], seed, slope, residual);
            let (lo, hi) = (array![-0.2, -0.1, 0.0, 0.3], array![0.1, 0.1, 0.2, 0.5]);
            let settled = settled_units(&net, lo.view(), hi.view()).unwrap();
            let flags: Vec<bool> = settled.iter().flatten().flatten().copied().collect();
            assert_eq!(flags.len(), 48);
            assert!(flags.iter().any(|&f| f), "no unit settled (seed {seed})");
            let mut rng = Rng(99 + seed);
            let x0 = Array1::from_shape_fn(4, |j| rng.range(lo[j], hi[j]));
            let first = pattern_at(&net, x0.view()).unwrap();
            for _ in 0..3000 {
                let x = Array1::from_shape_fn(4, |j| rng.range(lo[j], hi[j]));
                let bits = pattern_at(&net, x.view()).unwrap();
                for (b, &f) in flags.iter().enumerate() {
                    assert!(
                        !f || bit(&bits, b) == bit(&first, b),
                        "unit bit {b} settled but switches (seed {seed})"
                    );
                }
            }
        }
    }
}
