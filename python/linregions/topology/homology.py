"""Homology over GF(2) of subcomplexes of a face poset, and persistence of lower-star
filtrations.

Two routes, both exact for a :class:`~linregions.topology.FacePoset` whose cells meet face to
face and tile a convex domain of R^d:

- **duality** (d <= 3, the default there): linear in the size of the poset, from graphs alone
  (``scipy.sparse.csgraph``). ``b_0`` counts the components of the subcomplex's 1-skeleton;
  ``b_{d-1}`` is the number of components of the complement minus one (Alexander duality in
  the sphere S^d: cells outside the subcomplex are joined across facets outside it, and to the
  outside of the domain across such facets on its boundary); ``b_d = 0`` (a compact set of R^d
  has no d-cycles) and the middle number (``b_1`` for d = 3) follows from the Euler
  characteristic. In d = 2 both ``b_0 - chi`` and the duality give ``b_1``: they are compared.
- **gudhi** (d = 4, persistence, and a cross-check): gudhi's ``SimplexTree`` on the order
  complex of the poset (its barycentric subdivision: one simplex per chain of faces; the
  poset's faces are its vertices), with GF(2) coefficients. A chain enters at the value of its
  top face, which makes the order complex's filtration the lower-star filtration of the face
  values, built with ``make_filtration_non_decreasing``.

Why both: gudhi is a well-kept library with wheels that computes persistence in C++, and the
order complex is the standard way to hand it a polyhedral complex; but it has one simplex per
chain of faces (2 k triangles per k-gon, about 100 tetrahedra per 3-D cell), so for the Betti
numbers of 10^5 cells in 2-D or 3-D the graph route is orders of magnitude faster and uses no
more memory than the poset. The tests check the two against each other.

A lower-star filtration gives every face the largest value at its vertices. For a function
affine on every cell, the sublevel set ``{x : f(x) <= t}`` deformation-retracts onto the faces
whose vertices all have values ``<= t`` (push each cell's part below t away from its highest
vertex), so the persistence of the lower-star filtration is that of the sublevel sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError
from .faces import FacePoset, NotFaceToFaceError

#: Largest number of maximal chains (top simplices of the order complex) handed to gudhi.
MAX_CHAINS = 20_000_000
#: The homology routes of :func:`betti_numbers`.
METHODS = ("auto", "duality", "gudhi")

__all__ = [
    "MAX_CHAINS",
    "Persistence",
    "betti_numbers",
    "decision_boundary",
    "decision_boundary_betti",
    "decision_region_betti",
    "logit_persistence",
    "lower_star_persistence",
    "margin_persistence",
    "margin_sublevel_betti",
    "margin_values",
    "maximal_chains",
    "neuron_persistence",
    "neuron_values",
    "vertex_logits",
]

Subcomplex = tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class Persistence:
    """The persistence barcode of a filtration, over GF(2).

    ``intervals``: tuple of d + 1 arrays (n_k, 2), the (birth, death) of each k-dimensional
    class (death ``inf`` for classes that never die), sorted by birth; intervals of length zero
    are left out.
    """

    intervals: tuple[np.ndarray, ...]

    @property
    def dim(self) -> int:
        """The largest homology dimension d."""
        return len(self.intervals) - 1

    def betti(self, t: float) -> np.ndarray:
        """(d + 1,) Betti numbers of the sublevel set at ``t`` (classes with birth <= t <
        death; ``t = inf``: the classes that never die)."""
        return np.array(
            [
                int(((iv[:, 0] <= t) & ((t < iv[:, 1]) | np.isposinf(iv[:, 1]))).sum())
                for iv in self.intervals
            ],
            dtype=np.int64,
        )

    def diagram(self) -> np.ndarray:
        """(n, 3) rows ``(dimension, birth, death)`` of every interval."""
        rows = [np.column_stack([np.full(len(iv), k), iv]) for k, iv in enumerate(self.intervals)]
        return np.vstack(rows) if rows else np.zeros((0, 3))

    def __repr__(self) -> str:
        counts = ", ".join(str(len(iv)) for iv in self.intervals)
        return f"Persistence(intervals per dimension: {counts})"


def _require(poset: FacePoset) -> None:
    if not poset.face_to_face:
        raise NotFaceToFaceError(
            "homology needs cells that meet face to face; this poset has "
            f"{len(poset.mismatched)} mismatched facets",
            poset.mismatched,
            poset.bad_cells,
        )


def _subcomplex(poset: FacePoset, sub: Any) -> Subcomplex:
    if sub is None:
        return tuple(np.ones(int(n), dtype=bool) for n in poset.f_vector)
    masks = tuple(np.asarray(m, dtype=bool) for m in sub)
    if len(masks) != poset.dim + 1 or any(
        m.shape != (int(n),) for m, n in zip(masks, poset.f_vector)
    ):
        raise InvalidValueError(
            "subcomplex must be d + 1 bool masks of shapes f_0 .. f_d "
            f"({poset.f_vector.tolist()}), as FacePoset.closure returns"
        )
    for k in range(1, poset.dim + 1):
        below = np.asarray(poset.incidence[k] @ masks[k].astype(np.int64)) > 0
        if (below & ~masks[k - 1]).any():
            raise InvalidValueError(f"subcomplex is not closed: a {k}-face lacks a face of it")
    return masks


def _components(n: int, rows: np.ndarray, cols: np.ndarray) -> int:
    from scipy.sparse.csgraph import connected_components

    g = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return int(connected_components(g, directed=False)[0])


def _betti_duality(poset: FacePoset, K: Subcomplex) -> np.ndarray:
    d = poset.dim
    sizes = np.array([int(m.sum()) for m in K])
    out = np.zeros(d + 1, dtype=np.int64)
    if sizes.sum() == 0:
        return out
    chi = int(np.sum(sizes * (-1) ** np.arange(d + 1)))
    f0 = int(poset.f_vector[0])
    if d >= 1 and len(poset.f_vector) > 1:
        e = poset.incidence[1].tocsc()
        cols = np.flatnonzero(K[1])
        ends = e.indices.reshape(-1, 2)[cols] if e.nnz else np.zeros((0, 2), np.int64)
        comps = _components(f0, ends[:, 0], ends[:, 1])
    else:
        comps = f0
    out[0] = comps - int((~K[0]).sum())
    if d == 1:
        if out[0] != chi:
            raise NotFaceToFaceError("b_0 differs from the Euler characteristic", *_bad(poset))
        return out
    n_cells = poset.n_cells
    inc = poset.incidence[d].tocoo()
    keep = ~K[d - 1][inc.row]
    fr, fc = inc.row[keep], inc.col[keep]
    order = np.argsort(fr, kind="stable")
    fr, fc = fr[order], fc[order]
    first = np.ones(len(fr), dtype=bool)
    first[1:] = fr[1:] != fr[:-1]
    last = np.ones(len(fr), dtype=bool)
    last[:-1] = fr[1:] != fr[:-1]
    single = first & last
    pair_start = first & ~last
    a = np.concatenate([fc[pair_start], fc[single]])
    b = np.concatenate([fc[np.flatnonzero(pair_start) + 1], np.full(single.sum(), n_cells)])
    outside = _components(n_cells + 1, a, b) - int(K[d].sum())
    top = outside - 1
    if d == 2:
        out[1] = top
        if top != out[0] - chi:
            raise NotFaceToFaceError(
                "Alexander duality and the Euler characteristic disagree", *_bad(poset)
            )
        return out
    if d == 3:
        out[2] = top
        out[1] = out[0] + top - chi
        if out[1] < 0:
            raise NotFaceToFaceError("negative b_1: the poset does not tile", *_bad(poset))
        return out
    raise InvalidValueError(f"the duality route is for d <= 3, got d = {d}; use method='gudhi'")


def _bad(poset: FacePoset) -> tuple[np.ndarray, np.ndarray]:
    return poset.mismatched, poset.bad_cells


def maximal_chains(poset: FacePoset) -> np.ndarray:
    """(n, d + 1) the maximal chains (flags) vertex < edge < ... < cell of the poset, as
    indices into the concatenation of the faces of dimensions 0..d (the vertices of the order
    complex); row order: by cell, then by facet, and so on down."""
    d = poset.dim
    offsets = np.concatenate([[0], np.cumsum(poset.f_vector)])
    chains = np.arange(poset.n_cells, dtype=np.int64)[:, None]
    last = chains[:, 0]
    for k in range(d, 0, -1):
        down = poset.incidence[k].T.tocsr()  # (f_k, f_{k-1})
        counts = np.diff(down.indptr)[last]
        total = int(counts.sum())
        if total > MAX_CHAINS:
            raise InvalidValueError(
                f"the order complex has over {MAX_CHAINS} maximal chains; use the duality "
                "route (d <= 3) or a smaller complex"
            )
        starts = down.indptr[last]
        pos = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        children = down.indices[pos].astype(np.int64)
        chains = np.column_stack([np.repeat(chains, counts, axis=0), children])
        last = children
    chains = chains[:, ::-1].copy()
    return chains + offsets[:-1][None, :]


def _persistence(poset: FacePoset, face_values: tuple[np.ndarray, ...]) -> Persistence:
    try:
        import gudhi
    except ImportError as e:  # pragma: no cover - dependency of the topology extra
        raise InvalidValueError("persistence needs gudhi (pip install gudhi)") from e
    _require(poset)
    values = np.concatenate(face_values)
    chains = maximal_chains(poset)
    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(len(values), dtype=np.int64)[None, :], values)
    st.insert_batch(np.ascontiguousarray(chains.T), np.full(len(chains), np.inf))
    st.reset_filtration(-np.inf, 1)
    st.make_filtration_non_decreasing()
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    intervals = []
    for k in range(poset.dim + 1):
        iv = np.asarray(st.persistence_intervals_in_dimension(k), dtype=np.float64).reshape(-1, 2)
        iv = iv[iv[:, 1] > iv[:, 0]]
        intervals.append(iv[np.lexsort((iv[:, 1], iv[:, 0]))])
    return Persistence(tuple(intervals))


def betti_numbers(poset: FacePoset, subcomplex: Any = None, *, method: str = "auto") -> np.ndarray:
    """Betti numbers over GF(2) of a subcomplex of the poset.

    Parameters
    ----------
    poset : FacePoset
        Face to face (:attr:`FacePoset.face_to_face`).
    subcomplex : tuple of d + 1 bool arrays (f_k,), optional
        The faces of the subcomplex in each dimension, closed under taking faces (e.g.
        :meth:`FacePoset.closure`); default the whole complex.
    method : {"auto", "duality", "gudhi"}
        ``"auto"``: duality for d <= 3, gudhi for d = 4 (see the module's notes).

    Returns
    -------
    numpy.ndarray
        (d + 1,) int: ``b_0 .. b_d``.

    Raises
    ------
    InvalidValueError
        Masks of the wrong shape or not closed; unknown method; duality in d = 4.
    NotFaceToFaceError
        The poset is not face to face.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 6, 3], seed=1), (2,), -np.ones(2), np.ones(2))
    >>> P = lr.face_poset(net.regions())
    >>> lr.topology.betti_numbers(P).tolist()            # the square: one component
    [1, 0, 0]
    >>> ring = P.closure(P.on_boundary[1] @ P.incidence[2] == 0)   # cells off the boundary
    >>> b = lr.topology.betti_numbers(P, ring)
    """
    if method not in METHODS:
        raise InvalidValueError(f"method must be one of {METHODS}, got {method!r}")
    _require(poset)
    K = _subcomplex(poset, subcomplex)
    if method == "auto":
        method = "duality" if poset.dim <= 3 else "gudhi"
    if method == "duality":
        return _betti_duality(poset, K)
    vals = tuple(np.where(m, 0.0, 1.0) for m in K)
    return _persistence(poset, vals).betti(0.0)


def _need_classes(poset: FacePoset) -> None:
    if poset.refine is None:
        raise InvalidValueError(
            "decision regions are subcomplexes of a refined poset: face_poset(cx, refine='argmax')"
        )


def decision_region_betti(poset: FacePoset, *, method: str = "auto") -> np.ndarray:
    """(n_classes, d + 1) Betti numbers of each class's decision region: the closure in the
    domain of the points the network assigns to it (zeros for a class it never predicts).

    Needs ``refine="argmax"`` (or ``"top2"``)."""
    _need_classes(poset)
    out = np.zeros((poset.n_classes, poset.dim + 1), dtype=np.int64)
    for c in range(poset.n_classes):
        cells = poset.cell_class == c
        if cells.any():
            out[c] = betti_numbers(poset, poset.closure(cells), method=method)
    return out


def decision_boundary(poset: FacePoset) -> Subcomplex:
    """The decision boundary as a subcomplex: the faces that belong to cells of two or more
    classes (bool masks (f_k,), all False for the cells). Needs a refined poset."""
    _need_classes(poset)
    masks = [poset.cell_classes_of_faces(k).sum(axis=1) >= 2 for k in range(poset.dim)]
    return (*masks, np.zeros(poset.n_cells, dtype=bool))


def decision_boundary_betti(poset: FacePoset, *, method: str = "auto") -> np.ndarray:
    """(d + 1,) Betti numbers of the decision boundary (:func:`decision_boundary`)."""
    return betti_numbers(poset, decision_boundary(poset), method=method)


def vertex_logits(poset: FacePoset) -> np.ndarray:
    """(f_0, n_classes) the network's logits at the vertices."""
    net = _need_net(poset)
    return np.asarray(net.logits(np.clip(poset.vertices, net.lo, net.hi)))


