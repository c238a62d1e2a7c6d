//! The splitting route against the search route: the same key sets on random, leaky,
//! residual, degenerate and ball-shaped cases, and the same centers' regions.

mod common;

use std::collections::{HashMap, HashSet};

use common::{dense_net, Rng};
use linregions_core::complex::split::{split, Control, Maps, SplitSettings};
use linregions_core::complex::{search, Complex, Domain, Settings};
use linregions_core::forward::forward;
use linregions_core::ir::{Network, Weight};
use linregions_core::pattern::keys;
use ndarray::{array, Array1, Array2};

fn searched(net: &Network, dom: &Domain) -> Complex {
    let st = Settings {
        planar: false,
        ..Settings::default()
    };
    search(net, dom, st, None).unwrap()
}

fn splitted(net: &Network, dom: &Domain) -> Complex {
    split_with(net, dom, Maps::Auto)
}

fn split_with(net: &Network, dom: &Domain, maps: Maps) -> Complex {
    let st = SplitSettings {
        max_regions: 1_000_000,
        records: true,
        outputs: &[],
        maps,
    };
    split(net, dom, st, &Control::default()).unwrap().0
}

/// Same keys, each region's center inside the domain and in its own region, inradii equal;
/// both carriers (dense maps and masks) give the same records.
fn check_same(net: &Network, dom: &Domain) -> usize {
    let a = searched(net, dom);
    let b = split_with(net, dom, Maps::Dense);
    let m = split_with(net, dom, Maps::Masked);
    assert!(m.complete);
    assert_eq!(m.regions.len(), b.regions.len());
    for (rm, rb) in m.regions.iter().zip(&b.regions) {
        assert_eq!(rm.key, rb.key, "masked and dense carriers differ");
        assert!((rm.inradius - rb.inradius).abs() <= 1e-7 * (1.0 + rb.inradius));
    }
    assert!(a.complete && b.complete);
    assert_eq!(a.unsettled, 0);
    assert_eq!(b.unsettled, 0);
    let ka: HashMap<u128, f64> = a.regions.iter().map(|r| (r.key, r.inradius)).collect();
    let kb: HashMap<u128, f64> = b.regions.iter().map(|r| (r.key, r.inradius)).collect();
    assert_eq!(kb.len(), b.regions.len(), "duplicate keys from the split");
    let sa: HashSet<u128> = ka.keys().copied().collect();
    let sb: HashSet<u128> = kb.keys().copied().collect();
    assert_eq!(sa, sb, "key sets differ");
    for (k, ra) in &ka {
        let rb = kb[k];
        assert!(
            (ra - rb).abs() <= 1e-7 * (1.0 + ra.abs()),
            "inradius {ra} vs {rb}"
        );
    }
    let n = b.regions.len();
    let pts = Array2::from_shape_fn((n, net.n_inputs()), |(i, j)| b.regions[i].point[j]);
    let f = forward(net, pts.view(), true).unwrap();
    let k = keys(f.bits.unwrap().view());
    for (i, r) in b.regions.iter().enumerate() {
        assert_eq!((k[[i, 0]] as u128) << 64 | k[[i, 1]] as u128, r.key);
        assert!(dom.contains_strictly(r.point.view()));
        assert!(r.inradius > 0.0);
    }
    n
}

fn cube(d: usize) -> Domain {
    Domain::boxed(
        Array1::from_elem(d, -1.0).view(),
        Array1::from_elem(d, 1.0).view(),
    )
    .unwrap()
}

#[test]
fn random_mlps_equal_the_search() {
    for (seed, d) in [(3u64, 2usize), (5, 3), (7, 4), (9, 6)] {
        let mut rng = Rng(seed);
        let net = dense_net(&mut rng, &[d, 8, 8, 3], 0.0);
        assert!(check_same(&net, &cube(d)) > 10);
    }
}

