"""What the modules that :class:`~linregions.Network` imports call back on a network.

``Network.regions`` hands itself to the region search (:mod:`.complex`, :mod:`.complex_dask`),
and the :class:`~linregions.Complex` it returns keeps it to build regions and key points
later. They take any object with these members instead of importing the network module back,
so the import graph has no cycle.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .ir import PatternLayout
from .patterns import Patterns
from .region import Region


class NetworkLike(Protocol):
    """The members of :class:`~linregions.Network` the region search and
    :class:`~linregions.Complex` use (see there for their meaning)."""

    input_shape: tuple[int, ...]
    lo: np.ndarray
    hi: np.ndarray
    layout: PatternLayout

    @property
    def n_inputs(self) -> int: ...
    def logits(self, X: Any) -> np.ndarray: ...
    def patterns(self, X: Any) -> Patterns: ...
    def region(self, x: Any, on_boundary: str = ..., boundary_tol: float = ...) -> Region: ...
    # Network.search_regions(A, b, lo, hi, max_regions, workers=None, callback=None)
    def search_regions(self, *args: Any, **kwargs: Any) -> Any: ...
    def describe_regions(self, domain: Any, points: np.ndarray) -> Any: ...
    # Network.split_regions / count_split(A, b, lo, hi, max_regions, workers=None, callback=None)
    def split_regions(self, *args: Any, **kwargs: Any) -> Any: ...
    def count_split(self, *args: Any, **kwargs: Any) -> Any: ...
    @property
    def has_max_pool(self) -> bool: ...
