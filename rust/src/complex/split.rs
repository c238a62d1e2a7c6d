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
use crate::error::{CoreError, Result};
use crate::forward::pattern_at;
use crate::hrep::{box_max, box_min, normalize, UnitRows};
use crate::ipm::lp::{Exits, Lp};
use crate::ipm::{Settings as IpmSettings, Status};
use crate::ir::{Network, Op};
use crate::pattern::{key_of, key_u128};
use crate::polytope::Polytope;

use super::domain::Domain;
use super::engine::{chebyshev, outer_box};
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
    /// Distinct neurons split on somewhere in the tree (the unstable ones).
    pub unstable: usize,
    /// Regions on a full-dimensional part of which some output constraint holds (0 when
    /// none is given).
    pub meeting: usize,
}

/// A piece of the domain: the domain's rows, then one unit row per split, and its ball.
#[derive(Clone)]
struct Cell {
    rows: UnitRows,
    /// A point strictly inside the cell (where its LPs start).
    point: Array1<f64>,
    /// A box that holds the cell (the domain's, or a certified outer box of the cell or
    /// of a cell it was cut from).
    lo: Array1<f64>,
    hi: Array1<f64>,
}

impl Cell {
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
        let mut rows = self.rows.clone();
        rows.a
            .push_row(a.view())
            .map_err(|e| CoreError::Value(format!("split: cannot add a row: {e}")))?;
        let mut bb = rows.b.to_vec();
        bb.push(b);
        rows.b = Array1::from_vec(bb);
        let mut nn = rows.norm.to_vec();
        nn.push(1.0);
        rows.norm = Array1::from_vec(nn);
        let (lo, hi) = tightened(&self.lo, &self.hi, a, b);
        let point = match start {
            Some(x) => x.clone(),
            None => {
                let ball = chebyshev(&rows, dom.lo.view(), dom.hi.view(), None)?;
                if ball.radius.is_nan() || ball.radius <= 0.0 {
                    return Ok(None);
                }
                ball.center
            }
        };
        Ok(Some(Cell {
            rows,
            point,
            lo,
            hi,
        }))
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

/// What the search carries down one branch: the cell, the local maps of the live nodes,
/// the next piecewise node, and its units not yet decided on this cell.
struct State {
    cell: Cell,
    locals: Vec<Option<Arc<Local>>>,
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
        map: &Local,
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
            let all: Vec<usize> = (0..cell.rows.a.nrows()).collect();
            let (lo, hi) = (self.dom.lo.view(), self.dom.hi.view());
            let (olo, ohi) = outer_box(&cell.rows, &all, lo, hi, cell.point.view())?;
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
        let poly = Polytope {
            a: cell.rows.a.view(),
            b: cell.rows.b.view(),
            lo: self.dom.lo.view(),
            hi: self.dom.hi.view(),
        };
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
            // one LP; the multipliers of its final vertex bound the later units' minima too
            let later: Vec<usize> = (k + 1..open.len()).filter(|&j| !settled[j]).collect();
            let others: Vec<(ArrayView1<f64>, f64)> = later
                .iter()
                .map(|&j| (open[j].1.view(), open[j].2))
                .collect();
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
        map: &Local,
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
            let c = map.c[i];
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
        map: &Local,
        i: usize,
        witnesses: Vec<Array1<f64>>,
    ) -> Result<[Option<(Cell, Vec<Array1<f64>>)>; 2]> {
        let row = map.row(i, self.d());
        let norm = row.dot(&row).sqrt();
        let (a, b) = (row / norm, map.c[i] / norm);
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

    /// A region: the cell past the last layer, whose outputs are `out`.
    fn leaf(&self, cell: Cell, out: &Local) -> Result<()> {
        let n = self.control.found.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.st.max_regions {
            // one region past the cap: the count is not complete
            self.control.found.fetch_sub(1, Ordering::Relaxed);
            self.capped.store(true, Ordering::Relaxed);
            return Ok(());
        }
        if !self.st.outputs.is_empty() && self.meets_outputs(&cell, out)? {
            self.meeting.fetch_add(1, Ordering::Relaxed);
        }
        if self.st.records {
            let (lo, hi) = (self.dom.lo.view(), self.dom.hi.view());
            let ball = chebyshev(&cell.rows, lo, hi, Some(cell.point.view()))?;
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
            let mut rows = cell.rows.clone();
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

    /// Explores the subtree of `st` (see the module notes).
    fn explore(&self, mut st: State) -> Result<()> {
        let d = self.d();
        loop {
            if self.halted() {
                return Ok(());
            }
            if st.node == self.net.nodes.len() {
                let out = live(&st.locals, self.net.nodes.len() - 1);
                return self.leaf(st.cell, out);
            }
            let Op::Relu { input, slope } = &self.net.nodes[st.node].op else {
                unreachable!("max-pool networks are refused before the search");
            };
            let map = Arc::clone(live(&st.locals, *input));
            // every pending unit is decided on this cell before any split: a unit stable
            // here is stable on every piece cut from it, and is never asked again
            let fresh = std::mem::take(&mut st.fresh);
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
                            locals: st.locals.clone(),
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
            // every unit of this layer is stable on the cell: its signs at the center
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
            st.locals[st.node] = Some(Arc::new(Local {
                j: Some(j),
                c,
                support: Some(support),
            }));
            self.drop_dead(&mut st.locals, st.node);
            st.node = self.advance(&mut st.locals, st.node + 1);
            st.pending = match self.net.nodes.get(st.node) {
                Some(n) => (0..n.size).collect(),
                None => Vec::new(),
            };
            st.fresh = true;
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
    let ctx = Ctx {
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
    };
    let rows = normalize(domain.a.view(), domain.b.view());
    let root = Cell {
        rows,
        point: domain.center.clone(),
        lo: domain.lo.clone(),
        hi: domain.hi.clone(),
    };
    let mut locals: Vec<Option<Arc<Local>>> = vec![None; net.nodes.len()];
    let node = ctx.advance(&mut locals, 0);
    let pending = net
        .nodes
        .get(node)
        .map_or(Vec::new(), |n| (0..n.size).collect());
    ctx.explore(State {
        cell: root,
        locals,
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
