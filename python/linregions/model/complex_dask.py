"""The complex on a Dask cluster: the domain is cut into tiles, each tile enumerated apart,
and the regions merged by key (a region crossing tiles is one region).

Each tile task runs the Rust search inside tile ∩ domain, then describes every region it
found within the whole domain (insphere centre, facets, neighbours' keys): a region is
described the same way whichever tile found it, so the merge keeps one copy per key and
builds the adjacency from the neighbours' keys. The result equals the serial
enumeration up to the order of the regions (here: sorted by key).
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InvalidValueError, PolytopeError
from ..geometry.domains import DOMAIN_FLAT_TOL
from ..geometry.polytope import Polytope
from .complex import Adjacency, Complex, RegionCount, count_regions, finish
from .netlike import NetworkLike

#: Tiles per axis along the first axes when none are given.
DEFAULT_SPLITS = 2
DEFAULT_SPLIT_AXES = 3

__all__ = ["count_on_cluster", "enumerate_tiles", "tile_boxes"]


def tile_boxes(dom: Polytope, tiles: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The boxes of a regular grid over the domain's box; ``tiles`` is an int (every axis)
    or one count per axis (default: 2 along the first min(d, 3) axes, 1 elsewhere)."""
    d = dom.dim
    if tiles is None:
        counts = [DEFAULT_SPLITS if j < DEFAULT_SPLIT_AXES else 1 for j in range(d)]
    elif np.ndim(tiles) == 0:
        counts = [int(tiles)] * d
    else:
        counts = [int(t) for t in tiles]
    if len(counts) != d or min(counts) < 1:
        raise InvalidValueError(f"tiles must be >= 1 per axis for {d} axes, got {tiles!r}")
    edges = [np.linspace(dom.lo[j], dom.hi[j], counts[j] + 1) for j in range(d)]
    boxes = []
    for idx in itertools.product(*[range(c) for c in counts]):
        lo = np.array([edges[j][i] for j, i in enumerate(idx)])
        hi = np.array([edges[j][i + 1] for j, i in enumerate(idx)])
        boxes.append((lo, hi))
    return boxes


def enumerate_tile(
    net: NetworkLike, dom: Polytope, lo: np.ndarray, hi: np.ndarray, max_regions: int
) -> dict[str, Any]:
    """One tile's regions, described within the whole domain (a Dask task)."""
    tile = Polytope(dom.A, dom.b, lo, hi)
    try:
        flat = tile.insphere().radius <= DOMAIN_FLAT_TOL
    except PolytopeError as e:
        if e.status != "empty":
            raise
        flat = True
    if flat:
        return {"complete": True, "records": None}
    found = net.search_regions(dom.A, dom.b, lo, hi, max_regions)
    rec = net.describe_regions(dom, found.points)
    fields = (
        "keys",
        "bits",
        "points",
        "inradius",
        "n_facets",
        "neighbour_of",
        "neighbour_keys",
        "neighbour_units",
        "unsettled",
    )
    return {
        "complete": bool(found.complete),
        "records": {f: getattr(rec, f) for f in fields} | {"found_unsettled": found.unsettled},
    }


def merge(net: NetworkLike, dom: Polytope, parts: list[dict[str, Any]]) -> Complex:
    """Merges tile results by key (sorted by key) and builds the adjacency."""
    recs = [p["records"] for p in parts if p["records"] is not None]
    keys = np.vstack([r["keys"] for r in recs])
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    keys_sorted = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (keys_sorted[1:] != keys_sorted[:-1]).any(axis=1)
    pick = order[first]

    def cat(f: str) -> np.ndarray:
        return np.concatenate([r[f] for r in recs])

    key_ints = [(int(h) << 64) | int(lo) for h, lo in keys[pick]]
    index = {k: i for i, k in enumerate(key_ints)}
    offsets = np.cumsum([0] + [len(r["keys"]) for r in recs])
    region_of_row = np.full(offsets[-1], -1)
    region_of_row[pick] = np.arange(len(pick))
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for part, r in enumerate(recs):
        rows = region_of_row[offsets[part] + r["neighbour_of"]]
        for src, (h, lo), unit in zip(rows, r["neighbour_keys"], r["neighbour_units"]):
            if src < 0:
                continue
            dst = index.get((int(h) << 64) | int(lo))
            if dst is None or dst == src:
                continue
            pair = (min(src, dst), max(src, dst))
            pairs.setdefault(pair, (int(unit[0]), int(unit[1])))
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    units = np.array([pairs[(a, b)] for a, b in edges.tolist()], dtype=np.int64).reshape(-1, 2)
    complete = all(p["complete"] for p in parts)
    unsettled = sum(int(r["unsettled"]) + int(r["found_unsettled"]) for r in recs)
    return finish(
        net,
        dom,
        keys[pick],
        cat("bits")[pick],
        cat("points")[pick],
        cat("inradius")[pick],
        Adjacency(cat("n_facets")[pick], edges, units),
        complete,
        unsettled,
    )


def enumerate_tiles(
    net: NetworkLike, dom: Polytope, scheduler: Any, *, tiles: Any = None, max_regions: int
) -> Complex:
    """Enumerates ``dom`` tile by tile on Dask (``scheduler``: a ``dask.distributed.Client``
    or a scheduler address) and merges the tiles by key. ``max_regions`` caps each tile."""
    with _client(scheduler) as client:
        futures = [
            client.submit(enumerate_tile, net, dom, lo, hi, max_regions, pure=False)
            for lo, hi in tile_boxes(dom, tiles)
        ]
        parts = client.gather(futures)
    return merge(net, dom, parts)


def count_task(net: NetworkLike, dom: Polytope, max_regions: int) -> RegionCount:
    """The regions of one domain, counted (a Dask task; its warnings stay on the worker, the
    caller reads ``complete`` and ``unsettled``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return count_regions(net, dom, max_regions=max_regions)


def count_on_cluster(
    net: NetworkLike, domains: list[Polytope], scheduler: Any, *, max_regions: int
) -> list[RegionCount]:
    """:func:`~linregions.model.complex.count_regions` of each domain, one Dask task per
    domain (``scheduler``: a ``dask.distributed.Client`` or a scheduler address); the network
    is sent to the workers once."""
    with _client(scheduler) as client:
        shared = client.scatter(net, broadcast=True)
        futures = [
            client.submit(count_task, shared, dom, max_regions, pure=False) for dom in domains
        ]
        return list(client.gather(futures))


@contextlib.contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for ``scheduler`` (a client, used as it is, or an
    address, connected to and closed afterwards)."""
    try:
        from dask.distributed import Client
    except ImportError as e:  # pragma: no cover - optional dependency
        raise InvalidValueError(
            "scheduler= needs dask.distributed (pip install distributed)"
        ) from e
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        yield client
    finally:
        if client is not scheduler:
            client.close()