def _need_net(poset: FacePoset) -> Any:
    if poset.net is None:
        raise InvalidValueError("this poset has no network (built from polytopes)")
    return poset.net


def margin_values(poset: FacePoset, c: int) -> np.ndarray:
    """(f_0,) the margin ``logit_c - max_{j != c} logit_j`` at the vertices."""
    L = vertex_logits(poset)
    c = _class(poset, c)
    others = np.delete(L, c, axis=1)
    return L[:, c] - others.max(axis=1)


def _class(poset: FacePoset, c: int) -> int:
    if not 0 <= int(c) < poset.n_classes:
        raise InvalidValueError(f"class {c} is not in 0..{poset.n_classes - 1}")
    return int(c)


def _need_affine_margin(poset: FacePoset) -> None:
    if poset.n_classes > 2 and poset.refine != "top2":
        raise InvalidValueError(
            "a margin is affine on the cells of face_poset(cx, refine='top2') (or with two "
            "classes); this poset has refine=" + repr(poset.refine)
        )


def margin_sublevel_betti(poset: FacePoset, c: int, t: Any, *, method: str = "auto") -> np.ndarray:
    """Betti numbers of ``{x in domain : logit_c(x) - max_{j != c} logit_j(x) <= t}``.

    Parameters
    ----------
    poset : FacePoset
        ``refine="top2"`` (any refinement with two classes).
    c : int
        The class.
    t : float or array (n_t,)
        Levels.

    Returns
    -------
    numpy.ndarray
        (d + 1,) for a scalar ``t``, (n_t, d + 1) for an array.
    """
    _need_affine_margin(poset)
    values = poset.face_values(margin_values(poset, c))
    ts = np.asarray(t, dtype=np.float64)
    out = np.array(
        [
            betti_numbers(poset, tuple(v <= level for v in values), method=method)
            for level in ts.reshape(-1)
        ]
    )
    return out[0] if ts.ndim == 0 else out


