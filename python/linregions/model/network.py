"""The public :class:`Network`: a piecewise-linear network in float64, backed by the Rust core."""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._arrays import as_point, as_points, to_numpy
from ..errors import InvalidValueError, ShapeError
from .affine_slice import AffineSlice, as_directions, slice_domain, slice_network
from .complex import (
    MAX_REGIONS,
    Complex,
    RegionCount,
    clip_domain,
    count_regions,
    enumerate_regions,
)
from .complex_dask import enumerate_tiles
from .ir import (
    Add,
    Affine,
    Input,
    MaxPool,
    Node,
    ReLU,
    fuse_affine_chains,
    pattern_layout,
)
from .patterns import Patterns
from .region import Region
from .slice import Slice, as_extent, slice_from_core
from .tolerances import BOUNDARY_TOL, MAX_POLYGONS, SLICE_TOL, WALK_TOL
from .walk import Walk, walk_from_core
from .whole_space import count_unbounded, enumerate_unbounded, is_unbounded_request

#: The package version, the Rust crate's (``rust/Cargo.toml``).
VERSION: str = _core.__version__

_POLICIES = {
    "error": _core.BoundaryPolicy.Error,
    "active": _core.BoundaryPolicy.Active,
    "inactive": _core.BoundaryPolicy.Inactive,
}


def build_core(nodes: list[Node], lo: np.ndarray, hi: np.ndarray) -> _core.Network:
    """Builds the Rust network over the box ``lo <= x <= hi`` (d,) from IR nodes (weights are
    copied once, here)."""
    first = nodes[0]
    if not isinstance(first, Input):
        raise TypeError("the first IR node must be the Input")
    if lo.shape != (first.size,) or hi.shape != (first.size,):
        raise ShapeError(
            f"box bounds have shapes {lo.shape} and {hi.shape}; expected ({first.size},)"
        )
    core = _core.Network(lo, hi)
    for node in nodes[1:]:
        if isinstance(node, Affine):
            bias = np.ascontiguousarray(node.bias, dtype=np.float64)
            if sp.issparse(node.weight):
                w = sp.csr_matrix(node.weight)
                w.sort_indices()
                core.add_sparse(
                    node.input,
                    int(w.shape[1]),
                    w.indptr.astype(np.int64),
                    w.indices.astype(np.int64),
                    np.ascontiguousarray(w.data, dtype=np.float64),
                    bias,
                )
            else:
                core.add_dense(node.input, np.ascontiguousarray(node.weight, np.float64), bias)
        elif isinstance(node, Add):
            core.add_sum(list(node.inputs))
        elif isinstance(node, ReLU):
            if np.ndim(node.slope) == 0:
                core.add_relu(node.input, float(node.slope))
            else:
                slopes = np.ascontiguousarray(node.slope, dtype=np.float64)
                core.add_relu_slopes(node.input, slopes)
        elif isinstance(node, MaxPool):
            core.add_maxpool(node.input, np.ascontiguousarray(node.windows, dtype=np.int64))
        else:
            raise TypeError(f"unknown IR node {type(node).__name__}")
    return core


