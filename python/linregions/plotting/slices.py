"""Pictures of exact slices (paper figure 1 and figure 8), and the arrays behind them.

Several slices side by side: the top row shows the transition boundaries between linear
regions in gray with each region filled by its activation rate, the bottom row the
classification regions; data points may be overlaid. Matplotlib is imported lazily and
drawn through its object API (no pyplot state), so this works headless.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..model.slice import Slice
from ._figure import new_figure, save

#: Colormap of the activation rate (top row) and of the classes (bottom row).
RATE_CMAP = "viridis"
CLASS_CMAP = "tab10"
#: Gray of the transition boundaries and their line width in points.
BOUNDARY_COLOR = "0.45"
BOUNDARY_WIDTH = 0.3


def slice_arrays(sl: Slice, prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays needed to draw a slice yourself (ragged polygons as vertices + offsets)."""
    return {
        f"{prefix}vertices": sl.vertices,
        f"{prefix}offsets": sl.offsets,
        f"{prefix}active_fraction": sl.active_fraction,
        f"{prefix}region_class": sl.classes,
        f"{prefix}class_vertices": sl.class_vertices,
        f"{prefix}class_offsets": sl.class_offsets,
        f"{prefix}class_label": sl.class_label,
        f"{prefix}class_parent": sl.class_parent,
        f"{prefix}extent": np.asarray(sl.extent),
        f"{prefix}marks": sl.marks,
        f"{prefix}origin": sl.origin,
        f"{prefix}u": sl.u,
        f"{prefix}v": sl.v,
    }


def save_slice_arrays(path: str | Path, slices: Sequence[Slice], names: Sequence[str]) -> Path:
    """Writes the arrays of several slices to one ``.npz`` (keys prefixed ``<name>/``)."""
    out: dict[str, np.ndarray] = {}
    for name, sl in zip(names, slices):
        out.update(slice_arrays(sl, prefix=f"{name}/"))
    path = Path(path)
    np.savez_compressed(path, **out)  # type: ignore[arg-type]
    return path


def project(sl: Slice, X: Any) -> np.ndarray:
    """(n, 2) slice coordinates of input points (least-squares projection onto the plane)."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, sl.origin.size)
    basis = np.stack([sl.u, sl.v], axis=1)
    st, *_ = np.linalg.lstsq(basis, (X - sl.origin).T, rcond=None)
    return st.T


def plot_slices(
    slices: Sequence[Slice],
    titles: Sequence[str] | None = None,
    points: Sequence[np.ndarray | None] | None = None,
    point_labels: Sequence[np.ndarray | None] | None = None,
    class_names: Sequence[str] | None = None,
    path: str | Path | None = None,
    panel_size: float = 3.2,
    dpi: int = 150,
    fig: Any = None,
) -> Any:
    """Figure-1 / figure-8 panels, one column per slice; returns the matplotlib Figure.

    ``points[i]`` (n, 2) are slice coordinates of data points drawn on column i (see
    :func:`project`), colored by ``point_labels[i]``; the slices' ``marks`` are drawn as
    stars. With ``path`` the figure is also written (PNG by the suffix).
    """
    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize

    n = len(slices)
    if fig is None:
        fig = new_figure((panel_size * n + 0.8, panel_size * 2), dpi=dpi, layout="constrained")
    axes = fig.subplots(2, n, squeeze=False)
    rate_norm = Normalize(0.0, 1.0)
    rate_cmap = matplotlib.colormaps[RATE_CMAP]
    class_cmap = matplotlib.colormaps[CLASS_CMAP]
    for i, sl in enumerate(slices):
        top, bottom = axes[0, i], axes[1, i]
        top.add_collection(
            PolyCollection(
                sl.polygons(),
                facecolors=rate_cmap(rate_norm(sl.active_fraction)),
                edgecolors=BOUNDARY_COLOR,
                linewidths=BOUNDARY_WIDTH,
            )
        )
        colors = class_cmap(sl.class_label % class_cmap.N)
        # Edges in the face color hide the seams between class polygons of one class.
        cells = sl.class_polygons()
        bottom.add_collection(
            PolyCollection(cells, facecolors=colors, edgecolors=colors, linewidths=0.2)
        )
        for ax in (top, bottom):
            ax.set_xlim(sl.extent[0], sl.extent[1])
            ax.set_ylim(sl.extent[2], sl.extent[3])
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if points is not None and points[i] is not None:
                lab = None if point_labels is None else point_labels[i]
                c = "w" if lab is None else class_cmap(np.asarray(lab) % class_cmap.N)
                ax.scatter(*np.asarray(points[i]).T, s=4, c=c, edgecolors="k", linewidths=0.2)
            if len(sl.marks):
                ax.scatter(*sl.marks.T, marker="*", s=60, c="w", edgecolors="k", linewidths=0.6)
        title = titles[i] if titles is not None else f"slice {i}"
        top.set_title(f"{title}\n{sl.n_regions} regions", fontsize=9)
        present = sorted(set(int(c) for c in sl.class_label))
        names = [class_names[c] if class_names else str(c) for c in present]
        bottom.set_title("classes " + ", ".join(names), fontsize=8)
    fig.colorbar(
        ScalarMappable(norm=rate_norm, cmap=rate_cmap),
        ax=axes[0, :].tolist(),
        shrink=0.8,
        label="activation rate",
    )
    return save(fig, path, dpi=dpi)
