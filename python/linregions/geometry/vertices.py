"""Vertices of a small polytope by double description (pycddlib, floating point)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidValueError, UnboundedPolytopeError
from .hrep import HRep

#: Largest dimension accepted by :func:`vertices` (the vertex count grows exponentially).
VERTICES_MAX_DIM = 12


def vertices(poly: HRep, max_dim: int = VERTICES_MAX_DIM) -> np.ndarray:
    """Vertices (n_v, d) of a bounded polytope, in cdd's order; (0, d) when it is empty.

    Raises :class:`UnboundedPolytopeError` when the polytope has rays and
    :class:`InvalidValueError` when ``d > max_dim``.
    """
    try:
        import cdd
    except ImportError as e:  # pragma: no cover - optional dependency
        raise InvalidValueError("vertices() needs pycddlib (pip install pycddlib)") from e
    d = poly.dim
    if d > max_dim:
        raise InvalidValueError(f"vertices() is for small dimensions: d = {d} > {max_dim}")
    eye = np.eye(d)
    rows = [np.column_stack([poly.b, poly.A])]
    fin_lo, fin_hi = np.isfinite(poly.lo), np.isfinite(poly.hi)
    rows.append(np.column_stack([-poly.lo[fin_lo], eye[fin_lo]]))
    rows.append(np.column_stack([poly.hi[fin_hi], -eye[fin_hi]]))
    mat = cdd.matrix_from_array(np.vstack(rows).tolist(), rep_type=cdd.RepType.INEQUALITY)
    gens = np.array(cdd.copy_generators(cdd.polyhedron_from_matrix(mat)).array, dtype=float)
    if gens.size == 0:
        return np.zeros((0, d))
    if (gens[:, 0] == 0).any():
        raise UnboundedPolytopeError("polytope is unbounded: it has rays", status="unbounded")
    return gens[:, 1:] / gens[:, :1]
