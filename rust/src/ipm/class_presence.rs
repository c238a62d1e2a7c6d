//! Whether a class wins somewhere inside a region: is there an `x` in
//! `{A x + b >= 0, lo <= x <= hi}` where the logit `z_t(x) = w_t.x + c_t` exceeds every other
//! logit? With more than two classes, the maximum of `log p_t` over the region (eq. 6) can be
//! won by another class while class t still wins on part of the region, so the paper's
//! criterion ("x^t is classified t") certifies presence but not absence.
//!
//! The exact question is the LP `max s  s.t.  (w_t - w_j).x + c_t - c_j >= s  (j != t)`,
//! `x` in the region: class t is present iff its optimum is `> 0` (a tie on a face, optimum
//! `0`, is no region of class t). It runs as a minimisation of `-s` over the region lifted
//! by one coordinate, with early exits at 0 both ways: an exactly checked point with `s > 0`
//! proves presence, a weak-duality bound `max s <= 0` proves absence. A class whose best
//! margin is certified to be at most the LP's absolute tolerance (a tie up to rounding) is
//! absent; one the LP leaves undecided beyond it is an error, never a guess.

use ndarray::{concatenate, s, Array1, Array2, ArrayView1, ArrayView2, Axis};

use super::insphere::{insphere, Ladder};
use super::linear::{Exits, Lp};
use super::settings::{Settings, Status};
use crate::error::{CoreError, Result};
use crate::hrep::{box_max, check};
use crate::polytope::Polytope;

/// Coordinates on a box side are moved this fraction of the side's width inward to make the
/// region's own point a strictly interior start (checked; the insphere's center otherwise).
const START_INSET: f64 = 1e-7;

/// The answer for one class: `present`, the best margin `s` found at an exactly checked
/// `point` (a lower bound on the maximum margin), a certified upper bound on the maximum
/// margin, the iterations and the LP's status.
#[derive(Debug, Clone)]
pub struct ClassPresence {
    pub class: usize,
    pub present: bool,
    pub margin: f64,
    pub margin_bound: f64,
    pub point: Array1<f64>,
    pub iterations: usize,
    pub status: Status,
}

/// `min_j (w_t - w_j).x + c_t - c_j` over `j != t` (`+inf` with one class).
fn margin_at(w: ArrayView2<f64>, c: ArrayView1<f64>, t: usize, x: ArrayView1<f64>) -> f64 {
    let z = w.dot(&x) + c;
    (0..z.len())
        .filter(|&j| j != t)
        .map(|j| z[t] - z[j])
        .fold(f64::INFINITY, f64::min)
}

/// A point strictly inside every row and the box: `x` with its coordinates on box sides
/// moved inward, else the insphere's center (an error if the region has no interior).
fn strict_start(poly: Polytope, x: ArrayView1<f64>) -> Result<Array1<f64>> {
    let mut y = x.to_owned();
    for j in 0..y.len() {
        let (lo, hi) = (poly.lo[j], poly.hi[j]);
        let inset = START_INSET * (hi - lo);
        y[j] = y[j].clamp(lo + inset, hi - inset);
    }
    let strict_box = (0..y.len()).all(|j| y[j] > poly.lo[j] && y[j] < poly.hi[j]);
    if strict_box && (poly.a.dot(&y) + poly.b).iter().all(|&v| v > 0.0) {
        return Ok(y);
    }
    let ball = insphere(poly, &Ladder::new(Settings::insphere()))?;
    if ball.status.is_certified() && ball.radius > 0.0 {
        Ok(ball.center)
    } else {
        Err(CoreError::Value(
            "class_presence: the region has no interior point".into(),
        ))
    }
}

/// Decides, for each class in `classes`, whether it wins somewhere inside the region (see
/// the module notes). `w` `(M, d)` and `c` `(M,)` are the region's logit map; `x` a point of
/// the region (its own point: a start is derived from it); the box must be finite.
#[allow(clippy::too_many_arguments)]
pub fn class_presence(
    poly: Polytope,
    w: ArrayView2<f64>,
    c: ArrayView1<f64>,
    x: ArrayView1<f64>,
    classes: &[usize],
    st: &Settings,
) -> Result<Vec<ClassPresence>> {
    check(poly.a, poly.b, poly.lo, poly.hi)?;
    st.validate().map_err(CoreError::Value)?;
    let d = poly.dim();
    let m = w.nrows();
    if w.ncols() != d || c.len() != m || x.len() != d {
        return Err(CoreError::Shape(format!(
            "class_presence: logit map {:?} and offsets {} and point {} for dimension {d}",
            w.dim(),
            c.len(),
            x.len()
        )));
    }
    crate::linalg::check_finite(w.iter(), "W")?;
    crate::linalg::check_finite(c.iter(), "c")?;
    crate::linalg::check_finite(x.iter(), "x")?;
    if poly.lo.iter().chain(poly.hi.iter()).any(|v| !v.is_finite()) {
        return Err(CoreError::Value(
            "class_presence needs a finite input box (lo, hi)".into(),
        ));
    }
    if let Some(&t) = classes.iter().find(|&&t| t >= m) {
        return Err(CoreError::Value(format!("class {t} out of range [0, {m})")));
    }
    let start = strict_start(poly, x)?;
    classes
        .iter()
        .map(|&t| one_class(poly, w, c, t, start.view(), st))
        .collect()
}

