//! Helpers shared by the core's integration tests (each test file includes this module).
#![allow(dead_code)]

use linregions_core::ir::{Network, Weight};
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

/// A dense MLP with the given widths, (leaky) ReLU with `slope` after every hidden layer.
pub fn dense_net(rng: &mut Rng, widths: &[usize], slope: f64) -> Network {
    let mut net = Network::new(widths[0]).unwrap();
    let mut last = 0;
    for (i, w) in widths.windows(2).enumerate() {
        let node = net
            .add_affine(
                last,
                Weight::Dense(rng.matrix(w[1], w[0])),
                rng.vector(w[1]),
            )
            .unwrap();
        last = if i + 2 < widths.len() {
            net.add_relu(node, slope).unwrap()
        } else {
            node
        };
    }
    net
}