def lower_star_persistence(poset: FacePoset, vertex_values: Any) -> Persistence:
    """Persistence of the lower-star filtration of ``vertex_values`` (f_0,): a face enters at
    the largest value at its vertices. For a function affine on every cell this is the
    persistence of its sublevel sets ``{x : f(x) <= t}`` (gudhi on the order complex).

    Examples
    --------
    >>> halves = [lr.Box([0.0, 0.0], [1.0, 1.0]), lr.Box([1.0, 0.0], [2.0, 1.0])]
    >>> P = lr.topology.face_poset_of_polytopes(halves, lr.Box([0.0, 0.0], [2.0, 1.0]))
    >>> h = lr.topology.lower_star_persistence(P, -P.vertices[:, 0])   # f(x) = -x_0
    >>> h.intervals[0].tolist(), len(h.intervals[1])
    ([[-2.0, inf]], 0)
    """
    return _persistence(poset, poset.face_values(vertex_values))


def logit_persistence(poset: FacePoset, c: int) -> Persistence:
    """Persistence of the sublevel sets of logit ``c`` over the domain (any refinement: a
    logit is affine on every region)."""
    return lower_star_persistence(poset, vertex_logits(poset)[:, _class(poset, c)])


def margin_persistence(poset: FacePoset, c: int) -> Persistence:
    """Persistence of the sublevel sets of the margin ``logit_c - max_{j != c} logit_j``
    (``refine="top2"``, or two classes)."""
    _need_affine_margin(poset)
    return lower_star_persistence(poset, margin_values(poset, c))


