//! The interior-point solver on problems with known solutions: status and distance to the
//! solution, as Clarabel's tests do (optimal, early exits, infeasible, iteration limit,
//! degenerate vertices, tied rows), for its three problems.

mod common;

use common::{Poly, Rng};
use linregions_core::ipm::lp::{Exits, Lp, LpResult};
use linregions_core::ipm::{Settings, Status};
use ndarray::{array, Array1, Array2, Axis};

fn max_abs(v: &Array1<f64>) -> f64 {
    v.iter().fold(0.0f64, |a, &x| a.max(x.abs()))
}

fn unit_rows(rng: &mut Rng, n: usize, d: usize) -> Array2<f64> {
    let mut a = rng.matrix(n, d);
    for mut row in a.axis_iter_mut(Axis(0)) {
        let nr = row.dot(&row).sqrt();
        row /= nr;
    }
    a
}

/// `[0, 2]^2` cut by `x + y <= 3`.
fn square_with_cut() -> Poly {
    Poly::new(
        array![[-1.0, -1.0]],
        array![3.0],
        array![0.0, 0.0],
        array![2.0, 2.0],
    )
}

/// The box `[-1, 1]^d`.
fn unit_box(d: usize) -> (Array1<f64>, Array1<f64>) {
    (Array1::from_elem(d, -1.0), Array1::from_elem(d, 1.0))
}

/// `min c . x` over `poly` from `x0` by both routes: the active-set method (tried first at
/// low d) and the interior point alone.
fn optima(poly: &Poly, c: &Array1<f64>, x0: &Array1<f64>) -> [LpResult; 2] {
    let (lp, exits, st) = (poly.lp(c, 0.0), Exits::default(), Settings::lp());
    let first = lp.minimize(x0.view(), exits, &st).unwrap();
    [first, lp.minimize_ipm(x0.view(), exits, &st).unwrap()]
}

#[test]
fn lp_reaches_the_vertex() {
    let c = array![-1.0, -2.0]; // min -x - 2y: at (1, 2), value -5
    let x0 = array![0.5, 0.5];
    let poly = square_with_cut();
    for r in optima(&poly, &c, &x0) {
        assert_eq!(r.status, Status::Optimal);
        assert!((r.value + 5.0).abs() < 1e-8 && r.lower_bound <= r.value);
        assert!(max_abs(&(&r.x - &array![1.0, 2.0])) < 1e-6);
    }
}

#[test]
fn lp_early_exits_are_certified() {
    let poly = square_with_cut();
    let x0 = array![0.5, 0.5];
    let c = array![-1.0, -1.0];
    let st = Settings::lp();
    // slack of x + y <= 3.5: min 3.5 - x - y = 0.5 >= 0.1
    let exits = Exits {
        stop_above: 0.1,
        ..Exits::default()
    };
    for route in [Lp::minimize, Lp::minimize_ipm] {
        let run = |c0: f64, exits: Exits| route(&poly.lp(&c, c0), x0.view(), exits, &st).unwrap();
        let r = run(3.5, exits);
        assert_eq!(r.status, Status::BoundAbove);
        assert!(r.lower_bound >= 0.1 && r.lower_bound <= 0.5 + 1e-9);
        // x + y <= 2.5 is crossed: a feasible point with slack below -0.1
        let r = run(
            2.5,
            Exits {
                stop_below: -0.1,
                ..Exits::default()
            },
        );
        assert_eq!(r.status, Status::PointBelow);
        assert!(r.value < -0.1);
        assert!(r.x.iter().all(|&v| (0.0..=2.0).contains(&v)) && r.x[0] + r.x[1] <= 3.0);
    }
}

#[test]
fn lp_refuses_a_start_outside_and_bad_settings() {
    let poly = square_with_cut();
    let c = array![1.0, 0.0];
    let run = |x0: Array1<f64>, st: Settings| poly.minimize(&c, 0.0, &x0, Exits::default(), &st);
    assert!(run(array![1.9, 1.9], Settings::lp()).is_err());
    let bad = Settings {
        step_fraction: 1.5,
        ..Settings::lp()
    };
    assert!(run(array![0.5, 0.5], bad).is_err());
}

