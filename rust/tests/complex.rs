//! The complex: every region of a domain, checked against dense sampling, known counts and
//! degenerate networks built on purpose.

mod common;

use std::collections::HashSet;

use common::{dense_net, Rng};
use linregions_core::complex::planar::planar;
use linregions_core::complex::{search, Complex, Domain, Settings};
use linregions_core::forward::forward;
use linregions_core::ir::{Network, Weight};
use linregions_core::pattern::keys;
use ndarray::{array, Array1, Array2};

fn key_set_of_points(net: &Network, x: &Array2<f64>) -> HashSet<u128> {
    let f = forward(net, x.view(), true).unwrap();
    let k = keys(f.bits.unwrap().view());
    (0..k.nrows())
        .map(|i| (k[[i, 0]] as u128) << 64 | k[[i, 1]] as u128)
        .collect()
}

fn grid(d: usize, lo: f64, hi: f64, per_axis: usize) -> Array2<f64> {
    let n = per_axis.pow(d as u32);
    Array2::from_shape_fn((n, d), |(p, j)| {
        let k = p / per_axis.pow(j as u32) % per_axis;
        lo + (hi - lo) * (k as f64 + 0.5) / per_axis as f64
    })
}

fn run(net: &Network, dom: &Domain) -> Complex {
    search(net, dom, Settings::default(), None).unwrap()
}

/// Keys unique, points inside the domain and in their own region, graph connected.
fn check_consistent(net: &Network, dom: &Domain, cx: &Complex) {
    let n = cx.regions.len();
    let ks: HashSet<u128> = cx.regions.iter().map(|r| r.key).collect();
    assert_eq!(ks.len(), n, "duplicate regions");
    let pts = Array2::from_shape_fn((n, net.n_inputs()), |(i, j)| cx.regions[i].point[j]);
    let f = forward(net, pts.view(), true).unwrap();
    let k = keys(f.bits.unwrap().view());
    for (i, r) in cx.regions.iter().enumerate() {
        assert_eq!((k[[i, 0]] as u128) << 64 | k[[i, 1]] as u128, r.key);
        assert!(dom.contains_strictly(r.point.view()));
        assert!(r.inradius > 0.0);
    }
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for &(a, b) in &cx.edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra] = rb;
    }
    let roots: HashSet<usize> = (0..n).map(|i| root(&mut parent, i)).collect();
    assert_eq!(roots.len(), 1, "adjacency graph not connected");
    assert!(cx.complete);
    assert_eq!(cx.unsettled, 0);
}

#[test]
fn random_mlps_contain_every_sampled_key() {
    for (seed, d, per_axis) in [(3u64, 2usize, 300usize), (5, 3, 40), (7, 4, 14)] {
        let mut rng = Rng(seed);
        let net = dense_net(&mut rng, &[d, 8, 8, 3], 0.0);
        let dom = Domain::boxed(
            Array1::from_elem(d, -1.0).view(),
            Array1::from_elem(d, 1.0).view(),
        )
        .unwrap();
        let cx = run(&net, &dom);
        check_consistent(&net, &dom, &cx);
        let found: HashSet<u128> = cx.regions.iter().map(|r| r.key).collect();
        let sampled = key_set_of_points(&net, &grid(d, -1.0, 1.0, per_axis));
        assert!(
            sampled.is_subset(&found),
            "d = {d}: a sampled region was missed"
        );
    }
}

#[test]
fn line_arrangement_count_is_exact() {
    // 3 lines through the square in general position: 7 regions; a 4th parallel to one: 9... use
    // x = 0, y = 0, x + y = 0.5: 7 regions inside [-1, 1]^2.
    let mut net = Network::new(2).unwrap();
    let w = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    let h = net
        .add_affine(0, Weight::Dense(w), array![0.0, 0.0, -0.5])
        .unwrap();
    let r = net.add_relu(h, 0.0).unwrap();
    net.add_affine(r, Weight::Dense(array![[1.0, 1.0, 1.0]]), array![0.0])
        .unwrap();
    let dom = Domain::boxed(array![-1.0, -1.0].view(), array![1.0, 1.0].view()).unwrap();
    let cx = run(&net, &dom);
    check_consistent(&net, &dom, &cx);
    assert_eq!(cx.regions.len(), 7);
    // 7 regions of 3 lines: 9 shared edges (each line split into 3, 2, 2... pieces)
    assert_eq!(cx.edges.len(), 3 + 2 + 2 + 2);
}

