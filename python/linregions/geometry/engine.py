"""The polytope side of the Rust core: the one module of the geometry layer that imports the
extension (``linregions._core``); the network side is :class:`~linregions.Network`'s.

Every polytope handed to the core is ``{x : A x + b >= 0, lo <= x <= hi}``: ``A`` (N, d) and
``b`` (N,) the rows, ``lo``, ``hi`` (d,) the box, kept separate from the rows (its entries
may be infinite), all float64. The functions here are thin: one core call each, with the
arguments passed on as given (no copy, no conversion), so the geometry modules
(:mod:`.insphere`, :mod:`.redundancy`, :mod:`.class_maxima`) own the validation and the
result types, and the core owns the algorithms.

The core's settings, statuses and result types, and its default tolerances, are re-exported
under their core names.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import _core
from .hrep import HRep

__all__ = [
    "BOUNDARY_TOL",
    "DUPLICATE_TOL",
    "FACET_TOL",
    "MAX_BENDS",
    "MAX_POLYGONS",
    "RECESSION_TOL",
    "SLICE_TOL",
    "WALK_TOL",
    "ClassMaximum",
    "ClassPresence",
    "CorePolytope",
    "FacetReport",
    "InsphereResult",
    "Settings",
    "Status",
    "class_gap",
    "class_presence",
    "core_polytope",
    "facet_report",
    "solve_class_maxima",
    "solve_insphere",
]

#: The core's polytope ``{A x + b >= 0, lo <= x <= hi}`` (holds the arrays, not copies).
CorePolytope = _core.Polytope
#: Interior-point solver settings, ``Settings(problem, **overrides)`` with ``problem`` one of
#: ``"insphere"``, ``"lp"``, ``"class_maxima"`` (immutable; ``replace`` makes a copy).
Settings = _core.Settings
#: How a solve ended (``OPTIMAL``, ``INFEASIBLE``, ``UNBOUNDED``, ...; ``is_certified``).
Status = _core.Status
#: The core's insphere: ``center`` (d,), ``radius``, ``upper_bound``, ``status``, ``solver``.
InsphereResult = _core.InsphereResult
#: The core's facets of a polytope: ``facets`` (F,) int64 row indices and how each was decided.
FacetReport = _core.FacetReport
#: The most likely point of one class in a polytope: ``class_``, ``point`` (d,), ``gap``.
ClassMaximum = _core.ClassMaximum
#: Whether one class wins somewhere inside a polytope: ``class_``, ``present``, ``margin``.
ClassPresence = _core.ClassPresence

# Default tolerances and limits of the Rust core (``rust/src/tolerances.rs``).
#: A row is redundant when the polytope without it reaches at most this far past it.
FACET_TOL: float = _core.FACET_TOL
#: Unit normals and offsets closer than this make two rows duplicates.
DUPLICATE_TOL: float = _core.DUPLICATE_TOL
#: How many times a ray is bent around blockers in the search for facet witnesses.
MAX_BENDS: int = _core.MAX_BENDS
#: Distance to every hyperplane of the recession cone that certifies an unbounded inradius.
RECESSION_TOL: float = _core.RECESSION_TOL
#: |pre-activation| at or below which a unit is on a region boundary.
BOUNDARY_TOL: float = _core.BOUNDARY_TOL
#: |pre-activation| at or below which a unit at a walk breakpoint is decided by its derivative.
WALK_TOL: float = _core.WALK_TOL
#: Tolerance of a slice, relative to the diagonal of its (s, t) rectangle.
SLICE_TOL: float = _core.SLICE_TOL
#: Default cap on the number of polygons of a slice.
MAX_POLYGONS: int = _core.MAX_POLYGONS


def core_polytope(hrep: HRep) -> CorePolytope:
    """The core's polytope ``{A x + b >= 0, lo <= x <= hi}`` of ``hrep``: ``A`` (N, d),
    ``b`` (N,), ``lo``, ``hi`` (d,) float64, the box separate from the rows (infinite sides
    allowed). The arrays are held, not copied; shapes are checked by the core."""
    return _core.Polytope(hrep.A, hrep.b, hrep.lo, hrep.hi)


def solve_insphere(
    hrep: HRep, settings: Settings, retry: Optional[Settings] = None
) -> InsphereResult:
    """The core's insphere (largest ball inside ``{A x + b >= 0, lo <= x <= hi}``, float64)
    under ``settings`` (a ``Settings("insphere", ...)``), with a second pass under ``retry``
    where the first stops uncertified. The result is returned as the core gives it: its
    ``status`` says whether it is certified, empty (``INFEASIBLE``) or unbounded."""
    return _core.insphere(core_polytope(hrep), settings, retry)


def facet_report(
    hrep: HRep, method: str, tol: float, duplicate_tol: float, max_bends: int
) -> FacetReport:
    """The core's facets of ``{A x + b >= 0, lo <= x <= hi}`` (float64): ``method`` is
    ``"auto"`` or ``"naive"``; a row is redundant when the polytope without it reaches at
    most ``tol`` (a Euclidean distance) past it; rows within ``duplicate_tol`` (unit normal
    and offset) are duplicates; rays bend at most ``max_bends`` times. ``facets`` (F,) are
    sorted row indices of ``A``; ``insphere`` is the start's, not yet checked."""
    return _core.facets(core_polytope(hrep), method, tol, duplicate_tol, max_bends)


def solve_class_maxima(
    poly: CorePolytope,
    W: np.ndarray,
    c: np.ndarray,
    x: np.ndarray,
    classes: list[int],
    settings: Settings,
) -> list[ClassMaximum]:
    """``argmax log p_t(y)`` over ``poly`` (from :func:`core_polytope`) for each class t in
    ``classes``, with logits ``W y + c`` (``W`` (M, d), ``c`` (M,), float64, C-contiguous)
    and ``x`` (d,) a point inside, under ``settings`` (a ``Settings("class_maxima", ...)``).
    One result per class, in the order of ``classes``."""
    return _core.class_maxima(poly, W, c, x, classes, settings)


def class_presence(
    poly: CorePolytope,
    W: np.ndarray,
    c: np.ndarray,
    x: np.ndarray,
    classes: list[int],
    settings: Settings,
) -> list[ClassPresence]:
    """Whether each class t of ``classes`` has a logit above every other somewhere inside
    ``poly`` (from :func:`core_polytope`), logits ``W y + c`` (``W`` (M, d), ``c`` (M,),
    float64), ``x`` (d,) a point inside: one margin LP per class under ``settings`` (a
    ``Settings("lp", ...)``), certified both ways."""
    return _core.class_presence(poly, W, c, x, classes, settings)


def class_gap(
    hrep: HRep,
    W: np.ndarray,
    c: np.ndarray,
    t: int,
    x: np.ndarray,
    lam: np.ndarray,
) -> float:
    """The core's certified bound on ``max_{y} log p_t(y) - log p_t(x)`` over
    ``{A y + b >= 0, lo <= y <= hi}`` with logits ``W y + c`` (``W`` (M, d), ``c`` (M,)),
    ``x`` (d,) feasible and ``lam`` (N,) row multipliers (negative entries count as 0), all
    float64 and C-contiguous; ``inf`` where an infinite box side leaves it unbounded."""
    return _core.class_gap(core_polytope(hrep), W, c, t, x, lam)
