"""Per-point analyses of a study. Each takes a :class:`PointContext` and returns a dict of
JSON-serialisable metrics (numbers, or lists of numbers for distributions).

Performance notes (``benches/study_point_cost.py`` times each analysis on the paper's MLP):
with ``PointContext.reuse`` (the default) the analyses of one point share what they build:
the label, every region by key and its certified inradius (a region met twice, such as a
boundary piece inside x's own region, is built and its insphere solved once); segments and
rays are walked on the network restricted to their line or span
(:mod:`linregions.model.line_walk`: the same pieces, 0.5-0.75 of the time); the angle
statistics are summed block by block over pairs i < j without the full (N, N) matrices.
``reuse=False`` runs every analysis on its own, as the reference for tests and benchmarks;
the results agree to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...analysis.decision_boundary import boundary_point
from ...analysis.surroundings import surrounding_regions
from ...model.network import Network
from ...model.region import Region

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
    #: Share labels, regions, inradii between the analyses and walk restricted networks
    #: (see the module notes); False: each analysis computes everything itself.
    reuse: bool = True
    regions: dict[int, Region] = field(default_factory=dict)
    inradii: dict[int, tuple[float, float]] = field(default_factory=dict)

    def manifold_region(self):
        """The region of x (computed once per point)."""
        if "manifold" not in self.cache:
            self.cache["manifold"] = self.net.region(self.x, on_boundary="active")
            if self.reuse:
                self.regions[self.cache["manifold"].key] = self.cache["manifold"]
        return self.cache["manifold"]

    def label(self) -> int:
        """The network's class of x."""
        if not self.reuse:
            return int(self.net.logits(self.x[None])[0].argmax())
        if "label" not in self.cache:
            self.cache["label"] = int(self.net.logits(self.x[None])[0].argmax())
        return self.cache["label"]

    def inradius(self, region: Region) -> tuple[float, float]:
        """:func:`certified_inradius` of a region of this point (once per region key)."""
        if not self.reuse:
            return certified_inradius(region)
        self.regions.setdefault(region.key, region)
        if region.key not in self.inradii:
            self.inradii[region.key] = certified_inradius(region)
        return self.inradii[region.key]

    def boundary_point(self, x_to: np.ndarray):
        """:func:`boundary_point` from x to ``x_to``, with this point's known regions."""
        if not self.reuse:
            return boundary_point(self.net, self.x, x_to)
        return boundary_point(self.net, self.x, x_to, sliced=True, regions=self.regions)


def manifold(ctx: PointContext) -> dict:
    """The manifold region (sec. 3.2): its size in rows, activity and insphere."""
    region = ctx.manifold_region()
    radius, gap = ctx.inradius(region)
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
    s = surrounding_regions(
        ctx.net, ctx.x, ctx.n_directions, ctx.eps, seed=ctx.seed, sliced=ctx.reuse
    )
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
    if ctx.reuse:
        return angle_deviations(region.A[rows], region.layer[rows])
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


#: Rows of the normal matrix per block of the angle statistics (memory: a block of cosines
#: is ANGLE_BLOCK x N floats).
ANGLE_BLOCK = 512


def angle_deviations(normals: np.ndarray, layers: np.ndarray) -> dict:
    """The statistics of :func:`angles` for the non-zero ``normals`` (k, d) of rows in
    ``layers`` (k,): the mean of ``|angle - 90|`` in degrees over pairs i < j, overall and
    within each layer with more than one row. Sums block by block over pairs i < j (half
    the products of the full angle matrix, no (k, k) arrays); equal to the full matrix's
    means to rounding."""
    order = np.argsort(layers, kind="stable")
    U = normals[order] / np.linalg.norm(normals[order], axis=1)[:, None]
    lay = layers[order]
    k = len(U)
    names, starts = np.unique(lay, return_index=True)
    ends = np.append(starts[1:], k)
    total = 0.0
    per_layer = np.zeros(len(names))
    for s in range(0, k, ANGLE_BLOCK):
        e = min(s + ANGLE_BLOCK, k)
        dev = np.abs(np.degrees(np.arccos(np.clip(U[s:e] @ U[s:].T, -1.0, 1.0))) - 90.0)
        dev[:, : e - s] = np.triu(dev[:, : e - s], 1)  # pairs i < j only
        total += float(dev.sum())
        for n, (ls, le) in enumerate(zip(starts, ends)):
            if le > s and ls < e:
                per_layer[n] += float(
                    dev[max(ls, s) - s : min(le, e) - s, max(ls, s) - s : le - s].sum()
                )
    out = {"mean_abs_deviation_deg": total / (k * (k - 1) / 2) if k > 1 else float("nan")}
    for n, name in enumerate(names):
        size = int(ends[n] - starts[n])
        if size > 1:
            out[f"layer{int(name)}_mean_abs_deviation_deg"] = per_layer[n] / (size * (size - 1) / 2)
    return out


def class_maxima(ctx: PointContext) -> dict:
    """Classes living in the manifold region and its distortion (eq. 6-8, table 2), by the
    paper's criterion (x^t classified t): a lower bound on the classes whose classification
    region meets the manifold region (``Region.class_maxima()`` decides that exactly, at
    several times the cost at the paper's size)."""
    cm = ctx.manifold_region().class_maxima(exact_presence=False)
    return {
        "count": int(cm.count_at_maximum),
        "distortion": float(cm.distortion),
        "certified_classes": int(sum(st == "optimal" for st in cm.status)),
        "max_gap": float(np.max(cm.gap)),
    }


def decision(ctx: PointContext) -> dict:
    """The decision region (sec. 3.2): the region at the boundary point from x toward the
    target of one other class, drawn at random (the class mean, or a training point of the
    class when the mean is not classified as it, appendix E)."""
    label = ctx.label()
    rng = np.random.default_rng(ctx.seed)
    classes = [
        j for j in range(len(ctx.targets)) if j != label and np.isfinite(ctx.targets[j]).all()
    ]
    if not classes:
        raise ValueError("no other class has a decision target")
    j = int(rng.choice(classes))
    bp = ctx.boundary_point(ctx.targets[j])
    radius, gap = ctx.inradius(bp.region)
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

    label = ctx.label()
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
    bp = ctx.boundary_point(np.asarray(adv.x_adv[0], dtype=np.float64).ravel())
    radius, gap = ctx.inradius(bp.region)
    return {"attack_success": 1, "inradius": radius, "inradius_gap": gap, "alpha": float(bp.alpha)}


ANALYSES: dict[str, Callable[[PointContext], dict]] = {
    "manifold": manifold,
    "surroundings": surroundings,
    "angles": angles,
    "class_maxima": class_maxima,
    "decision": decision,
    "adversarial": adversarial,
}
