"""Pictures of a :class:`~linregions.Complex`: its regions and adjacency graph, and histograms.

For a 2-D domain every region ∩ domain is drawn as its exact polygon: the domain's box is
clipped by the domain's rows and then by the region's rows ``A x + b >= 0``
(:func:`complex_polygons`), so the polygons tile the domain. For a 3-D domain the region
points are drawn in 3-D. Either way the adjacency graph's edges join the region points.
Matplotlib is imported only when a plot is drawn, through its object API (no pyplot state).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ..errors import InvalidValueError
from ..geometry.volumes import Volumes
from ._figure import axes_or_new, new_figure, save

if TYPE_CHECKING:
    from ..model.complex import Complex
    from ..model.netlike import NetworkLike

#: Colormaps of the activation rate and of the classes (as in the slice figures).
RATE_CMAP = "viridis"
CLASS_CMAP = "tab10"
#: Colour and width of the region boundaries and of the adjacency graph's edges.
BOUNDARY_COLOR = "0.45"
BOUNDARY_WIDTH = 0.3
EDGE_COLOR = "k"
EDGE_WIDTH = 0.4

__all__ = [
    "activation_rates",
    "clip_polygon",
    "complex_polygons",
    "plot_complex",
    "plot_complex_histograms",
    "polygon_area",
]


def clip_polygon(poly: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """The convex polygon ``poly`` (k, 2), vertices in order, cut by ``a . x + b >= 0``
    (one Sutherland-Hodgman step); (0, 2) when nothing is left."""
    if len(poly) == 0:
        return poly
    s = poly @ a + b
    inside = s >= 0
    if inside.all():
        return poly
    if not inside.any():
        return np.zeros((0, 2))
    out = []
    k = len(poly)
    for i in range(k):
        j = (i + 1) % k
        if inside[i]:
            out.append(poly[i])
        if (s[i] > 0 and s[j] < 0) or (s[i] < 0 and s[j] > 0):  # a vertex on the line is kept
            t = s[i] / (s[i] - s[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
    return np.array(out)


def polygon_area(poly: np.ndarray) -> float:
    """Area of a simple polygon (k, 2) by the shoelace formula (0 for fewer than 3 vertices)."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _net(cx: Complex, net: Optional[NetworkLike], what: str) -> NetworkLike:
    net = net if net is not None else cx.net
    if net is None:
        raise InvalidValueError(f"{what} needs the network: pass net= (the complex was loaded)")
    return net


def complex_polygons(cx: Complex, net: Optional[NetworkLike] = None) -> list[np.ndarray]:
    """The exact polygon (k_i, 2) of every region ∩ domain of a 2-D complex, counter-clockwise.

    Parameters
    ----------
    cx : Complex
        A complex of a 2-D domain.
    net : Network, optional
        Its network (default ``cx.net``); the region's rows are rebuilt at ``cx.points[i]``.

    Returns
    -------
    list of (k_i, 2) arrays
        One polygon per region, in the complex's order; they tile the domain.

    Raises
    ------
    InvalidValueError
        The domain is not 2-D, or no network is available.
    """
    if cx.dim != 2:
        raise InvalidValueError(f"complex_polygons needs a 2-D domain, this one has d = {cx.dim}")
    net = _net(cx, net, "complex_polygons")
    dom = cx.domain
    (x0, y0), (x1, y1) = dom.lo, dom.hi
    start = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    for a, b in zip(dom.A, dom.b):
        start = clip_polygon(start, a, b)
    polys = []
    for x in cx.points:
        r = net.region(x, on_boundary="inactive")
        poly = start
        for a, b in zip(r.A, r.b):
            poly = clip_polygon(poly, a, b)
        polys.append(poly)
    return polys


def activation_rates(cx: Complex, net: Optional[NetworkLike] = None) -> np.ndarray:
    """(n,) fraction of (leaky) ReLU units active in each region (at ``cx.points``); the
    same quantity as :attr:`Region.active_fraction` (NaN for a network without ReLUs)."""
    net = _net(cx, net, "colour by activation")
    relu = np.asarray(net.layout.is_relu, dtype=bool)
    if not relu.any() or cx.n_regions == 0:
        return np.full(cx.n_regions, np.nan)
    return net.patterns(cx.points).to_bool()[:, relu].mean(axis=1)


