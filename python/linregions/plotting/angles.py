"""Figure 4 of the paper: the angles between the normals of a region's hyperplanes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ._figure import axes_or_new, save


def plot_angles(
    region: Any,
    rows: Optional[Any] = None,
    ax: Any = None,
    cmap: str = "viridis",
    path: Optional[Union[str, Path]] = None,
) -> Any:
    """Draws ``region.angles(rows)`` in degrees as in figure 4; returns the matplotlib Figure.

    Parameters
    ----------
    region : Polytope or Region
        Its ``angles(rows)`` gives the (k, k) angles in radians between the rows' normals; a
        Region's ``layer`` adds lines between layers.
    rows : (k,) int array, optional
        Rows of ``region.A`` to show (all rows by default), e.g. ``region.nonredundant()``.
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure otherwise.
    path : str or Path, optional
        Where to write the figure.
    """
    idx = np.arange(region.n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
    ang = np.degrees(region.angles(idx))
    ax = axes_or_new(ax, (5, 4.5))
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
    return save(ax.figure, path)
