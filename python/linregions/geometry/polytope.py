"""General H-polytopes ``{x : A x + b >= 0, lo <= x <= hi}``.

Convention (design.md): normals point inward, rows are not normalised, and the box
``lo <= x <= hi`` is kept apart from ``A, b`` but is part of every geometric question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._arrays import check_finite, to_numpy
from ..errors import (
    FlatPolytopeError,
    InvalidValueError,
    PolytopeError,
    ShapeError,
    UnboundedPolytopeError,
)
from .insphere import (
    INSPHERE_ABS_TOL,
    INSPHERE_MAX_ITER,
    INSPHERE_REL_TOL,
    Insphere,
    compute_insphere,
)
from .redundancy import (
    DUPLICATE_TOL,
    MAX_BENDS,
    REDUNDANCY_TOL,
    RedundancyOptions,
    RedundancyReport,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: Default slack allowed by :meth:`Polytope.contains` (absolute, on ``A x + b`` and the box).
CONTAINS_TOL = 1e-9


__all__ = ["CONTAINS_TOL", "Polytope", "PolytopeError"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Polytope:
    """The polytope ``{x in R^d : A x + b >= 0, lo <= x <= hi}`` (normals point inward).

    Parameters
    ----------
    A : array_like, shape (N, d)
        Finite inward normals (rows need not be normalised).
    b : array_like, shape (N,)
        Finite offsets.
    lo, hi : array_like, shape (d,)
        The box; ``lo`` may hold ``-inf`` and ``hi`` ``inf`` (an unbounded or half-bounded
        box: every question below handles it, see :meth:`insphere`), ``lo <= hi``.

    The arrays are stored as read-only float64.

    Raises
    ------
    ShapeError
        Shapes do not agree.
    InvalidValueError
        ``A`` or ``b`` is not finite, the box holds NaN or ``lo > hi``.

    Examples
    --------
    >>> tri = lr.Polytope(A=np.array([[-1.0, -1.0]]), b=np.array([1.0]),
    ...                   lo=np.zeros(2), hi=np.ones(2))   # x + y <= 1 in the unit square
    >>> tri.contains([0.2, 0.3]), tri.contains([0.8, 0.8])
    (True, False)
    >>> center, radius = tri.insphere()
    >>> round(float(radius), 6)
    0.292893
    >>> tri.nonredundant().tolist()
    [0]
    """

    A: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def __post_init__(self) -> None:
        A = to_numpy(self.A)
        b = to_numpy(self.b)
        lo = to_numpy(self.lo)
        hi = to_numpy(self.hi)
        if A.ndim != 2:
            raise ShapeError(f"A must be 2-D (N, d), got shape {A.shape}")
        n, d = A.shape
        if b.shape != (n,):
            raise ShapeError(f"b has shape {b.shape}; A is {A.shape}, so b must be ({n},)")
        for name, v in (("lo", lo), ("hi", hi)):
            if v.shape != (d,):
                raise ShapeError(f"{name} has shape {v.shape}; A is {A.shape}, so ({d},)")
            if np.isnan(v).any():
                raise InvalidValueError(f"{name} contains NaN")
        check_finite(A, "A")
        check_finite(b, "b")
        for name, v, wrong in (("lo", lo, np.inf), ("hi", hi, -np.inf)):
            if (v == wrong).any():
                i = int(np.flatnonzero(v == wrong)[0])
                raise InvalidValueError(f"{name}[{i}] = {v[i]}: no real point has that bound")
        if (lo > hi).any():
            i = int(np.flatnonzero(lo > hi)[0])
            raise InvalidValueError(f"lo[{i}] = {lo[i]} exceeds hi[{i}] = {hi[i]}")
        for name, v in (("A", A), ("b", b), ("lo", lo), ("hi", hi)):
            object.__setattr__(self, name, _readonly(v))

    @property
    def dim(self) -> int:
        """Ambient dimension d."""
        return int(self.A.shape[1])

    @property
    def n_rows(self) -> int:
        """Number of rows N of ``A`` (the box not counted)."""
        return int(self.A.shape[0])

    def slack(self, x: Any) -> np.ndarray:
        """``A x + b`` (N,) for a point x (d,); non-negative rows are satisfied."""
        return self.A @ self._point(x) + self.b

    def contains(self, x: Any, tol: float = CONTAINS_TOL) -> bool:
        """Whether x is within distance ``tol`` of every halfspace and of the box:
        ``A_i x + b_i >= -tol * |A_i|`` for every row (``b_i >= -tol`` for a zero row; rows
        scaled by 1e-12 or 1e12 are judged alike) and ``lo - tol <= x <= hi + tol``."""
        p = self._point(x)
        in_box = (p >= self.lo - tol).all() and (p <= self.hi + tol).all()
        norms = np.linalg.norm(self.A, axis=1)
        allowed = -tol * np.where(norms > 0, norms, 1.0)
        return bool(in_box and (self.slack(p) >= allowed).all())

    def hyperplane_distances(self, x: Any) -> np.ndarray:
        """Euclidean distance (N,) from x to each row's hyperplane ``A_i y + b_i = 0``.

        Rows with a zero normal get ``inf``.
        """
        norms = np.linalg.norm(self.A, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.abs(self.slack(x)) / norms
        dist[norms == 0] = np.inf
        return dist

    def insphere(
        self,
        rel_tol: float = INSPHERE_REL_TOL,
        abs_tol: float = INSPHERE_ABS_TOL,
        max_iter: int = INSPHERE_MAX_ITER,
        fallback: bool = True,
    ) -> Insphere:
        """The largest inscribed ball (eq. 5), certified (see :mod:`linregions.geometry.insphere`).

        Unpacks as ``center, radius``. With an unbounded box the radius may still be finite
        (a slab, a half-strip); when the polytope holds arbitrarily large balls the answer
        has ``radius = inf`` and ``status = "unbounded"`` (its ``center`` is a point at
        distance at least 1 from every row and finite box face). Raises
        ``EmptyPolytopeError`` or ``SolverLimitError`` (both :class:`PolytopeError`).
        ``fallback``: when the solve stops uncertified under ``max_iter``, solve again with
        the default settings (at the same tolerances; the method gets ``"+retry"``).

        Examples
        --------
        >>> import numpy as np
        >>> import linregions as lr
        >>> slab = lr.Polytope([[0.0, 1.0], [0.0, -1.0]], [1.0, 1.0],
        ...                    [-np.inf, -np.inf], [np.inf, np.inf])   # -1 <= y <= 1
        >>> round(float(slab.insphere().radius), 9)
        1.0
        >>> cone = lr.Polytope([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], [-np.inf] * 2, [np.inf] * 2)
        >>> cone.insphere().radius, cone.insphere().status
        (inf, 'unbounded')
        """
        return compute_insphere(
            self, rel_tol=rel_tol, abs_tol=abs_tol, max_iter=max_iter, fallback=fallback
        )

    def interior_point(self) -> np.ndarray:
        """A point (d,) strictly inside: the center of the largest inscribed ball (eq. 5),
        or for an unbounded inradius a point at distance at least 1 from every row and
        finite box face.

        Raises ``EmptyPolytopeError`` or ``FlatPolytopeError`` (no interior; both
        :class:`PolytopeError`).
        """
        ins = self.insphere()
        if ins.radius <= 0:
            raise FlatPolytopeError("polytope has no interior (it is flat)")
        return ins.center

    def nonredundant(
        self, method: str = "auto", **options: Unpack[RedundancyOptions]
    ) -> np.ndarray:
        """Sorted indices of the rows of ``A`` that are facets: ``redundancy_report().facets``.

        Parameters
        ----------
        method : {"auto", "naive", "cdd"}, default "auto"
        **options
            ``tol``, ``duplicate_tol``, ``max_bends``: as in :meth:`redundancy_report`.

        Returns
        -------
        ndarray of int64, shape (F,)
            The facets (the box is part of the geometry; of rows equal up to a positive
            factor the last is kept).

        Examples
        --------
        >>> A, b = np.array([[-1.0, 0.0], [-2.0, 0.0]]), np.array([0.5, 0.5])  # x <= .5, .25
        >>> strip = lr.Polytope(A, b, lo=np.zeros(2), hi=np.ones(2))
        >>> strip.nonredundant().tolist(), strip.nonredundant(method="naive", tol=1e-6).tolist()
        ([1], [1])
        """
        return self.redundancy_report(method, **options).facets

    def redundancy_report(
        self,
        method: str = "auto",
        tol: float = REDUNDANCY_TOL,
        duplicate_tol: float = DUPLICATE_TOL,
        max_bends: int = MAX_BENDS,
    ) -> RedundancyReport:
        """The facets of the polytope and how each row was decided
        (:meth:`nonredundant` returns the facets alone).

        Parameters
        ----------
        method : {"auto", "naive", "cdd"}, default "auto"
            ``"auto"``: Rust witnesses and bound tests, then Clarkson's LPs; ``"naive"``:
            appendix C, one LP per row; ``"cdd"``: pycddlib. See
            :mod:`linregions.geometry.redundancy`.
        tol : float, default REDUNDANCY_TOL
            A Euclidean distance: a row is redundant when the polytope without it reaches at
            most ``tol`` past its hyperplane.
        duplicate_tol : float, default DUPLICATE_TOL
            Rows whose unit normals and offsets agree this closely are one halfspace
            (``"auto"`` only).
        max_bends : int, default MAX_BENDS
            How often a ray is bent around blockers in the search for facet witnesses
            (``"auto"`` only; 0: straight rays alone).

        Returns
        -------
        RedundancyReport

        Raises
        ------
        InvalidValueError
            An unknown ``method``.
        PolytopeError
            The polytope is empty (or its LPs fail).
        """
        from . import redundancy as r

        if method == "auto":
            return r.nonredundant_auto(self, tol, duplicate_tol, max_bends)
        if method == "naive":
            return r.nonredundant_naive(self, tol)
        if method == "cdd":
            return r.nonredundant_cdd(self, tol)
        raise InvalidValueError(f"unknown method {method!r}; use 'auto', 'naive' or 'cdd'")

    def vertices(self) -> np.ndarray:
        """Vertices (n_v, d) for small d, by pycddlib (see :func:`~.vertices.vertices`)."""
        from .vertices import vertices

        return vertices(self)

    def angles(self, rows: Any = None) -> np.ndarray:
        """Angles (k, k) in radians between the normals of ``rows`` (default all; e.g.
        ``self.nonredundant()``), as in figure 4."""
        from .angles import row_angles

        return row_angles(self.A, rows)

    def sample(
        self,
        n: int,
        seed: Optional[int] = None,
        start: Any = None,
        thin: int = 10,
        burn_in: int = 100,
    ) -> np.ndarray:
        """``n`` points (n, d) by hit-and-run (uniform in the limit).

        ``start`` must lie strictly inside (default: :meth:`interior_point`). Every
        ``thin``-th step after ``burn_in`` steps is kept.
        """
        rng = np.random.default_rng(seed)
        x = self.interior_point() if start is None else self._point(start).copy()
        if not self.contains(x, tol=0.0):
            raise InvalidValueError("hit-and-run start point is not inside the polytope")
        out = np.empty((n, self.dim))
        slack = self.slack(x)
        total = burn_in + n * thin
        for step in range(total):
            u = rng.standard_normal(self.dim)
            u /= np.linalg.norm(u)
            t_lo, t_hi = self._chord(x, u, slack)
            t = rng.uniform(t_lo, t_hi)
            x = x + t * u
            slack = slack + t * (self.A @ u)
            if step >= burn_in and (step - burn_in) % thin == thin - 1:
                out[(step - burn_in) // thin] = x
        return out

    def _chord(self, x: np.ndarray, u: np.ndarray, slack: np.ndarray) -> tuple[float, float]:
        """Range of t with ``x + t u`` inside, given ``slack = A x + b``."""
        au = self.A @ u
        with np.errstate(divide="ignore", invalid="ignore"):
            t_row = -slack / au
            t_lo_box = np.where(u > 0, (self.lo - x) / u, (self.hi - x) / u)
            t_hi_box = np.where(u > 0, (self.hi - x) / u, (self.lo - x) / u)
        mv = u != 0
        t_hi = min(np.min(t_row[au < 0], initial=np.inf), np.min(t_hi_box[mv], initial=np.inf))
        t_lo = max(np.max(t_row[au > 0], initial=-np.inf), np.max(t_lo_box[mv], initial=-np.inf))
        if not (np.isfinite(t_lo) and np.isfinite(t_hi)):
            raise UnboundedPolytopeError("polytope is unbounded along a sampled direction")
        return float(t_lo), float(t_hi)

    def _point(self, x: Any) -> np.ndarray:
        p = to_numpy(x).reshape(-1)
        if p.shape != (self.dim,):
            raise ShapeError(f"point has {p.size} entries, polytope dimension is {self.dim}")
        return p
