//! Segment walks and input gradients, checked against dense sampling and finite differences.

mod common;
use common::Rng;

use linregions_core::forward::forward;
use linregions_core::grad::input_gradient;
use linregions_core::ir::Network;
use linregions_core::walk::{walk, walk_many};
use ndarray::{Array1, Array2, Axis};
use std::collections::HashSet;

fn net_with_pool(rng: &mut Rng) -> Network {
    let mut net = Network::new(4).unwrap();
    let b = common::dense_tail(&mut net, rng, 0, &[4, 12, 9], 0.0);
    let p = net
        .add_maxpool(b, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]])
        .unwrap();
    common::dense_tail(&mut net, rng, p, &[3, 6, 3], 0.1);
    net
}

#[test]
fn walk_finds_every_sampled_pattern_in_order() {
    let mut rng = Rng(99);
    let net = net_with_pool(&mut rng);
    for _ in 0..5 {
        let (x0, x1) = (rng.vector(4), rng.vector(4));
        let w = walk(&net, x0.view(), x1.view(), 1e-10).unwrap();
        assert_eq!(w.breakpoints.len(), w.keys.len() + 1);
        assert!(w.breakpoints.windows(2).all(|b| b[0] < b[1]));
        let n = 5000;
        let pts = Array2::from_shape_fn((n, 4), |(i, j)| {
            let beta = i as f64 / (n - 1) as f64;
            x0[j] + beta * (x1[j] - x0[j])
        });
        let bits = forward(&net, pts.view(), true).unwrap().bits.unwrap();
        let walked: HashSet<Vec<u64>> = w.bits.iter().cloned().collect();
        for row in bits.axis_iter(Axis(0)) {
            assert!(
                walked.contains(&row.to_vec()),
                "sampling found a region the walk missed"
            );
        }
        for k in 0..w.keys.len() {
            let beta = 0.5 * (w.breakpoints[k] + w.breakpoints[k + 1]);
            let mid = &x0 + &((&x1 - &x0) * beta);
            let b = forward(&net, mid.view().insert_axis(Axis(0)), true)
                .unwrap()
                .bits
                .unwrap();
            assert_eq!(b.row(0).to_vec(), w.bits[k]);
        }
    }
}

#[test]
fn walk_many_equals_single_walks() {
    let mut rng = Rng(5);
    let net = net_with_pool(&mut rng);
    let starts = rng.matrix(8, 4);
    let ends = rng.matrix(8, 4);
    let many = walk_many(&net, starts.view(), ends.view(), 1e-10).unwrap();
    for (i, w) in many.iter().enumerate() {
        let one = walk(&net, starts.row(i), ends.row(i), 1e-10).unwrap();
        assert_eq!(one.keys, w.keys);
        assert_eq!(one.breakpoints, w.breakpoints);
    }
    assert!(walk_many(&net, starts.view(), rng.matrix(7, 4).view(), 1e-10).is_err());
}

#[test]
fn gradient_matches_finite_differences() {
    let mut rng = Rng(17);
    let net = net_with_pool(&mut rng);
    let v = Array1::from_vec(vec![1.0, -2.0, 0.5]);
    for _ in 0..5 {
        let x = rng.vector(4);
        let g = input_gradient(&net, x.view(), v.view()).unwrap();
        let f = |y: &Array1<f64>| {
            forward(&net, y.view().insert_axis(Axis(0)), false)
                .unwrap()
                .logits
                .row(0)
                .dot(&v)
        };
        for j in 0..4 {
            let h = 1e-7;
            let mut xp = x.clone();
            let mut xm = x.clone();
            xp[j] += h;
            xm[j] -= h;
            let fd = (f(&xp) - f(&xm)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-5,
                "coordinate {j}: fd {fd} vs {}",
                g[j]
            );
        }
    }
    assert!(input_gradient(&net, Array1::zeros(4).view(), Array1::zeros(2).view()).is_err());
}
