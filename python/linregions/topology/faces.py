"""The face poset of a complex: every face of every dimension, with incidences.

:func:`face_poset` takes a complete :class:`~linregions.Complex` of a bounded domain in d <= 4
and returns a :class:`FacePoset`: the vertices, edges, ..., cells of the regions ∩ domain
(optionally cut by the class, see :func:`~linregions.topology.cells.region_cells`), the faces on
the domain's boundary included. It is built in three steps:

1. each cell's vertices (pycddlib) and which of its rows hold with equality at each vertex;
2. vertices of all cells identified by their coordinates, within ``vertex_tol`` times the
   diameter of the domain's box (a k-d tree, scipy), so that a face is its set of vertices;
3. each cell's faces from the vertex-row incidences alone: its facets are the largest vertex
   sets of its rows, the (k-1)-faces of a k-face G the largest proper sets G ∩ F over its
   facets F (for a polytope every face is an intersection of facets). Faces of different cells
   with the same vertex set are one face.

The regions of a ReLU network meet face to face except in degenerate cases (a neuron whose
pre-activation vanishes on a whole region). A meeting that is not face to face shows as a facet
held by one cell inside the domain, or by more than two: it is reported in ``mismatched``, and
``strict=True`` raises :class:`NotFaceToFaceError`. The first self-check is the Euler
characteristic ``sum_k (-1)^k f_k``, which must be the domain's (1: a convex domain is a ball).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, LinregionsError
from ..geometry.polytope import Polytope
from .cells import (
    REFINEMENTS,
    ROW_DOMAIN,
    ROW_OTHER,
    VERTEX_TOL,
    Cell,
    domain_rows,
    n_logits,
    polytope_cell,
    region_cells,
)

if TYPE_CHECKING:
    from ..model.complex import Complex

#: Largest input dimension of :func:`face_poset`.
MAX_DIM = 4

__all__ = [
    "FacePoset",
    "MAX_DIM",
    "NotFaceToFaceError",
    "face_poset",
    "face_poset_of_polytopes",
]


class NotFaceToFaceError(LinregionsError, ValueError):
    """The cells do not meet face to face (or do not tile the domain): ``mismatched`` holds the
    indices of the (d-1)-faces held by the wrong number of cells, ``bad_cells`` the cells whose
    own faces are inconsistent (vertices too close to tell apart)."""

    def __init__(self, message: str, mismatched: np.ndarray, bad_cells: np.ndarray) -> None:
        super().__init__(message)
        self.mismatched = mismatched
        self.bad_cells = bad_cells


@dataclass(frozen=True, eq=False)
class FacePoset:
    """Every face of a polyhedral complex that tiles a bounded domain, with incidences.

    Fields (d: the dimension; ``f_k``: the number of k-faces; k-faces are indexed 0..f_k-1 in
    each dimension, the d-faces are the cells):

    - ``vertices`` (f_0, d): coordinates of the vertices.
    - ``incidence``: tuple of d + 1 ``scipy.sparse.csr_matrix`` (int64); ``incidence[k]``
      (f_{k-1}, f_k), k >= 1, has a 1 at ``[i, j]`` when (k-1)-face i is a face of k-face j;
      ``incidence[0]`` is an empty (0, f_0) matrix.
    - ``face_vertices``: tuple of d + 1 csr matrices, ``face_vertices[k]`` (f_k, f_0): the
      vertex set of each k-face.
    - ``on_boundary``: tuple of d + 1 bool arrays (f_k,): faces on the domain's boundary.
    - ``facet_labels`` (f_{d-1}, 2) int: the hyperplane each (d-1)-face lies on: a neuron's
      ``(layer, unit)``, or ``(kind, index)`` with a negative kind (:data:`~linregions.
      topology.cells.ROW_DOMAIN` ...).
    - ``cell_region``, ``cell_class``, ``cell_runner_up`` (f_d,) int: each cell's region in
      the complex, its class (-1 unless refined) and runner-up class (-1 unless ``"top2"``).
    - ``mismatched`` (r,) int: (d-1)-faces held by the wrong number of cells (empty when the
      cells meet face to face); ``bad_cells`` (s,) int: cells whose own faces do not form a
      polytope's (its boundary's Euler characteristic is wrong).
    - ``refine``: the refinement (None, ``"argmax"``, ``"top2"``); ``n_classes``: number of
      logits (0 for polytopes given directly); ``fallbacks``: regions whose vertices needed
      all their rows; ``domain``: the domain; ``net``: the network (None for polytopes given
      directly).
    """

    vertices: np.ndarray
    incidence: tuple[sp.csr_matrix, ...]
    face_vertices: tuple[sp.csr_matrix, ...]
    on_boundary: tuple[np.ndarray, ...]
    facet_labels: np.ndarray
    cell_region: np.ndarray
    cell_class: np.ndarray
    cell_runner_up: np.ndarray
    mismatched: np.ndarray
    bad_cells: np.ndarray
    domain: Polytope
    refine: str | None = None
    n_classes: int = 0
    fallbacks: int = 0
    net: Any = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        """The dimension d."""
        return int(self.vertices.shape[1])

    @property
    def f_vector(self) -> np.ndarray:
        """(d + 1,) the number of faces of each dimension, ``f_0 .. f_d``."""
        return np.array([m.shape[0] for m in self.face_vertices], dtype=np.int64)

    @property
    def n_cells(self) -> int:
        """The number of cells (d-faces)."""
        return int(self.face_vertices[-1].shape[0])

    @property
    def euler_characteristic(self) -> int:
        """``sum_k (-1)^k f_k`` (1 for a complex that tiles a convex domain)."""
        f = self.f_vector
        return int(np.sum(f * (-1) ** np.arange(len(f))))

    @property
    def face_to_face(self) -> bool:
        """True when every (d-1)-face inside the domain has two cells, every one on its
        boundary one, and every cell's faces are consistent."""
        return len(self.mismatched) == 0 and len(self.bad_cells) == 0

    def __repr__(self) -> str:
        f = ", ".join(str(int(x)) for x in self.f_vector)
        ok = "face to face" if self.face_to_face else f"{len(self.mismatched)} MISMATCHED"
        return f"FacePoset(d={self.dim}, f=({f}), chi={self.euler_characteristic}, {ok})"

    def closure(self, cells: Any) -> tuple[np.ndarray, ...]:
        """The subcomplex of all faces of the cells ``cells`` (bool mask (f_d,) or indices):
        a tuple of d + 1 bool masks (f_k,)."""
        mask = np.zeros(self.n_cells, dtype=bool)
        cells = np.asarray(cells)
        if cells.dtype == bool:
            if cells.shape != (self.n_cells,):
                raise InvalidValueError(f"cell mask has shape {cells.shape}, not ({self.n_cells},)")
            mask[:] = cells
        else:
            mask[cells.astype(np.int64)] = True
        out = [mask]
        for k in range(self.dim, 0, -1):
            out.append(np.asarray(self.incidence[k] @ out[-1].astype(np.int64)) > 0)
        return tuple(out[::-1])

    def face_values(self, vertex_values: Any) -> tuple[np.ndarray, ...]:
        """The largest value over each face's vertices, for values ``vertex_values`` (f_0,)
        at the vertices: a tuple of d + 1 arrays (f_k,) (the lower-star filtration)."""
        v = np.asarray(vertex_values, dtype=np.float64)
        if v.shape != (len(self.vertices),):
            raise InvalidValueError(
                f"vertex_values has shape {v.shape}, expected ({len(self.vertices)},)"
            )
        if np.isnan(v).any():
            raise InvalidValueError("vertex_values contains NaN")
        out = []
        for m in self.face_vertices:
            if m.shape[0] == 0:
                out.append(np.zeros(0))
                continue
            out.append(np.maximum.reduceat(v[m.indices], m.indptr[:-1]))
        return tuple(out)

    def cell_classes_of_faces(self, k: int) -> np.ndarray:
        """(f_k, n_classes) bool: which classes' cells each k-face belongs to (refined
        posets only)."""
        if self.refine is None:
            raise InvalidValueError("faces have classes in a refined poset: refine='argmax'")
        S = np.zeros((self.n_cells, self.n_classes), dtype=np.int64)
        S[np.arange(self.n_cells), self.cell_class] = 1
        for j in range(self.dim, k, -1):
            S = (np.asarray(self.incidence[j] @ S) > 0).astype(np.int64)
        return S > 0

    def cell_points(self) -> np.ndarray:
        """(f_d, d) the mean of each cell's vertices (a point inside it)."""
        m = self.face_vertices[-1]
        counts = np.diff(m.indptr)
        return np.asarray(m @ self.vertices) / counts[:, None]


