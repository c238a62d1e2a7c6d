"""Decision boundaries along segments (paper sec. 3.2, linear interpolation), found exactly.

The segment is walked region by region (:meth:`Network.walk`); inside each piece the logits
are affine in the segment parameter, so the set where the class of ``x_from`` wins is an
interval computed in closed form from the logits at the piece's two ends. No bisection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._arrays import as_point
from ..errors import InvalidValueError
from ..model.region import Region
from ..model.walk import WALK_TOL

if TYPE_CHECKING:
    from ..model.network import Network


class NoBoundaryError(InvalidValueError):
    """``x_to`` is classified like ``x_from``: the segment has no last crossing."""


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


def boundary_point(net: Network, x_from: Any, x_to: Any, tol: float = WALK_TOL) -> BoundaryPoint:
    """The largest alpha in [0, 1] such that ``alpha x_to + (1 - alpha) x_from`` is still
    classified like ``x_from`` (paper sec. 3.2), exactly, with its region.

    Both points must lie in the input box. Raises :class:`NoBoundaryError` if ``x_to`` is
    classified like ``x_from``.
    """
    a = as_point(x_from, net.input_shape, "x_from")
    b = as_point(x_to, net.input_shape, "x_to")
    ends = net.logits(np.stack([a, b]))
    label = int(ends[0].argmax())
    if int(ends[1].argmax()) == label:
        raise NoBoundaryError(
            f"x_to is classified like x_from (class {label}): the segment has no boundary"
        )
    walk = net.walk(a, b, tol=tol)
    brk = walk.breakpoints
    logits = net.logits(walk.point(brk))
    margin = logits[:, label][:, None] - logits  # >= 0 where label wins
    for k in range(walk.n_regions - 1, -1, -1):
        lo, hi = _winning_interval(margin[k], margin[k + 1])
        if lo <= hi:
            alpha = float(brk[k] + hi * (brk[k + 1] - brk[k]))
            x = walk.point(alpha)
            region = net.region(walk.point(0.5 * (brk[k] + brk[k + 1])))
            return BoundaryPoint(alpha=alpha, x=x, region=region, label=label,
                                 n_pieces=walk.n_regions)
    raise AssertionError("x_from is classified as its own class, so piece 0 must win at 0")