#[test]
fn lp_degenerate_vertex_with_many_tied_rows() {
    // a pointed cone with apex p: rows a_i (x - p) >= 0, 3d of them, all tight at p; the
    // objective is a positive combination of the rows, so p is the unique minimiser
    let d = 20;
    let mut rng = Rng(7);
    let p = Array1::from_elem(d, 0.2);
    let a = rng.matrix(3 * d, d).mapv(|v| 1.0 + 0.5 * v);
    let b = -a.dot(&p);
    let c = a.sum_axis(Axis(0));
    let (lo, hi) = unit_box(d);
    let x0 = Array1::from_elem(d, 0.5);
    let poly = Poly::new(a, b, lo, hi);
    let opt = c.dot(&p);
    for r in optima(&poly, &c, &x0) {
        assert_eq!(r.status, Status::Optimal);
        assert!(
            (r.value - opt).abs() <= 1e-8 * opt.abs(),
            "{} {opt}",
            r.value
        );
        assert!(r.lower_bound <= opt + 1e-12);
        assert!(max_abs(&(&r.x - &p)) < 1e-6);
    }
}

#[test]
fn insphere_of_a_triangle() {
    // [0, 2]^2 cut by x + y <= 2 (row -x - y + 2 >= 0), scaled by 1e6
    let poly = Poly::new(
        array![[-1e6, -1e6]],
        array![2e6],
        array![0.0, 0.0],
        array![2.0, 2.0],
    );
    let s = poly.insphere(&Settings::insphere()).unwrap();
    assert_eq!(s.status, Status::Optimal);
    let r = 2.0 / (2.0 + 2f64.sqrt());
    assert!((s.radius - r).abs() < 1e-9 && s.upper_bound >= s.radius);
    assert!(max_abs(&(&s.center - &array![r, r])) < 1e-6);
}

#[test]
fn insphere_of_an_empty_polytope_is_infeasible() {
    // x >= 1.5 and x <= 0.5 inside [0, 2]
    let (lo, hi) = (array![0.0], array![2.0]);
    let poly = Poly::new(
        array![[1.0], [-1.0]],
        array![-1.5, 0.5],
        lo.clone(),
        hi.clone(),
    );
    let s = poly.insphere(&Settings::insphere()).unwrap();
    assert_eq!(s.status, Status::Infeasible);
    assert!(s.upper_bound < 0.0 && (s.radius + 0.5).abs() < 1e-9);
    // a zero row with b < 0 is empty by itself
    let z = Poly::new(array![[0.0]], array![-1.0], lo, hi)
        .insphere(&Settings::insphere())
        .unwrap();
    assert_eq!(z.status, Status::Infeasible);
}

#[test]
fn insphere_reports_the_iteration_limit() {
    let mut rng = Rng(3);
    let (n, d) = (300, 40);
    let a = unit_rows(&mut rng, n, d);
    let b = rng.vector(n).mapv(|v| 0.05 + v.abs());
    let (lo, hi) = unit_box(d);
    let poly = Poly::new(a, b, lo, hi);
    let st = Settings {
        max_iter: 2,
        exact_retry: false,
        ..Settings::insphere()
    };
    let s = poly.insphere(&st).unwrap();
    assert_eq!(s.status, Status::IterationLimit);
    assert!(s.radius < s.upper_bound);
    let full = poly.insphere(&Settings::insphere()).unwrap();
    assert_eq!(full.status, Status::Optimal);
    assert!(s.radius <= full.upper_bound && full.radius <= s.upper_bound);
}