# -- assembly -----------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _bits(mask: int) -> tuple[int, ...]:
    """The positions of the set bits of ``mask``, lowest first (cached: cells of a complex have
    few vertices, so their masks repeat)."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return tuple(out)


def _snap(V: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Cluster labels (n,) of the points ``V`` (n, d) within ``tol`` of each other (single
    linkage) and the clusters' mean coordinates."""
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(V)
    pairs = cKDTree(V).query_pairs(r=tol, output_type="ndarray")
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=False)
    counts = np.bincount(labels, minlength=n_comp)
    coords = np.column_stack(
        [np.bincount(labels, weights=V[:, j], minlength=n_comp) for j in range(V.shape[1])]
    )
    return labels, coords / counts[:, None]


def _cell_faces(
    masks: list[int], d: int, n_vertices: int
) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
    """The faces of a cell from its rows' vertex masks: per dimension k < d the list of face
    masks, and per k >= 1 the (child index, parent index) pairs (parents at dimension k; at
    k = d the parent is the cell, index 0)."""
    distinct = sorted({m for m in masks if m}, key=lambda m: -m.bit_count())
    if d <= 3:
        facets = [m for m in distinct if m.bit_count() >= d]
    else:
        facets = []
        for m in distinct:
            if not any((m & f) == m for f in facets):
                facets.append(m)
    full = (1 << n_vertices) - 1
    facets = [f for f in facets if f != full]
    levels: list[list[int]] = [[] for _ in range(d)]
    pairs: list[list[tuple[int, int]]] = [[] for _ in range(d + 1)]
    levels[d - 1] = facets
    pairs[d] = [(i, 0) for i in range(len(facets))]
    for k in range(d - 1, 0, -1):
        index: dict[int, int] = {}
        for gi, g in enumerate(levels[k]):
            if k == 1:
                subs = [1 << j for j in _bits(g)]
            else:
                subs = []
                for f in facets:
                    h = g & f
                    if h != g and (h.bit_count() == 2 if k == 2 else h.bit_count() >= 3):
                        subs.append(h)
            for h in set(subs):
                hi = index.setdefault(h, len(index))
                pairs[k].append((hi, gi))
        levels[k - 1] = list(index)
    return levels, pairs


