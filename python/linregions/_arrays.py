"""Input checking shared by the public API: shapes, dtypes, finiteness, with clear errors."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InvalidValueError, ShapeError


def to_numpy(x: Any) -> np.ndarray:
    """A numpy float64 view or copy of ``x`` (numpy array, list, or torch tensor on any device)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def check_finite(x: np.ndarray, what: str) -> None:
    """Raises :class:`InvalidValueError` naming the first non-finite entry of ``x``."""
    bad = ~np.isfinite(x)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidValueError(f"{what} has a non-finite entry {x[idx]} at index {idx}")


def as_points(x: Any, input_shape: tuple[int, ...], what: str = "X") -> np.ndarray:
    """``x`` as a C-contiguous (n, d) float64 batch; accepts (n, d) or (n, *input_shape)."""
    arr = to_numpy(x)
    d = int(np.prod(input_shape))
    if arr.ndim == 2 and arr.shape[1] == d:
        pts = arr
    elif arr.shape[1:] == tuple(input_shape):
        pts = arr.reshape(arr.shape[0], d)
    else:
        raise ShapeError(
            f"{what} has shape {arr.shape}; expected (n, {d}) or (n, *{tuple(input_shape)})"
        )
    check_finite(pts, what)
    return np.ascontiguousarray(pts)


def as_point(x: Any, input_shape: tuple[int, ...], what: str = "x") -> np.ndarray:
    """``x`` as a contiguous (d,) float64 vector; accepts (d,) or ``input_shape``."""
    arr = to_numpy(x)
    d = int(np.prod(input_shape))
    if arr.shape not in ((d,), tuple(input_shape), (1, d), (1, *input_shape)):
        raise ShapeError(f"{what} has shape {arr.shape}; expected ({d},) or {tuple(input_shape)}")
    pt = np.ascontiguousarray(arr.reshape(d))
    check_finite(pt, what)
    return pt


def as_bounds(bounds: Any, input_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``bounds`` (a pair of scalars or of arrays shaped like the input) as (d,) arrays."""
    try:
        lo_raw, hi_raw = bounds
    except (TypeError, ValueError):
        raise ShapeError(f"bounds must be a pair (lo, hi), got {bounds!r}") from None
    d = int(np.prod(input_shape))
    out = []
    for name, raw in (("lo", lo_raw), ("hi", hi_raw)):
        arr = to_numpy(raw)
        if arr.ndim == 0:
            arr = np.full(d, float(arr))
        elif arr.shape in ((d,), tuple(input_shape)):
            arr = arr.reshape(d).copy()
        else:
            raise ShapeError(
                f"bounds {name} has shape {arr.shape}; expected a scalar, ({d},) or "
                f"{tuple(input_shape)}"
            )
        if np.isnan(arr).any():
            raise InvalidValueError(f"bounds {name} contains NaN")
        out.append(arr)
    lo, hi = out
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        i = int(bad[0])
        raise InvalidValueError(f"bounds: lo[{i}] = {lo[i]} exceeds hi[{i}] = {hi[i]}")
    return lo, hi
