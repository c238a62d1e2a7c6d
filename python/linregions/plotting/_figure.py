"""Figures without pyplot: a new figure with its own Agg canvas, and saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union


def new_figure(figsize: tuple[float, float], **kwargs: Any) -> Any:
    """A ``matplotlib.figure.Figure`` of ``figsize`` inches with an Agg canvas attached.

    Unlike ``pyplot.figure`` it is not registered in pyplot's global state (nothing to close)
    and needs no backend switch; in a notebook it still displays as the cell's value.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def axes_or_new(ax: Any, figsize: tuple[float, float]) -> Any:
    """``ax`` itself, or the single axes of a new figure of ``figsize`` inches."""
    return ax if ax is not None else new_figure(figsize).subplots()


def save(fig: Any, path: Optional[Union[str, Path]], dpi: int = 120) -> Any:
    """Writes ``fig`` to ``path`` when one is given (format by suffix); returns ``fig``."""
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig
