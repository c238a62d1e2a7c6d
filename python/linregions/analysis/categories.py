"""The three region categories of a test point (paper sec. 3.2, appendix E): its manifold
region, its decision regions (toward each other class) and its adversarial region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._arrays import as_point, as_points
from ..errors import InvalidValueError, ShapeError
from ..model.region import Region
from .decision_boundary import BoundaryPoint, boundary_point

if TYPE_CHECKING:
    from ..model.network import Network


@dataclass(frozen=True, eq=False)
class CategoryRegion:
    """One categorised region and its insphere (eq. 5).

    ``kind``: ``"manifold"``, ``"decision"`` or ``"adversarial"``; ``target_class``: the class
    of the target (-1 for the manifold region); ``target``: ``"mean"``, ``"sample"``,
    ``"pgd"`` or ``"point"``; ``boundary``: the :class:`BoundaryPoint` (None for the
    manifold region); ``center`` (d,), ``radius``: the insphere.

    Built by :func:`region_categories` (its Examples show every field).
    """

    kind: str
    target_class: int
    target: str
    region: Region
    boundary: Optional[BoundaryPoint]
    center: np.ndarray
    radius: float


@dataclass(frozen=True, eq=False)
class RegionCategories:
    """``manifold``; ``decision``: one entry per other class that could be reached;
    ``adversarial``: None when PGD found no adversarial example; ``skipped``: classes with
    no decision region and why.

    Built by :func:`region_categories` (its Examples show every field).
    """

    label: int
    manifold: CategoryRegion
    decision: tuple[CategoryRegion, ...]
    adversarial: Optional[CategoryRegion]
    skipped: tuple[tuple[int, str], ...]


def decision_targets(
    net: Network, X_train: Any, y_train: Any, label: int, seed: int = 0
) -> tuple[list[tuple[int, str, np.ndarray]], list[tuple[int, str]]]:
    """Targets per other class j (appendix E): the mean of class j's training points when the
    network classifies it as j, else a random training point of class j that it classifies
    as j. Returns ``(class, "mean" | "sample", point)`` and the classes skipped, with why."""
    X = as_points(X_train, net.input_shape, "X_train")
    y = np.asarray(y_train).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ShapeError(f"X_train has {X.shape[0]} points, y_train {y.shape[0]} labels")
    rng = np.random.default_rng(seed)
    targets, skipped = [], []
    for j in range(net.n_classes):
        if j == label:
            continue
        Xj = X[y == j]
        if Xj.shape[0] == 0:
            skipped.append((j, "no training points"))
            continue
        mean = Xj.mean(axis=0)
        if net.logits(mean[None])[0].argmax() == j:
            targets.append((j, "mean", mean))
            continue
        ok = np.flatnonzero(net.logits(Xj).argmax(1) == j)
        if ok.size == 0:
            skipped.append((j, "no training point of the class is classified as it"))
            continue
        targets.append((j, "sample", Xj[rng.choice(ok)]))
    return targets, skipped


def _categorised(
    kind: str, j: int, target: str, region: Region, bp: Optional[BoundaryPoint]
) -> CategoryRegion:
    center, radius = region.insphere()
    return CategoryRegion(
        kind=kind,
        target_class=j,
        target=target,
        region=region,
        boundary=bp,
        center=center,
        radius=float(radius),
    )


def region_categories(
    net: Network,
    x: Any,
    X_train: Any,
    y_train: Any,
    x_adv: Any = None,
    seed: int = 0,
) -> RegionCategories:
    """Manifold, decision and adversarial regions of ``x`` with their inspheres (sec. 3.2).

    Decision regions hold the boundary point (:func:`boundary_point`) from ``x`` toward each
    other class's target (:func:`decision_targets`). The adversarial region holds the boundary
    point toward ``x_adv`` (e.g. ``lr.pgd(...).x_adv[i]``); pass None to skip it, and an
    ``x_adv`` classified like ``x`` gives ``adversarial=None``.

    Parameters
    ----------
    net : Network
    x : array_like, shape (d,) or input_shape
    X_train : array_like, shape (n, d)
    y_train : array_like, shape (n,)
        Training data: the targets of the decision regions (appendix E).
    x_adv : array_like, shape (d,), optional
    seed : int, default 0

    Returns
    -------
    RegionCategories

    Raises
    ------
    ShapeError
        ``X_train`` and ``y_train`` disagree in length.
    InvalidValueError
        ``x_adv`` is not finite or a point is outside the box.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input
    >>> nodes = [Input(2), Affine(0, np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]),
    ...                           np.array([0.0, 0.0, -0.5]))]
    >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
    >>> X = np.array([[0.9, 0.0], [-0.9, 0.0], [0.0, 0.95]])
    >>> y = net.logits(X).argmax(1)
    >>> cats = lr.region_categories(net, [0.5, 0.0], X, y)
    >>> cats.label, [d.target_class for d in cats.decision], cats.adversarial, cats.skipped
    (0, [1, 2], None, ())
    >>> m = cats.manifold
    >>> m.kind, m.target_class, m.target, m.boundary is None, bool(m.radius > 0)
    ('manifold', -1, 'point', True, True)
    >>> cats = lr.region_categories(net, [0.5, 0.0], X, y, x_adv=[-0.5, 0.0])
    >>> d = cats.decision[0]
    >>> d.kind, d.target, round(d.boundary.alpha, 6), cats.adversarial.target_class  # x = 0
    ('decision', 'mean', 0.357143, 1)
    """
    pt = as_point(x, net.input_shape)
    label = int(net.logits(pt[None])[0].argmax())
    manifold = _categorised("manifold", -1, "point", net.region(pt, on_boundary="active"), None)
    targets, skipped = decision_targets(net, X_train, y_train, label, seed=seed)
    decision = []
    for j, kind, target in targets:
        bp = boundary_point(net, pt, target)
        decision.append(_categorised("decision", j, kind, bp.region, bp))
    adversarial = None
    if x_adv is not None:
        xa = as_point(x_adv, net.input_shape, "x_adv")
        pred = int(net.logits(xa[None])[0].argmax())
        if pred != label:
            bp = boundary_point(net, pt, xa)
            adversarial = _categorised("adversarial", pred, "pgd", bp.region, bp)
        elif not np.isfinite(xa).all():
            raise InvalidValueError("x_adv is not finite")
    return RegionCategories(
        label=label,
        manifold=manifold,
        decision=tuple(decision),
        adversarial=adversarial,
        skipped=tuple(skipped),
    )
