"""Region categories (sec. 3.2, appendix E) and the figure-5 plot."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch

import linregions as lr
from linregions.analysis.categories import decision_targets, region_categories
from linregions.experiments.training import make_mlp, train_classifier
from linregions.plotting.class_maxima import GREEN, RED, plot_class_maxima

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.3).astype(int)
    model = make_mlp((10, 32, 32, 3), seed=0)
    train_classifier(model, X, y, epochs=30, batch_size=64, seed=0)
    return model, lr.from_torch(model, (10,), (-1.0, 1.0)), X, y


def test_region_categories(toy):
    model, net, X, y = toy
    x = X[5]
    label = int(net.logits(x[None])[0].argmax())
    adv = lr.pgd(model, x[None], [label], eps=0.5, step=0.05, steps=30, restarts=2)
    assert adv.success[0]
    cats = region_categories(net, x, X, y, x_adv=adv.x_adv[0])
    assert cats.label == label
    assert cats.manifold.region.contains(x) and cats.manifold.radius > 0
    assert {d.target_class for d in cats.decision} | {j for j, _ in cats.skipped} == (
        set(range(3)) - {label}
    )
    for cat in (*cats.decision, cats.adversarial):
        bp = cat.boundary
        assert cat.region.contains(bp.x, tol=1e-9)
        assert cat.radius >= 0 and cat.region.contains(cat.center, tol=1e-9)
        z = net.logits(bp.x[None])[0]
        assert abs(z[label] - np.delete(z, label).max()) <= 1e-9
    assert cats.adversarial.target == "pgd"
    # an x_adv classified like x gives no adversarial region
    assert region_categories(net, x, X, y, x_adv=x).adversarial is None


def test_decision_targets_follow_appendix_e(toy):
    _, net, X, y = toy
    targets, skipped = decision_targets(net, X, y, label=0)
    for j, kind, pt in targets:
        assert net.logits(pt[None])[0].argmax() == j
        if kind == "mean":
            np.testing.assert_allclose(pt, X[y == j].mean(0))
    # labels that make every mean misclassified force the sample rule
    y_bad = (y + 1) % 3
    targets, _ = decision_targets(net, X, y_bad, label=0)
    for j, kind, pt in targets:
        assert net.logits(pt[None])[0].argmax() == j
        assert kind == "sample" or np.allclose(pt, X[y_bad == j].mean(0))
    with pytest.raises(lr.ShapeError):
        decision_targets(net, X, y[:5], label=0)


def test_figure5_borders(toy):
    _, net, X, _ = toy
    torch.manual_seed(0)
    cm = net.region(X[0]).class_maxima()
    fig = plot_class_maxima([("a", cm), ("b", cm)], image_shape=(2, 5))
    axes = fig.axes
    assert len(axes) == 2 * 3
    for t, ax in enumerate(axes[:3]):
        colour = matplotlib.colors.to_hex(ax.spines["left"].get_edgecolor())
        assert colour == (GREEN if cm.present[t] else RED)
