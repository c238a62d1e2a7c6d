"""A complex too large for memory, enumerated tile by tile into a directory, resumably.

:func:`enumerate_to_disk` cuts the domain into the tiles of
:func:`~linregions.model.complex_dask.tile_boxes`, enumerates one tile at a time (the
splitting route, the search for max-pool networks) and writes each tile's new regions as one
chunk file, atomically (a temporary file renamed into place). A tile whose search reaches
``tile_regions`` is cut in two across its longest side and its halves are enumerated in its
place, so one tile never holds more than ``tile_regions`` regions. Memory stays that of one
tile plus the set of keys seen (about 100 bytes per region).

Order and merge. Tiles are visited depth-first in a fixed order, and chunk names sort in that
order (``chunk-00003-01.npz``: grid tile 3, first half, then its second half). A region that
crosses tiles is written once, by the first tile in that order that finds it. Its record
does not depend on the tile: the point and inradius are the insphere of region ∩ domain
(a region whose tile insphere touches a face between tiles is described again within the
whole domain; one that touches none has the same insphere in the domain, by convexity).

Resuming. The directory holds ``manifest.json``: the network's and the domain's fingerprints,
the tiling (``tiles``, ``tile_regions``, the tiles cut in two) and the chunks written. Run
again with the same arguments, the enumeration reads the chunks already written (their keys
only) and computes the missing ones; the seen keys of a tile are always those of the tiles
before it, so an interrupted and resumed run, even one with chunks deleted, writes the same
chunks as an uninterrupted one. Another network, domain or tiling is refused.

:func:`load_chunks` reads the merged :class:`~linregions.Complex` (sorted by key, as the
splitting route gives it); :func:`iter_chunks` yields one chunk at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import InvalidValueError, PolytopeError
from ..geometry.domains import DOMAIN_FLAT_TOL
from ..geometry.polytope import Polytope
from .complex import Complex, check_limits, clip_domain, keys_to_ints
from .complex_dask import tile_boxes
from .fixed import fixed_coordinates
from .whole_space import is_unbounded_request

#: Default cap on the regions of one tile (a tile that reaches it is cut in two).
TILE_REGIONS = 100_000
#: A tile is cut in two at most this many times (then written as it is, incomplete).
MAX_TILE_DEPTH = 40
#: Slack, relative to the tile's width along the axis, below which a tile insphere counts as
#: touching a face between tiles (the region is then described again within the domain).
TILE_FACE_TOL = 1e-7
#: Version of the directory layout written in the manifest.
FORMAT = 1

MANIFEST = "manifest.json"
_CHUNK_FIELDS = ("key_halves", "bits", "points", "inradius", "predicted")

__all__ = [
    "ChunkWritten",
    "StreamResult",
    "TILE_REGIONS",
    "enumerate_to_disk",
    "iter_chunks",
    "load_chunks",
    "network_fingerprint",
]


@dataclass(frozen=True)
class ChunkWritten:
    """What :func:`enumerate_to_disk` reports after each chunk: its ``name`` (tile id),
    ``found`` regions of the tile, ``new`` of them written (not in an earlier tile),
    ``total`` regions written so far, ``seconds`` since the call began."""

    name: str
    found: int
    new: int
    total: int
    seconds: float


@dataclass(frozen=True)
class StreamResult:
    """The outcome of :func:`enumerate_to_disk`: the directory ``path``, ``n_regions``
    written in ``n_chunks`` chunks (``n_computed`` of them by this call, the others read back
    from an earlier run), ``n_split`` tiles cut in two, ``complete`` (False when a tile
    could not be cut below ``tile_regions``), ``unsettled`` (0 when certified),
    ``seconds``. :meth:`load` and :meth:`chunks` read it back."""

    path: Path
    n_regions: int
    n_chunks: int
    n_computed: int
    n_split: int
    complete: bool
    unsettled: int
    seconds: float

    def load(self, net: Any = None) -> Complex:
        """:func:`load_chunks` of this directory."""
        return load_chunks(self.path, net=net)

    def chunks(self, net: Any = None) -> Iterator[Complex]:
        """:func:`iter_chunks` of this directory."""
        return iter_chunks(self.path, net=net)


def network_fingerprint(net: Any) -> str:
    """A SHA-256 hex digest of a network's IR nodes (types, weights, biases, slopes), its
    input shape and its box: equal digests mean the same network."""
    h = hashlib.sha256()
    _feed(h, tuple(net.input_shape))
    _feed(h, net.lo)
    _feed(h, net.hi)
    for node in net.nodes:
        h.update(type(node).__name__.encode())
        for f in dataclasses.fields(node):
            h.update(f.name.encode())
            _feed(h, getattr(node, f.name))
    return h.hexdigest()


def domain_fingerprint(dom: Polytope) -> str:
    """A SHA-256 hex digest of a polytope's ``A``, ``b``, ``lo``, ``hi``."""
    h = hashlib.sha256()
    for arr in (dom.A, dom.b, dom.lo, dom.hi):
        _feed(h, arr)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    elif hasattr(value, "tocsr"):  # scipy.sparse
        m = value.tocsr()
        h.update(f"csr{m.shape}".encode())
        for arr in (m.data, m.indices, m.indptr):
            _feed(h, np.asarray(arr))
    elif isinstance(value, (tuple, list)):
        h.update(f"seq{len(value)}".encode())
        for v in value:
            _feed(h, v)
    else:
        h.update(repr(value).encode())


