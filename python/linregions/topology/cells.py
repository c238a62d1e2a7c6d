"""The cells of a face poset: each region ∩ domain (or each piece of it on which the class, or
the class and the runner-up, is constant) as its rows and vertices.

A cell is a bounded, full-dimensional convex polytope given by rows ``A x + b >= 0`` (normalised,
normals inward) and its vertices, found by double description (pycddlib, floating point). For a
region only the rows of its facets enter the vertex enumeration: the neuron hyperplanes across
which the :class:`~linregions.Complex` found a neighbour, and the domain's rows. The vertices
are then checked against every row of the region; where one is violated (a facet the adjacency
missed) the enumeration is redone with all rows, so the cell is exact either way.

Rows carry a label ``(kind, index)`` (see :data:`ROW_NEURON` ...): a neuron's ``(layer,
unit)``, a domain row, or a tie between two classes' logits, so that every facet of the face
poset can say which hyperplane it lies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import comb
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..errors import InvalidValueError
from ..geometry.vertices import vertices as cdd_vertices

try:
    import cdd
except ImportError:  # pragma: no cover - dependency of the topology extra
    cdd = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from ..model.complex import Complex
    from ..model.netlike import NetworkLike

#: Vertices closer than this, relative to the diameter of the domain's box, are one vertex;
#: a vertex lies on a (normalised) row when its slack is within the same distance.
VERTEX_TOL = 1e-9
#: A piece of a region whose width is at most this (relative, as ``VERTEX_TOL``) is not a cell.
FLAT_TOL = 1e-8
#: A class wins on a whole region when its logit gap at every vertex is at least ``-TIE_TOL``
#: times the largest absolute logit there (plus one).
TIE_TOL = 1e-9
#: Most d-row subsets the vertex enumeration solves (beyond: pycddlib's double description).
MAX_SUBSETS = 200_000
#: Row subsets with a smaller determinant (unit rows) are singular: not solved.
DET_TOL = 1e-12
#: Vertices from subsets with a determinant below this are re-solved by least squares on the
#: rows tight at them within ``POLISH_TOL`` times the vertex tolerance.
POLISH_DET = 1e-6
POLISH_TOL = 1e3
#: Row label kinds (the first entry of a row label; a neuron's label is ``(layer, unit)``,
#: layer >= 0): a row of the domain or its box (index: the domain's row, then ``lo``, ``hi``),
#: a tie with another class's logit (index: that class), a runner-up tie (index: the other
#: class), a row of a polytope given directly (index: its row).
ROW_DOMAIN, ROW_TIE, ROW_RUNNER_UP, ROW_OTHER = -1, -2, -3, -4
#: The refinements of :func:`region_cells`.
REFINEMENTS = (None, "argmax", "top2")

__all__ = [
    "Cell",
    "FLAT_TOL",
    "REFINEMENTS",
    "ROW_DOMAIN",
    "ROW_OTHER",
    "ROW_RUNNER_UP",
    "ROW_TIE",
    "TIE_TOL",
    "VERTEX_TOL",
    "polytope_cell",
    "region_cells",
]


@dataclass(frozen=True, eq=False)
class Cell:
    """One cell: rows ``A`` (m, d), ``b`` (m,) (normalised, ``A x + b >= 0``), their labels
    ``labels`` (m, 2) int, and the vertices ``vertices`` (n_v, d); ``region``: the index of its
    region in the complex (-1 for a polytope given directly), ``label``: its class (-1 when not
    refined), ``runner_up``: the class with the second largest logit (-1 unless ``"top2"``)."""

    A: np.ndarray
    b: np.ndarray
    labels: np.ndarray
    vertices: np.ndarray
    region: int = -1
    label: int = -1
    runner_up: int = -1


@dataclass(frozen=True)
class _Rows:
    """Rows without a box, as :func:`~linregions.geometry.vertices.vertices` reads them."""

    A: np.ndarray
    b: np.ndarray

    @property
    def lo(self) -> np.ndarray:
        return np.full(self.A.shape[1], -np.inf)

    @property
    def hi(self) -> np.ndarray:
        return np.full(self.A.shape[1], np.inf)

    @property
    def dim(self) -> int:
        return int(self.A.shape[1])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])


def normalise(A: np.ndarray, b: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rows scaled to unit normals; rows with a zero normal (always true or never) dropped."""
    norms = np.linalg.norm(A, axis=1)
    keep = norms > 0
    if (~keep & (b < 0)).any():
        raise InvalidValueError("a row 0 x + b >= 0 with b < 0: the cell is empty")
    return A[keep] / norms[keep, None], b[keep] / norms[keep], labels[keep]


