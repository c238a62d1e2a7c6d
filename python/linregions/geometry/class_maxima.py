"""The most likely point of every class inside a region (paper sec. 3.4, eq. 6-8, app. D).

For class t, ``x^t = argmax log p_t(x)`` over the region (box included), where
``log p_t(x) = z_t(x) - logsumexp(z(x))`` and ``z(x) = W x + c`` is the region's logit map.
The objective is concave and depends on x only through the M logits.

This module is the front end: it validates the input, calls the Rust interior-point solver
(``linregions_core::ipm::class_maxima``, one implementation of the shared solver: the
objective adds the rank-M Hessian ``W^T (diag p - p p^T) W`` to the normal matrix, the rows
and the box are the shared layout, an active-set finish removes the dual residual of the
late iterations) and builds the :class:`ClassMaxima` result. Each answer is certified with an
upper bound from LP weak duality that does not trust the solver (computed in the core, which
stops on it; :func:`certified_gap` evaluates it at any point and multipliers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import numpy as np

from ..errors import InvalidValueError
from . import engine
from .hrep import HRep

#: Defaults of the interior-point solver for this problem (from the Rust core).
CLASS_MAXIMA_SETTINGS = engine.Settings("class_maxima")
#: Stop when the certified gap (an upper bound on optimum - objective) is at most this.
GAP_TOL: float = CLASS_MAXIMA_SETTINGS.abs_tol
#: Interior-point iteration limit per class (per pass).
MAX_ITER: int = CLASS_MAXIMA_SETTINGS.max_iter
#: Logit scales of the sharpened class maxima that decide presence before any margin LP:
#: the most likely point of class t under logits ``beta z`` wins for t when t wins by more
#: than ``log(M - 1) / beta`` somewhere, and a certified ``max p_t < 1/M`` there rules t out
#: (a winning class has ``p_t >= 1/M`` at any scale).
SHARPENING: tuple[float, ...] = (20.0, 400.0)
#: Settings of the margin LPs that decide presence where the class maxima do not.
PRESENCE_SETTINGS = engine.Settings("lp")


class LogitRegion(HRep, Protocol):
    """What this module reads of a :class:`~linregions.Region` (which imports this module for
    its :meth:`~linregions.Region.class_maxima`): the polytope, ``logit_map`` ``(W (M, d),
    c (M,))`` with logits ``W x + c`` inside it, and ``x`` (d,), a point inside."""

    @property
    def logit_map(self) -> tuple[np.ndarray, np.ndarray]: ...
    @property
    def x(self) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class ClassMaxima:
    """Most likely points of each class inside a region (eq. 6-8).

    Returned by :func:`class_maxima` and :meth:`Region.class_maxima
    <linregions.Region.class_maxima>`, for a region with M classes and N rows in d inputs.

    Attributes
    ----------
    points : ndarray, shape (M, d)
        ``x^t = argmax log p_t(x)`` over the region for each class t (rows of classes not
        solved are NaN).
    log_prob : ndarray, shape (M,)
        ``log p_t(x^t)``.
    predicted : ndarray of int, shape (M,)
        The class the network gives ``x^t`` (argmax of the logits).
    at_maximum : ndarray of bool, shape (M,)
        ``predicted[t] == t``: the paper's criterion (sec. 3.4). It proves that class t
        wins somewhere in the region, but with more than two classes a class can win on
        part of the region and lose at its own ``x^t``.
    count_at_maximum : int
        Number of classes with ``at_maximum`` (paper table 2's measure).
    present : ndarray of bool, shape (M,)
        Exactly whether class t's classification region has an interior point in the
        region (its logit exceeds every other somewhere inside): true where ``x^t`` is
        classified t with no tie;
        false where ``log_prob + gap < -log M`` (a winning class has ``p_t >= 1/M``);
        otherwise decided by an LP on the logit margin (the core's ``class_presence``, through
        :func:`linregions.geometry.engine.class_presence`, certified both ways). False for
        skipped classes.
    count : int
        Number of classes present.
    presence_by : tuple of str, length M
        How ``present`` was decided per class: ``"maximum"``, ``"bound"``,
        ``"sharpened"``, ``"lp"``, ``"unchecked"`` (``exact_presence=False``) or
        ``"skipped"``.
    distortion : float
        ``max_t ||x^t - x*||`` over the classes present (eq. 8), ``x*`` the region's point.
    gap : ndarray, shape (M,)
        Certified upper bound on ``max log p_t - log_prob[t]`` (LP weak duality, see
        :func:`certified_gap`).
    status : tuple of str, length M
        ``"optimal"`` (gap <= tolerance), ``"limit"`` (the solver stopped uncertified: the
        point is feasible and ``gap`` bounds its error) or ``"skipped"``.
    iterations : ndarray of int, shape (M,)
        Interior-point iterations per class.
    multipliers : ndarray, shape (M, N)
        The row multipliers (``>= 0``) that certify ``gap``: with them
        :func:`certified_gap` of ``points[t]`` is ``gap[t]`` (NaN rows: not solved).

    Examples
    --------
    >>> region = lr.Region(A=np.array([[-1.0, 0.0]]), b=np.array([0.5]), lo=-np.ones(2),
    ...                    hi=np.ones(2), logit_map=(np.eye(2), np.zeros(2)), x=np.zeros(2))
    >>> cm = region.class_maxima()   # logits (x_0, x_1) on x_0 <= 0.5 in the square
    >>> cm.points.round(4).tolist(), cm.predicted.tolist(), cm.count, cm.status
    ([[0.5, -1.0], [-1.0, 1.0]], [0, 1], 2, ('optimal', 'optimal'))
    >>> bool(np.all(cm.gap <= lr.GAP_TOL)), cm.multipliers.shape
    (True, (2, 1))
    """

    points: np.ndarray
    log_prob: np.ndarray
    predicted: np.ndarray
    present: np.ndarray
    count: int
    distortion: float
    gap: np.ndarray
    status: tuple[str, ...]
    iterations: np.ndarray
    multipliers: np.ndarray
    at_maximum: np.ndarray
    count_at_maximum: int
    presence_by: tuple[str, ...]


def certified_gap(region: LogitRegion, t: int, x: np.ndarray, lam: np.ndarray) -> float:
    """Upper bound on ``max_{y in region} log p_t(y) - log p_t(x)`` for a feasible ``x``.

    By concavity, ``f* <= f(x) + max_y g^T (y - x)`` with ``g = grad f(x)``, and for any
    ``lam >= 0`` (one per row) LP weak duality bounds the LP:
    ``max_y g^T y <= lam^T b + sum_i max(r_i lo_i, r_i hi_i)`` with ``r = g + A^T lam``.
    Valid for any non-negative ``lam`` (negative entries count as 0); tight at a KKT point.
    Returns ``inf`` if the box is unbounded in a direction where ``r`` is non-zero. The
    bound is the Rust core's, the one its solver stops on.
    """
    W, c = region.logit_map
    return engine.class_gap(
        region,
        np.ascontiguousarray(W, dtype=np.float64),
        np.ascontiguousarray(c, dtype=np.float64),
        int(t),
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(lam, dtype=np.float64),
    )


def class_maxima(
    region: LogitRegion,
    classes: Optional[Sequence[int]] = None,
    gap_tol: float = GAP_TOL,
    max_iter: int = MAX_ITER,
    settings: Optional[engine.Settings] = None,
    exact_presence: bool = True,
) -> ClassMaxima:
    """Solves eq. 6 for every class (or those in ``classes``) of ``region``.

    Parameters
    ----------
    region : Region
        The region (``A x + b >= 0`` inside, finite box ``lo <= x <= hi``) with its logit
        map ``(W (M, d), c (M,))`` and its point ``x`` (d,).
    classes : sequence of int, optional
        Classes to solve (default: all M); the others are ``"skipped"``.
    gap_tol : float
        Certified gap at which a class counts as solved (``"optimal"``).
    max_iter : int
        Iteration limit per class (per pass of the solver).
    settings : linregions.geometry.engine.Settings, optional
        Every other solver setting (default ``engine.Settings("class_maxima")``);
        ``gap_tol`` and ``max_iter`` override its ``abs_tol`` and ``max_iter``.
    exact_presence : bool
        Decide ``present`` exactly (default): sharpened class maxima, then a margin LP, for
        each class that neither its maximum nor the ``p_t >= 1/M`` bound settles (at
        d = 784 with thousands of rows about half the cost of the class maxima per such
        class); with ``False`` they are skipped, ``present`` holds only the classes
        certified present (a class marked ``"unchecked"`` in ``presence_by`` may still win
        somewhere) and ``count`` is a lower bound.

    Returns
    -------
    ClassMaxima

    Raises
    ------
    InvalidValueError
        For an infinite box or a class out of range.

    Examples
    --------
    >>> region = lr.Region(A=np.zeros((0, 1)), b=np.zeros(0), lo=[-1.0], hi=[1.0],
    ...                    logit_map=(np.array([[1.0], [-1.0]]), np.zeros(2)), x=[0.0])
    >>> from linregions.geometry.class_maxima import class_maxima
    >>> cm = class_maxima(region)
    >>> [round(float(v), 6) for v in cm.points[:, 0]], cm.status
    ([1.0, -1.0], ('optimal', 'optimal'))
    """
    base = settings if settings is not None else CLASS_MAXIMA_SETTINGS
    return _class_maxima(region, classes, _with(base, gap_tol, max_iter), exact_presence)


def _with(base: engine.Settings, gap_tol: float, max_iter: int) -> engine.Settings:
    """``base`` with ``abs_tol = gap_tol`` and ``max_iter`` (a new frozen object)."""
    return base.replace(abs_tol=gap_tol, max_iter=max_iter)


def _class_maxima(
    region: LogitRegion,
    classes: Optional[Sequence[int]],
    settings: engine.Settings,
    exact_presence: bool,
) -> ClassMaxima:
    if not (np.isfinite(region.lo).all() and np.isfinite(region.hi).all()):
        raise InvalidValueError("class_maxima needs a finite input box (lo, hi)")
    W, c = region.logit_map
    M, d = W.shape
    todo = list(range(M)) if classes is None else [int(t) for t in classes]
    for t in todo:
        if not 0 <= t < M:
            raise InvalidValueError(f"class {t} out of range [0, {M})")
    points = np.full((M, d), np.nan)
    log_prob = np.full(M, np.nan)
    gap = np.full(M, np.inf)
    status = ["skipped"] * M
    iters = np.zeros(M, dtype=np.int64)
    lams = np.full((M, region.A.shape[0]), np.nan)
    x = np.asarray(region.x, dtype=np.float64)
    W = np.ascontiguousarray(W, dtype=np.float64)
    c = np.ascontiguousarray(c, dtype=np.float64)
    poly = engine.core_polytope(region)
    for res in engine.solve_class_maxima(poly, W, c, x, todo, settings):
        t = res.class_
        points[t] = res.point
        log_prob[t] = res.log_prob
        gap[t] = res.gap
        status[t] = "optimal" if res.gap <= settings.abs_tol else "limit"
        iters[t] = res.iterations
        lams[t] = res.multipliers
    solved = np.isfinite(log_prob)
    predicted = np.full(M, -1, dtype=np.int64)
    predicted[solved] = np.argmax(points[solved] @ W.T + c, axis=1)
    at_maximum = predicted == np.arange(M)
    logits = points @ W.T + c
    rivals = [np.delete(logits[t], t).max(initial=-np.inf) for t in range(M)]
    wins_strictly = np.array([solved[t] and logits[t, t] > rivals[t] for t in range(M)])
    present, presence_by = _presence(
        poly, W, c, x, solved, wins_strictly, log_prob + gap, exact_presence, settings
    )
    dist = np.linalg.norm(points[solved] - region.x, axis=1)
    for a in (points, log_prob, predicted, present, at_maximum, gap, iters, lams):
        a.setflags(write=False)
    return ClassMaxima(
        points=points,
        log_prob=log_prob,
        predicted=predicted,
        present=present,
        count=int(present.sum()),
        at_maximum=at_maximum,
        count_at_maximum=int(at_maximum.sum()),
        presence_by=presence_by,
        distortion=float(dist.max()) if dist.size else float("nan"),
        gap=gap,
        status=tuple(status),
        iterations=iters,
        multipliers=lams,
    )


def _presence(
    poly: engine.CorePolytope,
    W: np.ndarray,
    c: np.ndarray,
    x: np.ndarray,
    solved: np.ndarray,
    wins_strictly: np.ndarray,
    log_prob_bound: np.ndarray,
    exact: bool,
    settings: engine.Settings,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Presence of each solved class (see :class:`ClassMaxima`): a class whose logit
    exceeds every other at its own maximum, the ``p_t >= 1/M`` bound, then (``exact``) the
    same two tests on sharpened logits, and one margin LP per class still open; else
    ``"unchecked"``."""
    M = W.shape[0]
    present = wins_strictly.copy()
    by = ["skipped"] * M
    open_classes: list[int] = []
    for k in np.flatnonzero(solved).tolist():
        if wins_strictly[k]:
            by[k] = "maximum"
        elif log_prob_bound[k] < -np.log(M):
            by[k] = "bound"
        else:
            open_classes.append(k)
    if not exact:
        for k in open_classes:
            by[k] = "unchecked"
        return present, tuple(by)
    for beta in SHARPENING:
        if not open_classes:
            break
        still_open: list[int] = []
        for sharp in engine.solve_class_maxima(poly, beta * W, beta * c, x, open_classes, settings):
            t = sharp.class_
            z = W @ sharp.point + c
            if z[t] > np.delete(z, t).max():
                present[t], by[t] = True, "sharpened"
            elif sharp.log_prob + sharp.gap < -np.log(M):
                by[t] = "sharpened"
            else:
                still_open.append(t)
        open_classes = still_open
    if open_classes:
        for lp in engine.class_presence(poly, W, c, x, open_classes, PRESENCE_SETTINGS):
            present[lp.class_] = lp.present
            by[lp.class_] = "lp"
    return present, tuple(by)
