//! The small-LP active-set method against the interior-point LP (the independent route),
//! on random LPs, a degenerate apex with a duplicate row, and the early exits.

mod common;

use common::{Poly, Rng};
use linregions_core::ipm::active_set::minimize_small;
use linregions_core::ipm::lp::{Exits, LpResult};
use linregions_core::ipm::{Settings, Status};
use ndarray::{array, Array1};

fn small(p: &Poly, c: &Array1<f64>, c0: f64, x0: &Array1<f64>, ex: Exits) -> Option<LpResult> {
    minimize_small(&p.lp(c, c0), x0.view(), ex, &Settings::lp())
}

fn feasible(p: &Poly, x: &Array1<f64>) -> bool {
    (p.a.dot(x) + &p.b).iter().all(|&v| v >= 0.0)
        && (0..x.len()).all(|j| x[j] >= p.lo[j] && x[j] <= p.hi[j])
}

fn random_poly(rng: &mut Rng, n: usize, d: usize) -> Poly {
    let a = rng.matrix(n, d);
    let b = rng.vector(n).mapv(|v| 0.55 + 0.45 * v); // in (0.1, 1): the origin is inside
    Poly::new(a, b, Array1::from_elem(d, -1.0), Array1::from_elem(d, 1.0))
}

#[test]
fn agrees_with_the_interior_point_lp() {
    let mut solved = 0;
    for seed in 1..=200u64 {
        let mut rng = Rng(seed * 7919);
        let d = 1 + (seed as usize % 6);
        let n = 3 + (seed as usize % 40);
        let p = random_poly(&mut rng, n, d);
        let c = rng.vector(d);
        let x0 = Array1::zeros(d);
        let ipm = p
            .minimize(&c, 0.3, &x0, Exits::default(), &Settings::lp())
            .unwrap();
        assert_eq!(ipm.status, Status::Optimal);
        let Some(r) = small(&p, &c, 0.3, &x0, Exits::default()) else {
            continue;
        };
        solved += 1;
        assert_eq!(r.status, Status::Optimal, "seed {seed}");
        assert!(
            (r.value - ipm.value).abs() < 1e-7,
            "seed {seed}: {} vs {}",
            r.value,
            ipm.value
        );
        assert!(r.lower_bound <= ipm.value + 1e-9, "seed {seed}");
        assert!(r.lower_bound >= r.value - 1e-7, "seed {seed}");
        assert!(feasible(&p, &r.x), "seed {seed}");
        assert!((c.dot(&r.x) + 0.3 - r.value).abs() < 1e-12);
    }
    assert!(solved >= 198, "solved only {solved} of 200");
}

#[test]
fn degenerate_apex_with_a_duplicate_row() {
    // a square pyramid in 3-D: four rows through the apex (0, 0, 1) and a duplicate
    let a = array![
        [1.0, 0.0, -1.0],
        [-1.0, 0.0, -1.0],
        [0.0, 1.0, -1.0],
        [0.0, -1.0, -1.0],
        [0.0, -1.0, -1.0]
    ];
    let p = Poly::new(
        a,
        Array1::ones(5),
        Array1::from_elem(3, -2.0),
        Array1::from_elem(3, 2.0),
    );
    let x0 = Array1::zeros(3);
    let r = small(&p, &array![0.0, 0.0, -1.0], 0.0, &x0, Exits::default()).expect("certified");
    assert_eq!(r.status, Status::Optimal);
    assert!((r.value + 1.0).abs() < 1e-9 && r.lower_bound > -1.0 - 1e-9);
    assert!(feasible(&p, &r.x));
}

#[test]
fn early_exits_are_certified() {
    let mut rng = Rng(99);
    let p = random_poly(&mut rng, 30, 4);
    let x0 = Array1::zeros(4);
    let c = p.a.row(0).to_owned();
    let c0 = p.b[0];
    let full = small(&p, &c, c0, &x0, Exits::default()).unwrap();
    let below = Exits {
        stop_below: full.value + 1e-3,
        stop_above: f64::INFINITY,
    };
    let r = small(&p, &c, c0, &x0, below).unwrap();
    assert_eq!(r.status, Status::PointBelow);
    assert!(r.value < below.stop_below && feasible(&p, &r.x));
    let above = Exits {
        stop_below: f64::NEG_INFINITY,
        stop_above: full.value - 1e-3,
    };
    let r = small(&p, &c, c0, &x0, above).unwrap();
    assert_eq!(r.status, Status::BoundAbove);
    assert!(r.lower_bound >= above.stop_above);
}

