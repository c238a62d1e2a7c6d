"""Figure 5 of the paper: the class maxima x^t of one point under several models, as images.

One row per model, one column per class t; a green border where the network gives x^t the
class t, red otherwise. (The paper's caption colours by "classified like x*"; we colour by
``ClassMaxima.at_maximum``, the quantity table 2 counts.)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..geometry.class_maxima import ClassMaxima
from ._figure import new_figure, save

GREEN = "#2ca02c"
RED = "#d62728"


def plot_class_maxima(
    rows: Sequence[tuple[str, ClassMaxima]],
    image_shape: tuple[int, ...] = (28, 28),
    class_names: Optional[Sequence[str]] = None,
    bounds: tuple[float, float] = (-1.0, 1.0),
    border: float = 3.0,
    fig: Any = None,
    path: Optional[str] = None,
) -> Any:
    """Returns a matplotlib Figure: ``rows`` is ``[(model name, ClassMaxima), ...]``.
    ``image_shape`` is ``(H, W)`` (grey) or ``(C, H, W)`` (colour, channels first)."""
    M = rows[0][1].points.shape[0]
    names = list(class_names) if class_names is not None else [str(t) for t in range(M)]
    if fig is None:
        fig = new_figure((1.1 * M, 1.25 * len(rows) + 0.3))
    axes = fig.subplots(len(rows), M, squeeze=False)
    lo, hi = bounds
    for r, (model_name, cm) in enumerate(rows):
        for t in range(M):
            ax = axes[r, t]
            img = np.clip((cm.points[t].reshape(image_shape) - lo) / (hi - lo), 0, 1)
            if img.ndim == 3:
                img = np.moveaxis(img, 0, -1)
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            colour = GREEN if cm.at_maximum[t] else RED
            for spine in ax.spines.values():
                spine.set_edgecolor(colour)
                spine.set_linewidth(border)
            if r == 0:
                ax.set_title(names[t], fontsize=9)
            if t == 0:
                ax.set_ylabel(model_name, fontsize=9)
    fig.tight_layout()
    return save(fig, path)
