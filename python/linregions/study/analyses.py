"""Per-point analyses of a study. Each takes a :class:`PointContext` and returns a dict of
JSON-serialisable metrics (numbers, or lists of numbers for distributions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..network import Network
from ..surroundings import surrounding_regions


@dataclass
class PointContext:
    """One test point of one model, with what the analyses share."""

    net: Network
    model: Any  # the torch model (eval mode), for analyses that need torch
    x: np.ndarray
    label: int
    index: int
    class_means: np.ndarray  # (M, d) training means per class
    n_directions: int
    eps: float
    seed: int
    cache: dict = field(default_factory=dict)

    def manifold_region(self):
        """The region of x (computed once per point)."""
        if "manifold" not in self.cache:
            self.cache["manifold"] = self.net.region(self.x, on_boundary="active")
        return self.cache["manifold"]


def manifold(ctx: PointContext) -> dict:
    """The manifold region (sec. 3.2): its size in rows, activity and insphere."""
    region = ctx.manifold_region()
    _, radius = region.insphere()
    _, nearest = region.nearest_hyperplane()
    return {
        "hyperplanes": int(region.n_rows),
        "active_fraction": float(region.active_fraction),
        "nearest_hyperplane": float(nearest),
        "inradius": float(radius),
        "boundary_units": len(region.boundary),
    }


def surroundings(ctx: PointContext) -> dict:
    """Unique regions on nullspace rays and their relevance rho (sec. 3.5, fig. 6)."""
    s = surrounding_regions(ctx.net, ctx.x, ctx.n_directions, ctx.eps, seed=ctx.seed)
    rho = s.rho[~s.is_origin]
    rho = rho[np.isfinite(rho)]
    return {
        "n_unique": int(s.n_unique),
        "rho_mean": float(rho.mean()) if rho.size else float("nan"),
        "rho": [float(r) for r in rho],
    }


def angles(ctx: PointContext) -> dict:
    """Orientation of the manifold region's hyperplanes (sec. 3.3, fig. 4): the mean
    deviation from orthogonality over all pairs of (non-zero) normals, overall and within
    each layer."""
    region = ctx.manifold_region()
    rows = np.flatnonzero(np.linalg.norm(region.A, axis=1) > 0)
    ang = np.degrees(region.angles(rows))
    dev = np.abs(ang - 90.0)
    upper = np.triu_indices(len(rows), k=1)
    out = {"mean_abs_deviation_deg": float(dev[upper].mean()) if rows.size > 1 else float("nan")}
    layers = region.layer[rows]
    for layer in np.unique(layers):
        sel = np.flatnonzero(layers == layer)
        if sel.size > 1:
            sub = dev[np.ix_(sel, sel)][np.triu_indices(sel.size, k=1)]
            out[f"layer{int(layer)}_mean_abs_deviation_deg"] = float(sub.mean())
    return out


ANALYSES: dict[str, Callable[[PointContext], dict]] = {
    "manifold": manifold,
    "surroundings": surroundings,
    "angles": angles,
}
