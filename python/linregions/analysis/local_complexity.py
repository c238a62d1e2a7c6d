"""Local complexity, exactly: the number of linear regions meeting a ball around each point."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._arrays import as_points
from ..errors import InvalidValueError
from ..geometry.domains import Ball
from ..model.complex import clip_domain, count_regions
from ..model.complex_dask import count_on_cluster

if TYPE_CHECKING:
    from ..model.network import Network

#: Default cap on the regions counted around one point.
LOCAL_MAX_REGIONS = 100_000

__all__ = ["LOCAL_MAX_REGIONS", "LocalComplexity", "local_complexity"]


@dataclass(frozen=True, eq=False)
class LocalComplexity:
    """``counts`` (n,) int: regions meeting each ball ∩ input box (full-dimensionally);
    ``complete`` (n,) bool: False where ``max_regions`` stopped the count (then a lower
    bound); ``unstable`` (n,) int: neurons whose sign changes inside each ball (-1 where the
    search route counted: networks with max-pool layers); ``radius`` and ``norm`` as
    asked."""

    counts: np.ndarray
    complete: np.ndarray
    unstable: np.ndarray
    radius: float
    norm: str


def local_complexity(
    net: Network,
    X: Any,
    radius: float,
    norm: str = "linf",
    *,
    max_regions: int = LOCAL_MAX_REGIONS,
    workers: int | None = None,
    scheduler: Any = None,
) -> LocalComplexity:
    """Number of linear regions meeting the ball ``|x - X[i]| <= radius`` (cut by the input
    box) for each point, exactly, by :func:`~linregions.model.complex.count_regions` (the
    splitting route: only the neurons that switch inside a ball enter its LPs).

    Parameters
    ----------
    net : Network
    X : array (n, d) or ``(n, *input_shape)``
    radius : float, > 0
    norm : {"linf", "l1"}
        ``"l2"`` is refused (not polyhedral).
    max_regions : int
        Cap per point; capped points have ``complete[i] = False`` and a warning is issued.
    workers : int, optional
        Threads of each count (default: all cores).
    scheduler : dask.distributed.Client or str, optional
        Count the balls on a Dask cluster, one task per point (``pip install ".[dask]"``);
        the counts equal the serial ones.

    Returns
    -------
    LocalComplexity

    Raises
    ------
    ShapeError, InvalidValueError
        Wrong shape, NaN, a non-positive radius, an unknown or non-polyhedral norm, a ball
        that misses the input box.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
    >>> net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    >>> lr.local_complexity(net, [[0.0, 0.0], [0.5, 0.5]], 0.1).counts
    array([4, 1])
    """
    pts = as_points(X, net.input_shape)
    if int(max_regions) < 1:
        raise InvalidValueError(f"max_regions must be >= 1, got {max_regions}")
    counts = np.zeros(len(pts), dtype=np.int64)
    complete = np.ones(len(pts), dtype=bool)
    unstable = np.full(len(pts), -1, dtype=np.int64)
    unsettled = 0
    domains = [clip_domain(net, Ball(x, radius, norm)) for x in pts]
    if scheduler is not None:
        found = count_on_cluster(net, domains, scheduler, max_regions=int(max_regions))
    else:
        found = []
        for dom in domains:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # one warning for all, below
                found.append(count_regions(net, dom, max_regions=int(max_regions), workers=workers))
    for i, c in enumerate(found):
        counts[i], complete[i], unstable[i] = c.n_regions, c.complete, c.unstable
        unsettled += c.unsettled
    if not complete.all():
        warnings.warn(
            f"max_regions reached at {(~complete).sum()} of {len(pts)} points; their "
            "counts are lower bounds",
            RuntimeWarning,
            stacklevel=2,
        )
    if unsettled:
        warnings.warn(
            f"{unsettled} splits could not be certified; counts may be short",
            RuntimeWarning,
            stacklevel=2,
        )
    for a in (counts, complete, unstable):
        a.setflags(write=False)
    return LocalComplexity(
        counts=counts, complete=complete, unstable=unstable, radius=float(radius), norm=norm
    )
