"""Exact walks along segments: the regions a segment crosses, in order (paper sec. 3.5).

The sampling route (evaluate patterns at many points of the segment) misses regions
thinner than its step; the walk visits every region, at a cost proportional to the number
of regions crossed (see ``rust/src/walk.rs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._arrays import as_point
from ..errors import InvalidValueError

if TYPE_CHECKING:
    from .network import Network

#: |pre-activation| at or below which a unit at a breakpoint is decided by its derivative
#: along the segment (so pieces thinner than about WALK_TOL / |derivative| may merge).
WALK_TOL = 1e-10


@dataclass(frozen=True, eq=False)
class Walk:
    """The pieces of the segment ``x0 + beta * (x1 - x0)``, beta in [0, 1].

    - ``breakpoints`` (K+1,): ``0 = beta_0 < beta_1 < ... < beta_K = 1``; piece k is
      ``[beta_k, beta_{k+1}]``.
    - ``keys``: K region keys (128-bit ints, equal to :attr:`Region.key` of the piece).
    - ``bits`` (K, words) uint64: packed pattern of each piece.
    - ``switches``: K-1 arrays (m, 2) of ``(layer, unit)``: the neurons (or max-pool
      windows) that change state at each interior breakpoint.
    """

    x0: np.ndarray
    x1: np.ndarray
    breakpoints: np.ndarray
    keys: tuple[int, ...]
    bits: np.ndarray
    switches: tuple[np.ndarray, ...]

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
        return np.clip(np.searchsorted(self.breakpoints, b, side="right") - 1, 0,
                       self.n_regions - 1)


def walk_from_core(x0: np.ndarray, x1: np.ndarray, raw: tuple) -> Walk:
    """Wraps the tuple returned by the Rust core into a :class:`Walk`."""
    breaks, bits, keys, ptr, units = raw
    switches = tuple(units[ptr[i] : ptr[i + 1]] for i in range(len(ptr) - 1))
    key_ints = tuple((int(h) << 64) | int(lo) for h, lo in keys)
    return Walk(x0=x0, x1=x1, breakpoints=breaks, keys=key_ints, bits=bits, switches=switches)


def walk_segment(net: Network, x0: Any, x1: Any, tol: float = WALK_TOL,
                 respect_box: bool = True) -> Walk:
    """Walks the segment from ``x0`` to ``x1`` region by region (see :class:`Walk`).

    With ``respect_box`` (default) both endpoints must lie in the input box, so the whole
    segment does.
    """
    a = as_point(x0, net.input_shape, "x0")
    b = as_point(x1, net.input_shape, "x1")
    if respect_box:
        for name, p in (("x0", a), ("x1", b)):
            out = np.flatnonzero((p < net.lo) | (p > net.hi))
            if out.size:
                i = int(out[0])
                raise InvalidValueError(
                    f"{name} lies outside the input box at index {i}: {name}[{i}] = {p[i]}, "
                    f"bounds [{net.lo[i]}, {net.hi[i]}]; pass respect_box=False to walk anyway"
                )
    return walk_from_core(a, b, net._core.walk(a, b, float(tol)))
