//! Helpers shared by the core's integration tests (each test file includes this module).
#![allow(dead_code)]

use linregions_core::ipm::class_maxima::{class_maxima, ClassMaximum};
use linregions_core::ipm::insphere::{insphere, Insphere, Ladder};
use linregions_core::ipm::lp::{Exits, Lp, LpResult};
use linregions_core::ipm::Settings;
use linregions_core::ir::{Network, Weight};
use linregions_core::polytope::Polytope;
use linregions_core::Result;
use ndarray::{Array1, Array2};

/// Small deterministic generator (xorshift) so the tests need no extra crates.
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    pub fn matrix(&mut self, r: usize, c: usize) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |_| self.uniform())
    }
    pub fn vector(&mut self, n: usize) -> Array1<f64> {
        Array1::from_shape_fn(n, |_| self.uniform())
    }
}

/// Adds a dense affine node `input -> n_out` (weight (n_out, n_in) and bias drawn from `rng`)
/// and returns its index.
pub fn add_dense(
    net: &mut Network,
    rng: &mut Rng,
    input: usize,
    n_out: usize,
    n_in: usize,
) -> usize {
    net.add_affine(
        input,
        Weight::Dense(rng.matrix(n_out, n_in)),
        rng.vector(n_out),
    )
    .unwrap()
}

/// Appends dense layers `widths[0] -> widths[1] -> ...` reading node `input` (of size
/// `widths[0]`), with a (leaky) ReLU of negative slope `slope` between them; returns the last
/// (affine) node.
pub fn dense_tail(
    net: &mut Network,
    rng: &mut Rng,
    input: usize,
    widths: &[usize],
    slope: f64,
) -> usize {
    let mut last = input;
    for (i, w) in widths.windows(2).enumerate() {
        if i > 0 {
            last = net.add_relu(last, slope).unwrap();
        }
        last = add_dense(net, rng, last, w[1], w[0]);
    }
    last
}

/// A dense MLP with the given widths; `activation(net, rng, node, width)` adds the
/// activation after every hidden layer and returns its index.
pub fn mlp(
    rng: &mut Rng,
    widths: &[usize],
    mut activation: impl FnMut(&mut Network, &mut Rng, usize, usize) -> usize,
) -> Network {
    let mut net = Network::new(widths[0]).unwrap();
    let mut last = 0;
    for (i, w) in widths.windows(2).enumerate() {
        let node = add_dense(&mut net, rng, last, w[1], w[0]);
        last = if i + 2 < widths.len() {
            activation(&mut net, rng, node, w[1])
        } else {
            node
        };
    }
    net
}

/// A dense MLP with the given widths, (leaky) ReLU with `slope` after every hidden layer.
pub fn dense_net(rng: &mut Rng, widths: &[usize], slope: f64) -> Network {
    mlp(rng, widths, |net, _, node, _| {
        net.add_relu(node, slope).unwrap()
    })
}

/// The polytope `{x : A x + b >= 0, lo <= x <= hi}` of a solver test, with the solver calls
/// that read its four arrays.
pub struct Poly {
    pub a: Array2<f64>,
    pub b: Array1<f64>,
    pub lo: Array1<f64>,
    pub hi: Array1<f64>,
}

impl Poly {
    pub fn new(a: Array2<f64>, b: Array1<f64>, lo: Array1<f64>, hi: Array1<f64>) -> Self {
        Poly { a, b, lo, hi }
    }

    /// Views of the four arrays.
    pub fn view(&self) -> Polytope<'_> {
        let (a, b) = (self.a.view(), self.b.view());
        let (lo, hi) = (self.lo.view(), self.hi.view());
        Polytope { a, b, lo, hi }
    }

    /// The LP `min c . x + c0` over this polytope.
    pub fn lp<'a>(&'a self, c: &'a Array1<f64>, c0: f64) -> Lp<'a> {
        let (poly, c) = (self.view(), c.view());
        Lp { poly, c, c0 }
    }

    /// `min c . x + c0` from the interior point `x0` ([`Lp::minimize`]).
    pub fn minimize(
        &self,
        c: &Array1<f64>,
        c0: f64,
        x0: &Array1<f64>,
        exits: Exits,
        st: &Settings,
    ) -> Result<LpResult> {
        self.lp(c, c0).minimize(x0.view(), exits, st)
    }

    pub fn insphere(&self, st: &Settings) -> Result<Insphere> {
        insphere(self.view(), &Ladder::new(*st))
    }

    /// The most likely point of each of `classes` for logits `W x + c`, from `x` inside.
    pub fn class_maxima(
        &self,
        logit_map: (&Array2<f64>, &Array1<f64>),
        x: &Array1<f64>,
        classes: &[usize],
        st: &Settings,
    ) -> Result<Vec<ClassMaximum>> {
        let Polytope { a, b, lo, hi } = self.view();
        let (w, c) = (logit_map.0.view(), logit_map.1.view());
        class_maxima(a, b, lo, hi, w, c, x.view(), classes, st)
    }
}
