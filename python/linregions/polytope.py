"""General H-polytopes ``{x : A x + b >= 0, lo <= x <= hi}``.

Convention (design.md): normals point inward, rows are not normalised, and the box
``lo <= x <= hi`` is kept apart from ``A, b`` but is part of every geometric question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from scipy.optimize import linprog

from ._arrays import check_finite, to_numpy
from .errors import InvalidValueError, ShapeError

#: Default slack allowed by :meth:`Polytope.contains` (absolute, on ``A x + b`` and the box).
CONTAINS_TOL = 1e-9


class PolytopeError(InvalidValueError):
    """A geometric question has no answer for this polytope (empty, unbounded, solver limit)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Polytope:
    """``{x in R^d : A x + b >= 0, lo <= x <= hi}``.

    ``A`` (N, d), ``b`` (N,), ``lo`` and ``hi`` (d,), all float64. ``lo``/``hi`` may hold
    ``-inf``/``inf`` (an unbounded box); ``A`` and ``b`` must be finite.
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
        """Whether ``A x + b >= -tol`` and ``lo - tol <= x <= hi + tol``."""
        p = self._point(x)
        in_box = (p >= self.lo - tol).all() and (p <= self.hi + tol).all()
        return bool(in_box and (self.slack(p) >= -tol).all())

    def hyperplane_distances(self, x: Any) -> np.ndarray:
        """Euclidean distance (N,) from x to each row's hyperplane ``A_i y + b_i = 0``.

        Rows with a zero normal get ``inf``.
        """
        norms = np.linalg.norm(self.A, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.abs(self.slack(x)) / norms
        dist[norms == 0] = np.inf
        return dist

    def insphere(self) -> tuple[np.ndarray, float]:
        """Center (d,) and radius of the largest ball inside the polytope, box included (eq. 5).

        Raises :class:`PolytopeError` if the polytope is empty or unbounded.
        """
        center, radius = self._chebyshev()
        return center, radius

    def interior_point(self) -> np.ndarray:
        """A point (d,) strictly inside: the center of the largest inscribed ball (eq. 5).

        Raises :class:`PolytopeError` if the polytope is empty, flat (radius 0) or unbounded.
        """
        center, radius = self._chebyshev()
        if radius <= 0:
            raise PolytopeError("polytope has no interior (empty or flat)")
        return center

    def _chebyshev(self) -> tuple[np.ndarray, float]:
        # maximise r s.t. A_i x + b_i >= r ||A_i||, lo + r <= x <= hi - r
        d = self.dim
        norms = np.linalg.norm(self.A, axis=1)
        eye = np.eye(d)
        rows = [np.hstack([-self.A, norms[:, None]])]
        rhs = [self.b]
        fin_lo = np.isfinite(self.lo)
        fin_hi = np.isfinite(self.hi)
        rows.append(np.hstack([-eye[fin_lo], np.ones((fin_lo.sum(), 1))]))
        rhs.append(-self.lo[fin_lo])
        rows.append(np.hstack([eye[fin_hi], np.ones((fin_hi.sum(), 1))]))
        rhs.append(self.hi[fin_hi])
        c = np.zeros(d + 1)
        c[-1] = -1.0
        res = linprog(
            c,
            A_ub=np.vstack(rows),
            b_ub=np.concatenate(rhs),
            bounds=[(None, None)] * d + [(0, None)],
            method="highs",
        )
        if res.status == 2:
            raise PolytopeError("polytope is empty (the LP is infeasible)")
        if res.status == 3:
            raise PolytopeError("polytope is unbounded (infinite inscribed ball)")
        if res.status != 0:
            raise PolytopeError(f"LP solver stopped: {res.message}")
        return res.x[:d], float(res.x[-1])

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
            raise PolytopeError("polytope is unbounded along a sampled direction")
        return float(t_lo), float(t_hi)

    def _point(self, x: Any) -> np.ndarray:
        p = to_numpy(x).reshape(-1)
        if p.shape != (self.dim,):
            raise ShapeError(f"point has {p.size} entries, polytope dimension is {self.dim}")
        return p
