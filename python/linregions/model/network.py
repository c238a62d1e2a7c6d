"""The public :class:`Network`: a piecewise-linear network in float64, backed by the Rust core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .._arrays import as_point, as_points, to_numpy
from ..errors import InvalidValueError, ShapeError
from .ir import Node, PatternLayout, build_core, fuse_affine_chains, pattern_layout
from .region import Region
from .slice import Slice, as_extent, slice_from_core
from .tolerances import BOUNDARY_TOL, MAX_POLYGONS, SLICE_TOL, WALK_TOL
from .walk import Walk, walk_from_core

#: The package version, the Rust crate's (``rust/Cargo.toml``).
VERSION: str = _core.__version__

_POLICIES = {
    "error": _core.BoundaryPolicy.Error,
    "active": _core.BoundaryPolicy.Active,
    "inactive": _core.BoundaryPolicy.Inactive,
}


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
        box = (np.ascontiguousarray(lo, np.float64), np.ascontiguousarray(hi, np.float64))
        self._core = build_core(list(self.nodes), *box)
        # The box as validated by the core, exposed read-only.
        self.lo: np.ndarray = self._core.lo
        self.hi: np.ndarray = self._core.hi
        self.lo.setflags(write=False)
        self.hi.setflags(write=False)
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
        return self._core.logits(as_points(X, self.input_shape))

    def patterns(self, X: Any) -> Patterns:
        """Activation patterns, keys and unique counts of a batch ``X`` (see :class:`Patterns`)."""
        data = self._core.patterns(as_points(X, self.input_shape))
        return Patterns(
            bits=data.bits,
            keys=data.keys,
            n_unique=int(data.counts.shape[0]),
            inverse=data.inverse,
            counts=data.counts,
            first=data.first,
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
        policy = _POLICIES.get(on_boundary)
        if policy is None:
            raise InvalidValueError(
                f"on_boundary must be 'error', 'active' or 'inactive', got {on_boundary!r}"
            )
        r = self._core.region(pt, float(boundary_tol), policy)
        n_bits = self._core.n_pattern_bits
        as_bytes = r.bits.astype("<u8").view(np.uint8)
        pattern = np.unpackbits(as_bytes, bitorder="little")[:n_bits].astype(bool)
        relu = self.layout.is_relu
        active = float(pattern[relu].mean()) if relu.any() else float("nan")
        return Region(
            A=r.a,
            b=r.b,
            lo=self.lo,
            hi=self.hi,
            layer=r.layer,
            unit=r.unit,
            pattern=pattern,
            key=r.key,
            logit_map=(r.logit_w, r.logit_c),
            x=pt,
            active_fraction=active,
            boundary=tuple((int(a), int(u), float(v)) for a, u, v in r.boundary),
        )

    def walk(self, x0: Any, x1: Any, tol: float = WALK_TOL, respect_box: bool = True) -> Walk:
        """Exact walk of the segment ``x0 -> x1`` region by region (see :class:`Walk`).

        With ``respect_box`` (default) both endpoints must lie in the input box, so the
        whole segment does.
        """
        a = as_point(x0, self.input_shape, "x0")
        b = as_point(x1, self.input_shape, "x1")
        return walk_from_core(a, b, self._core.walk(a, b, float(tol), bool(respect_box)))

    def walk_many(
        self, starts: Any, ends: Any, tol: float = WALK_TOL, respect_box: bool = True
    ) -> list[Walk]:
        """Exact walks of the segments ``starts[i] -> ends[i]``, computed in parallel."""
        a = as_points(starts, self.input_shape, "starts")
        b = as_points(ends, self.input_shape, "ends")
        raws = self._core.walk_many(a, b, float(tol), bool(respect_box))
        return [walk_from_core(s, e, r) for s, e, r in zip(a, b, raws)]

    def input_gradients(self, X: Any, V: Any) -> np.ndarray:
        """Gradients (n, d) of ``V[i] . logits(X[i])`` with respect to ``X[i]``."""
        pts = as_points(X, self.input_shape)
        v = np.ascontiguousarray(to_numpy(V))
        if v.shape != (pts.shape[0], self.n_classes):
            raise ShapeError(
                f"V has shape {v.shape}; expected ({pts.shape[0]}, {self.n_classes})"
            )
        return self._core.input_gradients(pts, v)

    def slice(
        self,
        origin: Any,
        u: Any,
        v: Any,
        extent: Any = 1.0,
        *,
        tol: float = SLICE_TOL,
        max_polygons: int = MAX_POLYGONS,
        marks: Any = None,
    ) -> Slice:
        """Exact partition of the 2-D slice ``origin + s u + t v`` into linear regions.

        ``extent`` is ``(s_min, s_max, t_min, t_max)``, a pair ``(lo, hi)`` for both, or a
        half-width r; the rectangle is clipped to the input box. Returns a
        :class:`~linregions.model.slice.Slice`: one convex polygon per region met (key, active
        fraction, predicted class, local logit map) and the classification polygons.
        Regions thinner than ``tol`` times the rectangle's diagonal are not resolved.
        ``marks`` (k, 2) are ``(s, t)`` points to remember with the slice (e.g. the points it
        was built through). Raises :class:`~linregions.errors.InvalidValueError` when the
        slice misses the box or has more than ``max_polygons`` polygons.
        """
        o = as_point(origin, self.input_shape, "origin")
        uu = as_point(u, self.input_shape, "u")
        vv = as_point(v, self.input_shape, "v")
        ext = as_extent(extent)
        data = self._core.slice(o, uu, vv, ext, float(tol), int(max_polygons))
        return slice_from_core(data, o, uu, vv, ext, marks)