class Network:
    """A piecewise-linear network over the input box ``lo <= x <= hi``.

    Build one with :func:`linregions.from_torch` (or from IR nodes directly). Inputs are
    accepted flattened, (n, d), or shaped like the model input, ``(n, *input_shape)``. The
    network owns its Rust core and its box: every point-taking method checks the box once,
    in the core.

    Parameters
    ----------
    nodes : list of IR nodes
        :mod:`linregions.model.ir` nodes in execution order, the first an ``Input``, the
        last the logits.
    input_shape : tuple of int
        Shape of one model input (d = its product).
    lo, hi : array_like, shape (d,)
        The input box (entries may be infinite, ``lo <= hi``).
    labels : list of str, optional
        A name per node (layer names in errors and pattern layouts).
    fuse : bool, default True
        Compose chains of affine nodes into one.

    Raises
    ------
    ShapeError
        The box does not match the input size.
    InvalidValueError
        The box holds NaN or ``lo > hi``; a weight is not finite.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 8, 3]), input_shape=(2,), lo=-np.ones(2), hi=np.ones(2))
    >>> net.n_inputs, net.n_neurons, net.n_classes
    (2, 8, 3)
    >>> net.logits(np.zeros((4, 2))).shape
    (4, 3)
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
        """Number of hidden units (ReLU neurons plus max-pool outputs)."""
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
        """Logits of a batch.

        Parameters
        ----------
        X : array_like, shape (n, d) or ``(n, *input_shape)``
            Points (numpy, lists or torch tensors), finite.

        Returns
        -------
        ndarray, shape (n, M), float64

        Raises
        ------
        ShapeError, InvalidValueError
            Wrong shape; a non-finite entry.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(1), Affine(0, np.array([[2.0]]), np.array([-1.0])), ReLU(1, 1)]
        >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
        >>> net.logits([[0.75], [1.0]]).ravel().tolist()  # relu(2 x - 1)
        [0.5, 1.0]
        """
        return self._core.logits(as_points(X, self.input_shape))

    def patterns(self, X: Any) -> Patterns:
        """Activation patterns, keys and unique counts of a batch.

        Parameters
        ----------
        X : array_like, shape (n, d) or ``(n, *input_shape)``

        Returns
        -------
        Patterns
            Packed bits, 128-bit keys and the grouping of the points by region.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(1), Affine(0, np.array([[1.0]]), np.zeros(1)), ReLU(1, 1)]
        >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
        >>> net.patterns([[-0.5], [0.5], [0.9]]).inverse.tolist()
        [0, 1, 1]
        """
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
        """The linear region holding ``x``: ``{y : A y + b >= 0, lo <= y <= hi}``.

        Row i of ``A`` is ``sgn(h_i(x)) * grad h_i(x)`` and ``b_i = sgn(h_i(x)) * (h_i(x) -
        grad h_i(x) . x)`` (paper eq. 2-3, not normalised), rows in execution order and,
        within a layer, in torch's flattening order.

        Parameters
        ----------
        x : array_like, shape (d,) or input_shape
            A point of the input box.
        on_boundary : {"error", "active", "inactive"}
            A unit with ``|h_i(x)| <= boundary_tol`` is on a boundary: ``"error"`` raises,
            ``"active"`` / ``"inactive"`` choose the side (a max-pool tie takes the first
            maximal entry).
        boundary_tol : float, default BOUNDARY_TOL

        Returns
        -------
        Region
            A :class:`~linregions.Polytope` with the pattern, key and logit map.

        Raises
        ------
        OnBoundaryError
            ``x`` is on a boundary and ``on_boundary="error"`` (lists the units).
        InvalidValueError
            ``x`` lies outside the input box, or ``on_boundary`` is unknown.
        ShapeError
            ``x`` has the wrong shape.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2),
        ...          Affine(2, np.ones((1, 2)), np.zeros(1))]
        >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> r = net.region([0.5, -0.25])
        >>> r.pattern.tolist()
        [True, False]
        >>> np.abs(r.A).tolist(), np.sign(r.A @ [0.5, -0.25] + r.b).tolist()
        ([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0])
        >>> r.contains([0.9, -0.9]), r.contains([-0.1, 0.0])
        (True, False)
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

    def regions(
        self,
        domain: Any = None,
        *,
        max_regions: int = MAX_REGIONS,
        workers: int | None = None,
        progress: Any = None,
        scheduler: Any = None,
        tiles: Any = None,
        method: str = "auto",
    ) -> Complex:
        """Every full-dimensional linear region inside ``domain`` (default: the input box),
        as a :class:`~linregions.Complex`; see
        :func:`linregions.model.complex.enumerate_regions` for the other parameters.

        An unbounded domain (:func:`~linregions.Space` for all of R^d, or any
        :class:`~linregions.Polytope` with infinite ``lo``/``hi`` entries, such as a
        half-space; also ``None`` when the input box is infinite) is enumerated as it is, not
        cut by the input box, through the homogenised network (see
        :mod:`linregions.model.whole_space`): the complex then has ``bounded`` and
        ``recession`` per region and infinite ``inradius`` where a region holds arbitrarily
        large balls.

        ``scheduler`` (a ``dask.distributed.Client`` or a scheduler address) enumerates tiles
        of the domain on a Dask cluster (``tiles`` per axis, default 2 along the first
        min(d, 3) axes) and merges them by key; see :mod:`linregions.model.complex_dask`.

        Examples
        --------
        >>> from linregions.model.ir import random_mlp
        >>> net = lr.Network(random_mlp([2, 3, 2]), (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> cx = net.regions(lr.Space(2))   # 3 lines in general position cut R^2 into 7
        >>> cx.n_regions, int(cx.bounded.sum())
        (7, 1)
        """

        def run(net: Network, dom: Any) -> Complex:
            if scheduler is not None:
                if int(max_regions) < 1:
                    raise InvalidValueError(f"max_regions must be >= 1, got {max_regions}")
                return enumerate_tiles(
                    net,
                    clip_domain(net, dom),
                    scheduler,
                    tiles=tiles,
                    max_regions=int(max_regions),
                )
            return enumerate_regions(
                net,
                dom,
                max_regions=max_regions,
                workers=workers,
                progress=progress,
                method=method,
            )

        if is_unbounded_request(self, domain):
            return enumerate_unbounded(self, domain, run)
        return run(self, domain)

    def search_regions(
        self,
        A: np.ndarray,
        b: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        max_regions: int,
        workers: Optional[int] = None,
        callback: Optional[Callable[..., Any]] = None,
        planar: bool = True,
    ) -> _core.ComplexResult:
        """The Rust region search over the domain ``{A x + b >= 0, lo <= x <= hi}``.

        The engine behind :meth:`regions` and :func:`linregions.local_complexity`; returns
        the core's typed ``ComplexResult`` (keys, bits, points, inradius, n_facets, edges,
        edge_units, complete, unsettled). ``callback(found, frontier)`` reports progress;
        ``planar``: two inputs over a box are read off the exact 2-D slice.
        """
        return _core.complex_search(
            *self._search_args(A, b, lo, hi, max_regions, workers),
            callback,
            planar,
        )

    def _search_args(
        self,
        A: np.ndarray,
        b: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        max_regions: int,
        workers: Optional[int],
    ) -> tuple[_core.Network, _core.Polytope, int, Optional[int]]:
        """The core network, the domain and the limits, as every core search takes them."""
        threads = None if workers is None else int(workers)
        return self._core, _core.Polytope(A, b, lo, hi), int(max_regions), threads

    def split_regions(
        self,
        A: np.ndarray,
        b: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        max_regions: int,
        workers: Optional[int] = None,
        callback: Optional[Callable[..., Any]] = None,
    ) -> _core.ComplexResult:
        """The Rust splitting route over ``{A x + b >= 0, lo <= x <= hi}``: the core's
        ``ComplexResult`` with its records sorted by key, no edges and ``n_facets`` -1 (not
        computed). Refused (``InvalidValueError``) for networks with max-pool layers."""
        return _core.complex_split(
            *self._search_args(A, b, lo, hi, max_regions, workers),
            callback,
        )

    def count_split(
        self,
        A: np.ndarray,
        b: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        max_regions: int,
        workers: Optional[int] = None,
        callback: Optional[Callable[..., Any]] = None,
        outputs: Optional[list[tuple[np.ndarray, np.ndarray]]] = None,
    ) -> _core.RegionCount:
        """The splitting route's count over ``{A x + b >= 0, lo <= x <= hi}`` (no region
        kept): the core's ``RegionCount``; ``outputs``: systems ``C y <= e`` whose regions
        are counted too (``meeting``)."""
        return _core.count_split(
            *self._search_args(A, b, lo, hi, max_regions, workers),
            callback,
            outputs,
        )

    @property
    def has_max_pool(self) -> bool:
        """Whether a max-pool layer is among the nodes (the splitting route refuses those)."""
        return any(isinstance(n, MaxPool) for n in self.nodes)

    def count_regions(
        self,
        domain: Any = None,
        *,
        max_regions: int = 10**9,
        workers: int | None = None,
        progress: Any = None,
        outputs: Any = None,
    ) -> RegionCount:
        """Number of full-dimensional linear regions inside ``domain`` (default: the input
        box), counted without keeping them; see :func:`linregions.model.complex.count_regions`.
        Unbounded domains (:func:`~linregions.Space`, polyhedra with infinite box sides) are
        counted as in :meth:`regions`, through the homogenised network.

        Examples
        --------
        >>> from linregions.model.ir import random_mlp
        >>> net = lr.Network(random_mlp([2, 4, 2]), (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> net.count_regions(lr.Space(2)).n_regions   # 1 + 4 + C(4, 2) (Zaslavsky)
        11
        """

        def count(net: Network, dom: Any, systems: Any) -> RegionCount:
            return count_regions(
                net,
                dom,
                max_regions=max_regions,
                workers=workers,
                progress=progress,
                outputs=systems,
            )

        if is_unbounded_request(self, domain):
            return count_unbounded(self, domain, count, outputs)
        return count(self, domain, outputs)

    def describe_regions(self, domain: Any, points: np.ndarray) -> _core.RegionRecords:
        """The core's ``RegionRecords`` of the regions holding ``points`` (n, d), each
        intersected with ``domain`` (an :class:`~linregions.Polytope`)."""
        dom = _core.Polytope(domain.A, domain.b, domain.lo, domain.hi)
        return _core.complex_describe(self._core, dom, points)

    def __reduce__(self) -> tuple[Any, ...]:
        # picklable (Dask ships networks to workers): rebuilt from its IR nodes
        return (_rebuild, (list(self.nodes), self.input_shape, self.lo, self.hi, list(self.labels)))

    def walk(self, x0: Any, x1: Any, tol: float = WALK_TOL, respect_box: bool = True) -> Walk:
        """Exact walk of the segment ``x0 -> x1``, region by region.

        Parameters
        ----------
        x0, x1 : array_like, shape (d,) or input_shape
            The ends of the segment ``x0 + beta (x1 - x0)``, beta in [0, 1].
        tol : float, default WALK_TOL
            Absolute pre-activation at or below which a unit at a breakpoint is decided by its
            derivative along the segment.
        respect_box : bool, default True
            Require both ends (so the whole segment) to lie in the input box.

        Returns
        -------
        Walk
            Breakpoints, the key and pattern of every piece, the switching units and the
            logits at the breakpoints.

        Raises
        ------
        InvalidValueError
            An end lies outside the box (with ``respect_box``).

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(1), Affine(0, np.array([[1.0], [1.0]]), np.array([0.0, -0.5])),
        ...          ReLU(1, 2)]
        >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
        >>> w = net.walk([-1.0], [1.0])
        >>> w.n_regions, w.breakpoints.tolist()
        (3, [0.0, 0.5, 0.75, 1.0])
        >>> w.logits[-1].tolist()
        [1.0, 0.5]
        """
        a = as_point(x0, self.input_shape, "x0")
        b = as_point(x1, self.input_shape, "x1")
        (raw,) = self._core.walk(a[None], b[None], float(tol), bool(respect_box), single=True)
        return walk_from_core(a, b, raw)

    def walk_many(
        self, starts: Any, ends: Any, tol: float = WALK_TOL, respect_box: bool = True
    ) -> list[Walk]:
        """Exact walks of the segments ``starts[i] -> ends[i]``, computed in parallel.

        Parameters
        ----------
        starts, ends : array_like, shape (n, d)
        tol, respect_box
            As in :meth:`walk`.

        Returns
        -------
        list of Walk

        Raises
        ------
        ShapeError
            ``starts`` and ``ends`` differ in shape.
        InvalidValueError
            An end lies outside the box (with ``respect_box``); the message names it,
            e.g. ``ends[2]``.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(1), Affine(0, np.array([[1.0]]), np.zeros(1)), ReLU(1, 1)]
        >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
        >>> [w.n_regions for w in net.walk_many([[-1.0], [0.1]], [[1.0], [0.9]])]
        [2, 1]
        """
        a = as_points(starts, self.input_shape, "starts")
        b = as_points(ends, self.input_shape, "ends")
        raws = self._core.walk(a, b, float(tol), bool(respect_box))
        return [walk_from_core(s, e, r) for s, e, r in zip(a, b, raws)]

    def input_gradients(self, X: Any, V: Any) -> np.ndarray:
        """Gradients of weighted logits, ``d (V[i] . logits(X[i])) / d X[i]``.

        The activation states are those :meth:`patterns` gives each point (ReLU active where
        its pre-activation is > 0).

        Parameters
        ----------
        X : array_like, shape (n, d) or ``(n, *input_shape)``
        V : array_like, shape (n, M)

        Returns
        -------
        ndarray, shape (n, d)

        Raises
        ------
        ShapeError
            ``V`` is not (n, M).

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(2), Affine(0, np.array([[1.0, 2.0]]), np.zeros(1)), ReLU(1, 1)]
        >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> net.input_gradients([[0.5, 0.5], [-0.5, 0.0]], [[1.0], [1.0]]).tolist()
        [[1.0, 2.0], [0.0, 0.0]]
        """
        pts = as_points(X, self.input_shape)
        v = np.ascontiguousarray(to_numpy(V))
        if v.shape != (pts.shape[0], self.n_classes):
            raise ShapeError(f"V has shape {v.shape}; expected ({pts.shape[0]}, {self.n_classes})")
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
        was built through).

        Parameters
        ----------
        origin, u, v : array_like, shape (d,) or input_shape
        extent : float, pair or 4-tuple, default 1.0
        tol : float, default SLICE_TOL
        max_polygons : int, default MAX_POLYGONS
        marks : array_like, shape (k, 2), optional

        Returns
        -------
        Slice

        Raises
        ------
        InvalidValueError
            The slice misses the box or has more than ``max_polygons`` polygons.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2),
        ...          Affine(2, np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))]
        >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
        >>> s = net.slice(np.zeros(2), [1.0, 0.0], [0.0, 1.0], extent=1.0)
        >>> s.n_regions, float(s.areas().sum())
        (4, 4.0)
        """
        o = as_point(origin, self.input_shape, "origin")
        uu = as_point(u, self.input_shape, "u")
        vv = as_point(v, self.input_shape, "v")
        ext = as_extent(extent)
        data = self._core.slice(o, uu, vv, ext, float(tol), int(max_polygons))
        return slice_from_core(data, o, uu, vv, ext, marks)

    def affine_slice(
        self,
        origin: Any,
        U: Any,
        domain: Any = None,
        *,
        max_regions: int = MAX_REGIONS,
        workers: int | None = None,
        progress: Any = None,
        method: str = "auto",
    ) -> Complex:
        """Every region met by the k-dimensional affine slice ``x = origin + U t``, as a
        :class:`~linregions.Complex` in the slice coordinates t.

        The complex is that of the restricted network ``t -> net(origin + U t)`` (same hidden
        units and keys; see :mod:`linregions.model.affine_slice`), so every
        :class:`~linregions.Complex` question is answered in t: ``points`` (n, k),
        ``inradius`` in t units, ``edges``, ``volumes()``; ``cx.to_input_space()`` gives the
        points in input space and ``cx.affine_slice`` the map. For the 2-D polygons of a
        plane, drawn, see :meth:`slice`.

        Parameters
        ----------
        origin : array_like, shape (d,) or input_shape
        U : array_like, shape (d, k)
            The directions (columns), k >= 1; a (d,) vector is one direction. They need not
            be orthonormal (the t units are theirs).
        domain : Polytope of k dimensions, optional
            The domain of t. ``None``: the t with ``origin + U t`` in the input box (all of
            R^k when the box is infinite). A bounded one (:func:`~linregions.Box` ...) is
            cut by that same preimage of the input box; an unbounded one
            (:func:`~linregions.Space` ``(k)``, a half-space) is taken as it is, as in
            :meth:`regions`.
        max_regions, workers, progress, method
            As in :meth:`regions`.

        Returns
        -------
        Complex
            In t: ``dim`` k, ``domain`` the domain of t, ``net`` the restricted network.

        Raises
        ------
        ShapeError
            ``origin`` is not (d,), ``U`` not (d, k), or the domain not k-dimensional.
        InvalidValueError, EmptyPolytopeError, FlatPolytopeError
            Non-finite entries; the slice misses the input box; an empty or flat domain.

        Examples
        --------
        >>> from linregions.model.ir import Affine, Input, ReLU
        >>> nodes = [Input(3), Affine(0, np.eye(3), np.zeros(3)), ReLU(1, 3)]
        >>> net = lr.Network(nodes, (3,), lo=-np.ones(3), hi=np.ones(3))
        >>> cx = net.affine_slice(np.zeros(3), np.eye(3)[:, :2])   # the plane x_3 = 0
        >>> cx.n_regions, cx.dim, cx.to_input_space().shape
        (4, 2, (4, 3))
        """
        o = as_point(origin, self.input_shape, "origin")
        directions = as_directions(U, self.n_inputs)
        sliced = slice_network(self, o, directions)
        dom = slice_domain(self, o, directions, domain)
        cx = sliced.regions(
            dom, max_regions=max_regions, workers=workers, progress=progress, method=method
        )
        object.__setattr__(cx, "affine_slice", AffineSlice(o, directions))
        return cx


def _rebuild(
    nodes: list[Node],
    input_shape: tuple[int, ...],
    lo: np.ndarray,
    hi: np.ndarray,
    labels: list[str],
) -> Network:
    return Network(nodes, input_shape, lo, hi, labels=labels, fuse=False)
