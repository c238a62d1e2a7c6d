"""Activation patterns of many points (:meth:`~linregions.Network.patterns`), packed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ir import PatternLayout


@dataclass(frozen=True, eq=False)
class Patterns:
    """Activation patterns of n points (returned by :meth:`Network.patterns`).

    - ``bits`` (n, words) uint64: packed pattern; bit k of point p is
      ``bits[p, k // 64] >> (k % 64) & 1`` (layout in ``layout``).
    - ``keys`` (n, 2) uint64: high and low halves of a 128-bit hash of each pattern.
    - ``n_unique``: number of distinct patterns (regions) among the points.
    - ``inverse`` (n,): index of each point's pattern among the unique ones (first-seen order).
    - ``counts`` (n_unique,): points per unique pattern; ``first`` (n_unique,): first point of each.
    - ``n_bits``: bits per pattern; ``layout``: the layer and unit of every bit.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(1), Affine(0, np.array([[1.0], [-1.0]]), np.zeros(2)), ReLU(1, 2),
    ...          Affine(2, np.eye(2), np.zeros(2))]
    >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
    >>> p = net.patterns(np.array([[-0.5], [0.2], [0.7]]))
    >>> p.n_unique, p.counts.tolist(), p.to_bool().tolist()
    (2, [1, 2], [[False, True], [True, False], [True, False]])
    """

    bits: np.ndarray
    keys: np.ndarray
    n_unique: int
    inverse: np.ndarray
    counts: np.ndarray
    first: np.ndarray
    n_bits: int
    layout: PatternLayout

    def to_bool(self) -> np.ndarray:
        """The patterns as an (n, n_bits) boolean array."""
        as_bytes = self.bits.astype("<u8").view(np.uint8).reshape(self.bits.shape[0], -1)
        return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, : self.n_bits].astype(bool)

    def key_ints(self) -> list[int]:
        """The 128-bit keys as Python integers (comparable with :attr:`Region.key`)."""
        return [(int(h) << 64) | int(lo) for h, lo in self.keys]
