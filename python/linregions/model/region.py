"""The linear region holding an input point: a :class:`~linregions.Polytope` with the
network's pattern, layer bookkeeping and local affine map of the logits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..geometry.class_maxima import ClassMaxima, class_maxima
from ..geometry.polytope import Polytope


@dataclass(frozen=True, eq=False)
class Region(Polytope):
    """The region ``{x : A x + b >= 0, lo <= x <= hi}`` of the point ``x``.

    Fields beyond :class:`Polytope`:

    - ``layer`` (N,) int: piecewise-linear layer (0-based, execution order) of each row.
    - ``unit`` (N,) int: neuron (ReLU) or window (max-pool) index of each row in its layer.
    - ``pattern`` (n_bits,) bool: the activation pattern; for ReLU/LeakyReLU networks one bit
      per hidden neuron, aligned with the rows (True = active). A max-pool window adds one
      bit per entry (True = the window's maximum) and ``k - 1`` rows.
    - ``key``: 128-bit integer hash of the pattern (equal to :meth:`Patterns.key_ints`).
    - ``logit_map``: ``(W (M, d), c (M,))`` with ``logits(y) = W y + c`` for y in the region.
    - ``x`` (d,): the point the region was built from.
    - ``active_fraction``: fraction of (leaky) ReLU neurons active at ``x``.
    - ``boundary``: ``(layer, unit, value)`` of units found on a boundary and resolved by the
      ``on_boundary`` choice (empty when ``x`` is strictly inside).

    Built by :meth:`Network.region`; rows are not normalised (row i is ``sgn(h_i(x)) grad
    h_i(x)``, paper eq. 2-3), normals point inward.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 8, 3]), (2,), lo=-np.ones(2), hi=np.ones(2))
    >>> region = net.region([0.1, 0.2])
    >>> region.A.shape == (net.n_neurons, 2), region.contains(region.x)
    (True, True)
    >>> W, c = region.logit_map
    >>> bool(np.allclose(region.local_logits(region.x), net.logits([region.x])[0]))
    True
    """

    layer: np.ndarray = None  # type: ignore[assignment]
    unit: np.ndarray = None  # type: ignore[assignment]
    pattern: np.ndarray = None  # type: ignore[assignment]
    key: int = 0
    logit_map: tuple[np.ndarray, np.ndarray] = None  # type: ignore[assignment]
    x: np.ndarray = None  # type: ignore[assignment]
    active_fraction: float = float("nan")
    boundary: tuple[tuple[int, int, float], ...] = ()

    @property
    def n_classes(self) -> int:
        """Number of logits M."""
        return int(self.logit_map[0].shape[0])

    def local_logits(self, x: np.ndarray) -> np.ndarray:
        """Logits of the region's affine map ``W x + c`` at points ``x`` (d,) or (n, d).

        Examples
        --------
        >>> from linregions.model.ir import random_mlp
        >>> net = lr.Network(random_mlp([2, 8, 3]), (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> r = net.region([0.0, 0.0])
        >>> r.local_logits(np.zeros((5, 2))).shape
        (5, 3)
        """
        W, c = self.logit_map
        return np.asarray(x, dtype=np.float64) @ W.T + c

    def nearest_hyperplane(self) -> tuple[int, float]:
        """Row index and Euclidean distance of the hyperplane nearest to the region's point
        ``x``.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
        >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> net.region([0.5, -0.25]).nearest_hyperplane()
        (1, 0.25)
        """
        dist = self.hyperplane_distances(self.x)
        i = int(np.argmin(dist))
        return i, float(dist[i])

    def class_maxima(self, **kwargs: Any) -> ClassMaxima:
        """The most likely point of every class inside the region (eq. 6-8); keyword
        arguments go to :func:`linregions.geometry.class_maxima.class_maxima`."""
        return class_maxima(self, **kwargs)