#[test]
fn insphere_with_hundreds_of_tied_rows() {
    // every row touches the ball of radius 0.5 around c0 (400 rows in 30 dimensions, plus
    // 50 exact duplicates scaled by 3): the optimum is tied on all of them
    let (n, d) = (400, 30);
    let mut rng = Rng(11);
    let c0 = rng.vector(d).mapv(|v| 0.1 * v);
    let a1 = unit_rows(&mut rng, n, d);
    let mut a = Array2::<f64>::zeros((n + 50, d));
    a.slice_mut(ndarray::s![..n, ..]).assign(&a1);
    for k in 0..50 {
        a.row_mut(n + k).assign(&a1.row(7 * k).mapv(|v| 3.0 * v));
    }
    let norms = a.map_axis(Axis(1), |r| r.dot(&r).sqrt());
    let b = &norms * 0.5 - a.dot(&c0);
    let (lo, hi) = unit_box(d);
    let s = Poly::new(a, b, lo, hi)
        .insphere(&Settings::insphere())
        .unwrap();
    assert_eq!(s.status, Status::Optimal);
    assert!((s.radius - 0.5).abs() < 1e-9 && s.upper_bound >= 0.5 - 1e-12);
    assert!(max_abs(&(&s.center - &c0)) < 1e-6);
}

#[test]
fn class_maxima_on_known_problems() {
    // one input, two classes with logits (x, -x): class 0 peaks at hi, class 1 at lo
    let w = array![[1.0], [-1.0]];
    let c = array![0.0, 0.0];
    let (lo, hi) = (array![-1.0], array![1.0]);
    let free = Poly::new(
        Array2::zeros((0, 1)),
        Array1::zeros(0),
        lo.clone(),
        hi.clone(),
    );
    let x = array![0.0];
    let st = Settings::class_maxima();
    let out = free.class_maxima((&w, &c), &x, &[0, 1], &st).unwrap();
    assert_eq!(out.len(), 2);
    for (r, peak) in out.iter().zip([1.0, -1.0]) {
        assert_eq!(r.status, Status::Optimal);
        assert!((r.point[0] - peak).abs() < 1e-6 && r.gap <= st.abs_tol && r.gap >= -1e-12);
        let want = 1.0 - (1.0f64.exp() + (-1.0f64).exp()).ln();
        assert!((r.log_prob - want).abs() < 1e-8);
    }
    // a row x <= 0.25 cuts class 0 off at 0.25
    let cut = Poly::new(array![[-2.0]], array![0.5], lo, hi);
    let out = cut.class_maxima((&w, &c), &x, &[0], &st).unwrap();
    assert_eq!(out[0].status, Status::Optimal);
    assert!((out[0].point[0] - 0.25).abs() < 1e-6 && out[0].multipliers[0] > 0.0);
    // a class out of range and a point outside the region are refused
    let bad =
        |x: Array1<f64>, classes: &[usize]| cut.class_maxima((&w, &c), &x, classes, &st).is_err();
    assert!(bad(array![0.0], &[2]) && bad(array![0.5], &[0]));
}

#[test]
fn class_maxima_with_many_active_rows_and_box_faces() {
    // a random polytope around 0 in 24 dimensions, tight box on some coordinates, 5
    // classes: the maxima sit on faces of several rows and box faces; each must be
    // certified (the gap is a weak-duality bound, not the solver's own estimate)
    let mut rng = Rng(11);
    let (d, n, m) = (24, 60, 5);
    let a = unit_rows(&mut rng, n, d);
    let b = Array1::from_shape_fn(n, |i| 0.3 + 0.1 * (i % 7) as f64);
    let lo = Array1::from_shape_fn(d, |j| if j % 3 == 0 { -0.05 } else { -1.0 });
    let hi = Array1::from_shape_fn(d, |j| if j % 4 == 0 { 0.05 } else { 1.0 });
    let w = rng.matrix(m, d) * 4.0;
    let c = Array1::zeros(m);
    let x = Array1::zeros(d);
    let st = Settings::class_maxima();
    let classes: Vec<usize> = (0..m).collect();
    let poly = Poly::new(a, b, lo, hi);
    let out = poly.class_maxima((&w, &c), &x, &classes, &st).unwrap();
    let mut active_rows = 0;
    for r in &out {
        assert_eq!(
            r.status,
            Status::Optimal,
            "class {}: gap {}",
            r.class,
            r.gap
        );
        assert!(r.gap <= st.abs_tol && r.gap >= -1e-12);
        let s = poly.a.dot(&r.point) + &poly.b;
        assert!(s.iter().all(|&v| v >= -1e-12));
        assert!((0..d).all(|j| r.point[j] >= poly.lo[j] && r.point[j] <= poly.hi[j]));
        active_rows += s.iter().filter(|&&v| v < 1e-7).count();
        assert!(r.multipliers.iter().all(|&v| v >= 0.0));
    }
    assert!(active_rows > 0, "the test should exercise active rows");
}