#[test]
fn declines_a_start_outside_and_an_unbounded_minimum() {
    let mut rng = Rng(5);
    let p = random_poly(&mut rng, 10, 3);
    let c = rng.vector(3);
    assert!(small(&p, &c, 0.0, &array![5.0, 0.0, 0.0], Exits::default()).is_none());
    // x_0 >= -1 only: min x_0 is unbounded below, so no optimum is claimed, but a point
    // below a threshold is found on the ray
    let a = array![[1.0, 0.0]];
    let q = Poly::new(
        a,
        array![1.0],
        Array1::from_elem(2, f64::NEG_INFINITY),
        Array1::from_elem(2, f64::INFINITY),
    );
    let x0 = array![0.0, 0.0];
    let up = array![0.0, -1.0];
    assert!(small(&q, &up, 0.0, &x0, Exits::default()).is_none());
    let below = Exits {
        stop_below: -50.0,
        stop_above: f64::INFINITY,
    };
    let r = small(&q, &up, 0.0, &x0, below).expect("a point below");
    assert_eq!(r.status, Status::PointBelow);
    assert!(r.value < -50.0 && feasible(&q, &r.x));
}

#[test]
fn certifies_with_infinite_box_sides() {
    // the cone {y >= |x| - 1} without a box: min y = -1 at the apex, multipliers (1/2, 1/2)
    let a = array![[-1.0, 1.0], [1.0, 1.0]];
    let p = Poly::new(
        a,
        array![1.0, 1.0],
        Array1::from_elem(2, f64::NEG_INFINITY),
        Array1::from_elem(2, f64::INFINITY),
    );
    let x0 = array![0.3, 0.5];
    let r = small(&p, &array![0.0, 1.0], 0.0, &x0, Exits::default()).expect("certified");
    assert_eq!(r.status, Status::Optimal);
    assert!((r.value + 1.0).abs() < 1e-12 && r.lower_bound > -1.0 - 1e-12);
    assert!(feasible(&p, &r.x));
    // the same against the interior-point route, on random half-bounded LPs
    for seed in 1..=50u64 {
        let mut rng = Rng(seed * 31);
        let mut q = random_poly(&mut rng, 30, 3);
        q.lo[0] = f64::NEG_INFINITY;
        q.hi[1] = f64::INFINITY;
        let c = rng.vector(3);
        let x0 = Array1::zeros(3);
        let ipm = q
            .lp(&c, 0.0)
            .minimize_ipm(x0.view(), Exits::default(), &Settings::lp())
            .unwrap();
        if let Some(r) = small(&q, &c, 0.0, &x0, Exits::default()) {
            assert_eq!(ipm.status, Status::Optimal, "seed {seed}");
            assert!((r.value - ipm.value).abs() < 1e-7, "seed {seed}");
            assert!(r.lower_bound <= ipm.value + 1e-9 && feasible(&q, &r.x));
        }
    }
}

