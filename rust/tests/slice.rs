//! The exact slice partition on its own: tiling, keys against the forward pass, class cells.

mod common;
use common::{dense_net, Rng};

use linregions_core::forward::forward;
use linregions_core::input_box::InputBox;
use linregions_core::ir::{Network, Weight};
use linregions_core::pattern::key_of;
use linregions_core::slice::{
    area, centroid, slice, split, Line, SlicePolygon, SliceSpec, Split, SPLIT_TOL,
};
use ndarray::{array, Array1, Array2, ArrayView1};
use std::collections::HashSet;

/// Relative tolerance on summed areas.
const AREA_RTOL: f64 = 1e-9;
/// A grid point closer than this to a polygon edge is not checked for containment.
const EDGE_MARGIN: f64 = 1e-7;

/// Net with ReLU, then max-pool over pairs and triples, then a dense output.
fn maxpool_net(rng: &mut Rng) -> Network {
    let mut net = Network::new(2).unwrap();
    let a = common::add_dense(&mut net, rng, 0, 9, 2);
    let r = net.add_relu(a, 0.0).unwrap();
    let m = net
        .add_maxpool(r, vec![vec![0, 1], vec![2, 3, 4], vec![5, 6, 7, 8]])
        .unwrap();
    common::add_dense(&mut net, rng, m, 3, 3);
    net
}

/// The box `[lo, hi]^d` (`lo`, `hi` scalars).
fn cube(d: usize, lo: f64, hi: f64) -> InputBox {
    InputBox::new(Array1::from_elem(d, lo), Array1::from_elem(d, hi)).unwrap()
}

fn spec<'a>(
    o: &'a Array1<f64>,
    u: &'a Array1<f64>,
    v: &'a Array1<f64>,
    domain: &'a InputBox,
    e: [f64; 4],
) -> SliceSpec<'a> {
    SliceSpec {
        origin: o.view(),
        u: u.view(),
        v: v.view(),
        domain,
        extent: e,
        tol: SPLIT_TOL,
        max_polygons: 0,
    }
}

/// Distance-signed containment: the smallest signed distance of `p` to the polygon's edges.
fn inside_margin(poly: &[[f64; 2]], p: [f64; 2]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
            (ex * (p[1] - a[1]) - ey * (p[0] - a[0])) / ex.hypot(ey)
        })
        .fold(f64::INFINITY, f64::min)
}

fn to_input(o: &Array1<f64>, u: &Array1<f64>, v: &Array1<f64>, pts: &[[f64; 2]]) -> Array2<f64> {
    Array2::from_shape_fn((pts.len(), o.len()), |(p, j)| {
        o[j] + pts[p][0] * u[j] + pts[p][1] * v[j]
    })
}

/// The checks of the issue: tiling, centroid keys, grid keys and grid classes.
/// The area of the slice rectangle clipped to the box: the slice of a `d`-input net without
/// neurons (one polygon per piece of the clip).
fn box_area(sp: &SliceSpec, d: usize) -> f64 {
    let empty = Network::new(d).unwrap();
    slice(&empty, sp)
        .unwrap()
        .iter()
        .map(|p| area(&p.vertices))
        .sum()
}

fn check_partition(net: &Network, sp: &SliceSpec, polys: &[SlicePolygon], expect_area: f64) {
    let total: f64 = polys.iter().map(|p| area(&p.vertices)).sum();
    assert!(
        (total - expect_area).abs() <= AREA_RTOL * expect_area,
        "{total} vs {expect_area}"
    );
    assert!(polys.iter().all(|p| area(&p.vertices) > 0.0));
    let (o, u, v) = (sp.origin.to_owned(), sp.u.to_owned(), sp.v.to_owned());
    let cents: Vec<[f64; 2]> = polys.iter().map(|p| centroid(&p.vertices)).collect();
    let f = forward(net, to_input(&o, &u, &v, &cents).view(), true).unwrap();
    let bits = f.bits.unwrap();
    for (i, p) in polys.iter().enumerate() {
        assert_eq!(bits.row(i).to_vec(), p.bits, "polygon {i} centroid pattern");
        assert_eq!(key_of(bits.row(i)), p.key);
        let cell_area: f64 = p.class_cells.iter().map(|c| area(&c.1)).sum();
        assert!((cell_area - area(&p.vertices)).abs() <= 1e-9 * expect_area);
    }
    let keys: HashSet<(u64, u64)> = polys.iter().map(|p| p.key).collect();
    assert_eq!(keys.len(), polys.len(), "one polygon per region");
    let [s0, s1, t0, t1] = sp.extent;
    let n = 120;
    let grid: Vec<[f64; 2]> = (0..n * n)
        .map(|k| {
            // Offsets keep grid points off the symmetric lines of the hand-made nets.
            let (a, b) = ((k % n) as f64 + 0.37, (k / n) as f64 + 0.61);
            [s0 + (s1 - s0) * a / n as f64, t0 + (t1 - t0) * b / n as f64]
        })
        .collect();
    let x = to_input(&o, &u, &v, &grid);
    let inbox: Vec<bool> = x
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .zip(sp.domain.lo.iter().zip(&sp.domain.hi))
                .all(|(x, (l, h))| x >= l && x <= h)
        })
        .collect();
    let g = forward(net, x.view(), true).unwrap();
    let gbits = g.bits.unwrap();
    for (k, pt) in grid.iter().enumerate() {
        if !inbox[k] {
            continue;
        }
        assert!(
            keys.contains(&key_of(gbits.row(k))),
            "grid point {k} key missing"
        );
        let mut holders = 0;
        for p in polys {
            let m = inside_margin(&p.vertices, *pt);
            if m > EDGE_MARGIN {
                holders += 1;
                assert_eq!(
                    key_of(gbits.row(k)),
                    p.key,
                    "grid point {k} in wrong polygon"
                );
                for (c, cell) in &p.class_cells {
                    if inside_margin(cell, *pt) > EDGE_MARGIN {
                        let row = g.logits.row(k);
                        let arg =
                            (0..row.len()).fold(0, |b, i| if row[i] > row[b] { i } else { b });
                        assert_eq!(arg, *c, "grid point {k} class");
                    }
                }
            }
        }
        assert!(holders <= 1, "grid point {k} in {holders} polygons");
    }
}

