"""Exact walks on the network restricted to the walked line (or to the span of rays).

Performance notes: a walk costs one forward pass of two vectors per region crossed
(``rust/src/walk.rs``), and for an MLP on MNIST the first layer (1024 x 784) is a third of
that pass. Along ``x0 + beta (x1 - x0)`` the first affine layer is an affine function of
beta alone, so the restricted network of :func:`~linregions.model.affine_slice.slice_network`
(the embedding folded into the first layer: ``W u``, ``W x0 + b``) has a first layer of one
column. Its hidden units, their order and the pattern keys are the network's, so the walk
crosses the same regions with the same keys; breakpoints and logits agree to rounding. On the
784-1024-1024-1024-10 MLP this halves the time of a walk (``benches/study_point_cost.py``).

Rays from one point share one restricted network, over the span of their directions, when
there are fewer rays than inputs; otherwise the full network walks them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .._arrays import as_point, as_points, to_numpy
from ..errors import InvalidValueError, ShapeError
from .affine_slice import slice_network
from .walk import WALK_TOL, Walk

__all__ = ["walk_line", "walk_rays"]


def _check_in_box(net: Any, x: np.ndarray, name: str) -> None:
    """Raises :class:`InvalidValueError` when ``x`` lies outside the input box (as
    :meth:`Network.walk` with ``respect_box``)."""
    bad = np.flatnonzero(~((x >= net.lo) & (x <= net.hi)))
    if bad.size:
        i = int(bad[0])
        raise InvalidValueError(
            f"{name} lies outside the input box at index {i}: {name}[{i}] = {x[i]}, bounds "
            f"[{net.lo[i]}, {net.hi[i]}] ({bad.size} entries outside)"
        )


def walk_line(net: Any, x0: Any, x1: Any, tol: float = WALK_TOL, respect_box: bool = True) -> Walk:
    """The walk of :meth:`Network.walk` ``(x0, x1)``, computed on the network restricted to
    the segment's line: the same pieces and keys, breakpoints and logits to rounding.

    Parameters
    ----------
    net : Network
    x0, x1 : array_like, shape (d,) or input_shape
    tol : float, default WALK_TOL
    respect_box : bool, default True
        Require both ends to lie in the input box.

    Returns
    -------
    Walk
        In input space: ``x0``, ``x1`` and ``point(beta)`` as :meth:`Network.walk` gives.

    Raises
    ------
    InvalidValueError
        An end lies outside the box (with ``respect_box``).

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> from linregions.model.line_walk import walk_line
    >>> net = lr.Network(random_mlp([5, 16, 16, 3]), (5,), lo=-np.ones(5), hi=np.ones(5))
    >>> a, b = -0.5 * np.ones(5), np.linspace(-1, 1, 5)
    >>> walk_line(net, a, b).keys == net.walk(a, b).keys
    True
    """
    a = as_point(x0, net.input_shape, "x0")
    b = as_point(x1, net.input_shape, "x1")
    if respect_box:
        _check_in_box(net, a, "x0")
        _check_in_box(net, b, "x1")
    line = slice_network(net, a, (b - a)[:, None])
    w = line.walk(np.zeros(1), np.ones(1), tol=tol, respect_box=False)
    return replace(w, x0=a, x1=b)


def walk_rays(
    net: Any, origin: Any, directions: Any, lengths: Any, tol: float = WALK_TOL
) -> list[Walk]:
    """The walks of :meth:`Network.walk_many` on the rays ``origin + beta lengths[i]
    directions[i]``, beta in [0, 1] (the box not enforced, as ``respect_box=False``), computed
    on the network restricted to the span of the directions when they are fewer than the
    inputs: the same pieces and keys, breakpoints and logits to rounding.

    Parameters
    ----------
    net : Network
    origin : array_like, shape (d,) or input_shape
    directions : array_like, shape (n, d)
    lengths : array_like, shape (n,)
    tol : float, default WALK_TOL

    Returns
    -------
    list of Walk
        In input space, one per ray.

    Raises
    ------
    ShapeError
        ``lengths`` is not (n,).

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> from linregions.model.line_walk import walk_rays
    >>> net = lr.Network(random_mlp([5, 16, 16, 3]), (5,), lo=-np.ones(5), hi=np.ones(5))
    >>> dirs = np.eye(5)[:3]
    >>> walks = walk_rays(net, np.zeros(5), dirs, np.full(3, 0.5))
    >>> full = net.walk_many(np.zeros((3, 5)), 0.5 * dirs, respect_box=False)
    >>> [w.keys for w in walks] == [w.keys for w in full]
    True
    """
    pt = as_point(origin, net.input_shape, "origin")
    dirs = as_points(directions, net.input_shape, "directions")
    lens = to_numpy(lengths).astype(np.float64).reshape(-1)
    n, d = dirs.shape
    if lens.shape != (n,):
        raise ShapeError(f"lengths has shape {lens.shape}; expected ({n},)")
    ends = pt + lens[:, None] * dirs
    if n == 0 or n >= d:
        return net.walk_many(np.repeat(pt[None], n, axis=0), ends, tol=tol, respect_box=False)
    span = slice_network(net, pt, np.ascontiguousarray(dirs.T))
    walks = span.walk_many(np.zeros((n, n)), np.diag(lens), tol=tol, respect_box=False)
    return [replace(w, x0=pt, x1=end) for w, end in zip(walks, ends)]