#[test]
fn insphere_from_a_box_point_in_wide_unbounded_and_half_bounded_boxes() {
    use linregions_core::hrep::normalize;
    use linregions_core::ipm::ball::BallLp;
    fn insphere_from_box_point(
        a: ndarray::ArrayView2<f64>,
        b: ndarray::ArrayView1<f64>,
        lo: ndarray::ArrayView1<f64>,
        hi: ndarray::ArrayView1<f64>,
        x0: ndarray::ArrayView1<f64>,
        wider_than: f64,
        st: &Settings,
    ) -> Option<(Array1<f64>, f64, f64, usize)> {
        let rows = normalize(a, b);
        BallLp::new(&rows, lo.reborrow(), hi.reborrow())
            .active_set_from_box_point(x0, wider_than, st)
            .map(|f| (f.center, f.radius, f.upper_bound, f.steps))
    }
    // the cube |x_j| <= 0.5 as rows, and x_0 + x_1 <= 0.9 (at 0.636 from the origin): the
    // inradius is 0.5 in every box that holds the cube
    let d = 3;
    let mut a = ndarray::Array2::<f64>::zeros((2 * d + 1, d));
    for j in 0..d {
        a[[2 * j, j]] = -1.0;
        a[[2 * j + 1, j]] = 1.0;
    }
    a[[2 * d, 0]] = -1.0;
    a[[2 * d, 1]] = -1.0;
    let mut b = Array1::from_elem(2 * d + 1, 0.5);
    b[2 * d] = 0.9;
    let (inf, st) = (f64::INFINITY, Settings::insphere());
    let boxes = [
        (Array1::from_elem(d, -1e6), Array1::from_elem(d, 1e6)),
        (Array1::from_elem(d, -inf), Array1::from_elem(d, inf)),
        (Array1::from_elem(d, -2.0), Array1::from_elem(d, inf)),
    ];
    for (lo, hi) in &boxes {
        // from inside, and from a box point outside the polytope
        for start in [0.1, 3.0] {
            let x0 = Array1::from_elem(d, start);
            let (center, radius, upper, steps) = insphere_from_box_point(
                a.view(),
                b.view(),
                lo.view(),
                hi.view(),
                x0.view(),
                inf,
                &st,
            )
            .expect("certified");
            assert!((radius - 0.5).abs() < 1e-12, "{radius} in {lo} {hi}");
            assert!(radius <= upper && upper - radius <= 1e-9 * 0.5 + 1e-12);
            assert!(center.iter().all(|v| v.abs() < 1e-12) && steps <= st.max_iter);
        }
    }
    // a half-space holds arbitrarily large balls: declined (the caller asks the recession
    // cone), and a step limit below the steps needed declines too
    let half = ndarray::array![[1.0, 0.0, 0.0]];
    let (lo, hi) = &boxes[1];
    let x0 = Array1::zeros(d);
    let half_ball = |wider_than: f64| {
        insphere_from_box_point(
            half.view(),
            ndarray::array![1.0].view(),
            lo.view(),
            hi.view(),
            x0.view(),
            wider_than,
            &st,
        )
    };
    assert!(half_ball(inf).is_none());
    // with a finite threshold: a ball wider than it, returned uncertified
    let (center, radius, upper, _) = half_ball(1e3).expect("a wide ball");
    assert!(radius > 1e3 && upper == inf && center[0] + 1.0 >= radius);
    let limited = Settings { max_iter: 1, ..st };
    assert!(insphere_from_box_point(
        a.view(),
        b.view(),
        lo.view(),
        hi.view(),
        x0.view(),
        inf,
        &limited
    )
    .is_none());
}

#[test]
fn bounds_shared_from_the_final_vertex_are_valid_and_tight_at_it() {
    use linregions_core::ipm::active_set::minimize_small_sharing;
    let mut tight = 0;
    for seed in 1..=60u64 {
        let mut rng = Rng(seed * 104_729);
        let d = 2 + (seed as usize % 5);
        let p = random_poly(&mut rng, 6 * d, d);
        let c = rng.vector(d);
        let x0 = Array1::zeros(d);
        // other objectives: random ones, small turns of c (often minimised at the same
        // vertex), and c itself
        let mut objs: Vec<Array1<f64>> = (0..4).map(|_| rng.vector(d)).collect();
        for _ in 0..4 {
            objs.push(&c + &(0.05 * &rng.vector(d)));
        }
        objs.push(c.clone());
        let others: Vec<(ndarray::ArrayView1<f64>, f64)> =
            objs.iter().map(|o| (o.view(), 0.1)).collect();
        let lp = p.lp(&c, 0.1);
        let Some((r, bounds)) = minimize_small_sharing(
            &lp,
            x0.view(),
            Exits::default(),
            &Settings::lp(),
            &others,
            f64::NEG_INFINITY,
        ) else {
            continue;
        };
        assert_eq!(r.status, Status::Optimal, "seed {seed}");
        for (o, &bound) in objs.iter().zip(&bounds) {
            let opt = p
                .lp(o, 0.1)
                .minimize_ipm(x0.view(), Exits::default(), &Settings::lp())
                .unwrap();
            assert!(
                bound <= opt.value + 1e-9,
                "seed {seed}: bound {bound} > min {}",
                opt.value
            );
            if (bound - opt.value).abs() < 1e-7 {
                tight += 1;
            }
        }
        // c itself is minimised at the vertex: its shared bound is the LP's own
        assert!(
            (bounds[objs.len() - 1] - r.lower_bound).abs() < 1e-9,
            "seed {seed}"
        );
        // a threshold above the value at the vertex leaves no bound
        let (_, none) = minimize_small_sharing(
            &lp,
            x0.view(),
            Exits::default(),
            &Settings::lp(),
            &others[objs.len() - 1..],
            r.value + 1.0,
        )
        .unwrap();
        assert_eq!(none[0], f64::NEG_INFINITY);
    }
    // beyond c itself (60), many of its small turns share the vertex (302 of 540 here)
    assert!(tight >= 200, "only {tight} shared bounds were tight");
}