#[test]
fn lp_with_few_rows_in_high_dimension() {
    // d = 200, 21 rows: the normal matrix is solved through the 21 x 21 Woodbury system.
    // min c x over [-1, 1]^d with c x >= -beta |c| (one cutting row) and 20 rows that
    // never bind in the box: the optimum is -beta |c|
    let mut rng = Rng(5);
    let d = 200;
    let c = rng.vector(d);
    let cn = c.dot(&c).sqrt();
    let beta = 0.3 * c.iter().map(|v| v.abs()).sum::<f64>() / cn; // cuts the box
    let mut a = unit_rows(&mut rng, 21, d);
    a.row_mut(0).assign(&(&c / cn));
    let mut b = Array1::from_elem(21, 20.0); // |a x| <= sqrt(d) < 20 in the box
    b[0] = beta;
    let (lo, hi) = unit_box(d);
    let poly = Poly::new(a, b, lo, hi);
    let x0 = Array1::zeros(d);
    let r = poly
        .minimize(&c, 0.0, &x0, Exits::default(), &Settings::lp())
        .unwrap();
    assert_eq!(r.status, Status::Optimal);
    let want = -beta * cn;
    assert!(
        (r.value - want).abs() < 1e-7 * want.abs(),
        "{} vs {want}",
        r.value
    );
    assert!(r.lower_bound <= r.value + 1e-12);
    assert!((poly.a.row(0).dot(&r.x) + beta).abs() < 1e-6);
}

#[test]
fn rows_implied_by_a_small_box_change_no_answer() {
    // a small box (a VNN-LIB-like ball) around a point where most hyperplanes pass far
    // away: the solvers leave those rows out; the insphere, the class maxima and their
    // certificates must equal those of the polytope without them, and the rows left out
    // get zero multipliers. Rows whose box minimum is exactly 0 (touching a box corner)
    // stay in.
    let mut rng = Rng(21);
    let (d, near, far) = (12, 8, 40);
    let x0 = rng.vector(d).mapv(|v| 0.2 * v);
    let eps = 0.05;
    let lo = x0.mapv(|v| v - eps);
    let hi = x0.mapv(|v| v + eps);
    let a_near = unit_rows(&mut rng, near, d);
    let b_near = Array1::from_shape_fn(near, |i| 0.01 + 0.005 * i as f64) - a_near.dot(&x0);
    let a_far = unit_rows(&mut rng, far, d);
    // |a| = 1, box half-width eps: sum |a_j| eps <= sqrt(d) eps < 0.2 keeps every far
    // row's slack positive over the box; the last one touches the box corner exactly
    let mut b_far = Array1::from_shape_fn(far, |i| 0.2 + 0.1 * i as f64) - a_far.dot(&x0);
    let last = a_far.row(far - 1).to_owned();
    let corner_min: f64 = (0..d)
        .map(|j| last[j] * if last[j] > 0.0 { lo[j] } else { hi[j] })
        .sum();
    b_far[far - 1] = -corner_min;
    let mut a = a_near.clone();
    a.append(Axis(0), a_far.view()).unwrap();
    let mut b = b_near.clone();
    b.append(Axis(0), b_far.view()).unwrap();
    let all = Poly::new(a, b, lo.clone(), hi.clone());
    let mut a_kept = a_near.clone();
    a_kept.push_row(last.view()).unwrap();
    let mut b_kept = b_near.clone();
    b_kept
        .push(Axis(0), ndarray::aview0(&b_far[far - 1]))
        .unwrap();
    let kept = Poly::new(a_kept, b_kept, lo, hi);

    let (s_all, s_kept) = (
        all.insphere(&Settings::insphere()).unwrap(),
        kept.insphere(&Settings::insphere()).unwrap(),
    );
    assert_eq!(s_all.status, Status::Optimal);
    assert!((s_all.radius - s_kept.radius).abs() < 1e-12);
    let slack = all.a.dot(&s_all.center) + &all.b;
    assert!(slack.iter().all(|&v| v >= s_all.radius - 1e-12));

    let m = 4;
    let w = rng.matrix(m, d) * 5.0;
    let c = Array1::zeros(m);
    let st = Settings::class_maxima();
    let classes: Vec<usize> = (0..m).collect();
    let out_all = all.class_maxima((&w, &c), &x0, &classes, &st).unwrap();
    let out_kept = kept.class_maxima((&w, &c), &x0, &classes, &st).unwrap();
    for (r, k) in out_all.iter().zip(&out_kept) {
        assert_eq!(r.status, Status::Optimal);
        assert!((r.log_prob - k.log_prob).abs() < 1e-8);
        assert!(r
            .multipliers
            .slice(ndarray::s![near..near + far - 1])
            .iter()
            .all(|&v| v == 0.0));
        let s = all.a.dot(&r.point) + &all.b;
        assert!(s.iter().all(|&v| v >= -1e-12));
    }
}