def assemble(
    cells: Sequence[Cell],
    domain: Polytope,
    *,
    vertex_tol: float = VERTEX_TOL,
    strict: bool = True,
    refine: str | None = None,
    n_classes: int = 0,
    fallbacks: int = 0,
    net: Any = None,
) -> FacePoset:
    """The :class:`FacePoset` of ``cells`` (bounded, full-dimensional) tiling ``domain``.

    Raises :class:`NotFaceToFaceError` when ``strict`` and the cells do not meet face to face
    or their Euler characteristic is not the domain's."""
    d = domain.dim
    scale = float(np.linalg.norm(domain.hi - domain.lo))
    tol = vertex_tol * scale
    if not cells:
        raise InvalidValueError("no cells: the complex is empty")
    counts = np.array([len(c.vertices) for c in cells])
    if (counts <= d).any():
        raise InvalidValueError(f"cell {int(np.argmax(counts <= d))} is empty or flat")
    labels, coords = _snap(np.vstack([c.vertices for c in cells]), tol)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    keys: list[dict[tuple[int, ...], int]] = [{} for _ in range(d)]
    pair_lists: list[list[tuple[int, int]]] = [[] for _ in range(d + 1)]
    cell_sets: list[np.ndarray] = []
    facet_label: dict[int, tuple[int, int]] = {}
    facet_domain: set[int] = set()
    bad: list[int] = []
    expected_chi = 1 - (-1) ** d
    for ci, cell in enumerate(cells):
        g = labels[offsets[ci] : offsets[ci + 1]]
        u, inv = np.unique(g, return_inverse=True)
        tight = np.abs(cell.A @ cell.vertices.T + cell.b[:, None]) <= tol  # (m, n)
        if len(u) < len(g):  # a vertex found twice: merge its incidences
            merged = np.zeros((tight.shape[0], len(u)), dtype=np.int64)
            np.add.at(merged.T, inv, tight.T.astype(np.int64))
            tight = merged > 0
        else:
            tight = tight[:, np.argsort(inv)]
        if len(u) <= 63:
            masks = (tight.astype(np.int64) @ (np.int64(1) << np.arange(len(u)))).tolist()
        else:
            packed = np.packbits(tight, axis=1, bitorder="little")
            masks = [int.from_bytes(row.tobytes(), "little") for row in packed]
        levels, pairs = _cell_faces(masks, d, len(u))
        chi = sum((-1) ** k * len(level) for k, level in enumerate(levels))
        if chi != expected_chi or len(levels[0]) != len(u):
            bad.append(ci)
        gids: list[list[int]] = []
        ul = u.tolist()
        for k in range(d):
            ids = []
            for m in levels[k]:
                key = tuple(ul[j] for j in _bits(m))
                if k == 0:
                    ids.append(key[0])
                else:
                    ids.append(keys[k].setdefault(key, len(keys[k])))
            gids.append(ids)
        for k in range(1, d):
            pair_lists[k].extend((gids[k - 1][a], gids[k][b]) for a, b in pairs[k])
        pair_lists[d].extend((gids[d - 1][a], ci) for a, _ in pairs[d])
        cell_sets.append(u)
        facet_masks = levels[d - 1]
        for fi, fm in enumerate(facet_masks):
            gid = gids[d - 1][fi]
            for r, m in enumerate(masks):
                if m == fm:
                    lab = (int(cell.labels[r, 0]), int(cell.labels[r, 1]))
                    if lab[0] == ROW_DOMAIN:
                        facet_domain.add(gid)
                    facet_label.setdefault(gid, lab)
    f = [len(coords)] + [len(keys[k]) for k in range(1, d)] + [len(cells)]
    incidence = [sp.csr_matrix((0, f[0]), dtype=np.int64)]
    for k in range(1, d + 1):
        pr = np.unique(np.array(pair_lists[k], dtype=np.int64).reshape(-1, 2), axis=0)
        incidence.append(
            sp.csr_matrix(
                (np.ones(len(pr), dtype=np.int64), (pr[:, 0], pr[:, 1])), shape=(f[k - 1], f[k])
            )
        )
    face_vertices = [sp.identity(f[0], dtype=np.int64, format="csr")]
    for k in range(1, d):
        face_vertices.append(_sets_to_csr(list(keys[k]), f[0]))
    face_vertices.append(_sets_to_csr(cell_sets, f[0]))
    on_dom = np.zeros(f[d - 1], dtype=bool)
    on_dom[list(facet_domain)] = True
    n_cells_of = np.asarray(incidence[d].sum(axis=1)).ravel()
    mismatched = np.flatnonzero((on_dom & (n_cells_of != 1)) | (~on_dom & (n_cells_of != 2)))
    on_boundary = [np.zeros(f[d], dtype=bool), on_dom]
    for k in range(d - 1, 0, -1):
        on_boundary.append(np.asarray(incidence[k] @ on_boundary[-1].astype(np.int64)) > 0)
    flabels = np.array([facet_label[i] for i in range(f[d - 1])], dtype=np.int64).reshape(-1, 2)
    poset = FacePoset(
        vertices=coords,
        incidence=tuple(incidence),
        face_vertices=tuple(face_vertices),
        on_boundary=tuple(on_boundary[::-1]),
        facet_labels=flabels,
        cell_region=np.array([c.region for c in cells], dtype=np.int64),
        cell_class=np.array([c.label for c in cells], dtype=np.int64),
        cell_runner_up=np.array([c.runner_up for c in cells], dtype=np.int64),
        mismatched=mismatched,
        bad_cells=np.array(bad, dtype=np.int64),
        domain=domain,
        refine=refine,
        n_classes=n_classes,
        fallbacks=fallbacks,
        net=net,
    )
    if strict:
        check(poset)
    return poset


