"""boundary_point (exact, by the segment walk) and PGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import linregions as lr

BISECT_TOL = 1e-12


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.3).astype(int)
    from linregions.experiments.training import make_mlp, train_classifier

    model = make_mlp((10, 32, 32, 3), seed=0)
    train_classifier(model, X, y, epochs=30, batch_size=64, seed=0)
    return model, X[:64], y[:64], lr.from_torch(model, (10,), (-1.0, 1.0))


def pairs(net, n, seed):
    """Point pairs of the box classified differently (a trained 3-class toy net)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (200, net.n_inputs))
    cls = net.logits(X).argmax(1)
    out = []
    for i in range(0, 200, 2):
        if cls[i] != cls[i + 1]:
            out.append((X[i], X[i + 1]))
    assert len(out) >= n
    return out[:n]


def classify(net, x):
    return net.logits(np.atleast_2d(x)).argmax(1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boundary_point_is_the_last_crossing(trained, seed):
    net = trained[3]
    for a, b in pairs(net, 5, seed):
        bp = lr.boundary_point(net, a, b)
        label = classify(net, a)[0]
        assert bp.label == label and 0 < bp.alpha < 1
        np.testing.assert_allclose(bp.x, bp.alpha * b + (1 - bp.alpha) * a)
        seg = lambda al, a=a, b=b: al * b + (1 - al) * a  # noqa: E731
        # just before: still label; everything after alpha: never label again (fine grid)
        assert classify(net, seg(bp.alpha - 1e-7))[0] == label
        after = np.linspace(bp.alpha + 1e-7, 1.0, 2001)
        assert (classify(net, seg(after[:, None])) != label).all()
        # at alpha the label ties with another class
        z = net.logits(bp.x[None])[0]
        others = np.delete(z, label)
        assert abs(z[label] - others.max()) <= 1e-9
        # the region is the one holding the boundary: x is in its closure
        assert bp.region.contains(bp.x, tol=1e-9)


def test_boundary_point_agrees_with_fine_bisection(trained):
    net = trained[3]
    for a, b in pairs(net, 8, 3):
        grid = np.linspace(0, 1, 4001)
        cls = classify(net, grid[:, None] * b + (1 - grid[:, None]) * a)
        label = cls[0]
        last = np.flatnonzero(cls == label).max()
        lo, hi = grid[last], grid[last + 1]
        while hi - lo > BISECT_TOL:
            mid = 0.5 * (lo + hi)
            if classify(net, mid * b + (1 - mid) * a)[0] == label:
                lo = mid
            else:
                hi = mid
        bp = lr.boundary_point(net, a, b)
        assert bp.alpha == pytest.approx(lo, abs=1e-9)


def test_boundary_point_bad_input(trained):
    net = trained[3]
    a, b = pairs(net, 1, 0)[0]
    with pytest.raises(lr.NoBoundaryError):
        lr.boundary_point(net, a, a * 0.999)
    with pytest.raises(lr.InvalidValueError):
        lr.boundary_point(net, a, np.full_like(b, 1.5))


@pytest.mark.parametrize("norm,eps,step", [("linf", 0.3, 0.05), ("l2", 0.8, 0.1)])
def test_pgd_within_eps_and_box_and_finds_attacks(trained, norm, eps, step):
    model, X, y, _ = trained
    res = lr.pgd(model, X, y, eps=eps, step=step, steps=20, restarts=2, norm=norm, seed=1)
    delta = res.x_adv - X
    size = np.abs(delta).max(1) if norm == "linf" else np.linalg.norm(delta, axis=1)
    assert (size <= eps + 1e-6).all()
    assert res.x_adv.min() >= -1 - 1e-7 and res.x_adv.max() <= 1 + 1e-7
    with torch.no_grad():
        pred = model(torch.as_tensor(res.x_adv, dtype=torch.float32)).argmax(1).numpy()
    np.testing.assert_array_equal(res.success, pred != y)
    assert res.success.mean() > 0.3  # near the boundaries of a 3-class toy problem


def test_pgd_restarts_never_worse(trained):
    model, X, y, _ = trained
    one = lr.pgd(model, X, y, eps=0.1, step=0.02, steps=10, restarts=1, seed=5)
    more = lr.pgd(model, X, y, eps=0.1, step=0.02, steps=10, restarts=4, seed=5)
    assert (more.success >= one.success).all()
    same = more.success == one.success
    assert (more.loss[same] >= one.loss[same] - 1e-6).all()
    none = lr.pgd(model, X, y, eps=0.0, step=0.01, steps=3)
    np.testing.assert_allclose(none.x_adv, X, atol=1e-6)


def test_pgd_bad_input(trained):
    model, X, y, _ = trained
    with pytest.raises(lr.InvalidValueError):
        lr.pgd(model, X, y, eps=0.1, step=0.01, steps=3, norm="l1")
    with pytest.raises(lr.InvalidValueError):
        lr.pgd(model, X, y[:3], eps=0.1, step=0.01, steps=3)
