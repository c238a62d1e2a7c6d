"""What the polytope algorithms read of a polytope, as a Protocol.

:class:`~linregions.geometry.polytope.Polytope` imports the algorithm modules (insphere,
redundancy, vertices, class maxima) for its methods; they take any object with these members
instead of importing it back, so the import graph has no cycle.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class HRep(Protocol):
    """``{x in R^d : A x + b >= 0, lo <= x <= hi}`` (normals point inward).

    ``A`` (N, d), ``b`` (N,): finite; ``lo``, ``hi`` (d,): the box, possibly infinite;
    ``dim``: d; ``n_rows``: N (the box not counted). :class:`~linregions.Polytope` and
    :class:`~linregions.Region` are such objects.
    """

    # Read-only properties (Polytope is a frozen dataclass).
    @property
    def A(self) -> np.ndarray: ...
    @property
    def b(self) -> np.ndarray: ...
    @property
    def lo(self) -> np.ndarray: ...
    @property
    def hi(self) -> np.ndarray: ...
    @property
    def dim(self) -> int: ...
    @property
    def n_rows(self) -> int: ...
