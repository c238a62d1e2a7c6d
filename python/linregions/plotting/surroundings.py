"""Figure 6 of the paper: unique surrounding regions per model and their relevance rho."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ..analysis.surroundings import Surroundings
from ._figure import new_figure, save


def surroundings_arrays(results: Mapping[str, Sequence[Surroundings]]) -> dict[str, dict]:
    """Per model: ``n_unique`` (points,) and ``rho`` (all surrounding regions, own excluded)."""
    out = {}
    for name, items in results.items():
        rho = [s.rho[~s.is_origin] for s in items]
        out[name] = {
            "n_unique": np.array([s.n_unique for s in items]),
            "rho": np.concatenate(rho) if rho else np.zeros(0),
        }
    return out


def plot_surroundings(
    results: Mapping[str, object], path: Optional[str] = None, fig: Any = None
) -> Any:
    """Draws fig. 6 for several models side by side; returns the matplotlib Figure.

    ``results`` maps a model name to its list of :class:`Surroundings`, or to a dict of
    arrays ``{"n_unique": (points,), "rho": (regions,)}`` as :func:`surroundings_arrays`
    returns.

    Left: boxplot of the number of unique surrounding regions per test point (fig. 6a).
    Right: distribution of the cosine similarity rho of every unique surrounding region
    with the point's own decision direction (fig. 6b, 6c). Saved as PNG when ``path`` is set.
    """
    data = {name: (v if isinstance(v, dict) else surroundings_arrays({name: v})[name])
            for name, v in results.items()}
    names = list(data)
    if fig is None:
        fig = new_figure((4 + 1.2 * len(names) + 5, 4))
    ax_box, ax_rho = fig.subplots(1, 2)
    ax_box.boxplot([data[n]["n_unique"] for n in names], tick_labels=names)
    ax_box.set_ylabel("unique surrounding regions")
    ax_box.set_title("(a) regions met on nullspace rays")
    bins = np.linspace(-1, 1, 41)
    for n in names:
        rho = data[n]["rho"]
        rho = rho[np.isfinite(rho)]
        if rho.size:
            ax_rho.hist(rho, bins=bins, histtype="step", density=True, label=n, linewidth=1.5)
    ax_rho.set_xlabel(r"cosine similarity $\rho$")
    ax_rho.set_ylabel("density")
    ax_rho.set_title(r"(b) relevance of the surrounding regions")
    if ax_rho.get_legend_handles_labels()[0]:
        ax_rho.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, path)
