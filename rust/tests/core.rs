//! The core on its own: forward passes, region assembly, patterns and input validation.

mod common;
use common::{dense_net, Rng};

use linregions_core::assemble::{assemble, n_rows, BoundaryPolicy};
use linregions_core::forward::{forward, node_values};
use linregions_core::ir::{Network, Op, Weight};
use linregions_core::linalg::Csr;
use linregions_core::pattern::{keys, unique};
use linregions_core::CoreError;
use ndarray::{array, Array1, Array2};

/// A conv-like sparse layer, a residual add and a max-pool, on 6 inputs.
fn mixed_net(rng: &mut Rng) -> Network {
    let mut net = Network::new(6).unwrap();
    let indptr = vec![0, 2, 4, 6, 8, 10, 12];
    let indices = vec![0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0];
    let data: Vec<f64> = (0..12).map(|_| rng.uniform()).collect();
    let csr = Csr::new(6, 6, indptr, indices, data).unwrap();
    let a = net
        .add_affine(0, Weight::Sparse(csr), rng.vector(6))
        .unwrap();
    let r = net.add_relu(a, 0.0).unwrap();
    let s = net.add_sum(vec![r, 0]).unwrap();
    let p = net
        .add_maxpool(s, vec![vec![0, 1, 2], vec![3, 4], vec![5]])
        .unwrap();
    common::dense_tail(&mut net, rng, p, &[3, 4, 2], 0.2);
    net
}

#[test]
fn forward_matches_hand_computation() {
    let mut net = Network::new(2).unwrap();
    let a = net.add_affine(
        0,
        Weight::Dense(array![[1.0, -1.0], [2.0, 0.5]]),
        array![0.0, -1.0],
    );
    let r = net.add_relu(a.unwrap(), 0.0).unwrap();
    net.add_affine(r, Weight::Dense(array![[1.0, 1.0]]), array![0.5])
        .unwrap();
    let x = array![[1.0, 0.0], [0.0, 1.0]];
    let out = forward(&net, x.view(), true).unwrap();
    // point 0: h = (1, 1) -> relu (1, 1) -> 2.5 ; point 1: h = (-1, -0.5) -> 0 -> 0.5
    assert_eq!(out.logits, array![[2.5], [0.5]]);
    let bits = out.bits.unwrap();
    assert_eq!(bits[[0, 0]], 0b11);
    assert_eq!(bits[[1, 0]], 0b00);
}

/// Inside the region, `A y + b` must equal the signed pre-activations (an exact identity
/// of affine maps), and the logits must equal `W y + c`.
fn check_region_is_exact(net: &Network, x: &Array1<f64>, rng: &mut Rng) {
    let region = assemble(net, x.view(), 1e-12, BoundaryPolicy::Error).unwrap();
    assert_eq!(region.a.nrows(), n_rows(net));
    let slack = region.a.dot(x) + &region.b;
    assert!(
        slack.iter().all(|&v| v >= 0.0),
        "x must satisfy its own region"
    );
    let base = forward(net, x.view().insert_axis(ndarray::Axis(0)), true).unwrap();
    let mut checked = 0;
    for _ in 0..50 {
        let y = x + &(rng.vector(x.len()) * 1e-3);
        let fy = forward(net, y.view().insert_axis(ndarray::Axis(0)), true).unwrap();
        let same = fy.bits.as_ref().unwrap() == base.bits.as_ref().unwrap();
        let inside = (region.a.dot(&y) + &region.b).iter().all(|&v| v >= 0.0);
        assert_eq!(
            same, inside,
            "membership must equal having the same pattern"
        );
        if !same {
            continue;
        }
        checked += 1;
        let z = region.logit_w.dot(&y) + &region.logit_c;
        for (a, b) in z.iter().zip(fy.logits.row(0)) {
            assert!((a - b).abs() < 1e-12);
        }
        let values = node_values(net, y.view().insert_axis(ndarray::Axis(0))).unwrap();
        let mut row = 0;
        for node in &net.nodes {
            if let Op::Relu { input, .. } = node.op {
                let h = values[input].row(0);
                let hx = node_values(net, x.view().insert_axis(ndarray::Axis(0))).unwrap()[input]
                    .row(0)
                    .to_owned();
                for i in 0..node.size {
                    let s = if hx[i] > 0.0 { 1.0 } else { -1.0 };
                    let r = region.a.row(row + i).dot(&y) + region.b[row + i];
                    assert!((r - s * h[i]).abs() < 1e-12, "row {} differs", row + i);
                }
                row += node.size;
            } else if let Op::MaxPool { windows, .. } = &node.op {
                row += windows.iter().map(|w| w.len() - 1).sum::<usize>();
            }
        }
    }
    assert!(checked > 10, "too few perturbations stayed in the region");
}

