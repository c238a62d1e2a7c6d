//! Convex polygons in the slice plane and how lines cut them.
//!
//! A polygon is its vertex list in counter-clockwise order. A cut is an affine function
//! `g(s, t) = a s + b t + c`; a vertex whose distance `|g| / |(a, b)|` to the line is at most
//! `tol` counts as on the line, so a line through a vertex (or several neurons sharing one
//! line) never produces slivers thinner than `tol`. Both pieces of a split share the same
//! chord, so they tile the polygon exactly (up to float rounding of the chord endpoints).

/// A point `(s, t)` of the slice plane.
pub type Pt = [f64; 2];

/// The affine function `a s + b t + c` whose zero set is a cutting line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl Line {
    pub fn eval(&self, p: Pt) -> f64 {
        self.a * p[0] + self.b * p[1] + self.c
    }

    /// `self - other` (the line where two affine functions are equal).
    pub fn minus(&self, other: &Line) -> Line {
        Line {
            a: self.a - other.a,
            b: self.b - other.b,
            c: self.c - other.c,
        }
    }

    /// Norm of the gradient; zero for a constant function.
    pub fn norm(&self) -> f64 {
        let n2 = self.a * self.a + self.b * self.b;
        if n2.is_normal() {
            n2.sqrt()
        } else {
            // Overflow or underflow of the squares: the slow, careful way.
            self.a.hypot(self.b)
        }
    }

    /// Signed distances of the vertices to the line, or `None` when `g` is constant
    /// (no line: the gradient is zero or too small for the distances to be finite).
    fn distances(&self, poly: &[Pt]) -> Option<Vec<f64>> {
        let n = self.norm();
        if n == 0.0 {
            return None;
        }
        let d: Vec<f64> = poly.iter().map(|&p| self.eval(p) / n).collect();
        d.iter().all(|v| v.is_finite()).then_some(d)
    }
}

/// Outcome of cutting a polygon by a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Split {
    /// The line misses the polygon's interior (up to `tol`): the polygon stays whole.
    Whole,
    /// The pieces on the positive and on the negative side.
    Two(Vec<Pt>, Vec<Pt>),
}

/// Whether the line crosses the polygon by more than `tol` on both sides.
pub fn crosses(poly: &[Pt], g: Line, tol: f64) -> bool {
    crosses_with_norm(poly, g, g.norm(), tol)
}

/// [`crosses`] with the gradient norm `n = g.norm()` already known (no allocation).
pub fn crosses_with_norm(poly: &[Pt], g: Line, n: f64, tol: f64) -> bool {
    if n == 0.0 {
        return false;
    }
    let (mut above, mut below) = (false, false);
    for &p in poly {
        let d = g.eval(p) / n;
        if !d.is_finite() {
            return false;
        }
        above |= d > tol;
        below |= d < -tol;
    }
    above && below
}

fn class(d: f64, tol: f64) -> i8 {
    if d > tol {
        1
    } else if d < -tol {
        -1
    } else {
        0
    }
}

/// Cuts a convex polygon by the line `g = 0` (see the module notes for `tol`).
pub fn split(poly: &[Pt], g: Line, tol: f64) -> Split {
    let Some(d) = g.distances(poly) else {
        return Split::Whole;
    };
    if !(d.iter().any(|&v| v > tol) && d.iter().any(|&v| v < -tol)) {
        return Split::Whole;
    }
    let n = poly.len();
    let mut pos = Vec::with_capacity(n + 2);
    let mut neg = Vec::with_capacity(n + 2);
    for i in 0..n {
        let j = (i + 1) % n;
        let (ci, cj) = (class(d[i], tol), class(d[j], tol));
        if ci >= 0 {
            pos.push(poly[i]);
        }
        if ci <= 0 {
            neg.push(poly[i]);
        }
        if ci * cj < 0 {
            let f = d[i] / (d[i] - d[j]);
            let q = [
                poly[i][0] + f * (poly[j][0] - poly[i][0]),
                poly[i][1] + f * (poly[j][1] - poly[i][1]),
            ];
            pos.push(q);
            neg.push(q);
        }
    }
    if pos.len() < 3 || neg.len() < 3 || area(&pos) <= 0.0 || area(&neg) <= 0.0 {
        return Split::Whole;
    }
    Split::Two(pos, neg)
}