def domain_rows(lo: np.ndarray, hi: np.ndarray, A: np.ndarray, b: np.ndarray) -> tuple:
    """The domain's rows and its box's rows (``x - lo >= 0``, ``hi - x >= 0``), labelled
    ``(ROW_DOMAIN, j)``."""
    d = len(lo)
    eye = np.eye(d)
    dA = np.vstack([A, eye, -eye])
    db = np.concatenate([b, -lo, hi])
    lab = np.column_stack([np.full(len(db), ROW_DOMAIN), np.arange(len(db))])
    return dA, db, lab


@lru_cache(maxsize=256)
def _subsets(m: int, d: int) -> np.ndarray:
    """(C(m, d), d) every d-subset of range(m), in lexicographic order."""
    return np.array(list(combinations(range(m), d)), dtype=np.intp).reshape(-1, d)


def _solve_all(A: np.ndarray, r: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Determinants (C,) and solutions (C, d) of the systems ``A[S[i]] x = r[S[i]]`` for the
    row subsets ``S`` (C, d) of ``A`` (m, d), by Cramer's rule written out for d <= 3 from
    tables over the row pairs (numpy's batched LAPACK calls cost more than the arithmetic for
    such small systems); solutions of singular systems are not finite."""
    d = A.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if d == 1:
            det = A[S[:, 0], 0]
            return det, (r[S[:, 0]] / det)[:, None]
        if d == 2:
            i, j = S[:, 0], S[:, 1]
            det = A[i, 0] * A[j, 1] - A[i, 1] * A[j, 0]
            x0 = r[i] * A[j, 1] - r[j] * A[i, 1]
            x1 = A[i, 0] * r[j] - A[j, 0] * r[i]
            return det, np.column_stack([x0, x1]) / det[:, None]
        if d == 3:
            i, j, k = S[:, 0], S[:, 1], S[:, 2]
            # cross[p, q] = A[p] x A[q] for every pair of rows
            a0, a1, a2 = A[:, 0], A[:, 1], A[:, 2]
            cross = np.stack(
                [
                    np.multiply.outer(a1, a2) - np.multiply.outer(a2, a1),
                    np.multiply.outer(a2, a0) - np.multiply.outer(a0, a2),
                    np.multiply.outer(a0, a1) - np.multiply.outer(a1, a0),
                ],
                axis=-1,
            )
            jk, ki, ij = cross[j, k], cross[k, i], cross[i, j]
            det = np.einsum("ij,ij->i", A[i], jk)
            X = r[i, None] * jk + r[j, None] * ki + r[k, None] * ij
            return det, X / det[:, None]
    M = A[S]
    det = np.linalg.det(M)
    X = np.full(S.shape, np.nan)
    ok = np.abs(det) > DET_TOL
    X[ok] = np.linalg.solve(M[ok], r[S[ok]][..., None])[..., 0]
    return det, X


def _cdd_vertices(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    if cdd is None:  # pragma: no cover - dependency of the topology extra
        return cdd_vertices(_Rows(A, b))  # raises the install hint
    mat = cdd.matrix_from_array(np.column_stack([b, A]).tolist(), rep_type=cdd.RepType.INEQUALITY)
    gens = np.array(cdd.copy_generators(cdd.polyhedron_from_matrix(mat)).array, dtype=np.float64)
    if gens.size == 0:
        return np.zeros((0, A.shape[1]))
    if (gens[:, 0] == 0).any():
        raise InvalidValueError("a cell is unbounded: its rows leave a ray")
    return gens[:, 1:] / gens[:, :1]


def cell_vertices(A: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """Vertices (n_v, d) of the bounded polytope ``A x + b >= 0`` (unit rows), a vertex found
    from several row subsets possibly repeated; (0, d) when it is empty.

    Every d-subset of the rows is solved at once (numpy) and the solutions that satisfy all
    rows within ``tol`` are kept; one from a nearly singular subset is first re-solved by
    least squares on all the rows tight at it. With few rows (a region's facets and the
    domain's rows) this is faster than double description and, unlike pycddlib's floating
    point, it cannot drop a vertex of a thin cell; with more than :data:`MAX_SUBSETS` subsets
    pycddlib does it.
    """
    m, d = A.shape
    if m < d:
        raise InvalidValueError(f"a cell with {m} rows in {d} dimensions is unbounded")
    if comb(m, d) > MAX_SUBSETS:
        return _cdd_vertices(A, b)
    S = _subsets(m, d)
    det, X = _solve_all(A, -b, S)
    ok = np.abs(det) > DET_TOL
    det, X = det[ok], X[ok]
    slack = X @ A.T + b
    loose = POLISH_TOL * max(tol, 1e-300)
    rough = (np.abs(det) < POLISH_DET) & (slack.min(axis=1) >= -loose)
    for i in np.flatnonzero(rough):
        tight = np.abs(slack[i]) <= loose
        X[i] = np.linalg.lstsq(A[tight], -b[tight], rcond=None)[0]
        slack[i] = A @ X[i] + b
    return X[(slack >= -tol).all(axis=1)]


def width(V: np.ndarray) -> float:
    """The extent of the points ``V`` (n, d) along their thinnest principal direction (0 when
    they do not span d dimensions)."""
    d = V.shape[1]
    if len(V) <= d:
        return 0.0
    C = V - V.mean(axis=0)
    _, _, vt = np.linalg.svd(C, full_matrices=False)
    proj = C @ vt[-1]
    return float(proj.max() - proj.min())


def polytope_cell(
    A: np.ndarray,
    b: np.ndarray,
    labels: np.ndarray | None = None,
    region: int = -1,
    tol: float = VERTEX_TOL,
) -> Cell:
    """The :class:`Cell` of the bounded polytope ``A x + b >= 0``: rows ``A`` (m, d), ``b``
    (m,), labels (m, 2) (default ``(ROW_OTHER, row)``); ``tol``: the vertex tolerance (input
    units)."""
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if labels is None:
        labels = np.column_stack([np.full(len(b), ROW_OTHER), np.arange(len(b))])
    A, b, labels = normalise(A, b, np.asarray(labels, dtype=np.int64))
    return Cell(A, b, labels, cell_vertices(A, b, tol), region=region)


def n_logits(net: NetworkLike, x: np.ndarray) -> int:
    """The number of logits of ``net`` (evaluated at the points ``x`` (1, d))."""
    return int(np.asarray(net.logits(x)).shape[1])


def _facet_codes(cx: Complex) -> tuple[list[np.ndarray], int]:
    """Per region, the neuron codes ``layer * stride + unit`` of its facets from the
    complex's adjacency, and the stride."""
    units = cx.edge_units
    stride = int(units[:, 1].max()) + 1 if len(units) else 1
    codes = units[:, 0] * stride + units[:, 1]
    src = np.concatenate([cx.edges[:, 0], cx.edges[:, 1]])
    code2 = np.concatenate([codes, codes])
    order = np.argsort(src, kind="stable")
    bounds = np.searchsorted(src[order], np.arange(cx.n_regions + 1))
    code_sorted = code2[order]
    return [code_sorted[bounds[i] : bounds[i + 1]] for i in range(cx.n_regions)], stride


class _RowPicker:
    """Row indices of a region's facet codes: a lookup table built from the first region's
    row layout (the same for every region of a network without max-pool), ``np.isin``
    for a region whose layout differs."""

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.codes: np.ndarray | None = None
        self.table = np.zeros(0, dtype=np.int64)

    def __call__(self, layer: np.ndarray, unit: np.ndarray, facet: np.ndarray) -> np.ndarray:
        codes = layer.astype(np.int64) * self.stride + unit
        if self.codes is None and len(codes) and len(np.unique(codes)) == len(codes):
            self.codes = codes
            self.table = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
            self.table[codes] = np.arange(len(codes))
        if self.codes is not None and np.array_equal(codes, self.codes):
            rows = self.table[facet[facet < len(self.table)]]
            return np.unique(rows[rows >= 0])
        return np.flatnonzero(np.isin(codes, facet))


def _region_cell(
    net: NetworkLike, point: np.ndarray, facet_codes: np.ndarray, pick: _RowPicker, dom: tuple
) -> tuple[Cell, tuple[np.ndarray, np.ndarray], bool]:
    """The cell of the region at ``point`` (region ∩ domain), its logit map, and whether the
    facet rows alone were not enough (all rows were used)."""
    r = net.region(point, on_boundary="inactive")
    dA, db, dlab, tol = dom
    norms = np.sqrt(np.einsum("ij,ij->i", r.A, r.A))
    if ((norms == 0) & (r.b < 0)).any():
        raise InvalidValueError("a row 0 x + b >= 0 with b < 0: the region is empty")
    rows = pick(r.layer, r.unit, facet_codes)
    for attempt in range(2):
        rows = rows[norms[rows] > 0]
        cA = np.concatenate([r.A[rows] / norms[rows, None], dA])
        cb = np.concatenate([r.b[rows] / norms[rows], db])
        V = cell_vertices(cA, cb, tol)
        if attempt or len(V) == 0 or (r.A @ V.T + r.b[:, None] >= -tol * norms[:, None]).all():
            break
        rows = np.arange(len(norms))
    labels = np.concatenate([np.column_stack([r.layer[rows], r.unit[rows]]), dlab])
    return Cell(cA, cb, labels.astype(np.int64), V), r.logit_map, bool(attempt)


def _pieces(
    cell: Cell,
    W: np.ndarray,
    c: np.ndarray,
    classes: np.ndarray,
    kind: int,
    min_width: float,
    tol: float,
) -> Iterator[tuple[int, Cell]]:
    """The full-dimensional pieces of ``cell`` on which each of ``classes`` has the largest of
    the affine functions ``W x + c`` (rows: the classes in ``classes``), as ``(class, cell)``."""
    V = cell.vertices
    L = V @ W.T + c
    tol = TIE_TOL * (1.0 + np.abs(L).max())
    for i, cls in enumerate(classes):
        gaps = L[:, [i]] - L
        if (gaps >= -tol).all():  # wins at every vertex: on the whole cell
            yield int(cls), cell
            return
    for i, cls in enumerate(classes):
        gaps = L[:, [i]] - L
        if ((gaps < -tol).all(axis=0)).any():  # beaten by one class at every vertex
            continue
        others = np.arange(len(classes)) != i
        tA = W[i] - W[others]
        tb = c[i] - c[others]
        flat = ~tA.any(axis=1)  # a class whose logit differs from this one by a constant
        earlier = classes[others] < cls  # ties go to the smaller class
        if (flat & ((tb < 0) | ((tb == 0) & earlier))).any():
            continue
        tlab = np.column_stack([np.full(others.sum(), kind), classes[others]])
        A, b, lab = normalise(tA[~flat], tb[~flat], tlab[~flat])
        pA = np.vstack([cell.A, A])
        pb = np.concatenate([cell.b, b])
        Vp = cell_vertices(pA, pb, tol)
        if width(Vp) > min_width:
            yield int(cls), Cell(pA, pb, np.vstack([cell.labels, lab]), Vp)


def region_cells(
    cx: Complex, refine: str | None = None, vertex_tol: float = VERTEX_TOL
) -> tuple[list[Cell], int]:
    """The cells of a complete complex of a bounded domain.

    Parameters
    ----------
    cx : Complex
        From :meth:`Network.regions`, with its network.
    refine : {None, "argmax", "top2"}
        None: one cell per region ∩ domain. ``"argmax"``: each region cut into the pieces on
        which the predicted class is constant (region ∩ {logit_c >= logit_j for all j}).
        ``"top2"``: cut further where the runner-up class changes, so that every margin
        ``logit_c - max_{j != c} logit_j`` is affine on every cell.
    vertex_tol : float
        :data:`VERTEX_TOL`.

    Returns
    -------
    cells : list of Cell
        In region order (the pieces of a region in class order).
    fallbacks : int
        Regions whose vertices needed all their rows (the adjacency missed a facet).
    """
    if refine not in REFINEMENTS:
        raise InvalidValueError(f"refine must be one of {REFINEMENTS}, got {refine!r}")
    net = cx.net
    if net is None:
        raise InvalidValueError("the complex was loaded without its network; pass net= to load")
    if refine is not None and n_logits(net, cx.points[:1]) < 2:
        raise InvalidValueError(f"refine={refine!r} needs at least two logits")
    dom = cx.domain
    scale = float(np.linalg.norm(dom.hi - dom.lo))
    tol = vertex_tol * scale
    dA, db, dlab = domain_rows(dom.lo, dom.hi, dom.A, dom.b)
    dA, db, dlab = normalise(dA, db, dlab)
    codes, stride = _facet_codes(cx)
    pick = _RowPicker(stride)
    cells: list[Cell] = []
    fallbacks = 0
    min_width = FLAT_TOL * scale
    for i in range(cx.n_regions):
        cell, (W, c), fell_back = _region_cell(
            net, cx.points[i], codes[i], pick, (dA, db, dlab, tol)
        )
        fallbacks += fell_back
        if refine is None:
            cells.append(Cell(cell.A, cell.b, cell.labels, cell.vertices, region=i))
            continue
        all_classes = np.arange(len(c))
        for cls, piece in _pieces(cell, W, c, all_classes, ROW_TIE, min_width, tol):
            if refine == "argmax":
                cells.append(Cell(piece.A, piece.b, piece.labels, piece.vertices, i, cls))
                continue
            rest = all_classes[all_classes != cls]
            for second, sub in _pieces(
                piece, W[rest], c[rest], rest, ROW_RUNNER_UP, min_width, tol
            ):
                cells.append(Cell(sub.A, sub.b, sub.labels, sub.vertices, i, cls, second))
    return cells, fallbacks