#[test]
fn dense_region_is_exact() {
    let mut rng = Rng(7);
    for slope in [0.0, 0.1] {
        let net = dense_net(&mut rng, &[5, 8, 8, 3], slope);
        let x = rng.vector(5);
        check_region_is_exact(&net, &x, &mut rng);
    }
}

#[test]
fn sparse_residual_maxpool_region_is_exact() {
    let mut rng = Rng(11);
    let net = mixed_net(&mut rng);
    for _ in 0..5 {
        let x = rng.vector(6);
        check_region_is_exact(&net, &x, &mut rng);
    }
}

#[test]
fn large_dense_region_uses_the_blocked_product() {
    let mut rng = Rng(3);
    let net = dense_net(&mut rng, &[40, 150, 150, 4], 0.0);
    let x = rng.vector(40) * 0.1;
    check_region_is_exact(&net, &x, &mut rng);
}

#[test]
fn boundary_points_are_reported() {
    let mut net = Network::new(2).unwrap();
    let a = net.add_affine(
        0,
        Weight::Dense(array![[1.0, 0.0], [0.0, 1.0]]),
        array![0.0, 0.0],
    );
    let r = net.add_relu(a.unwrap(), 0.0).unwrap();
    net.add_affine(r, Weight::Dense(array![[1.0, 1.0]]), array![0.0])
        .unwrap();
    let x = array![0.0, 0.5];
    match assemble(&net, x.view(), 0.0, BoundaryPolicy::Error) {
        Err(CoreError::OnBoundary(units)) => {
            assert_eq!(units.len(), 1);
            assert_eq!((units[0].layer, units[0].unit), (0, 0));
        }
        other => panic!("expected a boundary error, got {other:?}"),
    }
    let active = assemble(&net, x.view(), 0.0, BoundaryPolicy::Active).unwrap();
    assert_eq!(active.a.row(0).to_vec(), vec![1.0, 0.0]);
    let inactive = assemble(&net, x.view(), 0.0, BoundaryPolicy::Inactive).unwrap();
    assert_eq!(inactive.a.row(0).to_vec(), vec![-1.0, 0.0]);
    assert_ne!(active.key, inactive.key);
}

#[test]
fn construction_rejects_bad_shapes_and_values() {
    let mut net = Network::new(3).unwrap();
    assert!(matches!(
        net.add_affine(0, Weight::Dense(Array2::zeros((2, 4))), Array1::zeros(2)),
        Err(CoreError::Shape(_))
    ));
    assert!(matches!(
        net.add_affine(0, Weight::Dense(Array2::zeros((2, 3))), Array1::zeros(3)),
        Err(CoreError::Shape(_))
    ));
    let mut w = Array2::zeros((2, 3));
    w[[1, 2]] = f64::NAN;
    assert!(matches!(
        net.add_affine(0, Weight::Dense(w), Array1::zeros(2)),
        Err(CoreError::Value(_))
    ));
    assert!(matches!(net.add_relu(5, 0.0), Err(CoreError::Value(_))));
    assert!(matches!(
        net.add_maxpool(0, vec![vec![0, 3]]),
        Err(CoreError::Value(_))
    ));
    assert!(matches!(
        net.add_maxpool(0, vec![vec![]]),
        Err(CoreError::Value(_))
    ));
    assert!(Csr::new(2, 2, vec![0, 1], vec![0], vec![1.0]).is_err());
    assert!(Csr::new(1, 2, vec![0, 1], vec![2], vec![1.0]).is_err());
    assert!(Csr::new(1, 2, vec![0, 1], vec![0], vec![f64::INFINITY]).is_err());
    assert!(Network::new(0).is_err());
    let net = dense_net(&mut Rng(1), &[3, 2, 1], 0.0);
    assert!(matches!(
        forward(&net, Array2::zeros((2, 4)).view(), false),
        Err(CoreError::Shape(_))
    ));
    let mut bad = Array2::zeros((2, 3));
    bad[[1, 1]] = f64::NAN;
    assert!(matches!(
        forward(&net, bad.view(), false),
        Err(CoreError::Value(_))
    ));
    assert!(assemble(&net, Array1::zeros(3).view(), -1.0, BoundaryPolicy::Error).is_err());
}

