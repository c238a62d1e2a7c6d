"""The exact slice of a network on the plane through three points (paper figure 1).

Built on :meth:`Network.slice <linregions.Network.slice>` and :func:`~linregions.plane_through`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._arrays import as_point
from ..model.slice import Slice, plane_through
from ..model.tolerances import THROUGH_MARGIN

if TYPE_CHECKING:
    from ..model.network import Network

__all__ = ["slice_through"]


def slice_through(
    net: Network, a: Any, b: Any, c: Any, margin: float = THROUGH_MARGIN, **kwargs: Any
) -> Slice:
    """The exact slice of ``net`` on the plane through ``a``, ``b``, ``c`` (figure 1).

    Parameters
    ----------
    net : Network
    a, b, c : array_like, shape (d,) or input_shape
    margin : float, default THROUGH_MARGIN
    **kwargs
        ``tol``, ``max_polygons`` of :meth:`Network.slice`.

    Returns
    -------
    Slice
        With ``marks`` (3, 2): the three points' (s, t).

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([3, 6, 2]), (3,), lo=-np.ones(3), hi=np.ones(3))
    >>> s = lr.slice_through(net, [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5])
    >>> s.marks.shape, s.n_regions >= 1
    ((3, 2), True)
    """
    shape = net.input_shape
    pa, pb, pc = (as_point(x, shape) for x in (a, b, c))
    p = plane_through(pa, pb, pc, margin=margin)
    return net.slice(p.origin, p.u, p.v, p.extent, marks=p.points, **kwargs)
