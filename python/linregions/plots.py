"""Figures (matplotlib, imported on use)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np


def plot_angles(region: Any, rows: Optional[Any] = None, ax: Any = None,
                cmap: str = "viridis") -> Any:
    """Draws ``region.angles(rows)`` in degrees as in figure 4: a heat map of the angles
    between the rows' normals, with lines between layers. Returns the matplotlib image."""
    import matplotlib.pyplot as plt

    idx = np.arange(region.n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
    ang = np.degrees(region.angles(idx))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    im = ax.imshow(ang, cmap=cmap, vmin=0.0, vmax=180.0, interpolation="nearest")
    layer = getattr(region, "layer", None)
    if layer is not None and idx.size:
        lay = np.asarray(layer)[idx]
        for cut in np.flatnonzero(np.diff(lay) != 0) + 0.5:
            ax.axhline(cut, color="white", lw=0.8)
            ax.axvline(cut, color="white", lw=0.8)
    ax.set_xlabel("row")
    ax.set_ylabel("row")
    ax.figure.colorbar(im, ax=ax, label="angle between normals (degrees)")
    return im
