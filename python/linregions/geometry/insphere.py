"""The insphere (Chebyshev ball) of a polytope, eq. 5 of the paper:
``max r  s.t.  A_i x + b_i >= r |A_i|,  lo + r <= x <= hi - r``.

One call to the Rust core (``linregions_core::ipm::insphere``), which owns the whole ladder:
below 16 dimensions an active-set method first (a few steps from the box's center), then a
dense interior-point method, and with ``fallback`` a second pass with the default settings
(at the caller's tolerances) where the first stops uncertified. The core
certifies the result: ``radius`` is the exact distance from ``center`` to the nearest
hyperplane or box face and ``upper_bound`` a dual bound on the optimum, within the
tolerances of each other.

Unbounded and half-bounded boxes (``lo = -inf`` and/or ``hi = inf``) are handled natively:

- when the polytope holds arbitrarily large balls (its recession cone
  ``{u : A u >= 0, u_j >= 0 where lo_j is finite, u_j <= 0 where hi_j is finite}`` has an
  interior), the answer has ``radius = upper_bound = inf`` and ``status = "unbounded"``; the
  certificate is a direction ``u`` whose distance to every hyperplane of that cone is at least
  :data:`RECESSION_TOL` (found by the same solver on the cone cut by the box ``[-1, 1]^d``), and
  ``center`` is a point on that ray at distance at least 1 from every row and finite box
  face (``recession_center`` in ``rust/src/ipm/insphere.rs``);
- otherwise the largest ball is finite (a slab, a half-strip, a cone cut by a row...): the
  solver runs in an artificial box and certifies the upper bound for the real, unbounded set
  with multipliers that need no infinite box side (see ``rust/src/ipm/free.rs``); the answer
  is certified as with a finite box (``status = "optimal"``);
- an empty polytope raises :class:`~linregions.errors.EmptyPolytopeError`, as always.

The finite answer is tried first (one solve, the cost of a boxed polytope's); the recession
cone is asked only when that solve is not certified, which it stops early when its ball
outgrows a quarter of the artificial box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..errors import EmptyPolytopeError, SolverLimitError
from . import engine
from .hrep import HRep

#: Defaults of the interior-point solver for this problem (tolerances, limits), from Rust.
INSPHERE_SETTINGS = engine.Settings("insphere")
#: Relative gap allowed between the certified lower and upper bounds on the radius.
INSPHERE_REL_TOL: float = INSPHERE_SETTINGS.rel_tol
#: Absolute gap allowed (input-space units).
INSPHERE_ABS_TOL: float = INSPHERE_SETTINGS.abs_tol
#: Iteration limit of the solver (per pass): interior-point iterations or active-set steps.
INSPHERE_MAX_ITER: int = INSPHERE_SETTINGS.max_iter
#: A recession direction (a unit-box ball center of the recession cone) whose distance to
#: every hyperplane of the cone exceeds this certifies an unbounded inradius (from the core).
RECESSION_TOL: float = engine.RECESSION_TOL


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
        Distance from ``center`` to the nearest row hyperplane or box face, computed by the
        core from ``center``, so the ball of this radius lies inside; 0 for a flat polytope
        (no interior).
    upper_bound : float
        A bound no inscribed ball exceeds, from the LP dual (weak duality, in the core):
        ``radius <= optimum <= upper_bound``, with a gap within the solver's tolerances.
    iterations : int
        Solver iterations: interior-point iterations, or the active-set method's steps.
    method : str
        ``"active-set"`` (the Rust active-set method, tried first below 16 dimensions),
        ``"ipm"`` (the Rust interior-point solver), ``"box"`` (no row reaches the box: the
        box's own ball) or ``"recession cone"`` (an unbounded inradius); ``"+retry"`` is
        appended when the second pass (default settings, after an uncertified stop)
        answered.
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
    With ``fallback``, a solve that stops uncertified under ``max_iter`` is followed by one
    with the default settings at the same tolerances (the method gets ``"+retry"``)."""
    settings = engine.Settings("insphere", rel_tol=rel_tol, abs_tol=abs_tol, max_iter=max_iter)
    retry = None
    if fallback and max_iter != INSPHERE_MAX_ITER:
        retry = engine.Settings("insphere", rel_tol=rel_tol, abs_tol=abs_tol)
    return insphere_from_core(engine.solve_insphere(poly, settings, retry))


def insphere_from_core(res: engine.InsphereResult) -> Insphere:
    """The :class:`Insphere` of a core result, or the typed error its status calls for
    (:class:`EmptyPolytopeError`, :class:`SolverLimitError`)."""
    center = np.asarray(res.center)
    iters, status = int(res.iterations), res.status
    if status == engine.Status.UNBOUNDED:
        # no finite ball was certified and the core found a recession direction
        return Insphere(center, np.inf, np.inf, iters, "recession cone", "unbounded")
    if status == engine.Status.INFEASIBLE:
        raise EmptyPolytopeError(
            f"polytope is empty: the largest inscribed radius is at most {res.upper_bound:.6g} < 0"
        )
    if not status.is_certified:
        err = SolverLimitError(
            f"insphere: {status.label} after {iters} iterations; certified radius in "
            f"[{res.radius:.6g}, {res.upper_bound:.6g}]",
            status=status.label,
        )
        err.bounds = (float(res.radius), float(res.upper_bound))
        err.center = center
        raise err
    method = res.solver + ("+retry" if res.retried else "")
    return Insphere(center, float(res.radius), float(res.upper_bound), iters, method)