def neuron_values(poset: FacePoset, layer: int, unit: int) -> np.ndarray:
    """(f_0,) the pre-activation of neuron ``(layer, unit)`` (a row label of
    :attr:`~linregions.Region.layer` / ``unit``) at the vertices, from the affine map of a region
    holding each vertex."""
    net = _need_net(poset)
    if getattr(net, "has_max_pool", False):
        raise InvalidValueError("neuron pre-activations are for networks without max-pool")
    cells = poset.face_vertices[-1].T.tocsr()  # (f_0, f_d)
    cell_of = cells.indices[cells.indptr[:-1]]
    points = poset.cell_points()
    out = np.empty(len(poset.vertices))
    for cell in np.unique(cell_of):
        r = net.region(points[cell], on_boundary="inactive")
        row = np.flatnonzero((r.layer == layer) & (r.unit == unit))
        if len(row) != 1:
            raise InvalidValueError(f"the network has no neuron (layer={layer}, unit={unit})")
        j = int(row[0])
        sign = 1.0 if r.pattern[j] else -1.0
        at = cell_of == cell
        out[at] = sign * (poset.vertices[at] @ r.A[j] + r.b[j])
    return out


def neuron_persistence(poset: FacePoset, layer: int, unit: int) -> Persistence:
    """Persistence of the sublevel sets of a neuron's pre-activation (affine on every
    region)."""
    return lower_star_persistence(poset, neuron_values(poset, layer, unit))