#[test]
fn insphere_with_few_rows_in_high_dimension() {
    // d = 120, 20 rows: the normal matrix with the radius's border column is solved through
    // the 20 x 20 Woodbury system (refined). The same polytope with each row repeated four
    // times more (scaled copies: the same constraints, 100 rows > d / 2) goes through the
    // dense normal matrix; both must give the same certified radius. Two cases: the box
    // wide (the ball held by rows and far box faces) and one coordinate squeezed.
    let mut rng = Rng(31);
    let (n, d) = (20, 120);
    let c0 = rng.vector(d).mapv(|v| 0.1 * v);
    let a = unit_rows(&mut rng, n, d);
    let b = Array1::from_elem(n, 0.3) - a.dot(&c0);
    let mut a5 = a.clone();
    let mut b5 = b.clone();
    for k in 2..6 {
        a5.append(Axis(0), a.mapv(|v| v * k as f64).view()).unwrap();
        b5.append(Axis(0), b.mapv(|v| v * k as f64).view()).unwrap();
    }
    let (lo, hi) = unit_box(d);
    let (mut lo2, mut hi2) = (lo.clone(), hi.clone());
    lo2[7] = c0[7] - 0.05;
    hi2[7] = c0[7] + 0.05;
    for (l, h) in [(lo, hi), (lo2, hi2)] {
        let few = Poly::new(a.clone(), b.clone(), l.clone(), h.clone());
        let s = few.insphere(&Settings::insphere()).unwrap();
        let dense = Poly::new(a5.clone(), b5.clone(), l.clone(), h.clone())
            .insphere(&Settings::insphere())
            .unwrap();
        assert_eq!(s.status, Status::Optimal);
        assert!(s.upper_bound - s.radius <= 1e-9 * s.radius + 1e-12);
        assert!((s.radius - dense.radius).abs() <= 1e-9 * dense.radius);
        // the radius is the center's exact distance to the rows and the box
        let slack = few.a.dot(&s.center) + &few.b;
        let exact = (0..d)
            .map(|j| (s.center[j] - l[j]).min(h[j] - s.center[j]))
            .chain(slack.iter().copied())
            .fold(f64::INFINITY, f64::min);
        assert!((exact - s.radius).abs() <= 1e-12);
        assert!(s.iterations < 60, "{} iterations", s.iterations);
    }
}

