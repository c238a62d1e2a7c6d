"""Angles between the normals of a polytope's rows (section 3.3, figure 4)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import InvalidValueError


def row_angles(A: np.ndarray, rows: Optional[Any] = None) -> np.ndarray:
    """Matrix (k, k) of angles in radians, in [0, pi], between the normals ``A[rows]``
    (all rows when ``rows`` is None). Zero rows have no direction and are refused."""
    idx = np.arange(A.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    N = A[idx]
    norms = np.linalg.norm(N, axis=1)
    if (norms == 0).any():
        bad = int(idx[np.flatnonzero(norms == 0)[0]])
        raise InvalidValueError(f"row {bad} has a zero normal; its angles are undefined")
    U = N / norms[:, None]
    cos = np.clip(U @ U.T, -1.0, 1.0)
    ang = np.arccos(cos)
    np.fill_diagonal(ang, 0.0)
    return ang
