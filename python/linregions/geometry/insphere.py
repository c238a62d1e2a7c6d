"""The insphere (Chebyshev ball) of a polytope, eq. 5 of the paper:
``max r  s.t.  A_i x + b_i >= r |A_i|,  lo + r <= x <= hi - r``.

The Rust core solves it by a dense interior-point method (below 16 dimensions, an
active-set method first: a few steps from the box's center) and certifies the result:
``radius`` is the exact distance from ``center`` to the nearest hyperplane or box face and
``upper_bound`` a dual bound on the optimum, within the tolerances of each other.

Unbounded and half-bounded boxes (``lo = -inf`` and/or ``hi = inf``) are handled natively:

- when the polytope holds arbitrarily large balls (its recession cone
  ``{u : A u >= 0, u_j >= 0 where lo_j is finite, u_j <= 0 where hi_j is finite}`` has an
  interior), the answer has ``radius = upper_bound = inf`` and ``status = "unbounded"``; the
  certificate is a direction ``u`` whose distance to every hyperplane of that cone is at least
  :data:`RECESSION_TOL` (found by the same solver on the cone cut by the box ``[-1, 1]^d``), and
  ``center`` is a point on that ray at distance at least 1 from every row and finite box
  face (all in the core: ``recession_center`` in ``rust/src/ipm/insphere.rs``);
- otherwise the largest ball is finite (a slab, a half-strip, a cone cut by a row...): the
  solver runs in an artificial box and certifies the upper bound for the real, unbounded set
  with multipliers that need no infinite box side (see ``rust/src/ipm/free.rs``); the answer
  is certified as with a finite box (``status = "optimal"``);
- an empty polytope raises :class:`~linregions.errors.EmptyPolytopeError`, as always.

The finite answer is tried first (one solve, the cost of a boxed polytope's); the recession
cone is asked only when that solve is not certified, which it stops early when its ball
outgrows a quarter of the artificial box.

If the solver cannot certify an answer, HiGHS (through scipy) solves the LP: with a finite box
its multipliers give a weak-duality bound; with an infinite box its optimum is the upper
bound (method ``"ipm+highs"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .. import _core
from ..errors import EmptyPolytopeError, SolverLimitError
from .highs import minimize, raise_for
from .hrep import HRep

#: Defaults of the interior-point solver for this problem (tolerances, limits), from Rust.
INSPHERE_SETTINGS = _core.Settings("insphere")
#: Relative gap allowed between the certified lower and upper bounds on the radius.
INSPHERE_REL_TOL: float = INSPHERE_SETTINGS.rel_tol
#: Absolute gap allowed (input-space units).
INSPHERE_ABS_TOL: float = INSPHERE_SETTINGS.abs_tol
#: Iteration limit of the solver (per pass): interior-point iterations or active-set steps.
INSPHERE_MAX_ITER: int = INSPHERE_SETTINGS.max_iter
#: A recession direction (a unit-box ball center of the recession cone) whose distance to
#: every hyperplane of the cone exceeds this certifies an unbounded inradius (from the core).
RECESSION_TOL: float = _core.RECESSION_TOL


@dataclass(frozen=True)
class Insphere:
    """The largest ball inside a polytope (paper eq. 5), with a certificate of its size.

    Returned by :meth:`Polytope.insphere <linregions.Polytope.insphere>` and
    :func:`~linregions.geometry.insphere.compute_insphere`; unpacks as
    ``center, radius = poly.insphere()``.

    Attributes
    ----------
    center : ndarray, shape (d,)
        The ball's center (the Chebyshev center of ``{A x + b >= 0, lo <= x <= hi}``).
    radius : float
        Distance from ``center`` to the nearest row hyperplane or box face, recomputed from
        ``center`` (:func:`~linregions.geometry.insphere.certified_radius`), so the ball of
        this radius lies inside; 0 for a flat polytope (no interior).
    upper_bound : float
        A bound no inscribed ball exceeds, from the LP dual
        (:func:`~linregions.geometry.insphere.dual_bound`):
        ``radius <= optimum <= upper_bound``, with a gap within the solver's tolerances.
    iterations : int
        Solver iterations: interior-point iterations, or the active-set method's steps (0
        when HiGHS alone answered).
    method : str
        ``"active-set"`` (the Rust active-set method, tried first below 16 dimensions),
        ``"ipm"`` (the Rust interior-point solver), ``"ipm+highs"`` (HiGHS after an
        uncertified stop) or ``"highs"`` (HiGHS only).
    status : str
        ``"optimal"``, or ``"unbounded"`` when the polytope holds arbitrarily large balls:
        then ``radius = upper_bound = inf`` and ``center`` is a point at distance at least 1
        from every row and finite box face.

    Examples
    --------
    >>> tri = lr.Polytope(A=np.array([[-1.0, -1.0]]), b=np.array([1.0]),
    ...                   lo=np.zeros(2), hi=np.ones(2))   # x + y <= 1 in the unit square
    >>> ins = tri.insphere()
    >>> ins.center.round(6).tolist(), round(ins.radius, 6), ins.method
    ([0.292893, 0.292893], 0.292893, 'active-set')
    >>> bool(ins.radius <= ins.upper_bound <= ins.radius + 1e-6)
    True
    >>> center, radius = ins
    """

    center: np.ndarray
    radius: float
    upper_bound: float
    iterations: int
    method: str
    status: str = "optimal"

    def __iter__(self) -> Iterator:
        return iter((self.center, self.radius))


def certified_radius(poly: HRep, center: np.ndarray) -> float:
    """Distance from ``center`` to the nearest row hyperplane or box face, negative when a
    row or box face is violated (zero rows count as ``b`` itself)."""
    norms = np.linalg.norm(poly.A, axis=1)
    slack = poly.A @ center + poly.b
    nz = norms > 0
    dist = np.concatenate(
        [
            slack[nz] / norms[nz],
            np.where(slack[~nz] >= 0, np.inf, -np.inf),
            center - poly.lo,
            poly.hi - center,
        ]
    )
    return float(dist.min(initial=np.inf))


def compute_insphere(
    poly: HRep,
    rel_tol: float = INSPHERE_REL_TOL,
    abs_tol: float = INSPHERE_ABS_TOL,
    max_iter: int = INSPHERE_MAX_ITER,
    fallback: bool = True,
) -> Insphere:
    """The insphere of ``poly``; raises :class:`EmptyPolytopeError` when it is empty and
    :class:`SolverLimitError` when no certified answer was reached; an unbounded inradius
    is an answer with ``radius = inf`` and ``status = "unbounded"`` (see the module notes).
    With ``fallback``, an IPM that stops uncertified is followed by HiGHS, whose answer is
    certified the same way (method ``"ipm+highs"``)."""
    settings = _core.Settings("insphere", rel_tol=rel_tol, abs_tol=abs_tol, max_iter=max_iter)
    res = _core.insphere(_core.Polytope(poly.A, poly.b, poly.lo, poly.hi), settings)
    if res.status == _core.Status.UNBOUNDED:
        # no finite ball was certified and the core found a recession direction
        center = np.asarray(res.center)
        return Insphere(center, np.inf, np.inf, int(res.iterations), "recession cone", "unbounded")
    finite = bool(np.isfinite(poly.lo).all() and np.isfinite(poly.hi).all())
    center, radius, upper = res.center, res.radius, res.upper_bound
    iters, status = res.iterations, res.status.label
    method = res.solver
    if not res.status.is_certified and not fallback:
        raise _limit(
            f"insphere: {status} after {iters} iterations; certified radius in "
            f"[{radius:.6g}, {upper:.6g}]",
            status,
            center,
            radius,
            upper,
        )
    if not res.status.is_certified:
        # The IPM's own dual bound can stall on degenerate regions; certify HiGHS's
        # answer instead (exact distance of its center, weak-duality bound from its duals).
        center_h, radius_h, upper_h = certified_linprog(poly) if finite else _highs_free(poly)
        if radius_h > radius:
            center, radius = center_h, radius_h
        upper = min(upper, upper_h)
        method = "ipm+highs"
        # (with an infinite box HiGHS's optimum is taken as the bound, as it stands)
        if finite and upper - radius > rel_tol * max(abs(radius), abs(upper)) + abs_tol:
            raise _limit(
                f"insphere: {status} after {iters} iterations and HiGHS; "
                f"certified radius in [{radius:.6g}, {upper:.6g}]",
                status,
                center,
                radius,
                upper,
            )
    if upper < -abs_tol:
        raise EmptyPolytopeError(
            f"polytope is empty: the largest inscribed radius is at most {upper:.6g} < 0"
        )
    radius = float(radius)
    if -abs_tol <= radius < 0.0:
        radius = 0.0  # flat, up to rounding
    return Insphere(np.asarray(center), radius, float(upper), int(iters), method)


def _highs_free(poly: HRep) -> tuple[np.ndarray, float, float]:
    """HiGHS's insphere for a box with infinite sides: (center, exact radius of that center,
    HiGHS's optimum as the upper bound)."""
    center, upper = insphere_linprog(poly)
    return center, certified_radius(poly, center), upper


