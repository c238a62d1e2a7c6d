"""The complex: every linear region of a network inside a domain, exactly.

:func:`enumerate_regions` (``Network.regions``) runs one of two Rust routes
(``rust/src/complex``), both exact and both keyed by the 128-bit pattern key:

- the *splitting* route carries the domain through the network layer by layer, decides each
  neuron over the current cell (its range over a box holding the cell, then one LP) and
  splits the cell on every neuron that changes sign inside it; the leaves are the regions.
  A stable neuron's hyperplane never enters an LP, so the work grows with the hyperplanes
  that cross the domain, not with the network.
- the *search* route follows every certified facet of region ∩ domain that lies on a
  neuron hyperplane to the region on the other side; it yields the adjacency as it goes.

A :class:`Complex` from the splitting route computes its adjacency (``edges``,
``edge_units``, ``n_facets``) when first asked, by the search route's per-region step.
:func:`count_regions` counts without keeping the regions.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .._arrays import as_point
from .._progress import SearchProgress
from ..errors import InvalidValueError, ShapeError
from ..geometry.domains import Box, as_domain
from ..geometry.polytope import Polytope
from ..geometry.volumes import Volumes, region_volumes
from .affine_slice import AffineSlice, slice_network
from .fixed import FixedInputs, fixed_coordinates
from .homogenise import Cone, cone_domain, homogenised_network, unboxed_network
from .netlike import NetworkLike

if TYPE_CHECKING:
    import networkx

    from ..geometry.class_maxima import ClassMaxima
    from .region import Region

#: Default cap on the number of regions of one enumeration.
MAX_REGIONS = 1_000_000

__all__ = [
    "Adjacency",
    "Complex",
    "MAX_REGIONS",
    "RegionCount",
    "count_regions",
    "enumerate_regions",
    "keys_to_ints",
]


def keys_to_ints(halves: np.ndarray) -> np.ndarray:
    """(n, 2) uint64 (high, low) halves -> (n,) object array of 128-bit Python ints."""
    out = np.empty(halves.shape[0], dtype=object)
    out[:] = [(int(h) << 64) | int(lo) for h, lo in halves]
    return out


def _ro(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


#: The per-region array fields of :class:`Complex` (read-only, saved by :meth:`Complex.save`).
RECORD_FIELDS = ("key_halves", "bits", "points", "inradius", "predicted")
#: The arrays of its adjacency (saved when computed).
ADJACENCY_FIELDS = ("n_facets", "edges", "edge_units")
#: The per-region arrays of a complex of an unbounded domain (saved when set).
UNBOUNDED_FIELDS = ("bounded", "recession")


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Facet counts and shared facets of a complex's regions: ``n_facets`` (n,),
    ``edges`` (E, 2) region index pairs ``i < j``, ``edge_units`` (E, 2) the (layer, unit)
    of each edge's hyperplane; ``unsettled``: steps the solvers could not certify."""

    n_facets: np.ndarray
    edges: np.ndarray
    edge_units: np.ndarray
    unsettled: int = 0

    def __post_init__(self) -> None:
        for name in ADJACENCY_FIELDS:
            arr = np.ascontiguousarray(getattr(self, name), dtype=np.int64)
            object.__setattr__(self, name, _ro(arr))


