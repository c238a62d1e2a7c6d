//! The splitting route: every region of a domain by splitting cells layer by layer.
//!
//! A cell is a piece of the domain on which the pattern of every layer before the current
//! one is fixed; the pre-activations of the current layer are then affine on the cell
//! (`J x + c`, carried forward from the layers before, as in [`crate::assemble`]). Each
//! neuron of the layer is decided over the cell by the cheapest sound test first: its range
//! over a box that holds the cell (the domain's box, tightened by bound propagation through
//! each split's row, and by the cell's own outer box where many units are left), then a known
//! point of the cell past its hyperplane, then one LP from a point strictly inside the cell
//! that stops as soon as it finds a point past the hyperplane (the neuron changes sign: the
//! cell splits in two) or certifies that none exists beyond [`SIGN_TOL`] (the neuron is
//! stable on the cell and on every cell cut from it; the multipliers of its last vertex
//! settle other units too). A cell whose every neuron is decided moves to the next layer; a
//! cell past the last layer is a region. A count keeps nothing more; a record gets the
//! region's Chebyshev center and certified inradius, and its pattern key read off the
//! forward pass at that center, so keys equal those of [`super::search`].
//!
//! A cell keeps only the domain's rows and the rows of the neurons it was split on: a
//! stable neuron's row is implied on the cell, so every LP carries the hyperplanes that
//! cross the domain, not the network. A split's halves get strictly interior points without
//! an LP: the parent's point on its side, and a point between it and the LP's point past the
//! hyperplane on the other. The two halves are explored as rayon tasks (work stealing over
//! subtrees).
//!
//! What it does not do: adjacency and facet counts (the search route follows facets and
//! gives both); max-pool layers (a window's argmax would split a cell in more than two).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::{Array1, Array2, ArrayView1};

use crate::assemble::Local;
use crate::bounds::settled_units;
use crate::error::{CoreError, Result};
use crate::forward::pattern_at;
use crate::hrep::{box_max, box_min, normalize, UnitRows};
use crate::ipm::active_set;
use crate::ipm::lp::{Exits, Lp};
use crate::ipm::{Settings as IpmSettings, Status};
use crate::ir::{Network, Op};
use crate::pattern::{key_of, key_u128};
use crate::polytope::Polytope;

use super::domain::Domain;
use super::engine::{chebyshev, outer_box};
use super::masked::{mask_of, MaskedNet, Masks};
use super::search::{Complex, RegionRecord};

/// A neuron whose signed distance to its hyperplane is certified `>= -SIGN_TOL` on the whole
/// cell (input units) does not change sign there: the other side is at most a sliver.
pub const SIGN_TOL: f64 = 1e-9;
/// A layer's first look at a cell computes the cell's outer box (2 d LPs) when it has more
/// units than this many per input dimension.
const OUTER_BOX_UNITS_PER_DIM: usize = 2;
/// Entries of a unit row below this do not tighten the box (the bound would be loose).
const BOX_PIVOT: f64 = 1e-3;
/// Relative rounding margin of the box propagation (many ulps of the sums involved).
const BOX_ROUNDING: f64 = 1e-12;
/// Witness points kept per cell (the oldest leave first).
const MAX_WITNESSES: usize = 64;

/// How a cell carries its network: dense local maps, or masks (see [`super::masked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Maps {
    /// Masks when the dense maps would be large (inputs times units above
    /// [`DENSE_MAP_LIMIT`]), dense maps otherwise.
    #[default]
    Auto,
    /// Each node's local map `J` (units x d) carried from cell to cell.
    Dense,
    /// Only the masks; rows of the units that may cross a cell by reverse passes.
    Masked,
}

/// [`Maps::Auto`] carries masks when inputs times ReLU units exceed this.
pub const DENSE_MAP_LIMIT: usize = 2_000_000;

/// Limits and outputs of [`split`].
#[derive(Debug, Clone, Copy)]
pub struct SplitSettings<'a> {
    pub max_regions: usize,
    /// Keep each region's record (key, pattern, center, inradius); false counts only.
    pub records: bool,
    /// Output constraints `C y <= e` on the network's outputs `y` (a disjunction of
    /// conjunctions, as VNN-LIB writes them): the regions where one of them holds on a
    /// full-dimensional part are counted ([`SplitStats::meeting`]).
    pub outputs: &'a [(Array2<f64>, Array1<f64>)],
    pub maps: Maps,
}

/// Counts of a split run (what a count-only run returns).
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitStats {
    pub regions: usize,
    /// Cells split (internal nodes of the tree).
    pub splits: usize,
    /// LPs solved to decide neurons (the box test settled the others).
    pub lps: usize,
    /// Neurons decided by the box test alone.
    pub by_box: usize,
    /// Neurons whose sign the domain's symbolic bounds settle (for every cell at once).
    pub by_bounds: usize,
    /// Distinct neurons split on somewhere in the tree (the unstable ones).
    pub unstable: usize,
    /// Regions on a full-dimensional part of which some output constraint holds (0 when
    /// none is given).
    pub meeting: usize,
}