def _sets_to_csr(sets: Sequence[Any], n: int) -> sp.csr_matrix:
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = (
        np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
        if sets
        else np.zeros(0, dtype=np.int64)
    )
    data = np.ones(int(indptr[-1]), dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(sets), n))


def check(poset: FacePoset) -> None:
    """Raises :class:`NotFaceToFaceError` when ``poset`` is not face to face or its Euler
    characteristic is not 1 (the domain's)."""
    if not poset.face_to_face:
        where = poset.vertices[poset.face_vertices[poset.dim - 1][poset.mismatched[:1]].indices]
        raise NotFaceToFaceError(
            f"the cells do not meet face to face: {len(poset.mismatched)} (d-1)-faces held by "
            f"the wrong number of cells (the first has vertices {where.tolist()}), "
            f"{len(poset.bad_cells)} cells with inconsistent faces; pass strict=False to get "
            "the poset with them listed in .mismatched and .bad_cells",
            poset.mismatched,
            poset.bad_cells,
        )
    chi = poset.euler_characteristic
    if chi != 1:
        raise NotFaceToFaceError(
            f"Euler characteristic {chi}, the domain's is 1: the cells do not tile the domain",
            poset.mismatched,
            poset.bad_cells,
        )


def _check_domain(dom: Polytope) -> None:
    if dom.dim > MAX_DIM:
        raise InvalidValueError(f"face posets are for d <= {MAX_DIM}, got d = {dom.dim}")
    if not (np.isfinite(dom.lo).all() and np.isfinite(dom.hi).all()):
        raise InvalidValueError("face posets need a bounded domain (a finite box)")