#[test]
fn keys_group_equal_patterns() {
    let bits = array![[1u64, 2], [3, 4], [1, 2], [0, 0], [3, 4], [1, 2]];
    let k = keys(bits.view());
    assert_eq!(k.row(0), k.row(2));
    assert_ne!(k.row(0), k.row(1));
    let u = unique(k.view());
    assert_eq!(u.inverse.to_vec(), vec![0, 1, 0, 2, 1, 0]);
    assert_eq!(u.counts.to_vec(), vec![3, 2, 1]);
    assert_eq!(u.first.to_vec(), vec![0, 1, 3]);
}

#[test]
fn bulk_forward_agrees_with_single_points_across_chunks() {
    let mut rng = Rng(5);
    let net = mixed_net(&mut rng);
    let x = rng.matrix(1000, 6);
    let all = forward(&net, x.view(), true).unwrap();
    for p in [0, 255, 256, 999] {
        let one = forward(&net, x.slice(ndarray::s![p..p + 1, ..]), true).unwrap();
        assert_eq!(one.bits.unwrap().row(0), all.bits.as_ref().unwrap().row(p));
        for (a, b) in one.logits.row(0).iter().zip(all.logits.row(p)) {
            assert!((a - b).abs() < 1e-14);
        }
    }
}

/// A dense net whose hidden ReLU layers have one negative slope per unit (PReLU).
fn prelu_net(rng: &mut Rng, widths: &[usize]) -> Network {
    common::mlp(rng, widths, |net, rng, node, width| {
        let slopes: Vec<f64> = (0..width).map(|_| 0.5 * rng.uniform()).collect();
        net.add_relu_slopes(node, slopes).unwrap()
    })
}

#[test]
fn per_unit_slopes_forward_by_hand() {
    let mut net = Network::new(2).unwrap();
    let r = net.add_relu_slopes(0, vec![0.5, -2.0]).unwrap();
    net.add_affine(r, Weight::Dense(array![[1.0, 1.0]]), array![0.0])
        .unwrap();
    let x = array![[-1.0, -1.0], [2.0, -3.0], [1.0, 1.0]];
    let out = forward(&net, x.view(), true).unwrap();
    // (-0.5) + 2 = 1.5 ; 2 + 6 = 8 ; 1 + 1 = 2
    assert_eq!(out.logits, array![[1.5], [8.0], [2.0]]);
    assert_eq!(out.bits.unwrap().column(0).to_vec(), vec![0b00, 0b01, 0b11]);
}

#[test]
fn per_unit_slopes_region_and_gradient_are_exact() {
    let mut rng = Rng(23);
    let net = prelu_net(&mut rng, &[5, 9, 7, 3]);
    for _ in 0..4 {
        let x = rng.vector(5);
        check_region_is_exact(&net, &x, &mut rng);
        let region = assemble(&net, x.view(), 1e-12, BoundaryPolicy::Error).unwrap();
        for k in 0..3 {
            let mut v = Array1::zeros(3);
            v[k] = 1.0;
            let g = linregions_core::grad::input_gradient(&net, x.view(), v.view()).unwrap();
            for (a, b) in g.iter().zip(region.logit_w.row(k)) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn equal_per_unit_slopes_match_one_slope() {
    let mut a = Rng(5);
    let mut b = Rng(5);
    let scalar = dense_net(&mut a, &[4, 6, 2], 0.0);
    let mut net = Network::new(4).unwrap();
    let h = net
        .add_affine(0, Weight::Dense(b.matrix(6, 4)), b.vector(6))
        .unwrap();
    let r = net.add_relu_slopes(h, vec![0.0; 6]).unwrap();
    net.add_affine(r, Weight::Dense(b.matrix(2, 6)), b.vector(2))
        .unwrap();
    let x = Rng(9).matrix(20, 4);
    let fa = forward(&scalar, x.view(), true).unwrap();
    let fb = forward(&net, x.view(), true).unwrap();
    assert_eq!(fa.logits, fb.logits);
    assert_eq!(fa.bits, fb.bits);
}

#[test]
fn per_unit_slopes_are_validated() {
    let mut net = Network::new(3).unwrap();
    assert!(matches!(
        net.add_relu_slopes(0, vec![0.1, 0.2]),
        Err(CoreError::Shape(_))
    ));
    assert!(matches!(
        net.add_relu_slopes(0, vec![0.1, 1.0, 0.2]),
        Err(CoreError::Value(_))
    ));
    assert!(matches!(
        net.add_relu_slopes(0, vec![0.1, f64::NAN, 0.2]),
        Err(CoreError::Value(_))
    ));
}