/// One split's unit row `a . x + b >= 0`, linked to the rows of the splits above it.
struct Link {
    a: Array1<f64>,
    b: f64,
    parent: Option<Arc<Link>>,
}

/// A piece of the domain: the domain's rows, then one unit row per split, and its ball.
/// The split rows are a persistent list shared with the cells above and beside (a cut adds
/// one row, never copies the others: at d = 3,072 and hundreds of splits deep a copy per
/// cut costed more than the LPs); they are laid out as one matrix only where an LP needs
/// them, once per cell.
struct Cell {
    domain_rows: Arc<UnitRows>,
    splits: Option<Arc<Link>>,
    /// A point strictly inside the cell (where its LPs start).
    point: Array1<f64>,
    /// A box that holds the cell (the domain's, or a certified outer box of the cell or
    /// of a cell it was cut from).
    lo: Array1<f64>,
    hi: Array1<f64>,
    dense: std::sync::OnceLock<UnitRows>,
}

impl Cell {
    fn new(
        domain_rows: Arc<UnitRows>,
        point: Array1<f64>,
        lo: Array1<f64>,
        hi: Array1<f64>,
    ) -> Self {
        Cell {
            domain_rows,
            splits: None,
            point,
            lo,
            hi,
            dense: std::sync::OnceLock::new(),
        }
    }

    /// Every row `(a, b)` (unit `a`): the domain's, then the splits' from the first.
    fn row_views(&self) -> Vec<(ArrayView1<'_, f64>, f64)> {
        let dr = &self.domain_rows;
        let mut out: Vec<(ArrayView1<f64>, f64)> =
            dr.a.rows().into_iter().zip(dr.b.iter().copied()).collect();
        let start = out.len();
        let mut link = self.splits.as_deref();
        while let Some(l) = link {
            out.push((l.a.view(), l.b));
            link = l.parent.as_deref();
        }
        out[start..].reverse();
        out
    }

    /// The rows as one matrix (laid out on first use).
    fn rows(&self) -> &UnitRows {
        self.dense.get_or_init(|| {
            let views = self.row_views();
            let d = self.point.len();
            let mut a = Array2::zeros((views.len(), d));
            for (mut r, (v, _)) in a.rows_mut().into_iter().zip(&views) {
                r.assign(v);
            }
            let mut norm = self.domain_rows.norm.to_vec();
            norm.resize(views.len(), 1.0);
            UnitRows {
                a,
                b: views.iter().map(|v| v.1).collect(),
                norm: Array1::from_vec(norm),
            }
        })
    }

    /// The cell cut by `a . x + b >= 0` (unit `a`), with `start` (strictly inside the cut
    /// cell) as its point or, without one, its Chebyshev center; `None` when the cut cell is
    /// empty or flat.
    fn cut(
        &self,
        a: &Array1<f64>,
        b: f64,
        start: Option<&Array1<f64>>,
        dom: &Domain,
    ) -> Result<Option<Cell>> {
        let (lo, hi) = tightened(&self.lo, &self.hi, a, b);
        let mut cell = Cell::new(Arc::clone(&self.domain_rows), self.point.clone(), lo, hi);
        cell.splits = Some(Arc::new(Link {
            a: a.clone(),
            b,
            parent: self.splits.clone(),
        }));
        cell.point = match start {
            Some(x) => x.clone(),
            None => {
                let ball = chebyshev(cell.rows(), dom.lo.view(), dom.hi.view(), None)?;
                if ball.radius.is_nan() || ball.radius <= 0.0 {
                    return Ok(None);
                }
                ball.center
            }
        };
        Ok(Some(cell))
    }
}

/// The box `[lo, hi]` tightened by the half-space `a . x + b >= 0` (one pass of bound
/// propagation: `a_j x_j >= -b - sum_{k != j} max(a_k lo_k, a_k hi_k)`), widened by a
/// rounding margin so that it still holds every point of both.
fn tightened(
    lo: &Array1<f64>,
    hi: &Array1<f64>,
    a: &Array1<f64>,
    b: f64,
) -> (Array1<f64>, Array1<f64>) {
    let (mut lo, mut hi) = (lo.clone(), hi.clone());
    let top: Vec<f64> = (0..a.len())
        .map(|k| (a[k] * lo[k]).max(a[k] * hi[k]))
        .collect();
    let total: f64 = top.iter().sum();
    if !total.is_finite() {
        return (lo, hi);
    }
    let scale: f64 = top.iter().map(|t| t.abs()).sum::<f64>() + b.abs();
    for j in 0..a.len() {
        if a[j].abs() < BOX_PIVOT {
            continue;
        }
        // a_j x_j >= -b - (total - top_j), with the rounding of the sum taken off
        let rhs = -b - (total - top[j]) - BOX_ROUNDING * scale;
        let v = rhs / a[j];
        if a[j] > 0.0 {
            lo[j] = lo[j].max(v);
        } else {
            hi[j] = hi[j].min(v);
        }
    }
    (lo, hi)
}