def plot_complex(
    cx: Complex,
    net: Optional[NetworkLike] = None,
    *,
    color: str = "activation",
    edges: bool = True,
    ax: Any = None,
    path: Optional[Union[str, Path]] = None,
) -> Any:
    """Draws the regions of a 2-D or 3-D complex and its adjacency graph; returns the Figure.

    Parameters
    ----------
    cx : Complex
        The complex (d = 2: exact polygons of each region ∩ domain; d = 3: the region points
        in 3-D).
    net : Network, optional
        Its network (default ``cx.net``): needed for the polygons and the activation rates.
    color : {"activation", "class"}
        Fill each region by its fraction of active units or by the class at its point.
    edges : bool
        Draw the adjacency graph (a segment between the points of adjacent regions).
    ax : matplotlib Axes, optional
        Axes to draw into (a 3-D axes for d = 3); a new figure otherwise.
    path : str or Path, optional
        Where to write the figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` (or the new one) with the regions drawn.

    Raises
    ------
    InvalidValueError
        d not 2 or 3, an unknown ``color``, a 2-D axes for a 3-D complex, or no network
        where one is needed.
    """
    import matplotlib
    from matplotlib.collections import LineCollection, PolyCollection

    if cx.dim not in (2, 3):
        raise InvalidValueError(
            f"plot_complex draws 2-D and 3-D domains, this one has d = {cx.dim}; "
            "use plot_complex_histograms"
        )
    if color not in ("activation", "class"):
        raise InvalidValueError(f"color must be 'activation' or 'class', got {color!r}")
    if color == "activation":
        values = activation_rates(cx, net)
        cmap = matplotlib.colormaps[RATE_CMAP]
        faces = cmap(np.nan_to_num(values, nan=0.0))
    else:
        cmap = matplotlib.colormaps[CLASS_CMAP]
        faces = cmap(cx.predicted % cmap.N)
    pairs = cx.points[cx.edges] if len(cx.edges) else np.zeros((0, 2, cx.dim))
    state = "" if cx.complete else " (incomplete)"
    title = f"{cx.n_regions} regions{state}, {len(cx.edges)} edges"
    if cx.dim == 2:
        ax = axes_or_new(ax, (5, 5))
        polys = complex_polygons(cx, net)
        ax.add_collection(
            PolyCollection(
                polys, facecolors=faces, edgecolors=BOUNDARY_COLOR, linewidths=BOUNDARY_WIDTH
            )
        )
        if edges and len(pairs):
            ax.add_collection(LineCollection(list(pairs), colors=EDGE_COLOR, linewidths=EDGE_WIDTH))
            ax.scatter(*cx.points.T, s=2, c=EDGE_COLOR)
        ax.set_xlim(cx.domain.lo[0], cx.domain.hi[0])
        ax.set_ylim(cx.domain.lo[1], cx.domain.hi[1])
        ax.set_aspect("equal")
    else:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection  # type: ignore[import-untyped]

        if ax is None:
            ax = new_figure((6, 5)).add_subplot(projection="3d")
        elif not hasattr(ax, "zaxis"):
            raise InvalidValueError("a 3-D complex needs a 3-D axes (projection='3d')")
        ax.scatter(*cx.points.T, s=6, c=faces, depthshade=False)
        if edges and len(pairs):
            ax.add_collection3d(Line3DCollection(pairs, colors=EDGE_COLOR, linewidths=EDGE_WIDTH))
        for k, set_lim in enumerate((ax.set_xlim, ax.set_ylim, ax.set_zlim)):
            set_lim(cx.domain.lo[k], cx.domain.hi[k])
    ax.set_title(title, fontsize=9)
    if color == "activation":
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        sm = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=cmap)
        ax.figure.colorbar(sm, ax=ax, shrink=0.8, label="activation rate")
    return save(ax.figure, path)


def plot_complex_histograms(
    cx: Complex,
    net: Optional[NetworkLike] = None,
    *,
    volumes: Union[Volumes, bool, None] = None,
    bins: int = 30,
    fig: Any = None,
    path: Optional[Union[str, Path]] = None,
) -> Any:
    """Histograms of a complex of any dimension: inradii, facet counts and volumes.

    Parameters
    ----------
    cx : Complex
    net : Network, optional
        Its network (default ``cx.net``), for the polygon areas of a 2-D complex.
    volumes : Volumes or bool, optional
        A :class:`~linregions.Volumes` to draw; True computes ``cx.volumes()``; None (default)
        draws exact polygon areas when d = 2 and a network is at hand, and no volume panel
        otherwise; False never draws one.
    bins : int
        Bins of the inradius and volume histograms (facet counts get one bin per count).
    fig : matplotlib Figure, optional
        Figure to draw into; a new one otherwise.
    path : str or Path, optional
        Where to write the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per histogram: inradii, facet counts and, when drawn, volumes.

    Raises
    ------
    InvalidValueError
        An empty complex, or ``bins < 1``.
    """
    if cx.n_regions == 0:
        raise InvalidValueError("the complex has no regions to draw")
    if int(bins) < 1:
        raise InvalidValueError(f"bins must be >= 1, got {bins}")
    vols: Optional[np.ndarray] = None
    label = "volume"
    if volumes is True:
        volumes = cx.volumes()
    if isinstance(volumes, Volumes):
        vols = np.asarray(volumes.values)
        label = "volume" if volumes.exact else "volume (estimated)"
    elif volumes is None and cx.dim == 2 and (net is not None or cx.net is not None):
        vols = np.array([polygon_area(p) for p in complex_polygons(cx, net)])
        label = "area (exact)"
    panels = 3 if vols is not None else 2
    if fig is None:
        fig = new_figure((3.6 * panels, 3.2), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    axes[0].hist(cx.inradius, bins=int(bins), color="C0")
    axes[0].set_xlabel("inradius")
    axes[0].set_ylabel("regions")
    counts = np.asarray(cx.n_facets)
    edges = np.arange(counts.min(), counts.max() + 2) - 0.5
    axes[1].hist(counts, bins=edges, color="C1")
    axes[1].set_xlabel("facets on neuron hyperplanes")
    if vols is not None:
        axes[2].hist(vols, bins=int(bins), color="C2")
        axes[2].set_xlabel(label)
    state = "" if cx.complete else ", incomplete"
    fig.suptitle(f"{cx.n_regions} regions in d = {cx.dim}{state}", fontsize=10)
    return save(fig, path)