def enumerate_to_disk(
    net: Any,
    domain: Any,
    path: Any,
    *,
    tiles: Any = None,
    tile_regions: int = TILE_REGIONS,
    workers: int | None = None,
    on_chunk: Callable[[ChunkWritten], Any] | None = None,
) -> StreamResult:
    """Every full-dimensional linear region of ``net`` inside ``domain``, written tile by
    tile to the directory ``path``; a second call with the same arguments resumes (see the
    module notes).

    Parameters
    ----------
    net : Network
    domain : Polytope or None
        A bounded, full-dimensional domain as for :meth:`Network.regions` (cut by the input
        box; None: the input box). Unbounded domains and boxes fixing some inputs are
        refused.
    path : str or Path
        The directory (created if missing; may hold an earlier run of the same arguments).
    tiles : int or sequence of int, optional
        The first grid, as for :func:`~linregions.model.complex_dask.tile_boxes` (default:
        2 along the first min(d, 3) axes).
    tile_regions : int
        A tile whose search finds this many regions is cut in two and searched again. Keep
        it well above ``2**d`` (the regions around one vertex of the hyperplane arrangement,
        which no cut separates) and large against the regions a tile shares with its
        neighbours: in high dimension most regions of a small tile cross into others, and
        each tile searches them again (d = 8: tiles of 1,000 regions found the same region
        about 20 times, tiles of 3,000 four times).
    workers : int, optional
        Threads of the Rust search in each tile.
    on_chunk : callable, optional
        Called with a :class:`ChunkWritten` after each chunk is on disk (an exception it
        raises stops the run; the chunks written stay and a later call resumes from them).

    Returns
    -------
    StreamResult

    Raises
    ------
    InvalidValueError
        ``path`` holds a run of another network, domain or tiling; an unbounded domain, a
        box fixing some inputs; ``tile_regions < 1``.
    KeyboardInterrupt
        Ctrl-C: the chunks written stay, a later call resumes.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 12, 2]), (2,), lo=-np.ones(2), hi=np.ones(2))
    >>> import tempfile
    >>> out = lr.enumerate_to_disk(net, None, tempfile.mkdtemp(), tile_regions=20)
    >>> out.complete, out.n_chunks > 1
    (True, True)
    >>> lr.load_chunks(out.path).n_regions == net.regions().n_regions
    True
    """
    start = time.perf_counter()
    if int(tile_regions) < 1:
        raise InvalidValueError(f"tile_regions must be >= 1, got {tile_regions}")
    check_limits(1, workers)
    if is_unbounded_request(net, domain):
        raise InvalidValueError("enumerate_to_disk needs a bounded domain")
    if fixed_coordinates(net, domain) is not None:
        raise InvalidValueError(
            "enumerate_to_disk does not take a box that fixes inputs; use the network "
            "restricted to the free inputs (linregions.model.fixed.fixed_coordinates)"
        )
    dom = clip_domain(net, domain)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    boxes = tile_boxes(dom, tiles)
    manifest = {
        "format": FORMAT,
        "network": network_fingerprint(net),
        "domain": domain_fingerprint(dom),
        "dim": dom.dim,
        "tiles": len(boxes),
        "tile_regions": int(tile_regions),
    }
    state = _open_manifest(root, manifest, dom)
    run = _Run(net, dom, root, state, int(tile_regions), workers, on_chunk, start)
    width = len(str(len(boxes) - 1))
    for i, (lo, hi) in enumerate(boxes):
        run.visit(f"{i:0{width}d}", lo, hi, 0)
    state["finished"] = True
    state["complete"] = run.complete
    state["n_regions"] = len(run.seen)
    _write_manifest(root, state)
    return StreamResult(
        path=root,
        n_regions=len(run.seen),
        n_chunks=len(state["chunks"]),
        n_computed=run.computed,
        n_split=len(state["split"]),
        complete=run.complete,
        unsettled=run.unsettled,
        seconds=time.perf_counter() - start,
    )