/// The pre-activations of the current layer on a cell: a dense local map, or the rows of
/// the units that may cross the cell (`pos[i]`: unit i's row, `usize::MAX` for none).
enum LayerMap {
    Dense(Arc<Local>),
    Partial {
        pos: Vec<usize>,
        j: Array2<f64>,
        c: Array1<f64>,
    },
}

impl LayerMap {
    fn row(&self, i: usize, d: usize) -> Array1<f64> {
        match self {
            LayerMap::Dense(l) => l.row(i, d),
            LayerMap::Partial { pos, j, .. } => j.row(pos[i]).to_owned(),
        }
    }

    fn c(&self, i: usize) -> f64 {
        match self {
            LayerMap::Dense(l) => l.c[i],
            LayerMap::Partial { pos, c, .. } => c[pos[i]],
        }
    }
}

/// How a branch carries the network on its cell (see [`Maps`]).
#[derive(Clone)]
enum Carry {
    /// The local maps of the live nodes.
    Dense(Vec<Option<Arc<Local>>>),
    /// The masks of the ReLU nodes passed and the current layer's rows once computed
    /// (shared by the cells cut from this one).
    Masked {
        masks: Masks,
        layer: Option<Arc<LayerMap>>,
    },
}

/// Steps of [`descent_witness`] before it gives the question to an LP.
const DESCENT_STEPS: usize = 32;
/// [`descent_witness`] holds a coordinate whose room towards the side of the box it is
/// pushed to is below this fraction of the box's width.
const BOX_FREEZE: f64 = 1e-3;