#[test]
fn leaky_residual_and_ball_domains() {
    let mut rng = Rng(11);
    let mut net = Network::new(3).unwrap();
    let a = common::add_dense(&mut net, &mut rng, 0, 3, 3);
    let r = net.add_relu(a, 0.1).unwrap();
    let s = net.add_sum(vec![0, r]).unwrap();
    common::dense_tail(&mut net, &mut rng, s, &[3, 6, 2], 0.0);
    check_same(&net, &cube(3));
    let mut rng = Rng(13);
    let net = dense_net(&mut rng, &[2, 10, 2], 0.0);
    check_same(
        &net,
        &Domain::l1_ball(array![0.1, -0.1].view(), 0.8).unwrap(),
    );
    // a small ball where most neurons never switch
    let mut rng = Rng(17);
    let net = dense_net(&mut rng, &[5, 30, 30, 3], 0.0);
    let c = rng.vector(5);
    check_same(&net, &Domain::linf_ball(c.view(), 0.05).unwrap());
}

#[test]
fn degenerate_neurons() {
    // duplicate, scaled, dead and face-aligned neurons, then a layer reading them
    let mut net = Network::new(2).unwrap();
    let w = array![
        [1.0, 0.0],
        [2.0, 0.0],
        [0.0, 0.0],
        [0.0, 1.0],
        [1.0, 0.0],
        [1.0, -1.0]
    ];
    let h = net
        .add_affine(0, Weight::Dense(w), array![0.0, 0.0, 0.0, -1.0, 1.0, 0.0])
        .unwrap();
    let r = net.add_relu(h, 0.0).unwrap();
    let w2 = array![
        [1.0, -1.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 5.0, 0.0, 0.0, 0.0]
    ];
    let h2 = net
        .add_affine(r, Weight::Dense(w2), array![0.1, 0.0])
        .unwrap();
    let r2 = net.add_relu(h2, 0.0).unwrap();
    net.add_affine(r2, Weight::Dense(array![[1.0, -1.0]]), array![0.0])
        .unwrap();
    check_same(&net, &cube(2));
}

#[test]
fn cap_and_count_only() {
    let mut rng = Rng(19);
    let net = dense_net(&mut rng, &[3, 12, 12, 2], 0.0);
    let dom = cube(3);
    let full = splitted(&net, &dom);
    let n = full.regions.len();
    let count = split(
        &net,
        &dom,
        SplitSettings {
            max_regions: 1_000_000,
            records: false,
            outputs: &[],
            maps: Maps::Auto,
        },
        &Control::default(),
    )
    .unwrap();
    assert!(count.0.regions.is_empty());
    assert_eq!(count.1.regions, n);
    for cap in [1, 7, n - 1, n] {
        let (cx, stats) = split(
            &net,
            &dom,
            SplitSettings {
                max_regions: cap,
                records: true,
                outputs: &[],
                maps: Maps::Auto,
            },
            &Control::default(),
        )
        .unwrap();
        assert_eq!(cx.regions.len(), cap.min(n));
        assert_eq!(stats.regions, cap.min(n));
        assert_eq!(cx.complete, cap >= n, "cap {cap} of {n}");
    }
    let bad = SplitSettings {
        max_regions: 0,
        records: true,
        outputs: &[],
        maps: Maps::Auto,
    };
    assert!(split(&net, &dom, bad, &Control::default()).is_err());
    assert!(split(
        &net,
        &cube(2),
        SplitSettings {
            max_regions: 5,
            records: true,
            outputs: &[],
            maps: Maps::Auto,
        },
        &Control::default()
    )
    .is_err());
}

#[test]
fn max_pool_is_refused_with_a_reason() {
    let mut net = Network::new(2).unwrap();
    let r = net.add_relu(0, 0.0).unwrap();
    net.add_maxpool(r, vec![vec![0, 1]]).unwrap();
    let e = split(
        &net,
        &cube(2),
        SplitSettings {
            max_regions: 10,
            records: true,
            outputs: &[],
            maps: Maps::Auto,
        },
        &Control::default(),
    )
    .unwrap_err();
    assert!(format!("{e}").contains("max-pool"));
}

#[test]
fn a_stop_request_returns_what_was_found() {
    let mut rng = Rng(23);
    let net = dense_net(&mut rng, &[3, 16, 16, 2], 0.0);
    let dom = cube(3);
    let full = splitted(&net, &dom);
    let control = Control::default();
    control
        .stop
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let st = SplitSettings {
        max_regions: 1_000_000,
        records: true,
        outputs: &[],
        maps: Maps::Auto,
    };
    let (part, _) = split(&net, &dom, st, &control).unwrap();
    assert!(part.interrupted && !part.complete && full.complete && !full.interrupted);
    assert!(part.regions.len() < full.regions.len());
}

