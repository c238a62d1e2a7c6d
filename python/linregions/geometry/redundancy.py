"""Which rows of ``A x + b >= 0`` are facets of ``{A x + b >= 0, lo <= x <= hi}``.

Row ``i`` is *redundant* when removing it lets the polytope reach at most ``tol`` (a
Euclidean distance) beyond its hyperplane: ``min (A_i x + b_i) / |A_i| >= -tol`` over the
other rows and the box. Otherwise it is a facet. Of rows equal up to a positive factor, the
last one is kept (the sequential loop of appendix C keeps the last one too).

Methods:

- ``"naive"``: the paper's appendix C, one LP per row in order, removing each redundant row
  before testing the next (HiGHS through scipy).
- ``"auto"``: the Rust core certifies what it can without LPs (zero rows, rows implied by the
  box, duplicates, and facets by witness points found by straight and bent rays from the
  insphere center); the rows left go through Clarkson's loop: an LP over the facets known so
  far decides redundancy, or a feasible point of it past the row, joined to the center by a
  segment, meets a new facet. These LPs run in the Rust core (dense interior point, stopped
  as soon as either answer is certified; HiGHS when it cannot settle one). Flat polytopes
  (no interior point) fall back to ``"naive"``. Infinite box sides (``lo = -inf``,
  ``hi = inf``) are handled natively: a ray that leaves through one meets no face, the
  interior point of an unbounded inradius is a point far along a recession direction (see
  :mod:`linregions.geometry.insphere`), and the LPs run in an artificial box while their
  "redundant" answers are certified for the real set by multipliers that need no infinite
  side (``rust/src/ipm/free.rs``); an LP that cannot be certified that way goes to HiGHS
  with the floor ``A_i x + b_i >= -1`` that keeps it bounded.
- ``"cdd"``: pycddlib (floating point), for cross-checks at small sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from .. import _core
from ..errors import InvalidValueError
from .highs import minimize, raise_for
from .hrep import HRep
from .insphere import compute_insphere

#: A row is redundant when the polytope without it reaches at most this far past it.
REDUNDANCY_TOL = 1e-9
#: Unit normals and offsets closer than this make two rows duplicates.
DUPLICATE_TOL = 1e-12
#: The interior-point LP of ``"auto"`` stops at a feasible point this far past a row.
FACET_MARGIN = 1e-6
#: How many times a ray is bent around blockers in the search for facet witnesses.
MAX_BENDS = 128


class RedundancyOptions(TypedDict, total=False):
    """The keyword options of :meth:`Polytope.redundancy_report
    <linregions.Polytope.redundancy_report>` (defaults: the constants above), which
    :meth:`~linregions.Polytope.nonredundant` passes on."""

    tol: float
    duplicate_tol: float
    max_bends: int


#: Settings of the interior-point LPs of ``"auto"`` (defaults from the Rust core).
LP_SETTINGS = _core.Settings("lp")

_CODE_FACET, _CODE_UNKNOWN, _CODE_LP_REDUNDANT, _CODE_BOUNDS = 1, 0, 5, 6
#: The bounding box of the known facets is computed when this many rows are left per LP
#: it costs (``2 d`` LPs): each of its LPs is small, but in high dimension it decides little.
BOUNDS_ROWS_PER_LP = 4


@dataclass(frozen=True)
class RedundancyReport:
    """The facets of a polytope and how each row was decided.

    Returned by :meth:`Polytope.redundancy_report <linregions.Polytope.redundancy_report>`
    (:meth:`~linregions.Polytope.nonredundant` returns its ``facets``). The counts are filled
    by ``method="auto"``; the other methods leave them 0 (``"naive"`` counts its LPs).

    Attributes
    ----------
    facets : ndarray of int64, shape (F,)
        Sorted indices of the rows of ``A`` that are facets (of rows equal up to a positive
        factor, the last).
    method : str
        ``"auto"``, ``"naive"``, ``"naive (flat polytope)"`` (``"auto"`` on a polytope with
        no interior) or ``"cdd"``.
    by_box : int
        Rows found redundant because the box alone implies them.
    by_duplicate : int
        Rows found redundant because a later row is the same halfspace.
    by_straight_rays, by_bent_rays : int
        Rows certified as facets by a witness point found along a straight (or bent) ray
        from the insphere center, without an LP.
    by_bounds : int
        Rows found redundant because the bounding box of the facets known after the rays
        implies them (``2 d`` LPs, run when the dimension is small next to the rows left).
    by_lp_facet, by_lp_redundant : int
        Rows decided by the LPs of Clarkson's loop: facets and redundant rows.
    n_lps : int
        Linear programs solved (those of the bounding box included).

    Examples
    --------
    >>> A = np.array([[-1.0, -1.0], [-2.0, -2.0], [-1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> b = np.array([1.0, 2.0, 2.0, 0.5, 0.25])   # x + y <= 1 twice, three implied rows
    >>> rep = lr.Polytope(A, b, lo=np.zeros(2), hi=np.ones(2)).redundancy_report()
    >>> rep.facets.tolist(), rep.method, rep.by_box, rep.by_duplicate, rep.by_straight_rays
    ([1], 'auto', 3, 1, 1)
    """

    facets: np.ndarray
    method: str
    by_box: int = 0
    by_duplicate: int = 0
    by_straight_rays: int = 0
    by_bent_rays: int = 0
    by_bounds: int = 0
    by_lp_facet: int = 0
    by_lp_redundant: int = 0
    n_lps: int = 0


def _unit_rows(poly: HRep) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    norms = np.linalg.norm(poly.A, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return poly.A / safe[:, None], poly.b / safe, norms


def _box_minimum(A: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``min A_i x + b_i`` over the box ``lo <= x <= hi`` for every row (``-inf`` where an
    infinite side is reached; a zero entry ignores its side)."""
    with np.errstate(invalid="ignore"):  # 0 * inf: the zero entries are masked
        low = np.where(A > 0, A * lo, np.where(A < 0, A * hi, 0.0))
    return b + low.sum(axis=1)


def _row_min(
    A: np.ndarray, b: np.ndarray, rows: np.ndarray, i: int, poly: HRep, extra_floor: bool
) -> tuple[float, np.ndarray]:
    """``min A_i x + b_i`` over rows ``rows`` and the box (and ``A_i x + b_i >= -1``)."""
    Ar, br = A[rows], b[rows]
    if extra_floor:
        Ar = np.vstack([Ar, A[i]])
        br = np.append(br, b[i] + 1.0)
    res = minimize(A[i], Ar, br, poly.lo, poly.hi)
    raise_for(res, f"redundancy LP of row {i}")
    assert res.x is not None
    return res.value + b[i], res.x


def _row_min_early(
    A: np.ndarray,
    b: np.ndarray,
    rows: np.ndarray,
    i: int,
    poly: HRep,
    x0: np.ndarray,
    tol: float,
    box: tuple[np.ndarray, np.ndarray],
) -> tuple[float, np.ndarray]:
    """Settles ``min A_i x + b_i >= -tol`` over ``rows`` and ``box`` (the polytope's box
    or a smaller one that still holds the polytope without row ``i``; sides may be
    infinite) without the optimum when it can: the Rust interior-point LP from the strictly
    interior ``x0`` stops at a certified lower bound ``>= -tol`` (returned: row ``i`` is
    redundant) or at an exactly feasible point whose value is below ``-FACET_MARGIN``
    (returned with that value). Anything else (a value in between, a stalled solve) is
    decided by the exact HiGHS LP (with the floor ``A_i x + b_i >= -1`` when a box side is
    infinite)."""
    res = _core.lp_minimize(
        _core.Polytope(A[rows], b[rows], *box),
        A[i],
        float(b[i]),
        x0,
        LP_SETTINGS,
        stop_below=-max(FACET_MARGIN, tol),
        stop_above=-tol,
    )
    status = _core.Status
    if res.status == status.BOUND_ABOVE:
        return res.lower_bound, res.x
    if res.value < -tol and res.status in (status.POINT_BELOW, status.OPTIMAL):
        return res.value, res.x
    bounded = bool(np.isfinite(poly.lo).all() and np.isfinite(poly.hi).all())
    return _row_min(A, b, rows, i, poly, extra_floor=not bounded)


def _check_nonempty(poly: HRep) -> bool:
    """Raises for an empty polytope; returns whether it has an interior."""
    ins = compute_insphere(poly)
    return ins.radius > 0.0


def nonredundant_naive(poly: HRep, tol: float = REDUNDANCY_TOL) -> RedundancyReport:
    """Appendix C: test the rows in order, each by an LP over the rows not yet removed."""
    _check_nonempty(poly)
    A, b, norms = _unit_rows(poly)
    kept = np.ones(poly.n_rows, dtype=bool)
    n_lps = 0
    for k in range(poly.n_rows):
        if norms[k] == 0:
            kept[k] = False  # 0 x + b >= 0 with b >= 0 (b < 0 is caught as empty)
            continue
        others = np.flatnonzero(kept)
        others = others[others != k]
        y, _ = _row_min(A, b, others, k, poly, extra_floor=True)
        n_lps += 1
        if y >= -tol:
            kept[k] = False
    return RedundancyReport(np.flatnonzero(kept), "naive", n_lps=n_lps)


def nonredundant_auto(
    poly: HRep,
    tol: float = REDUNDANCY_TOL,
    duplicate_tol: float = DUPLICATE_TOL,
    max_bends: int = MAX_BENDS,
) -> RedundancyReport:
    """Witnesses and bound tests in Rust, then Clarkson's loop for the rows left."""
    ins = compute_insphere(poly)
    if ins.radius <= tol:
        rep = nonredundant_naive(poly, tol=tol)
        return RedundancyReport(rep.facets, "naive (flat polytope)", n_lps=rep.n_lps)
    x0 = ins.center
    bounds_first = poly.n_rows >= BOUNDS_ROWS_PER_LP * 2 * poly.dim
    core_poly = _core.Polytope(poly.A, poly.b, poly.lo, poly.hi)
    # with many rows, the bent rays wait for the bounding box (below) to thin the rows out
    bends = 0 if bounds_first else max_bends
    classes = _core.classify_rows(core_poly, x0, tol, duplicate_tol, bends)
    codes = classes.codes.copy()
    n_straight, n_bent = classes.by_straight_rays, classes.by_bent_rays
    by_box, by_dup = int(np.count_nonzero(codes == 3)), int(np.count_nonzero(codes == 2))
    A, b, _ = _unit_rows(poly)
    s0 = A @ x0 + b
    candidates = np.flatnonzero((codes == _CODE_FACET) | (codes == _CODE_UNKNOWN))
    unknown = np.flatnonzero(codes == _CODE_UNKNOWN)
    alive = np.zeros(poly.n_rows, dtype=bool)
    alive[candidates] = True  # rows not (yet) shown redundant
    lp_facet = lp_red = n_lps = by_bounds = 0
    lp_box = (poly.lo, poly.hi)
    if bounds_first and unknown.size >= BOUNDS_ROWS_PER_LP * 2 * poly.dim:
        implied, n_lps, lp_box = _implied_by_facet_bounds(A, b, codes, unknown, poly, x0, tol)
        codes[implied], alive[implied] = _CODE_BOUNDS, False
        by_bounds = int(implied.size)
        unknown = unknown[codes[unknown] == _CODE_UNKNOWN]
    if bounds_first and max_bends > 0 and unknown.size:
        straight, bent = _rays_among(
            poly, np.flatnonzero(alive), codes, x0, (tol, duplicate_tol), max_bends
        )
        n_straight, n_bent = n_straight + straight, n_bent + bent
        unknown = unknown[codes[unknown] == _CODE_UNKNOWN]
    for i in unknown.tolist():
        if codes[i] == _CODE_FACET:
            continue  # met first by an earlier segment
        while True:
            facets = np.flatnonzero(codes == _CODE_FACET)
            y, xs = _row_min_early(A, b, facets, i, poly, x0, tol, lp_box)
            n_lps += 1
            if y >= -tol:
                codes[i], alive[i] = _CODE_LP_REDUNDANT, False
                lp_red += 1
                break
            k = _first_hit(A, b, s0, xs, np.flatnonzero(alive & (codes != _CODE_FACET)), tol)
            if k is None:
                # tie or thin margin: decide row i by the exact LP over every row left
                others = np.flatnonzero(alive)
                others = others[others != i]
                y, _ = _row_min(A, b, others, i, poly, extra_floor=True)
                n_lps += 1
                if y >= -tol:
                    codes[i], alive[i] = _CODE_LP_REDUNDANT, False
                    lp_red += 1
                else:
                    codes[i] = _CODE_FACET
                    lp_facet += 1
                break
            codes[k] = _CODE_FACET
            lp_facet += 1
            if k == i:
                break
    return RedundancyReport(
        np.flatnonzero(codes == _CODE_FACET),
        "auto",
        by_box=by_box,
        by_duplicate=by_dup,
        by_straight_rays=int(n_straight),
        by_bent_rays=int(n_bent),
        by_bounds=by_bounds,
        by_lp_facet=lp_facet,
        by_lp_redundant=lp_red,
        n_lps=n_lps,
    )


def _rays_among(
    poly: HRep,
    rows: np.ndarray,
    codes: np.ndarray,
    x0: np.ndarray,
    tols: tuple[float, float],
    max_bends: int,
) -> tuple[int, int]:
    """Straight and bent rays among ``rows`` alone (the rows not shown redundant); marks
    the rows they certify as facets in ``codes`` and returns how many each kind found;
    ``tols`` is ``(tol, duplicate_tol)``.

    Every row left out is implied by rows kept (by the box, a duplicate kept, or the
    bounding box of facets kept), so ``rows`` cut out the same polytope, with the same
    facets: a witness among them is a witness of the polytope.
    """
    sub = _core.Polytope(poly.A[rows], poly.b[rows], poly.lo, poly.hi)
    found = _core.classify_rows(sub, x0, *tols, max_bends)
    new = (found.codes == _CODE_FACET) & (codes[rows] == _CODE_UNKNOWN)
    codes[rows[new]] = _CODE_FACET
    counted = int(np.count_nonzero(new))
    straight_new = max(0, counted - found.by_bent_rays)
    return straight_new, counted - straight_new


def _implied_by_facet_bounds(
    A: np.ndarray,
    b: np.ndarray,
    codes: np.ndarray,
    unknown: np.ndarray,
    poly: HRep,
    x0: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, int, tuple[np.ndarray, np.ndarray]]:
    """The rows of ``unknown`` (unit rows ``A``, ``b``) that the bounding box of the known
    facets implies, the count of LPs that box took, and the box (``lo``, ``hi``): it holds
    the polytope without any row that is not yet a facet, so Clarkson's LPs run in it (a
    finite box where the polytope's own has infinite sides).

    The polytope without row ``i`` lies inside ``Q = {A_F x + b_F >= 0} ∩ box`` (``F`` the
    facets found so far, ``i`` not among them), so inside ``Q``'s bounding box; a row whose
    minimum over that box is ``>= -tol`` is redundant. Each side of the bounding box is the
    certified lower bound of an LP over the few rows of ``F`` (a side whose LP is not
    certified, e.g. ``Q`` unbounded that way, keeps the box's side); the box is widened by a
    relative 1e-12 so that rounding cannot make it tighter than ``Q``.
    """
    facets = np.flatnonzero(codes == _CODE_FACET)
    q = _core.Polytope(A[facets], b[facets], poly.lo, poly.hi)
    lo, hi = poly.lo.copy(), poly.hi.copy()
    n_lps = 0
    for j in range(poly.dim):
        for sign in (1.0, -1.0):
            c = np.zeros(poly.dim)
            c[j] = sign
            res = _core.lp_minimize(q, c, 0.0, x0, LP_SETTINGS)
            n_lps += 1
            if not (res.status.is_certified and np.isfinite(res.lower_bound)):
                continue
            bound = sign * res.lower_bound
            slack = 1e-12 * (1.0 + abs(bound))
            if sign > 0:
                lo[j] = max(lo[j], bound - slack)
            else:
                hi[j] = min(hi[j], bound + slack)
    box_min = _box_minimum(A[unknown], b[unknown], lo, hi)
    return unknown[box_min >= -tol], n_lps, (lo, hi)


def _first_hit(
    A: np.ndarray, b: np.ndarray, s0: np.ndarray, xs: np.ndarray, rows: np.ndarray, tol: float
) -> int | None:
    """The row among ``rows`` that the segment from the center (slacks ``s0``) to ``xs``
    meets first, if it meets it alone with every other row's slack above ``2 tol`` there."""
    sx = A[rows] @ xs + b[rows]
    s = s0[rows]
    hit = sx < 0
    if not hit.any():
        return None
    t = np.full(rows.size, np.inf)
    t[hit] = s[hit] / (s[hit] - sx[hit])
    j = int(np.argmin(t))
    slack_at = s + t[j] * (sx - s)
    slack_at[j] = np.inf
    if slack_at.min() <= 2 * tol:
        return None
    return int(rows[j])


def nonredundant_cdd(poly: HRep, tol: float = REDUNDANCY_TOL) -> RedundancyReport:
    """pycddlib's redundancy removal (floating point) on the rows and the box.

    Rows equal up to a positive factor are merged first by the same rule as the other
    methods (the last is kept), and rows implied by the box alone are removed, so that cdd
    never has to choose between a row and an equal box face.
    """
    try:
        import cdd
    except ImportError as e:  # pragma: no cover - optional dependency
        raise InvalidValueError("method='cdd' needs pycddlib (pip install pycddlib)") from e
    _check_nonempty(poly)
    A, b, norms = _unit_rows(poly)
    lo, hi = poly.lo, poly.hi
    keep = (norms > 0) & (_box_minimum(A, b, lo, hi) < -tol)
    idx = np.flatnonzero(keep)
    # drop all but the last of each group of duplicates
    last: dict[tuple, int] = {}
    for i in idx.tolist():
        last[tuple(np.round(np.append(A[i], b[i]) / duplicate_scale(tol)))] = i
    idx = np.array(sorted(last.values()), dtype=np.int64)
    d = poly.dim
    eye = np.eye(d)
    fin_lo, fin_hi = np.isfinite(lo), np.isfinite(hi)  # an infinite side is no face
    box = np.vstack(
        [np.column_stack([-lo, eye])[fin_lo], np.column_stack([hi, -eye])[fin_hi]]
    ).reshape(-1, d + 1)
    nb = box.shape[0]
    rows = np.vstack([box, np.column_stack([b[idx], A[idx]])])
    mat = cdd.matrix_from_array(rows.tolist(), rep_type=cdd.RepType.INEQUALITY)
    redundant = cdd.redundant_rows(mat)
    kept = [int(idx[r - nb]) for r in range(nb, rows.shape[0]) if r not in redundant]
    return RedundancyReport(np.array(sorted(kept), dtype=np.int64), "cdd")


def duplicate_scale(tol: float) -> float:
    """Grid on which unit rows are rounded to detect duplicates for cdd."""
    return max(tol, 1e-12)
