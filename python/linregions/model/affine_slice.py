"""Affine slices of any dimension: the network restricted to ``x = origin + U t``.

:func:`slice_network` puts the embedding ``t -> origin + U t`` in front of the network, as an
affine node that the first affine layer absorbs when it is the input's only reader (its
weight becomes ``W U``, its bias ``W origin + b``). The hidden units, their order and the
pattern keys are those of the full network, so the regions of the restricted network in a
domain of t are the full network's regions met by the slice, seen in t; ``Network.affine_slice``
enumerates them with the region search (bounded or unbounded domains alike).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._arrays import check_finite, to_numpy
from ..errors import EmptyPolytopeError, InvalidValueError, ShapeError
from ..geometry.polytope import Polytope
from .homogenise import has_infinite_box
from .ir import Add, Affine, Input, MaxPool, ReLU

__all__ = ["AffineSlice", "as_directions", "slice_domain", "slice_network"]


@dataclass(frozen=True, eq=False)
class AffineSlice:
    """The affine map ``t -> origin + U t`` of a slice: ``origin`` (d,), ``U`` (d, k).

    Examples
    --------
    >>> from linregions.model.affine_slice import AffineSlice
    >>> plane = AffineSlice(np.zeros(3), np.eye(3)[:, :2])
    >>> plane.to_input_space([[1.0, 2.0]]).tolist()
    [[1.0, 2.0, 0.0]]
    """

    origin: np.ndarray
    U: np.ndarray

    def __post_init__(self) -> None:
        for name in ("origin", "U"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def dim(self) -> int:
        """Dimension k of the slice."""
        return int(self.U.shape[1])

    def to_input_space(self, T: Any) -> np.ndarray:
        """Input points ``origin + U t`` (n, d) of slice points ``T`` (n, k)."""
        t = np.asarray(T, dtype=np.float64)
        if t.ndim != 2 or t.shape[1] != self.dim:
            raise ShapeError(f"slice points have shape {t.shape}; expected (n, {self.dim})")
        return self.origin + t @ self.U.T


def as_directions(U: Any, d: int) -> np.ndarray:
    """``U`` as a finite (d, k) float64 array, k >= 1; a (d,) vector is one direction.

    Raises
    ------
    ShapeError
        ``U`` is not (d,) or (d, k) with k >= 1.
    InvalidValueError
        A non-finite entry.
    """
    arr = to_numpy(U)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != d or arr.shape[1] < 1:
        raise ShapeError(f"U has shape {arr.shape}; expected ({d}, k) with k >= 1")
    check_finite(arr, "U")
    return np.ascontiguousarray(arr)


def slice_network(net: Any, origin: np.ndarray, U: np.ndarray) -> Any:
    """``net`` restricted to ``x = origin + U t``: a network of the k slice coordinates.

    Parameters
    ----------
    net : Network
    origin : ndarray, shape (d,)
    U : ndarray, shape (d, k)

    Returns
    -------
    Network
        Input shape ``(k,)``, box ``-inf <= t <= inf`` (the input box is a domain matter,
        see :func:`slice_domain`); same hidden units and pattern keys as ``net``.
    """
    d, k = U.shape
    nodes: list[Any] = [Input(k), Affine(0, U, origin)]
    for node in net.nodes[1:]:
        if isinstance(node, Add):
            nodes.append(replace(node, inputs=tuple(i + 1 for i in node.inputs)))
        elif isinstance(node, (Affine, ReLU, MaxPool)):
            nodes.append(replace(node, input=node.input + 1))
        else:
            raise InvalidValueError(f"cannot slice a network with a {node!r} node")
    labels = ["slice", "origin + U t", *net.labels[1:]]
    return type(net)(nodes, (k,), np.full(k, -np.inf), np.full(k, np.inf), labels)


def _box_rows(net: Any, origin: np.ndarray, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``G t + h >= 0`` of ``lo <= origin + U t <= hi`` (finite sides whose row of U is
    not zero; a violated constant side raises ``EmptyPolytopeError``)."""
    fin_lo, fin_hi = np.isfinite(net.lo), np.isfinite(net.hi)
    G = np.vstack([U[fin_lo], -U[fin_hi]])
    h = np.concatenate([origin[fin_lo] - net.lo[fin_lo], net.hi[fin_hi] - origin[fin_hi]])
    moving = np.abs(G).sum(axis=1) > 0
    if (h[~moving] < 0).any():
        raise EmptyPolytopeError(
            "the slice misses the input box: an input it holds constant lies outside the box"
        )
    return G[moving], h[moving]


def slice_domain(net: Any, origin: np.ndarray, U: np.ndarray, domain: Any) -> Polytope:
    """The domain of t for ``Network.affine_slice``.

    ``None``: the t whose point ``origin + U t`` lies in the network's input box (all of
    R^k when the box is infinite). A polytope of k dimensions with a finite box: cut by
    that same preimage of the input box. A domain with an infinite box entry (e.g.
    ``lr.Space(k)``): as given, not cut by the input box.

    Raises
    ------
    ShapeError, InvalidValueError
        ``domain`` is not a k-dimensional :class:`~linregions.Polytope`.
    EmptyPolytopeError
        The slice misses the input box.
    """
    k = U.shape[1]
    if domain is not None:
        if not isinstance(domain, Polytope):
            raise InvalidValueError(
                f"a slice domain must be an lr.Polytope (lr.Box, lr.Space), "
                f"got {type(domain).__name__}"
            )
        if domain.dim != k:
            raise ShapeError(f"domain has {domain.dim} dimensions, the slice {k}")
        if has_infinite_box(domain):
            return domain
    G, h = _box_rows(net, origin, U)
    if domain is None:
        return Polytope(G, h, np.full(k, -np.inf), np.full(k, np.inf))
    return Polytope(np.vstack([domain.A, G]), np.concatenate([domain.b, h]), domain.lo, domain.hi)