/// A convolution-like sparse layer, a residual add and a leaky layer at d = 16 in a small
/// ball: the masked carrier (which computes rows only for the units that may cross a cell)
/// gives the search's regions, and the same output-constraint count as the dense carrier.
#[test]
fn masked_carrier_on_sparse_residual_nets() {
    let mut rng = Rng(23);
    let d = 16;
    let mut net = Network::new(d).unwrap();
    // each unit reads a window of 4 inputs, as a 1-D convolution does
    let (n1, mut indptr, mut indices, mut data) = (13, vec![0], vec![], vec![]);
    for i in 0..n1 {
        for j in i..i + 4 {
            indices.push(j);
            data.push(2.0 * rng.uniform() - 1.0);
        }
        indptr.push(indices.len());
    }
    let csr = linregions_core::linalg::Csr::new(n1, d, indptr, indices, data).unwrap();
    let h = net
        .add_affine(0, Weight::Sparse(csr), rng.vector(n1) * 0.1)
        .unwrap();
    let r = net.add_relu(h, 0.0).unwrap();
    let h2 = common::add_dense(&mut net, &mut rng, r, n1, n1);
    let s = net.add_sum(vec![h2, r]).unwrap();
    let r2 = net.add_relu(s, 0.05).unwrap();
    common::dense_tail(&mut net, &mut rng, r2, &[n1, 8, 3], 0.0);
    let c = rng.vector(d) * 0.3;
    let dom = Domain::linf_ball(c.view(), 0.08).unwrap();
    assert!(check_same(&net, &dom) > 5);
    // y0 - y1 <= its value at the center: holds on a part of the ball only
    let y = forward(&net, c.view().insert_axis(ndarray::Axis(0)), false)
        .unwrap()
        .logits;
    let outputs = vec![(array![[1.0, -1.0, 0.0]], array![y[[0, 0]] - y[[0, 1]]])];
    let count = |maps| {
        let st = SplitSettings {
            max_regions: 1_000_000,
            records: false,
            outputs: &outputs,
            maps,
        };
        split(&net, &dom, st, &Control::default()).unwrap().1
    };
    let (dense, masked) = (count(Maps::Dense), count(Maps::Masked));
    assert_eq!(dense.regions, masked.regions);
    assert_eq!(dense.meeting, masked.meeting);
    assert!(dense.meeting > 0 && dense.meeting < dense.regions);
    assert_eq!(dense.unstable, masked.unstable);
}

/// Small boxes, where the domain's symbolic bounds settle most units before any cell is
/// cut: the pruned split still finds every region of the (unpruned) search.
#[test]
fn pruning_by_the_domain_bounds_drops_no_region() {
    let mut rng = Rng(41);
    for (widths, slope) in [(vec![3, 24, 24, 24, 2], 0.0), (vec![4, 20, 20, 3], 0.05)] {
        let net = dense_net(&mut rng, &widths, slope);
        let d = widths[0];
        let center = Array1::from_shape_fn(d, |_| 0.5 * rng.uniform());
        let (lo, hi) = (&center - 0.15, &center + 0.15);
        let dom = Domain::boxed(lo.view(), hi.view()).unwrap();
        let settled = linregions_core::bounds::settled_units(&net, lo.view(), hi.view()).unwrap();
        let n_settled = settled.iter().flatten().flatten().filter(|&&f| f).count();
        assert!(
            2 * n_settled > net.n_neurons(),
            "{n_settled} of {} settled",
            net.n_neurons()
        );
        let st = SplitSettings {
            max_regions: 1_000_000,
            records: false,
            outputs: &[],
            maps: Maps::Dense,
        };
        let (_, stats) = split(&net, &dom, st, &Control::default()).unwrap();
        assert_eq!(stats.by_bounds, n_settled);
        assert!(check_same(&net, &dom) > 1);
    }
}