def face_poset(
    cx: Complex,
    refine: str | None = None,
    *,
    strict: bool = True,
    vertex_tol: float = VERTEX_TOL,
) -> FacePoset:
    """Every face of every dimension of a complex's regions ∩ domain, with incidences.

    Parameters
    ----------
    cx : Complex
        A complete complex (``cx.complete``) of a bounded domain in d <= 4, with its network.
    refine : {None, "argmax", "top2"}
        None: the cells are the regions. ``"argmax"``: each region is cut where the predicted
        class changes (cell ``region ∩ {logit_c >= logit_j for all j}``), so that each class's
        decision region is a subcomplex. ``"top2"``: also where the runner-up class changes,
        so that every margin ``logit_c - max_{j != c} logit_j`` is affine on each cell.
    strict : bool, default True
        Raise :class:`NotFaceToFaceError` when the cells do not meet face to face or their
        Euler characteristic is not 1; with False the poset lists the faces at fault.
    vertex_tol : float
        Vertices closer than ``vertex_tol`` times the diameter of the domain's box are one.

    Returns
    -------
    FacePoset

    Raises
    ------
    InvalidValueError
        An incomplete complex, d > 4, an unbounded domain, a complex without its network,
        an unknown ``refine``.
    NotFaceToFaceError
        See ``strict``.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 6, 3], seed=1), (2,), -np.ones(2), np.ones(2))
    >>> P = lr.face_poset(net.regions())
    >>> int(P.f_vector[2]) == net.regions().n_regions, P.euler_characteristic
    (True, 1)
    >>> P.incidence[1].shape == (P.f_vector[0], P.f_vector[1])   # vertices x edges
    True
    """
    if refine not in REFINEMENTS:
        raise InvalidValueError(f"refine must be one of {REFINEMENTS}, got {refine!r}")
    if cx.net is None:
        raise InvalidValueError("the complex was loaded without its network; pass net= to load")
    if not cx.complete:
        raise InvalidValueError("the complex is incomplete (max_regions reached): no face poset")
    _check_domain(cx.domain)
    cells, fallbacks = region_cells(cx, refine, vertex_tol=vertex_tol)
    return assemble(
        cells,
        cx.domain,
        vertex_tol=vertex_tol,
        strict=strict,
        refine=refine,
        n_classes=n_logits(cx.net, cx.points[:1]),
        fallbacks=fallbacks,
        net=cx.net,
    )


def face_poset_of_polytopes(
    polytopes: Sequence[Polytope],
    domain: Polytope,
    *,
    strict: bool = True,
    vertex_tol: float = VERTEX_TOL,
) -> FacePoset:
    """The :class:`FacePoset` of bounded polytopes that tile ``domain`` (d <= 4).

    Parameters
    ----------
    polytopes : sequence of Polytope
        Full-dimensional, with disjoint interiors, covering ``domain``.
    domain : Polytope
        Bounded; its rows and box mark the faces on its boundary.
    strict, vertex_tol
        As in :func:`face_poset`.

    Returns
    -------
    FacePoset
        ``cell_region`` is the index in ``polytopes``.

    Examples
    --------
    >>> halves = [lr.Box([0.0, 0.0], [1.0, 1.0]), lr.Box([1.0, 0.0], [2.0, 1.0])]
    >>> P = lr.topology.face_poset_of_polytopes(halves, lr.Box([0.0, 0.0], [2.0, 1.0]))
    >>> P.f_vector.tolist(), P.euler_characteristic
    ([6, 7, 2], 1)
    """
    _check_domain(domain)
    d = domain.dim
    tol = vertex_tol * float(np.linalg.norm(domain.hi - domain.lo))
    dA, db, dlab = domain_rows(domain.lo, domain.hi, domain.A, domain.b)
    cells = []
    for i, p in enumerate(polytopes):
        if p.dim != d:
            raise InvalidValueError(f"polytope {i} has dimension {p.dim}, the domain {d}")
        if not (np.isfinite(p.lo).all() and np.isfinite(p.hi).all()):
            raise InvalidValueError(f"polytope {i} has an unbounded box")
        pA, pb, plab = domain_rows(p.lo, p.hi, p.A, p.b)
        plab[:, 0] = ROW_OTHER
        A = np.vstack([pA, dA])
        b = np.concatenate([pb, db])
        lab = np.vstack([plab, dlab])
        cells.append(polytope_cell(A, b, lab, region=i, tol=tol))
    return assemble(cells, domain, vertex_tol=vertex_tol, strict=strict)