#[test]
fn degenerate_nets_lose_and_duplicate_nothing() {
    // duplicate neurons, a dead neuron, a neuron on the domain's face, then max-pool with ties
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
    let p = net
        .add_maxpool(r, vec![vec![0, 1], vec![2, 3], vec![4, 5]])
        .unwrap();
    net.add_affine(p, Weight::Dense(array![[1.0, -1.0, 0.5]]), array![0.0])
        .unwrap();
    let dom = Domain::boxed(array![-1.0, -1.0].view(), array![1.0, 1.0].view()).unwrap();
    let cx = run(&net, &dom);
    check_consistent(&net, &dom, &cx);
    let found: HashSet<u128> = cx.regions.iter().map(|r| r.key).collect();
    let sampled = key_set_of_points(&net, &grid(2, -1.0, 1.0, 400));
    assert_eq!(sampled, found);
}

#[test]
fn residual_and_leaky_nets() {
    let mut rng = Rng(11);
    let mut net = Network::new(3).unwrap();
    let a = common::add_dense(&mut net, &mut rng, 0, 3, 3);
    let r = net.add_relu(a, 0.1).unwrap();
    let s = net.add_sum(vec![0, r]).unwrap();
    common::dense_tail(&mut net, &mut rng, s, &[3, 6, 2], 0.0);
    let dom = Domain::boxed(
        array![-1.0, -1.0, -1.0].view(),
        array![1.0, 1.0, 1.0].view(),
    )
    .unwrap();
    let cx = run(&net, &dom);
    check_consistent(&net, &dom, &cx);
    let found: HashSet<u128> = cx.regions.iter().map(|r| r.key).collect();
    assert!(key_set_of_points(&net, &grid(3, -1.0, 1.0, 50)).is_subset(&found));
}

