"""The public :class:`Network`: a piecewise-linear network in float64, backed by the Rust core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .. import _core
from .._arrays import as_point, as_points
from ..errors import InvalidValueError
from .complex import MAX_REGIONS, Complex, clip_domain, enumerate_regions
from .complex_dask import enumerate_tiles
from .ir import Node, PatternLayout, build_core, fuse_affine_chains, pattern_layout
from .region import Region
from .slice import MAX_POLYGONS, SLICE_TOL, Slice, slice_network
from .walk import WALK_TOL, Walk, walk_segment

#: Default |pre-activation| (or max-pool tie gap) at or below which a unit counts as on a
#: region boundary in :meth:`Network.region`.
BOUNDARY_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class Patterns:
    """Activation patterns of n points.

    - ``bits`` (n, words) uint64: packed pattern; bit k of point p is
      ``bits[p, k // 64] >> (k % 64) & 1`` (layout in ``layout``).
    - ``keys`` (n, 2) uint64: high and low halves of a 128-bit hash of each pattern.
    - ``n_unique``: number of distinct patterns (regions) among the points.
    - ``inverse`` (n,): index of each point's pattern among the unique ones (first-seen order).
    - ``counts`` (n_unique,): points per unique pattern; ``first`` (n_unique,): first point of each.
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


class Network:
    """A piecewise-linear network over the input box ``lo <= x <= hi``.

    Build one with :func:`linregions.from_torch` (or from IR nodes directly). Inputs are
    accepted flattened, (n, d), or shaped like the model input, (n, *input_shape).
    """

    def __init__(
        self,
        nodes: list[Node],
        input_shape: tuple[int, ...],
        lo: np.ndarray,
        hi: np.ndarray,
        labels: list[str] | None = None,
        fuse: bool = True,
    ) -> None:
        labels = list(labels) if labels is not None else [type(n).__name__ for n in nodes]
        if fuse:
            nodes, labels = fuse_affine_chains(nodes, labels)
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.labels: tuple[str, ...] = tuple(labels)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.lo = np.asarray(lo, dtype=np.float64).copy()
        self.hi = np.asarray(hi, dtype=np.float64).copy()
        self.lo.setflags(write=False)
        self.hi.setflags(write=False)
        self._core = build_core(list(self.nodes))
        self.layout = pattern_layout(list(self.nodes), list(self.labels))

    @property
    def n_inputs(self) -> int:
        """Input dimension d."""
        return self._core.n_inputs

    @property
    def n_neurons(self) -> int:
        """Hidden units: ReLU neurons plus max-pool outputs."""
        return self._core.n_neurons

    @property
    def n_classes(self) -> int:
        """Number of logits M."""
        return self._core.n_outputs

    @property
    def n_layers(self) -> int:
        """Number of piecewise-linear layers."""
        return len(self.layout.layer_labels)

    def __repr__(self) -> str:
        return (
            f"Network(input_shape={self.input_shape}, n_neurons={self.n_neurons}, "
            f"n_classes={self.n_classes}, layers={list(self.layout.layer_labels)})"
        )

    def logits(self, X: Any) -> np.ndarray:
        """Logits (n, M) float64 of a batch ``X`` (n, d) or (n, *input_shape)."""
        pts = as_points(X, self.input_shape)
        logits, _ = self._core.forward(pts, False)
        return logits

    def patterns(self, X: Any) -> Patterns:
        """Activation patterns, keys and unique counts of a batch ``X`` (see :class:`Patterns`)."""
        pts = as_points(X, self.input_shape)
        _, bits = self._core.forward(pts, True)
        assert bits is not None
        keys = _core.pattern_keys(bits)
        inverse, counts, first = _core.unique_keys(keys)
        return Patterns(
            bits=bits,
            keys=keys,
            n_unique=int(counts.shape[0]),
            inverse=inverse,
            counts=counts,
            first=first,
            n_bits=self._core.n_pattern_bits,
            layout=self.layout,
        )

    def region(
        self, x: Any, on_boundary: str = "error", boundary_tol: float = BOUNDARY_TOL
    ) -> Region:
        """The linear region holding ``x`` (d,) or ``input_shape``, as a :class:`Region`.

        Row i of ``A`` is ``sgn(h_i(x)) * grad h_i(x)`` and ``b_i = sgn(h_i(x)) * (h_i(x) -
        grad h_i(x) . x)`` (paper eq. 2-3, not normalised), rows in execution order and,
        within a layer, in torch's flattening order. A unit with ``|h_i(x)| <=
        boundary_tol`` is on a boundary: ``on_boundary="error"`` raises
        :class:`~linregions.errors.OnBoundaryError` listing the units, ``"active"`` /
        ``"inactive"`` choose the side (a max-pool tie takes the first maximal entry).
        ``x`` must lie in the input box.
        """
        pt = as_point(x, self.input_shape)
        outside = np.flatnonzero((pt < self.lo) | (pt > self.hi))
        if outside.size:
            i = int(outside[0])
            raise InvalidValueError(
                f"x lies outside the input box at index {i}: x[{i}] = {pt[i]}, "
                f"bounds [{self.lo[i]}, {self.hi[i]}] ({outside.size} entries outside)"
            )
        A, b, layer, unit, bits, key, W, c, boundary = self._core.region(
            pt, float(boundary_tol), on_boundary
        )
        n_bits = self._core.n_pattern_bits
        as_bytes = bits.astype("<u8").view(np.uint8)
        pattern = np.unpackbits(as_bytes, bitorder="little")[:n_bits].astype(bool)
        relu = self.layout.is_relu
        active = float(pattern[relu].mean()) if relu.any() else float("nan")
        return Region(
            A=A,
            b=b,
            lo=self.lo,
            hi=self.hi,
            layer=layer,
            unit=unit,
            pattern=pattern,
            key=(int(key[0]) << 64) | int(key[1]),
            logit_map=(W, c),
            x=pt,
            active_fraction=active,
            boundary=tuple((int(a), int(u), float(v)) for a, u, v in boundary),
        )

    def regions(
        self,
        domain: Any = None,
        *,
        max_regions: int = MAX_REGIONS,
        workers: int | None = None,
        progress: Any = None,
        scheduler: Any = None,
        tiles: Any = None,
    ) -> Complex:
        """Every full-dimensional linear region inside ``domain`` (default: the input box),
        as a :class:`~linregions.Complex`; see
        :func:`linregions.model.complex.enumerate_regions` for the other parameters.

        ``scheduler`` (a ``dask.distributed.Client`` or a scheduler address) enumerates tiles
        of the domain on a Dask cluster (``tiles`` per axis, default 2 along the first
        min(d, 3) axes) and merges them by key; see :mod:`linregions.model.complex_dask`."""
        if scheduler is not None:
            if int(max_regions) < 1:
                raise InvalidValueError(f"max_regions must be >= 1, got {max_regions}")
            return enumerate_tiles(self, clip_domain(self, domain), scheduler, tiles=tiles,
                                   max_regions=int(max_regions))
        return enumerate_regions(self, domain, max_regions=max_regions, workers=workers,
                                 progress=progress)

    def search_regions(
        self,
        A: np.ndarray,
        b: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        max_regions: int,
        workers: Optional[int] = None,
        callback: Optional[Callable[..., Any]] = None,
    ) -> Any:
        """The Rust region search over the domain ``{A x + b >= 0, lo <= x <= hi}``.

        The engine behind :meth:`regions` and :func:`linregions.local_complexity`; returns
        the core's typed ``ComplexResult`` (keys, bits, points, inradius, n_facets, edges,
        edge_units, complete, unsettled). ``callback(found, frontier)`` reports progress.
        """
        return _core.complex_search(
            self._core, A, b, lo, hi, int(max_regions),
            None if workers is None else int(workers), callback,
        )

    def describe_regions(self, domain: Any, points: np.ndarray) -> Any:
        """The core's ``RegionRecords`` of the regions holding ``points`` (n, d), each
        intersected with ``domain`` (an :class:`~linregions.Polytope`)."""
        return _core.complex_describe(
            self._core, domain.A, domain.b, domain.lo, domain.hi, points
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # picklable (Dask ships networks to workers): rebuilt from its IR nodes
        return (_rebuild, (list(self.nodes), self.input_shape, self.lo, self.hi,
                           list(self.labels)))

    def walk(self, x0: Any, x1: Any, tol: float = WALK_TOL, respect_box: bool = True) -> Walk:
        """Exact walk of the segment ``x0 -> x1`` region by region (see :class:`Walk`)."""
        return walk_segment(self, x0, x1, tol=tol, respect_box=respect_box)
    def slice(
        self,
        origin: Any,
        u: Any,
        v: Any,
        extent: Any = 1.0,
        *,
        tol: float = SLICE_TOL,
        max_polygons: int = MAX_POLYGONS,
    ) -> Slice:
        """Exact partition of the 2-D slice ``origin + s u + t v`` into linear regions.

        ``extent`` is ``(s_min, s_max, t_min, t_max)``, a pair ``(lo, hi)`` for both, or a
        half-width r; the rectangle is clipped to the input box. Returns a
        :class:`~linregions.model.slice.Slice`: one convex polygon per region met (key, active
        fraction, predicted class, local logit map) and the classification polygons.
        Regions thinner than ``tol`` times the rectangle's diagonal are not resolved.
        Raises :class:`~linregions.errors.InvalidValueError` when the slice misses the box
        or has more than ``max_polygons`` polygons.
        """
        return slice_network(
            self, origin, u, v, extent, tol=tol, max_polygons=max_polygons
        )


def _rebuild(nodes: list[Node], input_shape: tuple[int, ...], lo: np.ndarray, hi: np.ndarray,
             labels: list[str]) -> Network:
    return Network(nodes, input_shape, lo, hi, labels=labels, fuse=False)