#[test]
fn split_through_vertices_and_touching_lines() {
    let sq = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    // The diagonal s = t passes through two vertices.
    match split(
        &sq,
        Line {
            a: 1.0,
            b: -1.0,
            c: 0.0,
        },
        1e-12,
    ) {
        Split::Two(p, n) => {
            assert_eq!(p.len(), 3);
            assert_eq!(n.len(), 3);
            assert!((area(&p) - 0.5).abs() < 1e-15 && (area(&n) - 0.5).abs() < 1e-15);
        }
        Split::Whole => panic!("the diagonal splits the square"),
    }
    // A line touching a corner, an edge line, and a constant do not split.
    for g in [
        Line {
            a: 1.0,
            b: 1.0,
            c: 0.0,
        },
        Line {
            a: 1.0,
            b: 0.0,
            c: -1.0,
        },
        Line {
            a: 0.0,
            b: 0.0,
            c: 1.0,
        },
        Line {
            a: 1.0,
            b: 0.0,
            c: -0.5e-13,
        },
    ] {
        assert_eq!(split(&sq, g, 1e-12), Split::Whole, "{g:?}");
    }
}

#[test]
fn dense_relu_partition_is_exact() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for slope in [0.0, 0.1] {
        let net = dense_net(&mut rng, &[2, 12, 10, 8, 4], slope);
        let (o, u, v) = (array![0.0, 0.0], array![1.0, 0.0], array![0.0, 1.0]);
        let dom = cube(2, -2.0, 2.0);
        let sp = spec(&o, &u, &v, &dom, [-2.0, 2.0, -2.0, 2.0]);
        let polys = slice(&net, &sp).unwrap();
        assert!(polys.len() > 20, "{} polygons", polys.len());
        check_partition(&net, &sp, &polys, 16.0);
    }
}

#[test]
fn clipped_oblique_slice_of_higher_dimensional_input() {
    let mut rng = Rng(12345);
    let net = dense_net(&mut rng, &[5, 16, 16, 3], 0.0);
    let o = rng.vector(5) * 0.3;
    let (u, v) = (rng.vector(5), rng.vector(5));
    let dom = cube(5, -1.0, 1.0);
    let sp = spec(&o, &u, &v, &dom, [-3.0, 3.0, -3.0, 3.0]);
    let polys = slice(&net, &sp).unwrap();
    // The area of the rectangle clipped to the box, from the box clip alone.
    let clipped = box_area(&sp, 5);
    assert!(clipped < 36.0 && clipped > 0.1);
    check_partition(&net, &sp, &polys, clipped);
}

#[test]
fn duplicate_and_concurrent_lines() {
    // Neurons 0 and 1 share a line, 2 is its negation, 3 and 4 pass through the corner (1, 1)
    // and through the centre where the others cross.
    let w = array![
        [1.0, -1.0],
        [2.0, -2.0],
        [-1.0, 1.0],
        [1.0, 1.0],
        [1.0, 0.0],
        [0.0, 1.0]
    ];
    let b = array![0.0, 0.0, 0.0, -2.0, 0.0, 0.0];
    let mut net = Network::new(2).unwrap();
    let a = net.add_affine(0, Weight::Dense(w), b).unwrap();
    let r = net.add_relu(a, 0.0).unwrap();
    net.add_affine(r, Weight::Dense(Array2::eye(6)), Array1::zeros(6))
        .unwrap();
    let (o, u, v) = (array![0.0, 0.0], array![1.0, 0.0], array![0.0, 1.0]);
    let dom = cube(2, -1.0, 1.0);
    let sp = spec(&o, &u, &v, &dom, [-1.0, 1.0, -1.0, 1.0]);
    let polys = slice(&net, &sp).unwrap();
    // Lines s = t, s = 0, t = 0 through the centre make 6 cells; s + t = 2 only touches.
    assert_eq!(polys.len(), 6);
    check_partition(&net, &sp, &polys, 4.0);
}