#[test]
fn insphere_of_an_unbounded_inradius_is_certified_by_a_recession_ray() {
    use linregions_core::hrep::normalize;
    use linregions_core::ipm::insphere::{recession_center, Ladder, RECESSION_TOL};
    use linregions_core::polytope::Polytope;
    fn insphere(
        a: ndarray::ArrayView2<f64>,
        b: ndarray::ArrayView1<f64>,
        lo: ndarray::ArrayView1<f64>,
        hi: ndarray::ArrayView1<f64>,
        st: &Settings,
    ) -> linregions_core::Result<linregions_core::ipm::insphere::Insphere> {
        let poly = Polytope {
            a: a.reborrow(),
            b: b.reborrow(),
            lo: lo.reborrow(),
            hi: hi.reborrow(),
        };
        linregions_core::ipm::insphere::insphere(poly, &Ladder::new(*st))
    }
    let inf = f64::INFINITY;
    let (lo, hi) = (array![-inf, -inf], array![inf, inf]);
    // x >= 0.5, y >= 0.5, x - y >= -0.25: a cone with an interior, apex off the origin
    let a = array![[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]];
    let b = array![-0.5, -0.5, 0.25];
    let st = Settings::insphere();
    let r = insphere(a.view(), b.view(), lo.view(), hi.view(), &st).unwrap();
    assert_eq!(r.status, Status::Unbounded);
    assert!(r.radius == inf && r.upper_bound == inf);
    let unit: Array2<f64> = &a
        / &a.map_axis(Axis(1), |row| row.dot(&row).sqrt())
            .insert_axis(Axis(1));
    let dist = |x: &Array1<f64>| {
        (unit.dot(x) + &(&b / &a.map_axis(Axis(1), |row| row.dot(&row).sqrt())))
            .fold(inf, |m: f64, &v| m.min(v))
    };
    assert!(dist(&r.center) >= 1.0);
    // the center lies on a ray along which every row moves away: balls grow without bound
    let u = &r.center / r.center.dot(&r.center).sqrt();
    let rate = unit.dot(&u).fold(inf, |m: f64, &v| m.min(v));
    assert!(rate > RECESSION_TOL);
    assert!(dist(&(&r.center + &(1e6 * &u))) >= 1.0 + 1e6 * rate * (1.0 - 1e-12));
    // a slab (finite inradius), a coordinate with two finite sides, and an empty zero row
    // have no such ray
    let slab = array![[0.0, 1.0], [0.0, -1.0]];
    let none = |a: Array2<f64>, b: Array1<f64>, lo: &Array1<f64>, hi: &Array1<f64>| {
        recession_center(&normalize(a.view(), b.view()), lo.view(), hi.view(), &st)
            .unwrap()
            .is_none()
    };
    assert!(none(slab.clone(), array![1.0, 1.0], &lo, &hi));
    assert!(none(
        a.clone(),
        b.clone(),
        &array![-inf, 0.0],
        &array![inf, 3.0]
    ));
    assert!(none(
        array![[1.0, 0.0], [0.0, 0.0]],
        array![0.0, -1.0],
        &lo,
        &hi
    ));
    let r = insphere(
        slab.view(),
        array![1.0, 1.0].view(),
        lo.view(),
        hi.view(),
        &st,
    )
    .unwrap();
    assert_eq!(r.status, Status::Optimal);
    assert!((r.radius - 1.0).abs() < 1e-9);
    // half-bounded: x >= 2 from the box, y >= 0 from a row: unbounded, center past both
    let (lo2, hi2) = (array![2.0, -inf], array![inf, inf]);
    let r = insphere(
        array![[0.0, 1.0]].view(),
        array![0.0].view(),
        lo2.view(),
        hi2.view(),
        &st,
    )
    .unwrap();
    assert_eq!(r.status, Status::Unbounded);
    assert!(r.center[0] >= 3.0 && r.center[1] >= 1.0);
}
