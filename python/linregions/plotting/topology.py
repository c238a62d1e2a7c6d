"""Pictures of persistence (:class:`~linregions.topology.Persistence`): the barcode and the
persistence diagram, one colour per homology dimension.

Classes that never die are drawn up to a line just above the largest finite value (labelled
"inf"), as gudhi and ripser do. Matplotlib is imported only when a plot is drawn, through its
object API.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ..errors import InvalidValueError
from ._figure import axes_or_new, save

if TYPE_CHECKING:
    from ..topology.homology import Persistence

#: Colormap of the homology dimensions.
DIM_CMAP = "tab10"
#: Where the "inf" line goes: this fraction of the finite range above the largest value.
INF_MARGIN = 0.1

__all__ = ["plot_barcode", "plot_persistence_diagram"]


def _range(p: Persistence) -> tuple[float, float, float]:
    """The smallest and largest finite values and the level that stands for infinity."""
    vals = np.concatenate([iv.ravel() for iv in p.intervals] + [np.zeros(0)])
    finite = vals[np.isfinite(vals)]
    if len(finite) == 0:
        return 0.0, 1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo if hi > lo else 1.0
    return lo, hi, hi + INF_MARGIN * span


def _dims(p: Persistence, dims: Any) -> list[int]:
    chosen = list(range(p.dim + 1)) if dims is None else [int(k) for k in dims]
    for k in chosen:
        if not 0 <= k <= p.dim:
            raise InvalidValueError(f"dimension {k} is not in 0..{p.dim}")
    return chosen


def plot_barcode(
    persistence: Persistence,
    *,
    dims: Any = None,
    ax: Any = None,
    path: Optional[Union[str, Path]] = None,
) -> Any:
    """Draws the barcode: one horizontal bar per interval, grouped by dimension.

    Parameters
    ----------
    persistence : Persistence
    dims : sequence of int, optional
        Homology dimensions to draw (default all).
    ax : matplotlib Axes, optional
    path : str or Path, optional
        Also write the figure there.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from linregions.plotting.topology import plot_barcode
    >>> from linregions.topology import Persistence
    >>> p = Persistence((np.array([[0.0, np.inf], [0.0, 0.5]]), np.zeros((0, 2))))
    >>> fig = plot_barcode(p)
    >>> len(fig.axes[0].lines)     # two bars and the "inf" line
    3
    """
    ax = axes_or_new(ax, (6.0, 3.5))
    _, _, inf = _range(persistence)
    row = 0
    for k in _dims(persistence, dims):
        color = _color(k)
        for j, (birth, death) in enumerate(persistence.intervals[k]):
            end = inf if not np.isfinite(death) else death
            label = f"H{k}" if j == 0 else None
            ax.plot([birth, end], [row, row], color=color, lw=2.0, label=label)
            row += 1
    ax.axvline(inf, color="0.6", lw=0.8, ls="--")
    ax.invert_yaxis()
    ax.set_xlabel("filtration value (inf at the dashed line)")
    ax.set_yticks([])
    ax.set_title("persistence barcode")
    if row:
        ax.legend(loc="best", fontsize="small")
    return save(ax.figure, path)


def plot_persistence_diagram(
    persistence: Persistence,
    *,
    dims: Any = None,
    ax: Any = None,
    path: Optional[Union[str, Path]] = None,
) -> Any:
    """Draws the persistence diagram: a point (birth, death) per interval, the diagonal, and
    the never-dying classes on the "inf" line.

    Parameters
    ----------
    persistence : Persistence
    dims : sequence of int, optional
        Homology dimensions to draw (default all).
    ax : matplotlib Axes, optional
    path : str or Path, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from linregions.plotting.topology import plot_persistence_diagram
    >>> from linregions.topology import Persistence
    >>> p = Persistence((np.array([[0.0, np.inf], [0.0, 0.5]]), np.array([[0.2, 0.4]])))
    >>> fig = plot_persistence_diagram(p)
    >>> len(fig.axes[0].collections)   # one scatter per dimension
    2
    """
    ax = axes_or_new(ax, (4.5, 4.5))
    lo, _, inf = _range(persistence)
    for k in _dims(persistence, dims):
        iv = persistence.intervals[k]
        if len(iv) == 0:
            continue
        death = np.where(np.isfinite(iv[:, 1]), iv[:, 1], inf)
        ax.scatter(iv[:, 0], death, s=18, color=_color(k), label=f"H{k}", zorder=3)
    ax.plot([lo, inf], [lo, inf], color="0.4", lw=0.8)
    ax.axhline(inf, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("birth")
    ax.set_ylabel("death (inf at the dashed line)")
    ax.set_title("persistence diagram")
    ax.set_aspect("equal", adjustable="datalim")
    if ax.collections:
        ax.legend(loc="lower right", fontsize="small")
    return save(ax.figure, path)


def _color(k: int) -> Any:
    from matplotlib import colormaps

    return colormaps[DIM_CMAP](k % 10)
