"""Recession cones of polyhedra: is ``{x : A x + b >= 0, lo <= x <= hi}`` bounded, and along
which direction does it run off to infinity.

The recession cone of a non-empty polyhedron is ``K = {r : M r >= 0}``, where ``M`` holds the
unit rows of ``A``, ``e_j`` for every finite ``lo_j`` and ``-e_j`` for every finite ``hi_j``;
the polyhedron is bounded exactly when ``K = {0}``, that is when the rows of ``M`` positively
span R^d: they span R^d and some combination with every coefficient positive is zero.
:func:`recession_direction` decides it with one SVD and one non-negative least-squares
problem (Lawson-Hanson, exact active sets), no LP:

- ``M`` of rank < d: a null vector of ``M`` lies in ``K`` (both signs);
- otherwise project ``v = -sum_i M_i`` onto the cone ``C`` spanned by the rows
  (``min |M^T mu - v|, mu >= 0``). A zero residual is the positive combination
  ``sum_i (1 + mu_i) M_i = 0``: bounded. A non-zero residual ``q = v - M^T mu`` lies in the
  polar cone of ``C`` (Moreau's decomposition), so ``M (-q) >= 0``: ``-q`` is a recession
  direction.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from .hrep import HRep

#: Residual of the projection (relative to ``max(1, |v|)``) at or below which the rows count
#: as positively spanning: the polyhedron is bounded.
RECESSION_RESIDUAL_TOL = 1e-9
#: Singular values of the unit rows at or below this times ``max(1, largest)`` span the
#: lineality space.
LINEALITY_TOL = 1e-12

__all__ = [
    "LINEALITY_TOL",
    "RECESSION_RESIDUAL_TOL",
    "recession_direction",
    "recession_directions",
    "recession_rows",
]


def recession_rows(poly: HRep) -> np.ndarray:
    """The rows ``M`` (m, d) of the recession cone ``{r : M r >= 0}`` of ``poly``: the unit
    rows of ``A`` (zero rows dropped), ``e_j`` for finite ``lo_j``, ``-e_j`` for finite
    ``hi_j``."""
    d = poly.dim
    norms = np.linalg.norm(poly.A, axis=1)
    keep = norms > 0
    eye = np.eye(d)
    return np.vstack(
        [
            poly.A[keep] / norms[keep, None],
            eye[np.isfinite(poly.lo)],
            -eye[np.isfinite(poly.hi)],
        ]
    )


def recession_direction(
    poly: HRep,
    residual_tol: float = RECESSION_RESIDUAL_TOL,
    lineality_tol: float = LINEALITY_TOL,
) -> np.ndarray | None:
    """A unit recession direction of a non-empty polyhedron, or ``None`` when it is bounded.

    Parameters
    ----------
    poly : Polytope
        ``{x : A x + b >= 0, lo <= x <= hi}`` (d dimensions; ``lo``/``hi`` may be infinite),
        assumed non-empty (``b`` plays no part: the cone depends on the normals only).
    residual_tol : float, default RECESSION_RESIDUAL_TOL
        Projection residual at or below which the rows positively span R^d.
    lineality_tol : float, default LINEALITY_TOL
        Relative singular-value threshold of the lineality space.

    Returns
    -------
    ndarray, shape (d,), or None
        ``r`` with ``|r| = 1``, ``A r >= 0`` and ``r`` pointing into every finite box side
        (``x + t r`` stays in the polyhedron for all ``t >= 0``); ``None``: bounded.

    Examples
    --------
    >>> from linregions.geometry.recession import recession_direction
    >>> inf = np.full(2, np.inf)
    >>> wedge = lr.Polytope([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], -inf, inf)  # x, y >= 0
    >>> r = recession_direction(wedge)
    >>> bool((r >= 0).all() and abs(np.linalg.norm(r) - 1) < 1e-12)
    True
    >>> print(recession_direction(lr.Box(-1.0, 1.0, dim=2)))
    None
    """
    bounded, directions = recession_directions(
        recession_rows(poly)[None], residual_tol=residual_tol, lineality_tol=lineality_tol
    )
    return None if bounded[0] else directions[0]


def recession_directions(
    M: np.ndarray,
    residual_tol: float = RECESSION_RESIDUAL_TOL,
    lineality_tol: float = LINEALITY_TOL,
) -> tuple[np.ndarray, np.ndarray]:
    """Boundedness and a recession direction of many cones ``{r : M[i] r >= 0}`` at once.

    Parameters
    ----------
    M : ndarray, shape (n, m, d)
        Unit rows (zero rows allowed: they constrain nothing), as :func:`recession_rows`
        gives them.
    residual_tol, lineality_tol : float
        As in :func:`recession_direction`.

    Returns
    -------
    bounded : ndarray, shape (n,), bool
        Whether the cone is ``{0}``.
    directions : ndarray, shape (n, d)
        A unit vector of each non-zero cone (``M[i] r >= 0``), zeros for ``{0}``.
    """
    n, m, d = M.shape
    bounded = np.zeros(n, dtype=bool)
    directions = np.zeros((n, d))
    if m < d:
        for i in range(n):
            directions[i] = _null_direction(M[i], d)
        return bounded, directions
    sing = np.linalg.svd(M, compute_uv=False)
    flat = sing[:, -1] <= lineality_tol * np.maximum(1.0, sing[:, 0])
    for i in range(n):
        if flat[i]:
            directions[i] = _null_direction(M[i], d)
            continue
        v = -M[i].sum(axis=0)
        mu, _ = nnls(M[i].T, v)
        q = v - M[i].T @ mu
        size = float(np.linalg.norm(q))
        if size <= residual_tol * max(1.0, float(np.linalg.norm(v))):
            bounded[i] = True
        else:
            directions[i] = -q / size
    return bounded, directions


def _null_direction(M: np.ndarray, d: int) -> np.ndarray:
    """A unit vector of the null space of ``M`` (m, d), which has rank < d."""
    if M.shape[0] == 0:
        return np.eye(d)[0]
    _, _, vt = np.linalg.svd(M, full_matrices=True)
    r = vt[-1]
    return r / np.linalg.norm(r)