def adjacency_of(
    net: NetworkLike, dom: Polytope, points: np.ndarray, keys: np.ndarray
) -> Adjacency:
    """The adjacency of the regions holding ``points`` (n, d) within ``dom``, whose keys
    (ints) are ``keys``: each region's certified facets and the keys across them, mapped to
    indices (a neighbour outside ``keys`` is left out)."""
    n = len(points)
    if n == 0:
        z = np.zeros((0, 2), dtype=np.int64)
        return Adjacency(np.zeros(0, dtype=np.int64), z, z)
    rec = net.describe_regions(dom, points)
    index = {k: i for i, k in enumerate(keys)}
    row_keys = keys_to_ints(rec.keys)
    rows = np.array([index.get(k, -1) for k in row_keys], dtype=np.int64)
    n_facets = np.full(n, -1, dtype=np.int64)
    n_facets[rows[rows >= 0]] = np.asarray(rec.n_facets)[rows >= 0]
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for src_row, nk, unit in zip(
        rec.neighbour_of.tolist(), keys_to_ints(rec.neighbour_keys), rec.neighbour_units.tolist()
    ):
        src = int(rows[src_row])
        dst = index.get(nk)
        if src < 0 or dst is None or dst == src:
            continue
        pairs.setdefault((min(src, dst), max(src, dst)), (int(unit[0]), int(unit[1])))
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    units = np.array([pairs[(a, b)] for a, b in edges.tolist()], dtype=np.int64).reshape(-1, 2)
    missing = int((n_facets < 0).sum())
    return Adjacency(n_facets, edges, units, unsettled=int(rec.unsettled) + missing)


