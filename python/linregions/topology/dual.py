"""The dual graph of a complex's regions, weighted by the shared facets, and the summary
statistics papers plot (regions per class, boundary regions, facets per region, degrees).

The graph is read off a :class:`~linregions.topology.FacePoset`: two regions are joined when a
(d-1)-face of the poset lies in both, the edge's ``volume`` is that face's (d-1)-volume (summed
over the poset's faces between the two regions when the poset is refined), and ``layer``,
``unit`` name the neuron hyperplane it lies on. It is an independent route to the
:class:`~linregions.Complex`'s own adjacency (``edges``, from the Rust search's certified facets):
the two must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..errors import InvalidValueError
from .faces import FacePoset, face_poset

if TYPE_CHECKING:
    import networkx

    from ..model.complex import Complex

__all__ = ["DualSummary", "dual_graph", "dual_summary", "facet_volumes"]


def _polygon_areas(poset: FacePoset) -> np.ndarray:
    """Areas of the 2-faces of a 3-D poset: triangles from each face's vertex mean to its
    edges."""
    fv = poset.face_vertices[2]
    centers = np.asarray(fv @ poset.vertices) / np.diff(fv.indptr)[:, None]
    ends = poset.incidence[1].tocsc().indices.reshape(-1, 2)
    inc = poset.incidence[2].tocoo()  # (edge, face)
    a = poset.vertices[ends[inc.row, 0]] - centers[inc.col]
    b = poset.vertices[ends[inc.row, 1]] - centers[inc.col]
    tri = 0.5 * np.linalg.norm(np.cross(a, b), axis=1)
    return np.bincount(inc.col, weights=tri, minlength=fv.shape[0])


def facet_volumes(poset: FacePoset) -> np.ndarray:
    """(f_{d-1},) the (d-1)-volume of each facet of the poset: 1 for the points of a 1-D
    poset, edge lengths in 2-D, areas in 3-D, volumes (convex hulls, scipy) in 4-D."""
    d = poset.dim
    if d == 1:
        return np.ones(int(poset.f_vector[0]))
    if d == 2:
        ends = poset.incidence[1].tocsc().indices.reshape(-1, 2)
        return np.linalg.norm(poset.vertices[ends[:, 0]] - poset.vertices[ends[:, 1]], axis=1)
    if d == 3:
        return _polygon_areas(poset)
    from scipy.spatial import ConvexHull

    fv = poset.face_vertices[d - 1]
    out = np.empty(fv.shape[0])
    for i in range(fv.shape[0]):
        P = poset.vertices[fv.indices[fv.indptr[i] : fv.indptr[i + 1]]]
        C = P - P.mean(axis=0)
        _, _, vt = np.linalg.svd(C, full_matrices=False)
        out[i] = ConvexHull(C @ vt[: d - 1].T).volume
    return out


def _facet_cells(poset: FacePoset) -> tuple[np.ndarray, np.ndarray]:
    """(f_{d-1}, 2) the two cells of each facet (second -1 on the domain's boundary)."""
    inc = poset.incidence[poset.dim].tocsr()
    counts = np.diff(inc.indptr)
    if counts.max(initial=0) > 2 or (counts == 0).any():
        raise InvalidValueError("the poset is not face to face (a facet with 0 or > 2 cells)")
    first = inc.indices[inc.indptr[:-1]]
    second = np.where(counts == 2, inc.indices[np.minimum(inc.indptr[:-1] + 1, inc.nnz - 1)], -1)
    return np.column_stack([first, second]), counts


@dataclass(frozen=True, eq=False)
class DualSummary:
    """Summary statistics of a complex's regions (n regions, M classes).

    - ``regions_per_class`` (M,): regions by the class predicted at their interior point.
    - ``regions_meeting_class`` (M,) or None: regions in which each class occurs (refined
      posets only).
    - ``boundary_regions`` (n,) bool or None: regions the decision boundary passes through
      (two or more classes inside; refined posets only); ``n_boundary_regions``: their count
      (-1 when not refined).
    - ``facets_per_region`` (n,): facets of each region ∩ domain, the domain's included;
      ``neuron_facets_per_region`` (n,): those on neuron hyperplanes (the
      :attr:`~linregions.Complex.n_facets` of the complex).
    - ``bounded`` (n,) bool: regions with no facet on the domain's boundary (so bounded
      polytopes of R^d, not cut by the domain).
    - ``degree`` (n,): neighbours in the dual graph; ``degree_histogram`` (max degree + 1,):
      the number of regions of each degree.
    """

    regions_per_class: np.ndarray
    regions_meeting_class: Optional[np.ndarray]
    boundary_regions: Optional[np.ndarray]
    n_boundary_regions: int
    facets_per_region: np.ndarray
    neuron_facets_per_region: np.ndarray
    bounded: np.ndarray
    degree: np.ndarray
    degree_histogram: np.ndarray


def _region_facets(poset: FacePoset, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per region: facets (distinct hyperplanes), neuron facets, and whether one lies on the
    domain's boundary; plus the facet pairs between regions."""
    cells, counts = _facet_cells(poset)
    reg = poset.cell_region
    r0 = reg[cells[:, 0]]
    r1 = np.where(cells[:, 1] >= 0, reg[np.maximum(cells[:, 1], 0)], -1)
    lab = poset.facet_labels
    stride = int(max(lab[:, 1].max(initial=0), 0)) + 1
    code = lab[:, 0] * stride + lab[:, 1]
    between = r0 != r1  # on the boundary of a region (other region, or the domain)
    rows = np.concatenate([r0[between], r1[between & (r1 >= 0)]])
    codes = np.concatenate([code[between], code[between & (r1 >= 0)]])
    neuron = np.concatenate([lab[between, 0] >= 0, lab[between & (r1 >= 0), 0] >= 0])
    pairs = np.unique(np.column_stack([rows, codes, neuron]), axis=0)
    facets = np.bincount(pairs[:, 0], minlength=n)
    neurons = np.bincount(pairs[pairs[:, 2] == 1, 0], minlength=n)
    on_domain = np.zeros(n, dtype=bool)
    on_domain[r0[counts == 1]] = True
    return facets, neurons, on_domain


def dual_graph(cx: Complex, poset: FacePoset | None = None) -> networkx.Graph:
    """The regions' dual graph with the shared facets' volumes.

    Parameters
    ----------
    cx : Complex
        The complex (keys, inradii, predicted classes).
    poset : FacePoset, optional
        ``face_poset(cx)`` (computed when not given), or a refined one (then nodes also carry
        ``classes``).

    Returns
    -------
    networkx.Graph
        Node i (region i) carries ``key``, ``class`` (predicted at its interior point),
        ``inradius``, ``bounded`` (no facet on the domain's boundary), ``n_facets`` (facets
        of region ∩ domain, the domain's included) and, for a refined poset, ``classes`` (the
        sorted classes that occur in it). Edge (i, j) carries ``volume`` (the (d-1)-volume of
        the shared facet), ``layer`` and ``unit`` (the neuron hyperplane it lies on; -1 when
        it lies on no neuron's) and ``facets`` (the poset's faces that make it up).

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 6, 3], seed=1), (2,), -np.ones(2), np.ones(2))
    >>> cx = net.regions()
    >>> g = lr.topology.dual_graph(cx)
    >>> sorted(g.edges) == sorted(map(tuple, cx.edges.tolist()))
    True
    >>> sorted(g.nodes[0])
    ['bounded', 'class', 'inradius', 'key', 'n_facets']
    """
    import networkx as nx

    if poset is None:
        poset = face_poset(cx)
    n = cx.n_regions
    if int(poset.cell_region.max(initial=-1)) >= n or (poset.cell_region < 0).any():
        raise InvalidValueError("the poset's cells are not regions of this complex")
    cells, _ = _facet_cells(poset)
    reg = poset.cell_region
    inner = cells[:, 1] >= 0
    ra = reg[cells[inner, 0]]
    rb = reg[cells[inner, 1]]
    cross = ra != rb
    fid = np.flatnonzero(inner)[cross]
    lo, hi = np.minimum(ra[cross], rb[cross]), np.maximum(ra[cross], rb[cross])
    vols = facet_volumes(poset)
    facets, _, on_domain = _region_facets(poset, n)
    g = nx.Graph()
    classes: list[Any] = [None] * n
    if poset.refine is not None:
        for i, c in zip(reg.tolist(), poset.cell_class.tolist()):
            classes[i] = sorted({*(classes[i] or ()), c})
    for i in range(n):
        attrs = dict(
            key=cx.keys[i],
            inradius=float(cx.inradius[i]),
            bounded=not bool(on_domain[i]),
            n_facets=int(facets[i]),
        )
        attrs["class"] = int(cx.predicted[i])
        if classes[i] is not None:
            attrs["classes"] = tuple(classes[i])
        g.add_node(i, **attrs)
    order = np.lexsort((hi, lo))
    for k in order.tolist():
        i, j, f = int(lo[k]), int(hi[k]), int(fid[k])
        layer, unit = (int(x) for x in poset.facet_labels[f])
        if layer < 0:
            layer = unit = -1
        if g.has_edge(i, j):
            e = g.edges[i, j]
            e["volume"] += float(vols[f])
            e["facets"] += 1
        else:
            g.add_edge(i, j, volume=float(vols[f]), layer=layer, unit=unit, facets=1)
    return g


def dual_summary(
    cx: Complex, poset: FacePoset | None = None, graph: networkx.Graph | None = None
) -> DualSummary:
    """The :class:`DualSummary` of a complex (``poset``: as :func:`dual_graph`; a refined
    poset adds the classes per region; ``graph``: its dual graph when already built).

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 6, 3], seed=1), (2,), -np.ones(2), np.ones(2))
    >>> cx = net.regions()
    >>> s = lr.topology.dual_summary(cx, lr.face_poset(cx, refine="argmax"))
    >>> bool((s.neuron_facets_per_region == cx.n_facets).all())
    True
    >>> int(s.regions_per_class.sum()) == cx.n_regions
    True
    """
    if poset is None:
        poset = face_poset(cx)
    if graph is None:
        graph = dual_graph(cx, poset)
    n = cx.n_regions
    m = max(poset.n_classes, int(cx.predicted.max(initial=-1)) + 1)
    facets, neurons, on_domain = _region_facets(poset, n)
    degree = np.array([graph.degree[i] for i in range(n)], dtype=np.int64)
    meeting: Optional[np.ndarray] = None
    boundary: Optional[np.ndarray] = None
    n_boundary = -1
    if poset.refine is not None:
        pairs = np.unique(np.column_stack([poset.cell_region, poset.cell_class]), axis=0)
        meeting = np.bincount(pairs[:, 1], minlength=m)
        boundary = np.bincount(pairs[:, 0], minlength=n) >= 2
        n_boundary = int(boundary.sum())
    return DualSummary(
        regions_per_class=np.bincount(cx.predicted, minlength=m),
        regions_meeting_class=meeting,
        boundary_regions=boundary,
        n_boundary_regions=n_boundary,
        facets_per_region=facets,
        neuron_facets_per_region=neurons,
        bounded=~on_domain,
        degree=degree,
        degree_histogram=np.bincount(degree),
    )
