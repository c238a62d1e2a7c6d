"""Per-point analyses of a study. Each takes a :class:`PointContext` and returns a dict of
JSON-serialisable metrics (numbers, or lists of numbers for distributions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...analysis.decision_boundary import boundary_point
from ...analysis.surroundings import surrounding_regions
from ...model.network import Network

#: Relative certification tolerance of the study's inradii. The study reports them to a few
#: digits; the library default (1e-9) is out of reach on some degenerate CNN regions (many
#: tied constraints: both the interior-point method and HiGHS stall at 1e-8..1e-6 there).
INRADIUS_REL_TOL = 1e-7
#: When even that is not reached, the certified interval is recorded if it is this tight
#: (relative): the lower end is the exact radius of a point, the upper a dual bound.
INRADIUS_ACCEPT_GAP = 1e-4


def certified_inradius(region) -> tuple[float, float]:
    """(inradius, certified relative gap): the insphere radius to ``INRADIUS_REL_TOL``, or
    the lower end of a certified interval no wider than ``INRADIUS_ACCEPT_GAP``; a wider
    one raises the solver's :class:`SolverLimitError`."""
    from ...errors import SolverLimitError

    try:
        ins = region.insphere(rel_tol=INRADIUS_REL_TOL)
        return float(ins.radius), 0.0
    except SolverLimitError as err:
        if err.bounds is None:
            raise
        lo, hi = err.bounds
        gap = (hi - lo) / max(abs(hi), 1e-300)
        if not (lo > 0 and gap <= INRADIUS_ACCEPT_GAP):
            raise
        return float(lo), float(gap)


#: PGD settings of the adversarial analysis (L-inf, in the [-1, 1] pixel scale).
PGD_EPS, PGD_STEP, PGD_STEPS, PGD_RESTARTS = 0.3, 0.02, 40, 2


@dataclass
class PointContext:
    """One test point of one model, with what the analyses share."""

    net: Network
    model: Any  # the torch model (eval mode), for analyses that need torch
    x: np.ndarray
    targets: np.ndarray  # (M, d) decision target per class (appendix E), NaN rows: none
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
    radius, gap = certified_inradius(region)
    _, nearest = region.nearest_hyperplane()
    return {
        "hyperplanes": int(region.n_rows),
        "active_fraction": float(region.active_fraction),
        "nearest_hyperplane": float(nearest),
        "inradius": float(radius),
        "inradius_gap": gap,
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


def class_maxima(ctx: PointContext) -> dict:
    """Classes living in the manifold region and its distortion (eq. 6-8, table 2)."""
    cm = ctx.manifold_region().class_maxima()
    return {
        "count": int(cm.count),
        "distortion": float(cm.distortion),
        "certified_classes": int(sum(st == "optimal" for st in cm.status)),
        "max_gap": float(np.max(cm.gap)),
    }


def decision(ctx: PointContext) -> dict:
    """The decision region (sec. 3.2): the region at the boundary point from x toward the
    target of one other class, drawn at random (the class mean, or a training point of the
    class when the mean is not classified as it, appendix E)."""
    label = int(ctx.net.logits(ctx.x[None])[0].argmax())
    rng = np.random.default_rng(ctx.seed)
    classes = [
        j for j in range(len(ctx.targets)) if j != label and np.isfinite(ctx.targets[j]).all()
    ]
    if not classes:
        raise ValueError("no other class has a decision target")
    j = int(rng.choice(classes))
    bp = boundary_point(ctx.net, ctx.x, ctx.targets[j])
    radius, gap = certified_inradius(bp.region)
    return {
        "inradius": radius,
        "inradius_gap": gap,
        "target_class": j,
        "alpha": float(bp.alpha),
        "pieces": int(bp.n_pieces),
    }


def adversarial(ctx: PointContext) -> dict:
    """The adversarial region (sec. 3.2): the region at the boundary point from x toward its
    PGD adversarial example."""
    from ...analysis.attacks import pgd

    label = int(ctx.net.logits(ctx.x[None])[0].argmax())
    shape = ctx.net.input_shape
    adv = pgd(
        ctx.model,
        ctx.x.reshape(1, *shape),
        np.array([label]),
        eps=PGD_EPS,
        step=PGD_STEP,
        steps=PGD_STEPS,
        restarts=PGD_RESTARTS,
        bounds=(float(ctx.net.lo.min()), float(ctx.net.hi.max())),
        seed=ctx.seed,
    )
    if not bool(adv.success[0]):
        return {"attack_success": 0}
    bp = boundary_point(ctx.net, ctx.x, np.asarray(adv.x_adv[0], dtype=np.float64).ravel())
    radius, gap = certified_inradius(bp.region)
    return {"attack_success": 1, "inradius": radius, "inradius_gap": gap, "alpha": float(bp.alpha)}


ANALYSES: dict[str, Callable[[PointContext], dict]] = {
    "manifold": manifold,
    "surroundings": surroundings,
    "angles": angles,
    "class_maxima": class_maxima,
    "decision": decision,
    "adversarial": adversarial,
}