@dataclass(frozen=True, eq=False)
class Complex:
    """Every full-dimensional linear region of a network inside a domain.

    Fields (numpy, read-only; n regions, E adjacent pairs):

    - ``keys`` (n,) object: 128-bit pattern keys (equal to ``Region.key`` and
      ``Patterns.key_ints()``); ``key_halves`` (n, 2) uint64 the same as (high, low).
    - ``bits`` (n, words) uint64: packed patterns (layout as ``Network.patterns``).
    - ``points`` (n, d): the insphere centre of each region ∩ domain (an interior point).
    - ``inradius`` (n,): its certified radius.
    - ``predicted`` (n,) int: the network's class at ``points``.
    - ``n_facets`` (n,) int: facets of region ∩ domain on neuron hyperplanes (coincident
      hyperplanes count once; facets on the domain's boundary are not counted).
    - ``edges`` (E, 2) int: region index pairs ``i < j`` sharing a facet;
      ``edge_units`` (E, 2): the (layer, unit) of the hyperplane between them.
      ``n_facets``, ``edges`` and ``edge_units`` are computed on first access when the
      route that found the regions did not give them (one certified facet pass per
      region, about the search route's cost; ``unsettled`` then adds its uncertified steps).
    - ``complete``: False when ``max_regions`` or Ctrl-C stopped the search (a warning says
      so; the regions found until then are all here).
    - ``unsettled``: facets or steps the solvers could not certify (0 in a certified result).
    - ``domain``: the :class:`~linregions.Polytope` enumerated (already cut by the input box).
    - ``fixed_inputs``: for a domain that fixes some inputs (``lo == hi``), the
      :class:`~linregions.model.fixed.FixedInputs` it was enumerated under: ``points``,
      ``domain`` and ``net`` are then in the free coordinates (same keys as the full
      network), and ``fixed_inputs.to_input_space(points)`` gives full inputs.
    - ``bounded`` (n,) bool and ``recession`` (n, d): for an unbounded domain
      (:func:`~linregions.Space`, a polyhedron with infinite box sides), whether each
      region ∩ domain is bounded, and a unit recession direction ``r`` of each unbounded
      one (``x + t r`` stays in it for all ``t >= 0``; zeros for a bounded one). ``None``
      for a bounded domain, where every region is bounded. ``inradius`` is then ``inf``
      for a region holding arbitrarily large balls, ``net`` is the network over the whole
      input space and ``domain`` the unbounded domain as given.
    - ``cone``: for an unbounded domain, the :class:`~linregions.model.homogenise.Cone`
      (homogenised network, domain and points) the regions were found in; the adjacency
      is computed there (a facet of a region of R^d is a facet of its cone's piece).
    - ``affine_slice``: for :meth:`Network.affine_slice`, the
      :class:`~linregions.model.affine_slice.AffineSlice` ``x = origin + U t``: the complex
      is in the slice coordinates t (``net`` is the restricted network, with the same keys).

    :meth:`to_input_space` maps points of the complex's coordinates to inputs of the
    network it was asked of.
    """

    key_halves: np.ndarray
    bits: np.ndarray
    points: np.ndarray
    inradius: np.ndarray
    predicted: np.ndarray
    adjacency: Adjacency | None
    complete: bool
    unsettled: int
    domain: Polytope
    net: NetworkLike | None = field(default=None, repr=False)
    fixed_inputs: FixedInputs | None = field(default=None, repr=False)
    bounded: np.ndarray | None = field(default=None, repr=False)
    recession: np.ndarray | None = field(default=None, repr=False)
    cone: Cone | None = field(default=None, repr=False)
    affine_slice: AffineSlice | None = field(default=None, repr=False)
    keys: np.ndarray = field(init=False, repr=False)
    _index: dict[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in RECORD_FIELDS:
            object.__setattr__(self, name, _ro(np.ascontiguousarray(getattr(self, name))))
        for name in UNBOUNDED_FIELDS:
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _ro(np.ascontiguousarray(getattr(self, name))))
        keys = _ro(keys_to_ints(self.key_halves))
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "_index", {k: i for i, k in enumerate(keys)})

    def _adjacency(self) -> Adjacency:
        if self.adjacency is None:
            if self.cone is not None:
                cone = self.cone
                adj = adjacency_of(cone.net, cone.domain, cone.points, self.keys)
            else:
                adj = adjacency_of(self._need_net(), self.domain, self.points, self.keys)
            object.__setattr__(self, "adjacency", adj)
            object.__setattr__(self, "unsettled", self.unsettled + adj.unsettled)
        assert self.adjacency is not None
        return self.adjacency

    @property
    def n_facets(self) -> np.ndarray:
        """(n,) facets of each region ∩ domain on neuron hyperplanes."""
        return self._adjacency().n_facets

    @property
    def edges(self) -> np.ndarray:
        """(E, 2) region index pairs ``i < j`` sharing a facet."""
        return self._adjacency().edges

    @property
    def edge_units(self) -> np.ndarray:
        """(E, 2) (layer, unit) of the hyperplane of each edge."""
        return self._adjacency().edge_units

    @property
    def n_regions(self) -> int:
        """Number of regions found."""
        return int(self.key_halves.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension d."""
        return int(self.points.shape[1])

    def __repr__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE (max_regions reached)"
        edges = "not computed" if self.adjacency is None else len(self.adjacency.edges)
        return f"Complex(n_regions={self.n_regions}, n_edges={edges}, d={self.dim}, {state})"

    def to_input_space(self, points: Any = None) -> np.ndarray:
        """Points (n, k) of the complex's coordinates (default: :attr:`points`) as inputs
        (n, d) of the network the complex was asked of: through ``fixed_inputs`` (the free
        coordinates of a box that fixes some inputs) and ``affine_slice`` (``origin + U t``);
        the points themselves when neither is set."""
        pts = self.points if points is None else np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != self.dim:
            raise ShapeError(f"points have shape {pts.shape}; expected (n, {self.dim})")
        if self.fixed_inputs is not None:
            pts = self.fixed_inputs.to_input_space(pts)
        if self.affine_slice is not None:
            pts = self.affine_slice.to_input_space(pts)
        return pts

    def _need_net(self) -> NetworkLike:
        if self.net is None:
            raise InvalidValueError(
                "this Complex was loaded without a network; pass net= to load()"
            )
        return self.net

    def region(self, i: int) -> Region:
        """The :class:`~linregions.Region` of region ``i`` (built at ``points[i]``; its box is
        the network's input box, the domain's rows are not added)."""
        return self._need_net().region(self.points[int(i)], on_boundary="inactive")

    def keys_of(self, X: np.ndarray) -> list[int]:
        """Pattern keys (ints, as :attr:`keys`) of the regions holding the points ``X`` (n, d);
        needs the network."""
        return self._need_net().patterns(X).key_ints()

    def index_of(self, x: Any) -> int:
        """Index of the region holding ``x`` (by its pattern key), or -1 when that pattern is
        not in the complex (x on a boundary whose side is flat, or the search was capped).

        Raises :class:`~linregions.errors.InvalidValueError` when x is outside the domain.
        """
        net = self._need_net()
        pt = as_point(x, net.input_shape, "x")[None]
        if not self.domain.contains(pt[0]):
            raise InvalidValueError("x lies outside the domain")
        key = net.patterns(pt).key_ints()[0]
        return self._index.get(key, -1)

    def to_networkx(self) -> networkx.Graph:
        """The adjacency graph: node i carries ``key``, ``point``, ``inradius``,
        ``predicted``; each edge carries ``layer`` and ``unit`` of its hyperplane."""
        import networkx as nx

        g = nx.Graph()
        for i in range(self.n_regions):
            g.add_node(
                i,
                key=self.keys[i],
                point=self.points[i],
                inradius=float(self.inradius[i]),
                predicted=int(self.predicted[i]),
            )
        for (i, j), (lay, u) in zip(self.edges.tolist(), self.edge_units.tolist()):
            g.add_edge(i, j, layer=lay, unit=u)
        return g

    def region_polytope(self, i: int) -> Polytope:
        """Region ``i`` ∩ domain as a :class:`~linregions.Polytope` (network rows, then the
        domain's rows; the domain's box)."""
        r = self.region(i)
        return Polytope(
            np.vstack([r.A, self.domain.A]),
            np.concatenate([r.b, self.domain.b]),
            self.domain.lo,
            self.domain.hi,
        )

    def volumes(self, method: str = "auto", n_samples: int = 200_000, seed: int = 0) -> Volumes:
        """Volume of each region ∩ domain (see :func:`~linregions.geometry.volumes.
        region_volumes`): ``"exact"`` (vertices, d <= 4), ``"sample"`` (uniform samples, with
        standard errors), ``"auto"`` exact when d <= 4. Refused (``InvalidValueError``) for
        an unbounded domain."""
        if not (np.isfinite(self.domain.lo).all() and np.isfinite(self.domain.hi).all()):
            raise InvalidValueError(
                "volumes need a bounded domain; this complex is of an unbounded one "
                "(see Complex.bounded)"
            )
        return region_volumes(self, method=method, n_samples=n_samples, seed=seed)

    def classes(self, i: int, **kwargs: Any) -> np.ndarray:
        """Sorted classes whose classification region meets region ``i`` ∩ domain, certified
        by the class-maxima solver (:meth:`Region.class_maxima`; keywords go to it)."""
        return np.flatnonzero(self.class_maxima(i, **kwargs).present)

    def class_maxima(self, i: int, **kwargs: Any) -> ClassMaxima:
        """:meth:`Region.class_maxima` of region ``i`` ∩ domain."""
        r = self.region(i)
        k = self.domain.n_rows
        cut = replace(
            r,
            A=np.vstack([r.A, self.domain.A]),
            b=np.concatenate([r.b, self.domain.b]),
            lo=self.domain.lo,
            hi=self.domain.hi,
            layer=np.concatenate([r.layer, np.full(k, -1)]),
            unit=np.concatenate([r.unit, np.arange(k)]),
            x=self.points[int(i)],
        )
        return cut.class_maxima(**kwargs)

    def n_classes_per_region(self, **kwargs: Any) -> np.ndarray:
        """(n,) number of classes present in each region ∩ domain (certified; one class-maxima
        solve per region: use on complexes of moderate size)."""
        return np.array([len(self.classes(i, **kwargs)) for i in range(self.n_regions)])

    def n_boundary_regions(self, **kwargs: Any) -> int:
        """Number of regions the decision boundary passes through (more than one class)."""
        return int((self.n_classes_per_region(**kwargs) > 1).sum())

    def save(self, path: Any) -> None:
        """Writes the complex (not the network) to an ``.npz`` file; its adjacency only when
        it has been computed."""
        adj = (
            {}
            if self.adjacency is None
            else {name: getattr(self.adjacency, name) for name in ADJACENCY_FIELDS}
        )
        extra = {name: getattr(self, name) for name in UNBOUNDED_FIELDS}
        if self.cone is not None:
            extra["cone_points"] = self.cone.points
        if self.affine_slice is not None:
            extra["slice_origin"] = self.affine_slice.origin
            extra["slice_U"] = self.affine_slice.U
        np.savez_compressed(
            path,
            **{name: getattr(self, name) for name in RECORD_FIELDS},
            **adj,
            **{name: value for name, value in extra.items() if value is not None},
            complete=np.array(self.complete),
            unsettled=np.array(self.unsettled),
            domain_A=self.domain.A,
            domain_b=self.domain.b,
            domain_lo=self.domain.lo,
            domain_hi=self.domain.hi,
        )

    @classmethod
    def load(cls, path: Any, net: Any = None) -> Complex:
        """Reads a complex written by :meth:`save`; pass ``net`` (the network the complex was
        asked of) to use ``region``, ``index_of``, ``classes`` and, when it was not saved,
        the adjacency. The fields of an unbounded domain and of an affine slice are kept."""
        with np.load(path, allow_pickle=False) as z:
            dom = Polytope(z["domain_A"], z["domain_b"], z["domain_lo"], z["domain_hi"])
            adj = (
                Adjacency(*(z[name] for name in ADJACENCY_FIELDS))
                if all(name in z for name in ADJACENCY_FIELDS)
                else None
            )
            plane = AffineSlice(z["slice_origin"], z["slice_U"]) if "slice_origin" in z else None
            if net is not None and plane is not None:
                net = slice_network(net, plane.origin, plane.U)
            if net is not None and (np.any(dom.lo < net.lo) or np.any(dom.hi > net.hi)):
                net = unboxed_network(net)  # enumerated without the input box
            cone = None
            if net is not None and "cone_points" in z:
                cone = Cone(homogenised_network(net), cone_domain(dom), z["cone_points"])
            return cls(
                **{name: z[name] for name in RECORD_FIELDS},
                adjacency=adj,
                complete=bool(z["complete"]),
                unsettled=int(z["unsettled"]),
                domain=dom,
                net=net,
                bounded=z["bounded"] if "bounded" in z else None,
                recession=z["recession"] if "recession" in z else None,
                cone=cone,
                affine_slice=plane,
            )


def clip_domain(net: NetworkLike, domain: Any) -> Polytope:
    """``domain`` (None: the input box) checked and cut by the network's input box."""
    if domain is None:
        return Box(net.lo, net.hi)
    dom = as_domain(domain, dim=net.n_inputs)
    lo, hi = np.maximum(dom.lo, net.lo), np.minimum(dom.hi, net.hi)
    return as_domain(Polytope(dom.A, dom.b, lo, hi))


def enumerate_regions(
    net: NetworkLike,
    domain: Any = None,
    *,
    max_regions: int = MAX_REGIONS,
    workers: int | None = None,
    progress: bool | Callable[[int, int, float], Any] | None = None,
    method: str = "auto",
) -> Complex:
    """Every full-dimensional linear region of ``net`` inside ``domain`` (``Network.regions``
    without a Dask ``scheduler``).

    Parameters
    ----------
    net : Network
    domain : Polytope, optional
        A bounded, full-dimensional polytope (:func:`~linregions.Box`,
        :func:`~linregions.Ball`, any :class:`~linregions.Polytope`); cut by the network's
        input box. Default: the input box. A :func:`~linregions.Box` that fixes some
        coordinates (``lo == hi``, as VNN-LIB specifications do) is enumerated in the
        dimensions left free, and its points are given in the full input space.
    max_regions : int
        Stop after this many regions (``complete`` is then False and a warning is issued).
    workers : int, optional
        Threads of the Rust search (default: all cores, or ``RAYON_NUM_THREADS``).
    progress : bool or callable, optional
        True draws a bar on stderr (regions found, frontier, regions/s); a callable is called
        as ``progress(found, frontier, seconds)``. Ctrl-C (or the callable raising
        ``KeyboardInterrupt``) stops the search and returns what was found, with
        ``complete`` False and a warning.
    method : {"auto", "split", "search"}
        ``"split"``: the splitting route (see the module notes; not for max-pool layers);
        the adjacency is computed when first asked. ``"search"``: the search across
        certified facets, which gives the adjacency as it goes. ``"auto"``: two inputs over
        a box are read off the exact 2-D slice (the search runs if a check fails there);
        otherwise the splitting route, or the search for networks with max-pool layers.

    Returns
    -------
    Complex

    Raises
    ------
    ShapeError, InvalidValueError, UnboundedPolytopeError, EmptyPolytopeError, FlatPolytopeError
        A domain of the wrong dimension, unbounded, empty or flat; ``max_regions < 1``;
        ``method="split"`` on a network with max-pool layers.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
    >>> net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    >>> net.regions().n_regions
    4
    """
    check_limits(max_regions, workers)
    if method not in ("auto", "split", "search"):
        raise InvalidValueError(f"method must be 'auto', 'split' or 'search', got {method!r}")
    if method == "split" and net.has_max_pool:
        raise InvalidValueError(
            "method='split' does not handle max-pool layers; use 'search' or 'auto'"
        )
    fixed = fixed_coordinates(net, domain)
    if fixed is not None:
        cx = enumerate_regions(
            fixed.net,
            fixed.domain,
            max_regions=max_regions,
            workers=workers,
            progress=progress,
            method=method,
        )
        object.__setattr__(cx, "fixed_inputs", fixed)
        return cx
    dom = clip_domain(net, domain)
    bar, callback = progress_callback(progress)
    planar = dom.dim == 2 and dom.n_rows == 0
    split = method == "split" or (method == "auto" and not planar and not net.has_max_pool)
    args = (dom.A, dom.b, dom.lo, dom.hi, int(max_regions), workers, callback)
    if split:
        res = net.split_regions(*args)
        adjacency = None
    else:
        res = net.search_regions(*args, planar=method == "auto")
        adjacency = Adjacency(res.n_facets, res.edges, res.edge_units)
    if bar is not None:
        bar.close()
    return finish(
        net,
        dom,
        res.keys,
        res.bits,
        res.points,
        res.inradius,
        adjacency,
        bool(res.complete),
        int(res.unsettled),
        interrupted=bool(res.interrupted),
    )


@dataclass(frozen=True)
class RegionCount:
    """The number of regions of a domain (:func:`count_regions`).

    ``n_regions``: regions found; ``complete``: False when ``max_regions`` or Ctrl-C stopped
    the count (then a lower bound); ``unsettled``: splits the solvers could not certify (0 in
    a certified count); ``unstable``: neurons whose sign changes inside the domain (the
    others never enter an LP); ``splits``, ``lps``: cells split and LPs solved;
    ``seconds``: wall time; ``meeting``: regions on a full-dimensional part of which one of
    the ``outputs`` systems holds (-1 when none was given)."""

    n_regions: int
    complete: bool
    unsettled: int
    unstable: int
    splits: int
    lps: int
    seconds: float
    meeting: int = -1


def count_regions(
    net: NetworkLike,
    domain: Any = None,
    *,
    max_regions: int = 10**9,
    workers: int | None = None,
    progress: bool | Callable[[int, int, float], Any] | None = None,
    outputs: Any = None,
) -> RegionCount:
    """Number of full-dimensional linear regions of ``net`` inside ``domain`` by the
    splitting route, keeping no region: memory stays that of the search tree's open branches
    whatever the count. Same domains, ``workers`` and ``progress`` as
    :func:`enumerate_regions` (the count equals its ``n_regions``); networks with max-pool
    layers are counted by the search route (which keeps the regions).

    ``outputs`` (optional): output constraints as VNN-LIB writes them, a list of systems
    ``(C, e)`` with ``C`` (k, n_outputs) and ``e`` (k,), read as "some system has
    ``C y <= e``" (e.g. ``spec.outputs`` of :func:`~linregions.read_vnnlib`). The count then
    also gives ``meeting``: the regions on a full-dimensional part of which that holds (one
    small LP per region where a box test and the region's point do not settle it).

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
    >>> net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    >>> net.count_regions().n_regions
    4
    """
    check_limits(max_regions, workers)
    systems = None
    if outputs is not None:
        systems = [
            (np.ascontiguousarray(C, dtype=np.float64), np.ascontiguousarray(e, dtype=np.float64))
            for C, e in outputs
        ]
        if net.has_max_pool:
            raise InvalidValueError("outputs= needs the splitting route (no max-pool layers)")
    fixed = fixed_coordinates(net, domain)
    if fixed is not None:
        return count_regions(
            fixed.net,
            fixed.domain,
            max_regions=max_regions,
            workers=workers,
            progress=progress,
            outputs=systems,
        )
    dom = clip_domain(net, domain)
    bar, callback = progress_callback(progress)
    start = time.perf_counter()
    args = (dom.A, dom.b, dom.lo, dom.hi, int(max_regions), workers, callback)
    if net.has_max_pool:
        res = net.search_regions(*args)
        count = RegionCount(
            n_regions=int(res.keys.shape[0]),
            complete=bool(res.complete),
            unsettled=int(res.unsettled),
            unstable=-1,
            splits=-1,
            lps=-1,
            seconds=time.perf_counter() - start,
        )
        interrupted = bool(res.interrupted)
    else:
        c = net.count_split(*args, outputs=systems)
        count = RegionCount(
            n_regions=int(c.regions),
            complete=bool(c.complete),
            unsettled=int(c.unsettled),
            unstable=int(c.unstable),
            splits=int(c.splits),
            lps=int(c.lps),
            seconds=time.perf_counter() - start,
            meeting=-1 if systems is None else int(c.meeting),
        )
        interrupted = bool(c.interrupted)
    if bar is not None:
        bar.close()
    warn_incomplete(count.n_regions, count.complete, interrupted, count.unsettled)
    return count


def check_limits(max_regions: int, workers: int | None) -> None:
    """Refuses ``max_regions < 1`` and ``workers < 1`` (``InvalidValueError``)."""
    if int(max_regions) < 1:
        raise InvalidValueError(f"max_regions must be >= 1, got {max_regions}")
    if workers is not None and int(workers) < 1:
        raise InvalidValueError(f"workers must be >= 1, got {workers}")


def progress_callback(
    progress: bool | Callable[[int, int, float], Any] | None,
) -> tuple[SearchProgress | None, Callable[[int, int, float], Any] | None]:
    """The bar to close afterwards (``progress=True``) and the callback the core calls."""
    bar = SearchProgress("regions") if progress is True else None
    return bar, (bar if bar is not None else (progress if callable(progress) else None))


def warn_incomplete(n: int, complete: bool, interrupted: bool, unsettled: int) -> None:
    """Warns when a search was interrupted, capped, or left steps uncertified."""
    if interrupted:
        warnings.warn(
            f"interrupted: {n} regions found, the search stopped before the end "
            "(Complex.complete is False; save() keeps them)",
            RuntimeWarning,
            stacklevel=4,
        )
    elif not complete:
        warnings.warn(
            f"max_regions reached: {n} regions found, the search stopped before "
            "the end (Complex.complete is False)",
            RuntimeWarning,
            stacklevel=4,
        )
    if unsettled:
        warnings.warn(
            f"{unsettled} facets or steps could not be certified; regions may be missing",
            RuntimeWarning,
            stacklevel=4,
        )


def finish(
    net: NetworkLike,
    dom: Polytope,
    keys: np.ndarray,
    bits: np.ndarray,
    points: np.ndarray,
    inradius: np.ndarray,
    adjacency: Adjacency | None,
    complete: bool,
    unsettled: int,
    interrupted: bool = False,
) -> Complex:
    """Builds the :class:`Complex` (predicted classes at the points) and warns when capped
    or interrupted."""
    predicted = (
        np.argmax(net.logits(points), axis=1) if len(points) else np.zeros(0, dtype=np.int64)
    )
    warn_incomplete(len(keys), complete, interrupted, unsettled)
    return Complex(
        key_halves=keys,
        bits=bits,
        points=points,
        inradius=inradius,
        predicted=predicted.astype(np.int64),
        adjacency=adjacency,
        complete=complete,
        unsettled=unsettled,
        domain=dom,
        net=net,
    )
