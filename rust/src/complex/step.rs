//! Stepping across a facet to the neighbouring region, with a certificate.
//!
//! From a point `w` on facet `i` (unit inward normal `n`), the neighbour's pattern is read by
//! a forward pass at `y = w - t n` for a small `t`. The step is accepted when, for the region
//! `R'` assembled at `y`, every row of `R'` holds at `w` (within [`VERIFY_TOL`], or a quarter
//! of the room around `w` on a facet smaller than that) and the only rows tight at `w` have
//! normal `-n` (parallel to the facet, pointing away from the region
//! left behind): then `R'` contains a half-ball around `w` on the far side of the facet, so it
//! is full-dimensional and it is the region across the facet at `w`. Otherwise `t` shrinks.
//!
//! Most steps need no assembly of `R'`. In a network without max-pool, row `i` of a region is
//! pattern bit `i`. When every row of `R` but the facet's (and rows parallel to it) is
//! strictly positive at `w`, and the pattern at `y` differs from `R`'s in bit `i` alone, the
//! check above holds by continuity, so it is not computed. Flipping one unit changes every
//! later pre-activation by a multiple of that unit's pre-activation `z_i`, which is zero on the
//! facet. So at `w` each row of `R'` equals the row of `R` with the same sign, which is
//! strictly positive, except row `i`. Row `i` is zero there, with normal `-n`. A row of `R`
//! that is identically zero gets its sign in `R'` from the forward pass at `y` (its bit is
//! among those compared), and in `R'` it is a multiple of `z_i`: tight at `w` with normal `-n`,
//! or zero.

use ndarray::{Array1, Array2, ArrayView1};

use crate::assemble::{assemble, BoundaryPolicy, RegionData};
use crate::error::Result;
use crate::forward::pattern_at;
use crate::hrep::{normalize, UnitRows};
use crate::ir::{Network, Op};
use crate::pattern::{key_of, key_u128};

use super::domain::Domain;
use super::engine::chebyshev;

/// Distance (input units) within which a row counts as tight at the facet point.
pub const VERIFY_TOL: f64 = 1e-9;
/// Smallest distance that counts as clear of a row at the facet point (unit rows with
/// entries of order one: far above the rounding of their slacks).
const ROUNDING_TOL: f64 = 1e-13;
/// Cosine above `1 - PARALLEL_TOL` counts as parallel.
pub const PARALLEL_TOL: f64 = 1e-9;
/// Longest first step, as a fraction of the domain's inradius.
const MAX_STEP: f64 = 1e-3;
/// Attempts with a step shrunk by [`SHRINK`] each time.
const MAX_TRIES: usize = 12;
const SHRINK: f64 = 0.125;

/// The region of `x`: ReLU pre-activations `> 0` are active, `<= 0` inactive and max-pool
/// ties go to the first maximal entry, as in the bulk forward pass (same bits, same key).
pub fn region_at(net: &Network, x: ArrayView1<f64>) -> Result<RegionData> {
    assemble(net, x, 0.0, BoundaryPolicy::Inactive)
}

/// Whether row `k` of every region of `net` is pattern bit `k` (no max-pool layer: one row
/// and one bit per ReLU unit, both in execution order).
pub fn rows_are_bits(net: &Network) -> bool {
    !net.nodes.iter().any(|n| matches!(n.op, Op::MaxPool { .. }))
}

/// Facet `i` of `rows` (a region's rows stacked over the domain rows, unit normals) of a
/// region of `net` inside `domain`; `bits` is the region's pattern and `rows_are_bits` says
/// whether row `i` is pattern bit `i` ([`rows_are_bits`]).
pub struct Facet<'a> {
    pub net: &'a Network,
    pub domain: &'a Domain,
    pub rows: &'a UnitRows,
    pub i: usize,
    pub bits: &'a [u64],
    pub rows_are_bits: bool,
}

/// The region across a facet: its pattern and key.
#[derive(Debug, Clone)]
pub struct Crossed {
    pub key: u128,
    pub bits: Vec<u64>,
}

impl Crossed {
    fn of_bits(bits: Vec<u64>) -> Crossed {
        let key = key_u128(key_of(ndarray::ArrayView1::from(&bits)));
        Crossed { key, bits }
    }
}

/// Whether `other` differs from `bits` in bit `i` alone.
fn flips_only(bits: &[u64], other: &[u64], i: usize) -> bool {
    let (word, bit) = (i / 64, i % 64);
    bits.iter().zip(other).enumerate().all(|(k, (x, y))| {
        let diff = x ^ y;
        if k == word {
            diff == 1u64 << bit
        } else {
            diff == 0
        }
    })
}