fn one_class(
    poly: Polytope,
    w: ArrayView2<f64>,
    c: ArrayView1<f64>,
    t: usize,
    start: ArrayView1<f64>,
    st: &Settings,
) -> Result<ClassPresence> {
    let (d, m) = (poly.dim(), w.nrows());
    let s0 = margin_at(w, c, t, start);
    if m == 1 || s0 > 0.0 {
        return Ok(ClassPresence {
            class: t,
            present: true,
            margin: s0,
            margin_bound: f64::INFINITY,
            point: start.to_owned(),
            iterations: 0,
            status: Status::PointBelow,
        });
    }
    // rows (w_t - w_j, -1) . (x, s) + c_t - c_j >= 0 under the region's rows (x, 0)
    let others: Vec<usize> = (0..m).filter(|&j| j != t).collect();
    let mut margin_rows = Array2::<f64>::zeros((others.len(), d + 1));
    let mut margin_b = Array1::<f64>::zeros(others.len());
    for (k, &j) in others.iter().enumerate() {
        let mut row = margin_rows.slice_mut(s![k, ..d]);
        row.assign(&(&w.row(t) - &w.row(j)));
        margin_rows[[k, d]] = -1.0;
        margin_b[k] = c[t] - c[j];
    }
    let region_rows = concatenate![Axis(1), poly.a, Array2::<f64>::zeros((poly.a.nrows(), 1))];
    let a = concatenate![Axis(0), region_rows, margin_rows];
    let b = concatenate![Axis(0), poly.b, margin_b];
    // s lies between the start's margin (minus one) and the smallest of the box maxima
    let s_hi = others
        .iter()
        .map(|&j| {
            let diff = &w.row(t) - &w.row(j);
            box_max(diff.view(), poly.lo, poly.hi) + c[t] - c[j]
        })
        .fold(f64::INFINITY, f64::min);
    let s_lo = s0 - 1.0;
    let lo = concatenate![Axis(0), poly.lo, Array1::from_elem(1, s_lo)];
    let hi = concatenate![Axis(0), poly.hi, Array1::from_elem(1, s_hi.max(s0) + 1.0)];
    let mut z0 = Array1::zeros(d + 1);
    z0.slice_mut(s![..d]).assign(&start);
    z0[d] = s0 - 0.5;
    let mut obj = Array1::zeros(d + 1);
    obj[d] = -1.0;
    let lp = Lp {
        poly: Polytope {
            a: a.view(),
            b: b.view(),
            lo: lo.view(),
            hi: hi.view(),
        },
        c: obj.view(),
        c0: 0.0,
    };
    let exits = Exits {
        stop_below: 0.0,
        stop_above: 0.0,
    };
    let r = lp.minimize(z0.view(), exits, st)?;
    let point = r.x.slice(s![..d]).to_owned();
    let margin = margin_at(w, c, t, point.view());
    let margin_bound = -r.lower_bound;
    let present = margin > 0.0;
    if !present && margin_bound > st.abs_tol {
        return Err(CoreError::Value(format!(
            "class_presence: class {t} undecided (best margin {margin:.3e}, bound \
             {margin_bound:.3e}, status {})",
            r.status.name()
        )));
    }
    Ok(ClassPresence {
        class: t,
        present,
        margin,
        margin_bound,
        point,
        iterations: r.iterations,
        status: r.status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// One input in [-1, 1]: class 0 (logit 0) wins only on (-0.025, 0), class 1 (logit x)
    /// right of 0, class 2 (logit -2x - 0.05) left of -0.025, class 3 (below class 2) nowhere.
    #[test]
    fn sliver_classes_and_dominated_ones() {
        let (a, b) = (Array2::<f64>::zeros((0, 1)), Array1::<f64>::zeros(0));
        let (lo, hi) = (array![-1.0], array![1.0]);
        let poly = Polytope {
            a: a.view(),
            b: b.view(),
            lo: lo.view(),
            hi: hi.view(),
        };
        let w = array![[0.0], [1.0], [-2.0], [-2.0]];
        let c = array![0.0, 0.0, -0.05, -0.06];
        let x = array![0.5];
        let out = class_presence(
            poly,
            w.view(),
            c.view(),
            x.view(),
            &[0, 1, 2, 3],
            &Settings::lp(),
        )
        .unwrap();
        let present: Vec<bool> = out.iter().map(|r| r.present).collect();
        assert_eq!(present, vec![true, true, true, false]);
        // the witness of class 0 lies in its sliver, the bound of class 3 is certified
        assert!(out[0].point[0] > -0.025 && out[0].point[0] < 0.0);
        assert!(out[3].margin_bound <= 0.0);
    }

    #[test]
    fn rejects_an_infinite_box_and_a_bad_class() {
        let (a, b) = (Array2::<f64>::zeros((0, 1)), Array1::<f64>::zeros(0));
        let (lo, hi) = (array![f64::NEG_INFINITY], array![1.0]);
        let poly = Polytope {
            a: a.view(),
            b: b.view(),
            lo: lo.view(),
            hi: hi.view(),
        };
        let (w, c, x) = (array![[1.0], [-1.0]], array![0.0, 0.0], array![0.0]);
        assert!(class_presence(poly, w.view(), c.view(), x.view(), &[0], &Settings::lp()).is_err());
        let hi2 = array![1.0];
        let lo2 = array![-1.0];
        let poly = Polytope {
            lo: lo2.view(),
            hi: hi2.view(),
            ..poly
        };
        assert!(class_presence(poly, w.view(), c.view(), x.view(), &[2], &Settings::lp()).is_err());
    }
}
