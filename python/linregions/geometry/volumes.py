"""Volumes of the regions of a :class:`~linregions.model.complex.Complex`.

Exact: the vertices of each region ∩ domain (pycddlib) and the volume of their convex hull
(scipy/Qhull), practical for d <= ``EXACT_MAX_DIM``. Estimated: uniform samples of the
domain assigned to regions by pattern key; a region's volume is the domain volume times
its share of the samples, with the binomial standard error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InvalidValueError
from .polytope import Polytope

#: Largest dimension for which ``method="auto"`` computes volumes exactly.
EXACT_MAX_DIM = 4
#: Samples drawn per batch when estimating (memory bound).
SAMPLE_BATCH = 65_536
#: Batches of rejection sampling tried before giving up on a thin domain.
MAX_BATCHES = 1_000

__all__ = ["EXACT_MAX_DIM", "Volumes", "region_volumes"]


class RegionSet(Protocol):
    """What this module reads of a :class:`~linregions.Complex` (which imports it for
    :meth:`~linregions.Complex.volumes`): its regions ∩ domain, their keys and a way to key
    sample points."""

    @property
    def domain(self) -> Polytope: ...
    @property
    def keys(self) -> np.ndarray: ...
    def region_polytope(self, i: int) -> Polytope: ...
    def keys_of(self, X: np.ndarray) -> list[int]: ...


@dataclass(frozen=True, eq=False)
class Volumes:
    """Volume of each region ∩ domain.

    - ``values`` (n,): volumes (exact, or estimates).
    - ``stderr`` (n,): standard errors (zeros when exact).
    - ``exact``: whether the values are exact; ``method``: ``"exact"`` or ``"sample"``.
    - ``n_samples``: samples used (0 when exact); ``unassigned``: samples whose pattern is
      not in the complex (0 unless the search was capped).
    """

    values: np.ndarray
    stderr: np.ndarray
    exact: bool
    method: str
    n_samples: int = 0
    unassigned: int = 0


def _hull_volume(vertices: np.ndarray) -> float:
    if vertices.shape[1] == 1:
        return float(vertices.max() - vertices.min())
    from scipy.spatial import ConvexHull

    return float(ConvexHull(vertices).volume)


def _exact(cx: RegionSet) -> Volumes:
    vols = np.array([_hull_volume(cx.region_polytope(i).vertices()) for i in range(len(cx.keys))])
    return Volumes(values=vols, stderr=np.zeros_like(vols), exact=True, method="exact")


def _domain_samples(cx: RegionSet, n: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """``n`` uniform samples of the domain and the fraction of its box they filled."""
    dom = cx.domain
    kept: list[np.ndarray] = []
    drawn = got = 0
    for _ in range(MAX_BATCHES):
        x = rng.uniform(dom.lo, dom.hi, size=(SAMPLE_BATCH, dom.dim))
        if dom.n_rows:
            x = x[(x @ dom.A.T + dom.b >= 0).all(axis=1)]
        drawn += SAMPLE_BATCH
        got += len(x)
        kept.append(x)
        if got >= n:
            break
    else:
        raise InvalidValueError(
            f"the domain fills too little of its box to sample ({got} of {drawn})"
        )
    return np.vstack(kept)[:n], got / drawn


def _sampled(cx: RegionSet, n_samples: int, seed: int) -> Volumes:
    rng = np.random.default_rng(seed)
    x, share = _domain_samples(cx, n_samples, rng)
    total = float(np.prod(cx.domain.hi - cx.domain.lo)) * share
    keys = cx.keys_of(x)
    index = {k: i for i, k in enumerate(cx.keys)}
    idx = np.array([index.get(k, -1) for k in keys])
    counts = np.bincount(idx[idx >= 0], minlength=len(cx.keys)).astype(float)
    p = counts / len(x)
    return Volumes(
        values=total * p,
        stderr=total * np.sqrt(p * (1 - p) / len(x)),
        exact=False,
        method="sample",
        n_samples=len(x),
        unassigned=int((idx < 0).sum()),
    )


def region_volumes(
    cx: RegionSet, method: str = "auto", n_samples: int = 200_000, seed: int = 0
) -> Volumes:
    """Volumes of the regions of ``cx`` (``Complex.volumes``).

    Parameters
    ----------
    method : {"auto", "exact", "sample"}
        ``"auto"`` is exact for d <= ``EXACT_MAX_DIM``, sampled otherwise.
    n_samples, seed : int
        Uniform samples of the domain (``"sample"``) and the generator's seed.

    Raises
    ------
    InvalidValueError
        Unknown method; ``"exact"`` in more than 8 dimensions (the vertex enumeration is the
        limit); a complex loaded without its network when sampling.
    """
    if method == "auto":
        method = "exact" if cx.domain.dim <= EXACT_MAX_DIM else "sample"
    if method == "exact":
        return _exact(cx)
    if method == "sample":
        if int(n_samples) < 1:
            raise InvalidValueError(f"n_samples must be >= 1, got {n_samples}")
        return _sampled(cx, int(n_samples), seed)
    raise InvalidValueError(f"unknown method {method!r}; use 'auto', 'exact' or 'sample'")