#[test]
fn l1_ball_and_cap() {
    let mut rng = Rng(13);
    let net = dense_net(&mut rng, &[2, 10, 2], 0.0);
    let dom = Domain::l1_ball(array![0.1, -0.1].view(), 0.8).unwrap();
    let cx = run(&net, &dom);
    check_consistent(&net, &dom, &cx);
    let pts = grid(2, -1.0, 1.0, 300);
    let inside: Vec<usize> = (0..pts.nrows())
        .filter(|&i| dom.contains_strictly(pts.row(i)))
        .collect();
    let sub = pts.select(ndarray::Axis(0), &inside);
    let found: HashSet<u128> = cx.regions.iter().map(|r| r.key).collect();
    assert!(key_set_of_points(&net, &sub).is_subset(&found));
    let capped = search(
        &net,
        &dom,
        Settings {
            max_regions: 3,
            ..Settings::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(capped.regions.len(), 3);
    assert!(!capped.complete);
}

#[test]
fn refuses_a_mismatched_domain() {
    let mut rng = Rng(17);
    let net = dense_net(&mut rng, &[3, 4, 2], 0.0);
    let dom = Domain::boxed(array![-1.0, -1.0].view(), array![1.0, 1.0].view()).unwrap();
    assert!(search(&net, &dom, Settings::default(), None).is_err());
    let dom3 = Domain::boxed(
        array![-1.0, -1.0, -1.0].view(),
        array![1.0, 1.0, 1.0].view(),
    )
    .unwrap();
    assert!(search(
        &net,
        &dom3,
        Settings {
            max_regions: 0,
            ..Settings::default()
        },
        None
    )
    .is_err());
}

#[test]
fn a_progress_callback_can_stop_the_search() {
    // the callback says stop at its first call: the regions expanded so far are returned,
    // marked incomplete and interrupted, and each is a true region of the full complex
    let mut rng = Rng(23);
    let net = dense_net(&mut rng, &[2, 24, 24, 2], 0.0);
    let dom = Domain::boxed(array![-1.0, -1.0].view(), array![1.0, 1.0].view()).unwrap();
    let full = run(&net, &dom);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let stop = |_p: linregions_core::complex::Progress| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        false
    };
    // the search proper (the slice route of two inputs reports once, when it is done)
    let searching = Settings {
        planar: false,
        ..Settings::default()
    };
    let part = search(&net, &dom, searching, Some(&stop)).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert!(part.interrupted && !part.complete && full.complete && !full.interrupted);
    assert!(!part.regions.is_empty() && part.regions.len() < full.regions.len());
    let all: HashSet<u128> = full.regions.iter().map(|r| r.key).collect();
    assert!(part.regions.iter().all(|r| all.contains(&r.key)));
    assert!(part
        .regions
        .iter()
        .all(|r| dom.contains_strictly(r.point.view()) && r.inradius > 0.0));
}

/// Key pairs and units of the edges of a complex.
fn edge_set(cx: &Complex) -> HashSet<(u128, u128, i64, i64)> {
    cx.edges
        .iter()
        .zip(&cx.edge_units)
        .map(|(&(i, j), &(l, u))| {
            let (a, b) = (cx.regions[i].key, cx.regions[j].key);
            (a.min(b), a.max(b), l, u)
        })
        .collect()
}

#[test]
fn the_slice_route_equals_the_search() {
    // two inputs over a box: the complex read off the slice must be the search's, record by
    // record, on an MLP, the degenerate max-pool net above and a leaky residual net
    let mut rng = Rng(29);
    let mlp = dense_net(&mut rng, &[2, 12, 12, 3], 0.0);
    let mut leaky = Network::new(2).unwrap();
    let a = common::add_dense(&mut leaky, &mut rng, 0, 2, 2);
    let r = leaky.add_relu(a, 0.2).unwrap();
    let s = leaky.add_sum(vec![0, r]).unwrap();
    common::dense_tail(&mut leaky, &mut rng, s, &[2, 9, 2], 0.0);
    let dom = Domain::boxed(array![-1.0, -0.5].view(), array![0.8, 1.0].view()).unwrap();
    let searching = Settings {
        planar: false,
        ..Settings::default()
    };
    for net in [&mlp, &leaky] {
        let cx = planar(net, &dom, &Settings::default())
            .unwrap()
            .expect("the slice route applies and its checks pass");
        check_consistent(net, &dom, &cx);
        let by_search = search(net, &dom, searching, None).unwrap();
        let keys = |c: &Complex| c.regions.iter().map(|r| r.key).collect::<HashSet<u128>>();
        assert_eq!(keys(&cx), keys(&by_search));
        assert_eq!(edge_set(&cx), edge_set(&by_search));
        for r in &cx.regions {
            let twin = by_search.regions.iter().find(|t| t.key == r.key).unwrap();
            assert_eq!(r.n_facets, twin.n_facets);
            assert!((r.inradius - twin.inradius).abs() <= 1e-7 * twin.inradius);
        }
    }
    // a domain with rows (an L1 ball) or three inputs: not this route
    let l1 = Domain::l1_ball(array![0.0, 0.0].view(), 0.5).unwrap();
    assert!(planar(&mlp, &l1, &Settings::default()).unwrap().is_none());
    let capped = planar(
        &mlp,
        &dom,
        &Settings {
            max_regions: 4,
            planar: true,
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(capped.regions.len(), 4);
    assert!(!capped.complete);
    assert!(capped.edges.iter().all(|&(i, j)| i < 4 && j < 4));
}

/// A step read off the pattern at the far point (no assembly) lands where the step checked
/// by assembling the region across lands, on every facet of the first regions of random
/// ReLU and leaky MLPs (including a duplicate neuron, whose facet flips two bits).
#[test]
fn steps_by_pattern_equal_steps_by_assembly() {
    use linregions_core::complex::engine::{chebyshev, facets, Bounded, Fate};
    use linregions_core::complex::step::{region_at, rows_are_bits, Facet};

    let mut checked = 0;
    for (seed, d, slope) in [(11u64, 3usize, 0.0), (12, 5, 0.1), (13, 8, 0.0)] {
        let mut rng = Rng(seed);
        let mut net = dense_net(&mut rng, &[d, 10, 10, 2], slope);
        if seed == 11 {
            // unit 1 of the first layer duplicates unit 0
            if let linregions_core::ir::Op::Affine { weight, bias, .. } = &mut net.nodes[1].op {
                if let Weight::Dense(w) = weight {
                    let row0 = w.row(0).to_owned();
                    w.row_mut(1).assign(&row0);
                }
                bias[1] = bias[0];
            }
        }
        assert!(rows_are_bits(&net));
        let dom = Domain::boxed(
            Array1::from_elem(d, -1.0).view(),
            Array1::from_elem(d, 1.0).view(),
        )
        .unwrap();
        let cx = search(
            &net,
            &dom,
            Settings {
                max_regions: 40,
                planar: false,
            },
            None,
        )
        .unwrap();
        for rec in &cx.regions {
            let r = region_at(&net, rec.point.view()).unwrap();
            let rows = dom.stack(r.a.view(), r.b.view());
            let ball =
                chebyshev(&rows, dom.lo.view(), dom.hi.view(), Some(rec.point.view())).unwrap();
            let poly = Bounded {
                rows: &rows,
                lo: dom.lo.view(),
                hi: dom.hi.view(),
            };
            let bits = r.bits.as_slice().unwrap();
            for (i, fate) in facets(&poly, ball.center.view())
                .unwrap()
                .iter()
                .enumerate()
            {
                let Fate::Facet(w) = fate else { continue };
                if i >= r.a.nrows() {
                    continue;
                }
                let cross = |by_pattern: bool| {
                    let facet = Facet {
                        net: &net,
                        domain: &dom,
                        rows: &rows,
                        i,
                        bits,
                        rows_are_bits: by_pattern,
                    };
                    facet.cross(w.view()).unwrap().map(|(c, _)| (c.key, c.bits))
                };
                let (quick, full) = (cross(true), cross(false));
                assert!(full.is_some(), "seed {seed}: facet {i} not crossed");
                assert_eq!(quick, full, "seed {seed}: facet {i}");
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} facets checked");
}