#[test]
fn maxpool_partition_is_exact() {
    let mut rng = Rng(777);
    for _ in 0..3 {
        let net = maxpool_net(&mut rng);
        let (o, u, v) = (array![0.1, -0.2], array![1.0, 0.5], array![-0.5, 1.0]);
        let dom = cube(2, -1.5, 1.5);
        let sp = spec(&o, &u, &v, &dom, [-2.0, 2.0, -2.0, 2.0]);
        let polys = slice(&net, &sp).unwrap();
        let clipped = box_area(&sp, 2);
        check_partition(&net, &sp, &polys, clipped);
    }
}

#[test]
fn many_polygons_and_the_polygon_limit() {
    let mut rng = Rng(4242);
    let net = dense_net(&mut rng, &[2, 120, 40, 3], 0.0);
    let (o, u, v) = (array![0.0, 0.0], array![1.0, 0.0], array![0.0, 1.0]);
    let dom = cube(2, -3.0, 3.0);
    let sp = spec(&o, &u, &v, &dom, [-3.0, 3.0, -3.0, 3.0]);
    let polys = slice(&net, &sp).unwrap();
    assert!(polys.len() > 4096, "{}", polys.len());
    let total: f64 = polys.iter().map(|p| area(&p.vertices)).sum();
    assert!((total - 36.0).abs() < 36.0 * AREA_RTOL);
    let limited = SliceSpec {
        max_polygons: 100,
        ..sp
    };
    assert!(slice(&net, &limited).is_err());
}

#[test]
fn bad_input_is_refused() {
    let mut rng = Rng(1);
    let net = dense_net(&mut rng, &[2, 3, 2], 0.0);
    let (o, u, v) = (array![0.0, 0.0], array![1.0, 0.0], array![0.0, 1.0]);
    let dom = cube(2, -1.0, 1.0);
    assert!(slice(&net, &spec(&o, &u, &v, &dom, [1.0, -1.0, 0.0, 1.0])).is_err());
    let far = array![5.0, 5.0];
    assert!(slice(&net, &spec(&far, &u, &v, &dom, [-1.0, 1.0, -1.0, 1.0])).is_err());
    let wide_box = cube(3, -1.0, 1.0);
    assert!(slice(&net, &spec(&o, &u, &v, &wide_box, [-1.0, 1.0, -1.0, 1.0])).is_err());
    let short = array![0.0];
    assert!(slice(&net, &spec(&short, &u, &v, &dom, [-1.0, 1.0, -1.0, 1.0])).is_err());
    let _ = ArrayView1::from(&[0.0][..]);
}

/// Residual net with a sparse layer: a skip connection from before a ReLU cut into a sum
/// after it, so the pieces of a cut carry values from before the cut, a sparse affine
/// delta and a sum of deltas (the general path, not the dense-affine fast path).
fn residual_sparse_net(rng: &mut Rng) -> Network {
    let mut net = Network::new(2).unwrap();
    let a1 = common::add_dense(&mut net, rng, 0, 8, 2);
    let r1 = net.add_relu(a1, 0.0).unwrap();
    let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
    for i in 0..8 {
        for j in [i, (i + 3) % 8] {
            indices.push(j);
            data.push(2.0 * rng.uniform() - 1.0);
        }
        indptr.push(indices.len());
    }
    let csr = linregions_core::linalg::Csr::new(8, 8, indptr, indices, data).unwrap();
    let s = net
        .add_affine(r1, Weight::Sparse(csr), rng.vector(8))
        .unwrap();
    let sum = net.add_sum(vec![s, a1]).unwrap();
    let r2 = net.add_relu(sum, 0.0).unwrap();
    common::dense_tail(&mut net, rng, r2, &[8, 6, 3], 0.1);
    net
}

#[test]
fn residual_and_sparse_partition_is_exact() {
    let mut rng = Rng(99);
    for _ in 0..3 {
        let net = residual_sparse_net(&mut rng);
        let (o, u, v) = (array![0.0, 0.1], array![1.0, 0.0], array![0.0, 1.0]);
        let dom = cube(2, -2.0, 2.0);
        let sp = spec(&o, &u, &v, &dom, [-2.0, 2.0, -2.0, 2.0]);
        let polys = slice(&net, &sp).unwrap();
        assert!(polys.len() > 10, "{}", polys.len());
        let clipped = box_area(&sp, 2);
        check_partition(&net, &sp, &polys, clipped);
    }
}
