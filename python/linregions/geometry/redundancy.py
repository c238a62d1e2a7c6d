"""Which rows of ``A x + b >= 0`` are facets of ``{A x + b >= 0, lo <= x <= hi}``.

Row ``i`` is *redundant* when removing it lets the polytope reach at most ``tol`` (a
Euclidean distance) beyond its hyperplane: ``min (A_i x + b_i) / |A_i| >= -tol`` over the
other rows and the box. Otherwise it is a facet. Of rows equal up to a positive factor, the
last one is kept (the sequential loop of appendix C keeps the last one too).

Methods ``"auto"`` and ``"naive"`` are one call to the Rust core (``linregions_core::facets``,
the routine the complex's search runs too), from the insphere center:

- ``"auto"``: LP-free tests first (zero rows, rows implied by the box, duplicates, and
  facets certified by witness points found by straight and bent rays from the center); with
  many rows per dimension, the bounding box of the facets found so far (``2 d`` small LPs)
  removes the rows it implies, and the rays run again among the rows left; the rows still
  open go through Clarkson's loop: an LP over the facets known so far decides redundancy, or
  a feasible point of it past the row, joined to the center by a segment, meets a new facet.
  The LPs are the core's (active-set method in low dimension, dense interior point
  otherwise), stopped as soon as either answer is certified. Infinite box sides
  (``lo = -inf``, ``hi = inf``) are handled natively: a ray that leaves through one meets no
  face, the start of an unbounded inradius is a point far along a recession direction (see
  :mod:`linregions.geometry.insphere`), and the LPs certify their answers for the real set
  with multipliers that need no infinite side (``rust/src/ipm/free.rs``).
- ``"naive"``: the paper's appendix C, one LP per row in order, removing each redundant row
  before testing the next.
- ``"cdd"``: pycddlib (floating point), for cross-checks at small sizes.

A flat polytope (inradius at most ``tol``: no interior point) goes to the appendix-C loop on
the polytope relaxed by ``tol`` (method ``"naive (flat polytope)"``): every row it removes is
implied, a row it keeps may reach as little as ``tol`` past its hyperplane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from ..errors import InvalidValueError, SolverLimitError
from . import engine
from .hrep import HRep
from .insphere import compute_insphere, insphere_from_core

#: A row is redundant when the polytope without it reaches at most this far past it.
REDUNDANCY_TOL: float = engine.FACET_TOL
#: Unit normals and offsets closer than this make two rows duplicates.
DUPLICATE_TOL: float = engine.DUPLICATE_TOL
#: How many times a ray is bent around blockers in the search for facet witnesses.
MAX_BENDS: int = engine.MAX_BENDS


class RedundancyOptions(TypedDict, total=False):
    """The keyword options of :meth:`Polytope.redundancy_report
    <linregions.Polytope.redundancy_report>` (defaults: the constants above), which
    :meth:`~linregions.Polytope.nonredundant` passes on."""

    tol: float
    duplicate_tol: float
    max_bends: int


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
        implies them (``2 d`` LPs, run when the dimension is small next to the rows).
    by_lp_facet, by_lp_redundant : int
        Rows decided by the LPs of Clarkson's loop: facets and redundant rows (a row may be
        settled by the final vertex of another row's LP, without an LP of its own).
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


def _from_core(
    poly: HRep, method: str, tol: float, duplicate_tol: float, max_bends: int
) -> RedundancyReport:
    res = engine.facet_report(poly, method, tol, duplicate_tol, max_bends)
    insphere_from_core(res.insphere)  # raises for an empty polytope or an uncertified start
    if res.unsettled:
        raise SolverLimitError(
            f"facets: the LPs left {res.unsettled} rows unsettled", status="iteration_limit"
        )
    return RedundancyReport(
        np.asarray(res.facets),
        res.method,
        by_box=res.by_box,
        by_duplicate=res.by_duplicate,
        by_straight_rays=res.by_straight_rays,
        by_bent_rays=res.by_bent_rays,
        by_bounds=res.by_bounds,
        by_lp_facet=res.by_lp_facet,
        by_lp_redundant=res.by_lp_redundant,
        n_lps=res.n_lps,
    )


def nonredundant_naive(poly: HRep, tol: float = REDUNDANCY_TOL) -> RedundancyReport:
    """Appendix C: test the rows in order, each by an LP over the rows not yet removed (in
    the Rust core; the counts other than ``n_lps`` stay 0)."""
    return _from_core(poly, "naive", tol, DUPLICATE_TOL, 0)


def nonredundant_auto(
    poly: HRep,
    tol: float = REDUNDANCY_TOL,
    duplicate_tol: float = DUPLICATE_TOL,
    max_bends: int = MAX_BENDS,
) -> RedundancyReport:
    """Witnesses, the facets' bounding box and Clarkson's loop, in the Rust core."""
    return _from_core(poly, "auto", tol, duplicate_tol, max_bends)


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
    compute_insphere(poly)  # raises for an empty polytope
    norms = np.linalg.norm(poly.A, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    A, b = poly.A / safe[:, None], poly.b / safe
    lo, hi = poly.lo, poly.hi
    with np.errstate(invalid="ignore"):  # 0 * inf: the zero entries are masked
        box_min = b + np.where(A > 0, A * lo, np.where(A < 0, A * hi, 0.0)).sum(axis=1)
    keep = (norms > 0) & (box_min < -tol)
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