/// A point strictly inside `cell` and strictly past the hyperplane `obj . x + c0 = 0`
/// (`obj . x + c0 < -SIGN_TOL`; the cell's point is on the positive side), found without an
/// LP by projected steepest descent: from the cell's point along `-obj`, and each time a
/// row of the cell (or a side of its box) would stop the step, from 9/10 of the way there
/// along `-obj` projected to keep that row's value. `rows`: the cell's rows
/// ([`Cell::row_views`]); `slack`: their slacks at the cell's point. Each step costs one product with the cell's rows (an LP costs several, with a
/// factorisation each); in high dimension with few rows a handful of steps usually reaches
/// the hyperplane, and `None` leaves the question to the LP.
fn descent_witness(
    cell: &Cell,
    rows: &[(ArrayView1<'_, f64>, f64)],
    slack: ArrayView1<f64>,
    obj: &Array1<f64>,
    c0: f64,
) -> Option<Array1<f64>> {
    let d = obj.len();
    let mut x = cell.point.clone();
    let mut s = slack.to_owned();
    // coordinates held at their value (near the side of the box the descent pushes to)
    let mut free: Vec<bool> = (0..d)
        .map(|j| {
            let room = if obj[j] < 0.0 {
                cell.hi[j] - x[j]
            } else {
                x[j] - cell.lo[j]
            };
            room > BOX_FREEZE * (cell.hi[j] - cell.lo[j])
        })
        .collect();
    // orthonormal basis of the blocking rows (on the free coordinates) kept constant
    let mut basis: Vec<Array1<f64>> = Vec::new();
    for _ in 0..DESCENT_STEPS {
        let f = obj.dot(&x) + c0;
        let mut v = Array1::from_iter((0..d).map(|j| if free[j] { -obj[j] } else { 0.0 }));
        for q in &basis {
            let c = q.dot(&v);
            v.scaled_add(-c, q);
        }
        v.iter_mut().zip(&free).for_each(|(vj, &fj)| {
            if !fj {
                *vj = 0.0
            }
        });
        // the rate of the objective along v (negative: v descends)
        let df = obj.dot(&v);
        if df.is_nan() || df >= -1e-12 {
            return None;
        }
        // past the hyperplane by 2 SIGN_TOL at t_past
        let t_past = (f + 2.0 * SIGN_TOL) / -df;
        let rate: Vec<f64> = rows.iter().map(|(a, _)| a.dot(&v)).collect();
        let mut t_exit = f64::INFINITY;
        let mut block_row: Option<usize> = None;
        for (r, (&sr, &vr)) in s.iter().zip(&rate).enumerate() {
            if vr < 0.0 && sr / -vr < t_exit {
                t_exit = sr / -vr;
                block_row = Some(r);
            }
        }
        let room = |j: usize, x: &Array1<f64>| {
            if v[j] > 0.0 {
                (cell.hi[j] - x[j]) / v[j]
            } else if v[j] < 0.0 {
                (cell.lo[j] - x[j]) / v[j]
            } else {
                f64::INFINITY
            }
        };
        let t_box = (0..d).map(|j| room(j, &x)).fold(f64::INFINITY, f64::min);
        if t_box < t_exit {
            t_exit = t_box;
            block_row = None;
        }
        if t_exit > t_past {
            let t = if t_exit.is_finite() {
                0.5 * (t_past + t_exit)
            } else {
                2.0 * t_past
            };
            let y = &x + &(t * &v);
            let inside = rows.iter().all(|(a, b)| a.dot(&y) + b > 0.0)
                && y.iter()
                    .zip(&cell.lo)
                    .zip(&cell.hi)
                    .all(|((&v, &l), &h)| v > l && v < h);
            return (inside && obj.dot(&y) + c0 < -SIGN_TOL).then_some(y);
        }
        if !t_exit.is_finite() {
            return None;
        }
        let t = 0.9 * t_exit;
        x.scaled_add(t, &v);
        s.scaled_add(t, &ArrayView1::from(&rate));
        match block_row {
            None => {
                // a side of the box: hold every coordinate that would stop the next step soon
                for (j, fj) in free.iter_mut().enumerate() {
                    if *fj && room(j, &x) <= t {
                        *fj = false;
                    }
                }
            }
            Some(r) => {
                let mut q =
                    Array1::from_iter(
                        rows[r]
                            .0
                            .iter()
                            .zip(&free)
                            .map(|(&a, &fj)| if fj { a } else { 0.0 }),
                    );
                for b in &basis {
                    let c = b.dot(&q);
                    q.scaled_add(-c, b);
                }
                let nq = q.dot(&q).sqrt();
                if nq.is_nan() || nq <= 1e-9 {
                    return None;
                }
                basis.push(q / nq);
            }
        }
    }
    None
}

/// What the search carries down one branch: the cell, how it carries the network, the
/// next piecewise node, and its units not yet decided on this cell.
struct State {
    cell: Cell,
    carry: Carry,
    node: usize,
    pending: Vec<usize>,
    /// Points of the cell's closure found by LPs (each shows a side of some hyperplane).
    witnesses: Vec<Array1<f64>>,
    /// The layer's units are all pending (none decided on this cell yet).
    fresh: bool,
}

struct Ctx<'a> {
    net: &'a Network,
    dom: &'a Domain,
    st: SplitSettings<'a>,
    last_use: Vec<usize>,
    control: &'a Control,
    splits: AtomicUsize,
    lps: AtomicUsize,
    by_box: AtomicUsize,
    unsettled: AtomicUsize,
    meeting: AtomicUsize,
    capped: AtomicBool,
    /// Bits of the neurons split on somewhere, one flag per (node, unit).
    unstable: Vec<Vec<AtomicBool>>,
    records: Mutex<Vec<RegionRecord>>,
    /// Set when cells carry masks.
    masked: Option<MaskedNet<'a>>,
    /// Per node, the units whose sign the domain's symbolic bounds settle (never pending).
    settled: Vec<Option<Vec<bool>>>,
}

impl Ctx<'_> {
    fn d(&self) -> usize {
        self.net.n_inputs()
    }

    /// Local maps of nodes `from..` up to the next piecewise node; returns its index
    /// (`nodes.len()` past the last).
    fn advance(&self, locals: &mut [Option<Arc<Local>>], from: usize) -> usize {
        let d = self.d();
        for k in from..self.net.nodes.len() {
            let out = match &self.net.nodes[k].op {
                Op::Input => Local::identity(d),
                Op::Affine {
                    input,
                    weight,
                    bias,
                } => live(locals, *input).affine(weight, bias),
                Op::Add { inputs } => {
                    Local::sum(inputs.iter().map(|&i| live(locals, i).as_ref()), d)
                }
                Op::Relu { .. } | Op::MaxPool { .. } => return k,
            };
            locals[k] = Some(Arc::new(out));
            self.drop_dead(locals, k);
        }
        self.net.nodes.len()
    }

    /// The units of node `k` left to decide on every cell: those the domain's bounds do not
    /// settle (none past the last node).
    fn pending_of(&self, k: usize) -> Vec<usize> {
        let Some(n) = self.net.nodes.get(k) else {
            return Vec::new();
        };
        match self.settled.get(k).and_then(Option::as_ref) {
            Some(flags) => (0..n.size).filter(|&u| !flags[u]).collect(),
            None => (0..n.size).collect(),
        }
    }

    fn drop_dead(&self, locals: &mut [Option<Arc<Local>>], k: usize) {
        for i in self.net.nodes[k].op.inputs() {
            if self.last_use[i] == k {
                locals[i] = None;
            }
        }
    }

    /// The units of `pending` (sorted) whose sign changes on `cell`, or that the LP could
    /// not decide (the split's balls then decide), in order; the others are stable on it.
    /// `witnesses` are points of the cell (its closure) found by earlier LPs, and the points
    /// these LPs find join them.
    fn unstable_units(
        &self,
        cell: &mut Cell,
        map: &LayerMap,
        pending: &[usize],
        fresh: bool,
        witnesses: &mut Vec<Array1<f64>>,
    ) -> Result<Vec<usize>> {
        let d = self.d();
        // counted here and added once: shared counters bumped per unit cost more than the
        // box test itself when two cores fight over their cache line
        let mut lps = 0;
        let mut open = self.open_units(cell, map, pending);
        if fresh && open.len() > OUTER_BOX_UNITS_PER_DIM * d {
            // a layer's first look at this cell, with many units left by its box: the cell's
            // own outer box (2 d small LPs) settles most of them
            let rows = cell.rows();
            let all: Vec<usize> = (0..rows.a.nrows()).collect();
            let (lo, hi) = (self.dom.lo.view(), self.dom.hi.view());
            let (olo, ohi) = outer_box(rows, &all, lo, hi, cell.point.view())?;
            lps += 2 * d;
            cell.lo = olo.iter().zip(&cell.lo).map(|(a, b)| a.max(*b)).collect();
            cell.hi = ohi.iter().zip(&cell.hi).map(|(a, b)| a.min(*b)).collect();
            let left: Vec<usize> = open.iter().map(|o| o.0).collect();
            open = self.open_units(cell, map, &left);
        }
        let mut unstable = Vec::new();
        let mut settled = vec![false; open.len()];
        let exits = Exits {
            stop_below: -SIGN_TOL,
            stop_above: -SIGN_TOL,
        };
        // the cell's rows and their slacks at its point, for the descent witnesses
        let views = cell.row_views();
        let slack: Array1<f64> = views.iter().map(|(a, b)| a.dot(&cell.point) + b).collect();
        for k in 0..open.len() {
            if settled[k] {
                continue;
            }
            let (i, ref obj, c0) = open[k];
            // a known point past the hyperplane shows the other side without an LP (the
            // segment from the center to it enters that side inside the cell)
            if witnesses.iter().any(|w| obj.dot(w) + c0 < -SIGN_TOL) {
                unstable.push(i);
                continue;
            }
            // in low dimension the active-set LP costs about as much as the descent
            let descent = d > active_set::MAX_DIM;
            if let Some(w) = descent
                .then(|| descent_witness(cell, &views, slack.view(), obj, c0))
                .flatten()
            {
                if witnesses.len() >= MAX_WITNESSES {
                    witnesses.remove(0);
                }
                witnesses.push(w);
                unstable.push(i);
                continue;
            }
            // one LP; the multipliers of its final vertex bound the later units' minima too
            let later: Vec<usize> = (k + 1..open.len()).filter(|&j| !settled[j]).collect();
            let others: Vec<(ArrayView1<f64>, f64)> = later
                .iter()
                .map(|&j| (open[j].1.view(), open[j].2))
                .collect();
            let rows = cell.rows();
            let poly = Polytope {
                a: rows.a.view(),
                b: rows.b.view(),
                lo: self.dom.lo.view(),
                hi: self.dom.hi.view(),
            };
            let lp = Lp {
                poly,
                c: obj.view(),
                c0,
            };
            lps += 1;
            let (r, bounds) = lp.minimize_sharing(
                cell.point.view(),
                exits,
                &IpmSettings::lp(),
                &others,
                -SIGN_TOL,
            )?;
            for (&j, &bound) in later.iter().zip(&bounds) {
                if bound >= -SIGN_TOL {
                    settled[j] = true;
                }
            }
            if r.value < -SIGN_TOL {
                if witnesses.len() >= MAX_WITNESSES {
                    witnesses.remove(0);
                }
                witnesses.push(r.x);
                unstable.push(i);
            } else if !(r.status == Status::BoundAbove || r.lower_bound >= -SIGN_TOL) {
                unstable.push(i);
            }
        }
        self.lps.fetch_add(lps, Ordering::Relaxed);
        unstable.sort_unstable();
        Ok(unstable)
    }

    /// The units of `pending` whose sign the box of `cell` does not settle, each as the
    /// objective `s (J_i x + c_i) / |J_i|` (signed distance to its hyperplane, `s` the sign
    /// at the center): the unit is stable on the cell iff its minimum is `>= -SIGN_TOL`.
    fn open_units(
        &self,
        cell: &Cell,
        map: &LayerMap,
        pending: &[usize],
    ) -> Vec<(usize, Array1<f64>, f64)> {
        let d = self.d();
        let mut open = Vec::new();
        let mut by_box = 0;
        for &i in pending {
            let row = map.row(i, d);
            let norm = row.dot(&row).sqrt();
            if norm == 0.0 {
                continue;
            }
            let c = map.c(i);
            // range over a box that holds the cell
            let (lo, hi) = (cell.lo.view(), cell.hi.view());
            let (mn, mx) = (
                c + box_min(row.view(), lo, hi),
                c + box_max(row.view(), lo, hi),
            );
            if mn >= -SIGN_TOL * norm || mx <= SIGN_TOL * norm {
                by_box += 1;
                continue;
            }
            let s = if row.dot(&cell.point) + c > 0.0 {
                1.0
            } else {
                -1.0
            };
            open.push((i, row.mapv(|v| s * v / norm), s * c / norm));
        }
        self.by_box.fetch_add(by_box, Ordering::Relaxed);
        open
    }

    /// The two halves of `cell` across unit `i`'s hyperplane, each with the witnesses on
    /// its side; a half that is empty or flat is left out.
    #[allow(clippy::type_complexity)]
    fn halves(
        &self,
        cell: &Cell,
        map: &LayerMap,
        i: usize,
        witnesses: Vec<Array1<f64>>,
    ) -> Result<[Option<(Cell, Vec<Array1<f64>>)>; 2]> {
        let row = map.row(i, self.d());
        let norm = row.dot(&row).sqrt();
        let (a, b) = (row / norm, map.c(i) / norm);
        let gx = a.dot(&cell.point) + b;
        let s = if gx > 0.0 { 1.0 } else { -1.0 };
        let (a_same, b_same) = (a.mapv(|v| s * v), s * b);
        let (mut near_w, mut far_w) = (Vec::new(), Vec::new());
        for w in witnesses {
            let g = a_same.dot(&w) + b_same;
            if g > SIGN_TOL {
                near_w.push(w);
            } else if g < -SIGN_TOL {
                far_w.push(w);
            }
        }
        let near_start = (s * gx > 0.0).then_some(&cell.point);
        let same = cell.cut(&a_same, b_same, near_start, self.dom)?;
        // between the center (inside, on this side) and the farthest witness past the
        // hyperplane: strictly inside the cell and strictly past the hyperplane
        let far_point = far_w.iter().min_by(|p, q| {
            let (gp, gq) = (a_same.dot(*p), a_same.dot(*q));
            gp.total_cmp(&gq)
        });
        let far_start = far_point.map(|y| {
            let (sx, sy) = (s * gx, a_same.dot(y) + b_same);
            let t0 = if sx > 0.0 { sx / (sx - sy) } else { 0.0 };
            let t = 0.5 * (1.0 + t0);
            &cell.point + &(t * (y - &cell.point))
        });
        let far = cell.cut(&(-&a_same), -b_same, far_start.as_ref(), self.dom)?;
        if far_start.is_some() && (same.is_none() || far.is_none()) {
            self.unsettled.fetch_add(1, Ordering::Relaxed);
        }
        Ok([same.map(|c| (c, near_w)), far.map(|c| (c, far_w))])
    }

    /// A region: the cell past the last layer, carrying the network as `carry`.
    fn leaf(&self, cell: Cell, carry: &Carry) -> Result<()> {
        let n = self.control.found.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.st.max_regions {
            // one region past the cap: the count is not complete
            self.control.found.fetch_sub(1, Ordering::Relaxed);
            self.capped.store(true, Ordering::Relaxed);
            return Ok(());
        }
        if !self.st.outputs.is_empty() && self.meets_outputs(&cell, &self.output_map(carry))? {
            self.meeting.fetch_add(1, Ordering::Relaxed);
        }
        if self.st.records {
            let (lo, hi) = (self.dom.lo.view(), self.dom.hi.view());
            let ball = chebyshev(cell.rows(), lo, hi, Some(cell.point.view()))?;
            if ball.radius.is_nan() || ball.radius <= 0.0 {
                self.unsettled.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            let bits = pattern_at(self.net, ball.center.view())?;
            let key = key_u128(key_of(ArrayView1::from(&bits)));
            let rec = RegionRecord {
                key,
                bits,
                point: ball.center,
                inradius: ball.radius,
                n_facets: -1,
            };
            self.records.lock().expect("records").push(rec);
        }
        Ok(())
    }

    /// Whether some output constraint `C y <= e` holds on a full-dimensional part of the
    /// region `cell`, whose outputs are `out` (`y = J x + c`): a conjunction holding strictly
    /// at the cell's point says yes, one a row of which is positive over the cell's box says
    /// no, and any other is settled by the largest ball of the cell cut by its rows (a
    /// positive radius: yes).
    fn meets_outputs(&self, cell: &Cell, out: &Local) -> Result<bool> {
        let d = self.d();
        let y = out.at(cell.point.view());
        let jm = out.dense(d);
        for (cm, e) in self.st.outputs {
            if cm.dot(&y).iter().zip(e).all(|(v, ei)| v < ei) {
                return Ok(true);
            }
            // rows `e - C (J x + c) >= 0` in x
            let a = -cm.dot(&jm);
            let b = e - &cm.dot(&out.c);
            let (lo, hi) = (cell.lo.view(), cell.hi.view());
            let hopeless = (0..a.nrows()).any(|i| box_max(a.row(i), lo, hi) + b[i] < 0.0);
            if hopeless {
                continue;
            }
            let extra = normalize(a.view(), b.view());
            let mut rows = cell.rows().clone();
            for i in 0..extra.a.nrows() {
                rows.a
                    .push_row(extra.a.row(i))
                    .map_err(|e| CoreError::Value(format!("split: cannot add a row: {e}")))?;
            }
            rows.b = ndarray::concatenate![ndarray::Axis(0), rows.b, extra.b];
            rows.norm = ndarray::concatenate![ndarray::Axis(0), rows.norm, extra.norm];
            let ball = chebyshev(&rows, self.dom.lo.view(), self.dom.hi.view(), None)?;
            if ball.radius > 0.0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the run must stop (the cap was passed, or the caller asked).
    fn halted(&self) -> bool {
        self.capped.load(Ordering::Relaxed) || self.control.stop.load(Ordering::Relaxed)
    }

    /// The outputs' local map on a cell past the last layer.
    fn output_map(&self, carry: &Carry) -> Arc<Local> {
        let last = self.net.nodes.len() - 1;
        match carry {
            Carry::Dense(locals) => Arc::clone(live(locals, last)),
            Carry::Masked { masks, .. } => {
                let mn = self.masked.as_ref().expect("masked carrier");
                Arc::new(mn.local(masks, last))
            }
        }
    }

    /// The current layer's map on `st`'s cell (ReLU node `st.node` reading `input`). With
    /// masks, at a layer's first look, the units that cannot cross the cell leave
    /// `st.pending` and the rows of the others are computed (and shared by the cells cut
    /// from this one).
    fn layer_map(&self, st: &mut State, input: usize, fresh: bool) -> Arc<LayerMap> {
        let Carry::Masked { masks, layer } = &mut st.carry else {
            let Carry::Dense(locals) = &st.carry else {
                unreachable!()
            };
            return Arc::new(LayerMap::Dense(Arc::clone(live(locals, input))));
        };
        if let (false, Some(map)) = (fresh, layer.as_ref()) {
            return Arc::clone(map);
        }
        let mn = self.masked.as_ref().expect("masked carrier");
        let mid = (&st.cell.lo + &st.cell.hi) * 0.5;
        let e = mn.deviation_bound(masks, input);
        let open = mn.open_units(masks, e.as_ref(), input, mid.view());
        self.by_box
            .fetch_add(st.pending.len() - open.len(), Ordering::Relaxed);
        let j = mn.rows(masks, input, &open);
        let mut pos = vec![usize::MAX; self.net.nodes[input].size];
        for (k, &u) in open.iter().enumerate() {
            pos[u] = k;
        }
        let c0 = mn.value_at(masks, st.cell.point.view(), input);
        let c = Array1::from_iter(
            open.iter()
                .zip(j.rows())
                .map(|(&u, r)| c0[u] - r.dot(&st.cell.point)),
        );
        st.pending = open;
        let map = Arc::new(LayerMap::Partial { pos, j, c });
        *layer = Some(Arc::clone(&map));
        map
    }

    /// Fixes ReLU node `st.node`'s pattern at the cell's point (every unit is stable on the
    /// cell) and moves `st` to the next piecewise node.
    fn pass_layer(&self, st: &mut State, input: usize, slope: &[f64]) {
        let d = self.d();
        let k = st.node;
        match &mut st.carry {
            Carry::Dense(locals) => {
                let map = live(locals, input);
                let h = map.at(st.cell.point.view());
                let mut j = map.dense(d);
                let mut c = map.c.clone();
                let mut support = Vec::with_capacity(h.len());
                for i in 0..h.len() {
                    if h[i] > 0.0 {
                        support.push(i);
                    } else {
                        j.row_mut(i).mapv_inplace(|v| v * slope[i]);
                        c[i] *= slope[i];
                        if slope[i] != 0.0 {
                            support.push(i);
                        }
                    }
                }
                locals[k] = Some(Arc::new(Local {
                    j: Some(j),
                    c,
                    support: Some(support),
                }));
                self.drop_dead(locals, k);
                st.node = self.advance(locals, k + 1);
            }
            Carry::Masked { masks, layer } => {
                let mn = self.masked.as_ref().expect("masked carrier");
                let h = mn.value_at(masks, st.cell.point.view(), input);
                masks[k] = Some(Arc::new(mask_of(h.view(), slope)));
                *layer = None;
                st.node = (k + 1..self.net.nodes.len())
                    .find(|&n| self.net.nodes[n].layer.is_some())
                    .unwrap_or(self.net.nodes.len());
            }
        }
        st.pending = self.pending_of(st.node);
        st.fresh = true;
    }

    /// Explores the subtree of `st` (see the module notes).
    fn explore(&self, mut st: State) -> Result<()> {
        loop {
            if self.halted() {
                return Ok(());
            }
            if st.node == self.net.nodes.len() {
                return self.leaf(st.cell, &st.carry);
            }
            let Op::Relu { input, slope } = &self.net.nodes[st.node].op else {
                unreachable!("max-pool networks are refused before the search");
            };
            // every pending unit is decided on this cell before any split: a unit stable
            // here is stable on every piece cut from it, and is never asked again
            let fresh = std::mem::take(&mut st.fresh);
            let map = self.layer_map(&mut st, *input, fresh);
            let unstable =
                self.unstable_units(&mut st.cell, &map, &st.pending, fresh, &mut st.witnesses)?;
            if let Some((&u, rest)) = unstable.split_first() {
                self.splits.fetch_add(1, Ordering::Relaxed);
                self.unstable[st.node][u].store(true, Ordering::Relaxed);
                let halves = self.halves(&st.cell, &map, u, std::mem::take(&mut st.witnesses))?;
                let [same, far] = halves;
                let child = |half: Option<(Cell, Vec<Array1<f64>>)>| -> Result<()> {
                    match half {
                        Some((cell, witnesses)) => self.explore(State {
                            cell,
                            carry: st.carry.clone(),
                            node: st.node,
                            pending: rest.to_vec(),
                            witnesses,
                            fresh: false,
                        }),
                        None => Ok(()),
                    }
                };
                let (ra, rb) = rayon::join(|| child(same), || child(far));
                return ra.and(rb);
            }
            // every unit of this layer is stable on the cell: its signs at the cell's point
            self.pass_layer(&mut st, *input, slope);
        }
    }
}

fn live(locals: &[Option<Arc<Local>>], i: usize) -> &Arc<Local> {
    locals[i]
        .as_ref()
        .expect("node map dropped before its last use")
}

/// Whether the splitting route handles `net` (no max-pool layer).
pub fn supports(net: &Network) -> bool {
    !net.nodes.iter().any(|n| matches!(n.op, Op::MaxPool { .. }))
}

/// Shared with the caller while [`split`] runs, from any thread: the regions found so far,
/// and a stop request (the run then returns what it found, marked interrupted).
#[derive(Debug, Default)]
pub struct Control {
    pub found: AtomicUsize,
    pub stop: AtomicBool,
}

/// Every region of `net` inside `domain` by splitting (see the module notes): the records
/// (when `st.records`, sorted by key, with `n_facets` -1: not computed) as a [`Complex`]
/// without edges, and the run's counts. `control` (fresh: nothing found, no stop) reports
/// progress and takes a stop request while the run goes on.
pub fn split(
    net: &Network,
    domain: &Domain,
    st: SplitSettings<'_>,
    control: &Control,
) -> Result<(Complex, SplitStats)> {
    super::search::check_request(net, domain, st.max_regions)?;
    if !supports(net) {
        return Err(CoreError::Value(
            "the splitting route does not handle max-pool layers; use the search route".into(),
        ));
    }
    let masked = match st.maps {
        Maps::Dense => false,
        Maps::Masked => true,
        Maps::Auto => net.n_inputs().saturating_mul(net.n_neurons()) > DENSE_MAP_LIMIT,
    };
    let ctx = Ctx {
        masked: masked.then(|| {
            let mid = (&domain.lo + &domain.hi) * 0.5;
            let radius = (&domain.hi - &domain.lo) * 0.5;
            MaskedNet::new(net, mid.view(), radius.view())
        }),
        net,
        dom: domain,
        st,
        last_use: net.last_use(),
        control,
        splits: AtomicUsize::new(0),
        lps: AtomicUsize::new(0),
        by_box: AtomicUsize::new(0),
        unsettled: AtomicUsize::new(0),
        meeting: AtomicUsize::new(0),
        capped: AtomicBool::new(false),
        unstable: net
            .nodes
            .iter()
            .map(|n| {
                let k = if n.layer.is_some() { n.size } else { 0 };
                (0..k).map(|_| AtomicBool::new(false)).collect()
            })
            .collect(),
        records: Mutex::new(Vec::new()),
        settled: if masked {
            Vec::new()
        } else {
            settled_units(net, domain.lo.view(), domain.hi.view()).unwrap_or_default()
        },
    };
    let settled_count: usize = ctx
        .settled
        .iter()
        .flatten()
        .flatten()
        .filter(|&&f| f)
        .count();
    let rows = normalize(domain.a.view(), domain.b.view());
    let root = Cell::new(
        Arc::new(rows),
        domain.center.clone(),
        domain.lo.clone(),
        domain.hi.clone(),
    );
    let mut locals: Vec<Option<Arc<Local>>> = vec![None; net.nodes.len()];
    let node = if masked {
        net.nodes
            .iter()
            .position(|n| n.layer.is_some())
            .unwrap_or(net.nodes.len())
    } else {
        ctx.advance(&mut locals, 0)
    };
    let pending = ctx.pending_of(node);
    let carry = if masked {
        Carry::Masked {
            masks: vec![None; net.nodes.len()],
            layer: None,
        }
    } else {
        Carry::Dense(locals)
    };
    ctx.explore(State {
        cell: root,
        carry,
        node,
        pending,
        witnesses: Vec::new(),
        fresh: true,
    })?;
    let found = control.found.load(Ordering::Relaxed);
    let (capped, interrupted) = (
        ctx.capped.load(Ordering::Relaxed),
        control.stop.load(Ordering::Relaxed),
    );
    let mut regions = ctx.records.into_inner().expect("records");
    regions.sort_by_key(|r| r.key);
    let stats = SplitStats {
        regions: found,
        splits: ctx.splits.load(Ordering::Relaxed),
        lps: ctx.lps.load(Ordering::Relaxed),
        by_box: ctx.by_box.load(Ordering::Relaxed),
        by_bounds: settled_count,
        unstable: ctx
            .unstable
            .iter()
            .flatten()
            .filter(|f| f.load(Ordering::Relaxed))
            .count(),
        meeting: ctx.meeting.load(Ordering::Relaxed),
    };
    let cx = Complex {
        regions,
        edges: Vec::new(),
        edge_units: Vec::new(),
        complete: !(capped || interrupted),
        interrupted,
        unsettled: ctx.unsettled.load(Ordering::Relaxed),
    };
    Ok((cx, stats))
}
