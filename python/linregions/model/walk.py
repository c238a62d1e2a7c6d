"""Exact walks along segments: the regions a segment crosses, in order (paper sec. 3.5).

The sampling route (evaluate patterns at many points of the segment) misses regions
thinner than its step; the walk visits every region, at a cost proportional to the number
of regions crossed (see ``rust/src/walk.rs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .tolerances import WALK_TOL

__all__ = ["WALK_TOL", "Walk", "walk_from_core"]


class WalkData(Protocol):
    """What :func:`walk_from_core` reads of the core's walk of one segment (the extension's
    ``WalkData``, returned by the network's core): ``breakpoints`` (K+1,) float64, ``keys``
    (K, 2) uint64 (high, low) halves, ``bits`` (K, words) uint64, the ``switches`` as CSR
    ``switch_ptr`` (K,) int64 into ``switch_units`` (m, 2) int64, ``logits`` (K+1, M)."""

    @property
    def breakpoints(self) -> np.ndarray: ...
    @property
    def keys(self) -> np.ndarray: ...
    @property
    def bits(self) -> np.ndarray: ...
    @property
    def switch_ptr(self) -> np.ndarray: ...
    @property
    def switch_units(self) -> np.ndarray: ...
    @property
    def logits(self) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class Walk:
    """The pieces of the segment ``x0 + beta * (x1 - x0)``, beta in [0, 1].

    - ``breakpoints`` (K+1,): ``0 = beta_0 < beta_1 < ... < beta_K = 1``; piece k is
      ``[beta_k, beta_{k+1}]``.
    - ``keys``: K region keys (128-bit ints, equal to :attr:`Region.key` of the piece).
    - ``bits`` (K, words) uint64: packed pattern of each piece.
    - ``switches``: K-1 arrays (m, 2) of ``(layer, unit)``: the neurons (or max-pool
      windows) that change state at each interior breakpoint.
    - ``logits`` (K+1, M): the logits at the breakpoints (the network is continuous, so
      each breakpoint has one value; inside piece k they are affine in beta).

    Built by :meth:`Network.walk`.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(1), Affine(0, np.array([[1.0]]), np.zeros(1)), ReLU(1, 1)]
    >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
    >>> w = net.walk([-1.0], [1.0])
    >>> w.n_regions, w.breakpoints.tolist(), w.midpoints().ravel().tolist()
    (2, [0.0, 0.5, 1.0], [-0.5, 0.5])
    >>> w.keys[1] == net.region([0.5]).key, w.switches[0].tolist()
    (True, [[0, 0]])
    """

    x0: np.ndarray
    x1: np.ndarray
    breakpoints: np.ndarray
    keys: tuple[int, ...]
    bits: np.ndarray
    switches: tuple[np.ndarray, ...]
    logits: np.ndarray

    @property
    def n_regions(self) -> int:
        """Number of pieces K (regions crossed, counted with multiplicity)."""
        return len(self.keys)

    def point(self, beta: Any) -> np.ndarray:
        """Points ``x0 + beta (x1 - x0)`` for scalar or (n,) ``beta``."""
        b = np.asarray(beta, dtype=np.float64)
        return self.x0 + b[..., None] * (self.x1 - self.x0)

    def midpoints(self) -> np.ndarray:
        """(K, d) midpoints of the pieces."""
        return self.point(0.5 * (self.breakpoints[:-1] + self.breakpoints[1:]))

    def piece_of(self, beta: Any) -> np.ndarray:
        """Index of the piece holding each beta (a breakpoint belongs to the later piece)."""
        b = np.asarray(beta, dtype=np.float64)
        return np.clip(
            np.searchsorted(self.breakpoints, b, side="right") - 1, 0, self.n_regions - 1
        )


def walk_from_core(x0: np.ndarray, x1: np.ndarray, data: WalkData) -> Walk:
    """The :class:`Walk` of the segment ``x0 -> x1`` from the core's typed result."""
    ptr, units = data.switch_ptr, data.switch_units
    switches = tuple(units[ptr[i] : ptr[i + 1]] for i in range(len(ptr) - 1))
    return Walk(
        x0=x0,
        x1=x1,
        breakpoints=data.breakpoints,
        keys=tuple((int(h) << 64) | int(lo) for h, lo in data.keys),
        bits=data.bits,
        switches=switches,
        logits=data.logits,
    )