def _limit(message: str, status: str, center, lower: float, upper: float) -> SolverLimitError:
    err = SolverLimitError(message, status=status)
    err.bounds = (float(lower), float(upper))
    err.center = np.asarray(center)
    return err


def dual_bound(poly: HRep, lam: np.ndarray) -> float:
    """Certified upper bound on the inradius from any multipliers ``lam`` (N,) of the rows
    (weak duality; the box multipliers are chosen to cancel the x-terms exactly)."""
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    a = poly.A.T @ lam
    mu, nu = np.maximum(-a, 0.0), np.maximum(a, 0.0)
    scale = lam @ np.linalg.norm(poly.A, axis=1) + mu.sum() + nu.sum()
    if scale <= 0:
        return float("inf")
    return float((lam @ poly.b - mu @ poly.lo + nu @ poly.hi) / scale)


def certified_linprog(poly: HRep) -> tuple[np.ndarray, float, float]:
    """HiGHS's insphere with certified bounds: (center, exact radius of that center,
    weak-duality upper bound from HiGHS's multipliers)."""
    center, _, duals = _linprog_with_duals(poly)
    return center, certified_radius(poly, center), dual_bound(poly, duals[: poly.n_rows])


def insphere_linprog(poly: HRep, method: str = "highs") -> tuple[np.ndarray, float]:
    """Center and optimal radius of eq. 5 by ``scipy.optimize.linprog`` on the full LP
    (the reference and the infinite-box path); ``r`` is free so an empty polytope gives a
    negative radius. Raises typed errors for non-optimal outcomes."""
    center, radius, _ = _linprog_with_duals(poly, method)
    return center, radius


def _linprog_with_duals(poly: HRep, method: str = "highs"):
    d = poly.dim
    norms = np.linalg.norm(poly.A, axis=1)
    fin_lo, fin_hi = np.isfinite(poly.lo), np.isfinite(poly.hi)
    eye = np.eye(d)
    # rows of [x, r] with  M [x, r] + q >= 0
    M = np.vstack(
        [
            np.hstack([poly.A, -norms[:, None]]),
            np.hstack([eye[fin_lo], -np.ones((fin_lo.sum(), 1))]),
            np.hstack([-eye[fin_hi], -np.ones((fin_hi.sum(), 1))]),
        ]
    )
    q = np.concatenate([poly.b, -poly.lo[fin_lo], poly.hi[fin_hi]])
    c = np.zeros(d + 1)
    c[-1] = -1.0
    inf = np.full(d + 1, np.inf)
    res = minimize(c, M, q, -inf, inf, method=method)
    raise_for(res, "insphere LP")
    assert res.x is not None and res.duals is not None
    return res.x[:d], float(res.x[-1]), res.duals