impl Facet<'_> {
    /// The neighbour across the facet (its region and a point just across), stepping from
    /// `w`, and when no step is certified there (another hyperplane passes within rounding
    /// of `w`), again from the center of the facet: the point of the facet's hyperplane
    /// farthest, within the hyperplane, from every other row and box face. `None` when
    /// neither step could be certified.
    pub fn cross(&self, w: ArrayView1<f64>) -> Result<Option<(Crossed, Array1<f64>)>> {
        if let Some(found) = self.cross_at(w)? {
            return Ok(Some(found));
        }
        match facet_center(self.rows, self.i, self.domain, w)? {
            Some(c) => self.cross_at(c.view()),
            None => Ok(None),
        }
    }

    /// The neighbour across the facet at the facet point `w`, or `None` when no step could
    /// be certified.
    fn cross_at(&self, w: ArrayView1<f64>) -> Result<Option<(Crossed, Array1<f64>)>> {
        let Facet {
            net,
            domain,
            rows,
            i,
            bits,
            rows_are_bits,
        } = *self;
        let n = rows.a.row(i);
        let u = n.mapv(|v| -v);
        let slack = rows.a.dot(&w) + &rows.b;
        // room around w: rows not parallel to the facet and the box faces
        let mut room = f64::INFINITY;
        for j in 0..rows.a.nrows() {
            if rows.norm[j] > 0.0 && rows.a.row(j).dot(&n) < 1.0 - PARALLEL_TOL {
                room = room.min(slack[j]);
            }
        }
        for k in 0..w.len() {
            room = room.min(w[k] - domain.lo[k]).min(domain.hi[k] - w[k]);
        }
        if room.is_nan() || room <= 0.0 {
            return Ok(None);
        }
        // rows within `tight` of w count as tight: VERIFY_TOL, or less on a facet smaller than
        // that (never below the rounding of a unit row's slack)
        let tight = VERIFY_TOL.min(0.25 * room).max(ROUNDING_TOL);
        let mut t = (0.5 * room).min(MAX_STEP * domain.inradius);
        // every other row strictly positive at w: a single flip needs no assembly (module notes)
        let by_pattern = rows_are_bits && i < 64 * bits.len() && room > ROUNDING_TOL;
        for _ in 0..MAX_TRIES {
            let y = &w + &(t * &u);
            if domain.contains_strictly(y.view()) {
                if by_pattern {
                    let across = pattern_at(net, y.view())?;
                    if flips_only(bits, &across, i) {
                        return Ok(Some((Crossed::of_bits(across), y)));
                    }
                }
                let r = region_at(net, y.view())?;
                if verified(&r, w, u.view(), tight) {
                    let crossed = Crossed {
                        key: key_u128(r.key),
                        bits: r.bits.to_vec(),
                    };
                    return Ok(Some((crossed, y)));
                }
            }
            t *= SHRINK;
        }
        Ok(None)
    }
}

/// The Chebyshev center of facet `i` (`rows` unit, `w` a point of the facet strictly inside
/// the other rows): the insphere of the facet in coordinates `z` of its hyperplane,
/// `x = w + U z` with `U` an orthonormal basis of the hyperplane (a Householder reflection).
/// Rows parallel to the facet (tight along all of it, or far from it) are left out.
fn facet_center(
    rows: &UnitRows,
    i: usize,
    domain: &Domain,
    w: ArrayView1<f64>,
) -> Result<Option<Array1<f64>>> {
    let n = rows.a.row(i);
    let d = n.len();
    if d < 2 {
        return Ok(None);
    }
    // Householder: H e_k = -sign(n_k) n, so the other columns of H span the hyperplane
    let k = (0..d).fold(0, |m, j| if n[j].abs() > n[m].abs() { j } else { m });
    let mut v = n.to_owned();
    v[k] += n[k].signum();
    let vv = v.dot(&v);
    let cols: Vec<usize> = (0..d).filter(|&j| j != k).collect();
    let u = Array2::from_shape_fn((d, d - 1), |(r, c)| {
        let j = cols[c];
        f64::from(u8::from(r == j)) - 2.0 * v[r] * v[j] / vv
    });
    let keep: Vec<usize> = (0..rows.a.nrows())
        .filter(|&j| {
            j != i && rows.norm[j] > 0.0 && rows.a.row(j).dot(&n).abs() < 1.0 - PARALLEL_TOL
        })
        .collect();
    let m = keep.len() + 2 * d;
    let mut az = Array2::<f64>::zeros((m, d - 1));
    let mut bz = Array1::<f64>::zeros(m);
    for (r, &j) in keep.iter().enumerate() {
        az.row_mut(r).assign(&rows.a.row(j).dot(&u));
        bz[r] = rows.a.row(j).dot(&w) + rows.b[j];
    }
    for j in 0..d {
        let (rl, rh) = (keep.len() + j, keep.len() + d + j);
        az.row_mut(rl).assign(&u.row(j));
        bz[rl] = w[j] - domain.lo[j];
        az.row_mut(rh).assign(&u.row(j).mapv(|x| -x));
        bz[rh] = domain.hi[j] - w[j];
    }
    let reach = (&domain.hi - &domain.lo).mapv(|x| x * x).sum().sqrt();
    let (zlo, zhi) = (
        Array1::from_elem(d - 1, -reach),
        Array1::from_elem(d - 1, reach),
    );
    let z0 = Array1::zeros(d - 1); // w itself
    let ball = chebyshev(
        &normalize(az.view(), bz.view()),
        zlo.view(),
        zhi.view(),
        Some(z0.view()),
    )?;
    if ball.radius.is_nan() || ball.radius <= 0.0 {
        return Ok(None);
    }
    Ok(Some(&w + &u.dot(&ball.center)))
}

fn verified(r: &RegionData, w: ArrayView1<f64>, u: ArrayView1<f64>, tight: f64) -> bool {
    // unit-row slacks, row by row (no normalised copy of the rows)
    r.a.rows().into_iter().zip(&r.b).all(|(row, &bk)| {
        let norm = row.dot(&row).sqrt();
        if norm == 0.0 {
            return bk >= 0.0;
        }
        let s = (row.dot(&w) + bk) / norm;
        s > tight || (s >= -tight && row.dot(&u) / norm >= 1.0 - PARALLEL_TOL)
    })
}
