"""Decision boundaries along segments (paper sec. 3.2, linear interpolation), found exactly.

The segment is walked region by region (:meth:`Network.walk`); inside each piece the logits
are affine in the segment parameter, so the set where the class of ``x_from`` wins is an
interval computed in closed form from the logits at the piece's two ends. No bisection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional

import numpy as np

from .._arrays import as_point
from ..errors import InvalidValueError
from ..model.line_walk import walk_line
from ..model.region import Region
from ..model.walk import WALK_TOL

if TYPE_CHECKING:
    from ..model.network import Network


class NoBoundaryError(InvalidValueError):
    """``x_to`` is classified like ``x_from``: the segment has no last crossing.

    Raised by :func:`boundary_point` (its Examples show when).
    """


@dataclass(frozen=True, eq=False)
class BoundaryPoint:
    """The last point of a segment still classified like its start.

    - ``alpha``: the largest alpha in [0, 1] with ``alpha x_to + (1 - alpha) x_from`` classified
      as ``label`` (ties at ``alpha`` itself: the point is on the decision boundary).
    - ``x`` (d,): that point.
    - ``region``: the linear region of the segment piece that ends at ``x`` (``x`` lies in
      its closure; it is the region holding the decision boundary).
    - ``label``: the class of ``x_from``.
    - ``n_pieces``: regions the segment crosses.

    Built by :func:`boundary_point` (its Examples show every field).
    """

    alpha: float
    x: np.ndarray
    region: Region
    label: int
    n_pieces: int


def _winning_interval(d0: np.ndarray, d1: np.ndarray) -> tuple[float, float]:
    """Interval of u in [0, 1] where ``d0 + u (d1 - d0) >= 0`` for every entry (empty: lo > hi)."""
    lo, hi = 0.0, 1.0
    slope = d1 - d0
    for a, s in zip(d0, slope):
        if s > 0:
            lo = max(lo, -a / s)
        elif s < 0:
            hi = min(hi, -a / s)
        elif a < 0:
            return 1.0, 0.0
    return lo, hi


def boundary_point(
    net: Network,
    x_from: Any,
    x_to: Any,
    tol: float = WALK_TOL,
    sliced: bool = False,
    regions: Optional[Mapping[int, Region]] = None,
) -> BoundaryPoint:
    """The last point of the segment ``x_from -> x_to`` still classified like ``x_from``.

    The largest alpha in [0, 1] such that ``alpha x_to + (1 - alpha) x_from`` is classified
    like ``x_from`` (paper sec. 3.2), found exactly: one walk of the segment (which returns
    the logits at its breakpoints; inside a piece they are affine in alpha) and the region
    of the last winning piece.

    Parameters
    ----------
    net : Network
    x_from, x_to : array_like, shape (d,) or input_shape
        Both in the input box.
    tol : float, default WALK_TOL
        Tolerance of the walk (:meth:`Network.walk`).
    sliced : bool, default False
        Walk the network restricted to the segment's line
        (:func:`~linregions.model.line_walk.walk_line`): the same pieces, about half the
        time on a wide first layer.
    regions : mapping of key to Region, optional
        Regions already built (e.g. the region of ``x_from``); the region of the boundary
        piece is taken from here when its key is present, else built.

    Returns
    -------
    BoundaryPoint

    Raises
    ------
    NoBoundaryError
        ``x_to`` is classified like ``x_from``.
    InvalidValueError
        A point lies outside the input box.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(1), Affine(0, np.array([[1.0]]), np.zeros(1)), ReLU(1, 1),
    ...          Affine(2, np.array([[1.0], [0.0]]), np.array([0.0, 0.25]))]
    >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))  # logits relu(x), 1/4
    >>> bp = lr.boundary_point(net, [-1.0], [1.0])
    >>> bp.alpha, bp.x.tolist(), bp.label, bp.n_pieces, bp.region.contains(bp.x)
    (0.625, [0.25], 1, 2, True)
    >>> try:
    ...     lr.boundary_point(net, [-1.0], [-0.5])
    ... except lr.NoBoundaryError:
    ...     print("both ends are class 1")
    both ends are class 1
    """
    a = as_point(x_from, net.input_shape, "x_from")
    b = as_point(x_to, net.input_shape, "x_to")
    walk = walk_line(net, a, b, tol=tol) if sliced else net.walk(a, b, tol=tol)
    brk, logits = walk.breakpoints, walk.logits
    label = int(logits[0].argmax())
    if int(logits[-1].argmax()) == label:
        raise NoBoundaryError(
            f"x_to is classified like x_from (class {label}): the segment has no boundary"
        )
    margin = logits[:, label][:, None] - logits  # >= 0 where label wins
    for k in range(walk.n_regions - 1, -1, -1):
        lo, hi = _winning_interval(margin[k], margin[k + 1])
        if lo <= hi:
            alpha = float(brk[k] + hi * (brk[k + 1] - brk[k]))
            x = walk.point(alpha)
            known = None if regions is None else regions.get(walk.keys[k])
            region = (
                known if known is not None else net.region(walk.point(0.5 * (brk[k] + brk[k + 1])))
            )
            return BoundaryPoint(
                alpha=alpha, x=x, region=region, label=label, n_pieces=walk.n_regions
            )
    raise AssertionError("x_from is classified as its own class, so piece 0 must win at 0")