class _Run:
    """The depth-first walk over the tiles of one :func:`enumerate_to_disk` call."""

    def __init__(
        self,
        net: Any,
        dom: Polytope,
        root: Path,
        state: dict[str, Any],
        cap: int,
        workers: int | None,
        on_chunk: Callable[[ChunkWritten], Any] | None,
        start: float,
    ) -> None:
        self.net, self.dom, self.root, self.state = net, dom, root, state
        self.cap, self.workers, self.on_chunk, self.start = cap, workers, on_chunk, start
        self.seen: set[int] = set()
        self.complete = True
        self.unsettled = 0
        self.computed = 0
        # the axes along which a tile face is a face of the domain's box, not between tiles
        self.inner_lo = np.asarray(dom.lo)
        self.inner_hi = np.asarray(dom.hi)

    def visit(self, name: str, lo: np.ndarray, hi: np.ndarray, depth: int) -> None:
        if name in self.state["split"]:
            for child, (clo, chi) in zip("01", _halves(lo, hi)):
                self.visit(name + ("-" if depth == 0 else "") + child, clo, chi, depth + 1)
            return
        file = self.root / f"chunk-{name}.npz"
        if file.exists():
            with np.load(file, allow_pickle=False) as z:
                self.seen.update(keys_to_ints(z["key_halves"]).tolist())
                self.complete &= bool(z["complete"])
                self.unsettled += int(z["unsettled"])
            self._record(name)
            return
        part = self._search(lo, hi, depth)
        if part is None:
            self.state["split"].append(name)
            _write_manifest(self.root, self.state)
            self.visit(name, lo, hi, depth)
            return
        self._write(name, file, lo, hi, *part)

    def _search(self, lo: np.ndarray, hi: np.ndarray, depth: int) -> tuple[Any, bool] | None:
        """The tile's search result and whether it is complete; None: cut the tile."""
        dom = self.dom
        if _is_flat(Polytope(dom.A, dom.b, lo, hi)):
            return (None, True)
        args = (dom.A, dom.b, lo, hi, self.cap, self.workers)
        if self.net.has_max_pool:
            res = self.net.search_regions(*args, planar=False)
        else:
            res = self.net.split_regions(*args)
        if bool(res.interrupted):
            raise KeyboardInterrupt
        if not res.complete:
            if depth < MAX_TILE_DEPTH:
                return None
            warnings.warn(
                f"a tile of width {hi - lo} still holds over {self.cap} regions after "
                f"{depth} cuts; written incomplete",
                RuntimeWarning,
                stacklevel=4,
            )
        return (res, bool(res.complete))

    def _write(
        self, name: str, file: Path, lo: np.ndarray, hi: np.ndarray, res: Any, complete: bool
    ) -> None:
        d = self.dom.dim
        if res is None:
            words = self.net.patterns(self.dom.lo[None]).bits.shape[1]
            rec: dict[str, np.ndarray] = {
                "key_halves": np.zeros((0, 2), np.uint64),
                "bits": np.zeros((0, words), np.uint64),
                "points": np.zeros((0, d)),
                "inradius": np.zeros(0),
                "predicted": np.zeros(0, np.int64),
            }
            found, unsettled = 0, 0
        else:
            rec, found = self._new_records(res, lo, hi)
            unsettled = int(res.unsettled)
        tmp = file.with_name(file.stem + ".tmp.npz")
        arrays: dict[str, Any] = dict(
            rec,
            complete=np.array(complete),
            unsettled=np.array(unsettled),
            found=np.array(found),
            tile_lo=lo,
            tile_hi=hi,
        )
        np.savez(tmp, **arrays)
        os.replace(tmp, file)
        self.complete &= complete
        self.unsettled += unsettled
        self.computed += 1
        self._record(name)
        if self.on_chunk is not None:
            elapsed = time.perf_counter() - self.start
            self.on_chunk(ChunkWritten(name, found, len(rec["inradius"]), len(self.seen), elapsed))

    def _new_records(
        self, res: Any, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[dict[str, np.ndarray], int]:
        """The tile's regions not seen in an earlier tile, described within the domain."""
        keys = keys_to_ints(np.asarray(res.keys)).tolist()
        new = np.array([k not in self.seen for k in keys], dtype=bool)
        self.seen.update(keys)
        points = np.array(res.points[new])
        inradius = np.array(res.inradius[new])
        # insphere touching a face between tiles: describe it again within the whole domain
        slack = TILE_FACE_TOL * (hi - lo)
        r = inradius[:, None]
        touch = (
            ((points - r <= lo + slack) & (lo > self.inner_lo))
            | ((points + r >= hi - slack) & (hi < self.inner_hi))
        ).any(axis=1)
        if touch.any():
            again = self.net.describe_regions(self.dom, points[touch])
            points[touch] = again.points
            inradius[touch] = again.inradius
        predicted = (
            np.argmax(self.net.logits(points), axis=1)
            if len(points)
            else np.zeros(0, dtype=np.int64)
        )
        rec = {
            "key_halves": np.asarray(res.keys)[new],
            "bits": np.asarray(res.bits)[new],
            "points": points,
            "inradius": inradius,
            "predicted": predicted.astype(np.int64),
        }
        return rec, len(keys)

    def _record(self, name: str) -> None:
        chunks = self.state["chunks"]
        if name not in chunks:
            chunks.append(name)
            chunks.sort()
            _write_manifest(self.root, self.state)


def _halves(lo: np.ndarray, hi: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two halves of a box cut across its longest side (the first such axis)."""
    j = int(np.argmax(hi - lo))
    mid = 0.5 * (lo[j] + hi[j])
    hi0, lo1 = hi.copy(), lo.copy()
    hi0[j], lo1[j] = mid, mid
    return [(lo, hi0), (lo1, hi)]


def _is_flat(tile: Polytope) -> bool:
    """Whether tile ∩ domain is empty or thinner than ``DOMAIN_FLAT_TOL``."""
    try:
        return bool(tile.insphere().radius <= DOMAIN_FLAT_TOL)
    except PolytopeError as e:
        if e.status != "empty":
            raise
        return True


def _open_manifest(root: Path, manifest: dict[str, Any], dom: Polytope) -> dict[str, Any]:
    """The manifest of ``root``, checked against this run's, or a new one."""
    file = root / MANIFEST
    if not file.exists():
        fresh = dict(manifest)
        fresh.update(
            domain_A=dom.A.tolist(),
            domain_b=dom.b.tolist(),
            domain_lo=dom.lo.tolist(),
            domain_hi=dom.hi.tolist(),
            split=[],
            chunks=[],
            finished=False,
        )
        _write_manifest(root, fresh)
        return fresh
    state: dict[str, Any] = json.loads(file.read_text())
    what = {
        "format": "directory format",
        "network": "network",
        "domain": "domain",
        "dim": "input dimension",
        "tiles": "first grid (tiles=)",
        "tile_regions": "tile_regions",
    }
    for key, label in what.items():
        if state.get(key) != manifest[key]:
            raise InvalidValueError(
                f"{root} holds an enumeration of another {label}; "
                "pass the same arguments to resume, or another directory"
            )
    return state


def _write_manifest(root: Path, state: dict[str, Any]) -> None:
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, root / MANIFEST)


def _read(root: Path) -> tuple[dict[str, Any], Polytope]:
    file = root / MANIFEST
    if not file.exists():
        raise InvalidValueError(f"{root} holds no enumeration ({MANIFEST} is missing)")
    state: dict[str, Any] = json.loads(file.read_text())
    dom = Polytope(
        np.array(state["domain_A"], dtype=np.float64).reshape(-1, state["dim"]),
        np.array(state["domain_b"], dtype=np.float64),
        np.array(state["domain_lo"], dtype=np.float64),
        np.array(state["domain_hi"], dtype=np.float64),
    )
    return state, dom


def iter_chunks(path: Any, net: Any = None) -> Iterator[Complex]:
    """The chunks of an :func:`enumerate_to_disk` directory in tile order, each as a
    :class:`~linregions.Complex` of its new regions over the whole domain (adjacency not
    computed; ``net``: as for :meth:`Complex.load`). Key sets of different chunks are
    disjoint. A chunk missing from the directory is skipped with a warning."""
    root = Path(path)
    state, dom = _read(root)
    for name in state["chunks"]:
        file = root / f"chunk-{name}.npz"
        if not file.exists():
            warnings.warn(f"chunk {name} is missing from {root}", RuntimeWarning, stacklevel=2)
            continue
        with np.load(file, allow_pickle=False) as z:
            yield Complex(
                **{f: z[f] for f in _CHUNK_FIELDS},
                adjacency=None,
                complete=bool(z["complete"]),
                unsettled=int(z["unsettled"]),
                domain=dom,
                net=net,
            )


def load_chunks(path: Any, net: Any = None) -> Complex:
    """The merged :class:`~linregions.Complex` of an :func:`enumerate_to_disk` directory,
    sorted by key (as ``Network.regions`` gives a splitting-route complex); the adjacency is
    computed on first access when ``net`` is given. ``complete`` is False, with a warning,
    when the enumeration has not finished (resume it) or a chunk is missing."""
    root = Path(path)
    state, dom = _read(root)
    parts = list(iter_chunks(root, net=net))
    complete = bool(state.get("finished")) and len(parts) == len(state["chunks"])
    if not state.get("finished"):
        warnings.warn(
            f"the enumeration in {root} has not finished; call enumerate_to_disk again "
            "with the same arguments to resume",
            RuntimeWarning,
            stacklevel=2,
        )
    if not parts:
        raise InvalidValueError(f"{root} holds no chunk yet")
    cat = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _CHUNK_FIELDS}
    keys = cat["key_halves"]
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    return Complex(
        key_halves=keys[order],
        bits=cat["bits"][order],
        points=cat["points"][order],
        inradius=cat["inradius"][order],
        predicted=cat["predicted"][order],
        adjacency=None,
        complete=complete and all(p.complete for p in parts),
        unsettled=sum(p.unsettled for p in parts),
        domain=dom,
        net=net,
    )