/// The part of a convex polygon where `g >= 0` (up to `tol`), or `None` if it is empty.
pub fn clip(poly: Vec<Pt>, g: Line, tol: f64) -> Option<Vec<Pt>> {
    let Some(d) = g.distances(&poly) else {
        return (g.c >= 0.0).then_some(poly);
    };
    if d.iter().all(|&v| v.abs() <= tol) {
        // A sliver along the line: one side only, decided by the mean distance (exactly
        // antisymmetric in `g`, so complementary clips never both keep it).
        return (d.iter().sum::<f64>() > 0.0).then_some(poly);
    }
    if d.iter().all(|&v| v >= -tol) {
        return Some(poly);
    }
    if d.iter().all(|&v| v <= tol) {
        return None;
    }
    match split(&poly, g, tol) {
        Split::Two(pos, _) => Some(pos),
        // Crossing on both sides but one piece degenerate: keep the heavier side.
        Split::Whole => (d.iter().sum::<f64>() > 0.0).then_some(poly),
    }
}

/// Signed area (positive for counter-clockwise vertices).
pub fn area(poly: &[Pt]) -> f64 {
    let n = poly.len();
    let mut s = 0.0;
    for i in 0..n {
        let (p, q) = (poly[i], poly[(i + 1) % n]);
        s += p[0] * q[1] - q[0] * p[1];
    }
    0.5 * s
}

/// Area centroid (the vertex mean for a polygon of zero area).
pub fn centroid(poly: &[Pt]) -> Pt {
    let n = poly.len();
    // Shift to the first vertex to keep the cross products well conditioned.
    let o = poly[0];
    let (mut a2, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let p = [poly[i][0] - o[0], poly[i][1] - o[1]];
        let q = [poly[(i + 1) % n][0] - o[0], poly[(i + 1) % n][1] - o[1]];
        let cr = p[0] * q[1] - q[0] * p[1];
        a2 += cr;
        cx += (p[0] + q[0]) * cr;
        cy += (p[1] + q[1]) * cr;
    }
    if a2.abs() > 0.0 {
        [o[0] + cx / (3.0 * a2), o[1] + cy / (3.0 * a2)]
    } else {
        let m = poly
            .iter()
            .fold([0.0, 0.0], |m, p| [m[0] + p[0], m[1] + p[1]]);
        [m[0] / n as f64, m[1] / n as f64]
    }
}

/// The cells of a convex polygon on which each of several affine functions is the largest
/// (ties go to the first maximal function, as `argmax` does): `(index, cell)` pairs of the
/// non-empty cells, in index order.
pub fn argmax_cells(poly: &[Pt], f: &[Line], tol: f64) -> Vec<(usize, Vec<Pt>)> {
    // A function that is below another one by more than `tol` at every vertex of the
    // polygon is below it on all of every cell cut from the polygon, so the clip against
    // that other function would drop it: skip it without clipping (usually all but one).
    let below_everywhere = |g: Line| {
        let n = g.norm();
        if n == 0.0 {
            return g.c < 0.0;
        }
        poly.iter().all(|&p| g.eval(p) / n < -tol)
    };
    let mut cells = Vec::new();
    'entries: for (e, fe) in f.iter().enumerate() {
        if f.iter()
            .enumerate()
            .any(|(o, fo)| o != e && below_everywhere(fe.minus(fo)))
        {
            continue;
        }
        let mut cell = poly.to_vec();
        for (o, fo) in f.iter().enumerate() {
            if o == e {
                continue;
            }
            let g = fe.minus(fo);
            if g.a == 0.0 && g.b == 0.0 && g.c == 0.0 {
                // Identical functions: the first of them wins everywhere.
                if o < e {
                    continue 'entries;
                }
                continue;
            }
            match clip(cell, g, tol) {
                Some(c) => cell = c,
                None => continue 'entries,
            }
        }
        cells.push((e, cell));
    }
    cells
}
