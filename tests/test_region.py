"""Regions against autograd (paper eq. 2-3) and against the torch forward pass."""

import numpy as np
import pytest
import torch

import linregions as lr

from models import cnn, maxpool_cnn, mlp
from reference import autograd_region

TOL = 1e-10

CASES = {
    "mlp": (lambda dt: mlp(seed=1, dtype=dt), (12,)),
    "mlp-bn-dropout": (lambda dt: mlp(seed=2, bn=True, dropout=True, dtype=dt), (12,)),
    "mlp-leaky-bn": (lambda dt: mlp(seed=3, bn=True, leaky=True, dtype=dt), (12,)),
    "cnn-residual": (lambda dt: cnn(seed=4, dtype=dt), (2, 8, 8)),
}


def random_points(shape, n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_region_matches_autograd(case, dtype):
    make, shape = CASES[case]
    model = make(dtype)
    net = lr.from_torch(model, shape, (-1.0, 1.0))
    for x in random_points(shape, 3, seed=10).reshape(3, -1):
        region = net.region(x)
        ref = autograd_region(model, x, shape)
        scale = max(1.0, np.abs(ref["A"]).max())
        np.testing.assert_allclose(region.A, ref["A"], atol=TOL * scale, rtol=0)
        np.testing.assert_allclose(region.b, ref["b"], atol=TOL * scale, rtol=0)
        np.testing.assert_array_equal(region.pattern, ref["pattern"])
        W, c = region.logit_map
        np.testing.assert_allclose(W, ref["W"], atol=TOL * scale, rtol=0)
        np.testing.assert_allclose(c, ref["c"], atol=TOL * scale, rtol=0)
        assert region.contains(x, tol=0.0)
        assert region.A.shape == (net.n_neurons, x.size)
        assert np.all(np.diff(region.layer) >= 0)


@pytest.mark.parametrize("case", sorted(CASES) + ["maxpool"])
def test_logits_match_torch(case):
    make, shape = CASES.get(case, (lambda dt: maxpool_cnn(seed=5, dtype=dt), (1, 8, 8)))
    model = make(torch.float32)
    net = lr.from_torch(model, shape, (-1.0, 1.0))
    X = random_points(shape, 300, seed=11)
    expected = model.double()(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(net.logits(X), expected, atol=1e-12, rtol=0)
    np.testing.assert_allclose(net.logits(X.reshape(300, -1)), expected, atol=1e-12, rtol=0)


def test_float32_model_geometry_is_float64_of_exact_weights():
    model = mlp(seed=6, dtype=torch.float32)
    net = lr.from_torch(model, (12,), (-1, 1))
    first = net.nodes[1]
    np.testing.assert_array_equal(first.weight, model[0].weight.detach().double().numpy())


def test_maxpool_region_is_affine_inside_and_facets_leave_it():
    model = maxpool_cnn(seed=7)
    shape = (1, 8, 8)
    net = lr.from_torch(model, shape, (-1.0, 1.0))
    rng = np.random.default_rng(12)
    x = random_points(shape, 1, seed=13).ravel()
    region = net.region(x)
    samples = region.sample(300, seed=14, start=x)
    assert all(region.contains(s) for s in samples)
    pats = net.patterns(samples)
    assert pats.n_unique == 1 and pats.key_ints()[0] == region.key
    np.testing.assert_allclose(net.logits(samples), region.local_logits(samples), atol=1e-10)
    # Along random chords through a sample, stepping just past the chord's end leaves the
    # region: either the box is crossed or the pattern changes.
    left = 0
    for s in samples[:40]:
        u = rng.standard_normal(s.size)
        u /= np.linalg.norm(u)
        _, t_hi = region._chord(s, u, region.slack(s))
        y = s + (t_hi + 1e-7) * u
        in_box = bool(np.all((y >= net.lo) & (y <= net.hi)))
        if in_box:
            assert net.patterns(y[None]).key_ints()[0] != region.key
            assert not region.contains(y, tol=0.0)
        left += 1
    assert left == 40


def test_maxpool_rows_keep_the_window_maximum():
    model = maxpool_cnn(seed=8)
    net = lr.from_torch(model, (1, 8, 8), (-1.0, 1.0))
    x = random_points((1, 8, 8), 1, seed=15).ravel()
    region = net.region(x)
    pool_layers = [i for i, lab in enumerate(net.layout.layer_labels) if "MaxPool" in lab]
    rows = np.isin(region.layer, pool_layers)
    assert rows.sum() > 0
    slack = region.slack(x)[rows]
    nonzero = np.linalg.norm(region.A[rows], axis=1) > 0
    assert np.all(slack[nonzero] > 0)


def test_region_pattern_and_key_match_patterns():
    model = mlp(seed=9, bn=True)
    net = lr.from_torch(model, (12,), (-1, 1))
    X = random_points((12,), 20, seed=16)
    pats = net.patterns(X)
    bools = pats.to_bool()
    keys = pats.key_ints()
    for i, x in enumerate(X):
        region = net.region(x)
        np.testing.assert_array_equal(region.pattern, bools[i])
        assert region.key == keys[i]


def test_active_fraction_and_nearest_hyperplane():
    model = mlp(seed=10)
    net = lr.from_torch(model, (12,), (-1, 1))
    x = random_points((12,), 1, seed=17).ravel()
    region = net.region(x)
    assert region.active_fraction == pytest.approx(region.pattern.mean())
    i, dist = region.nearest_hyperplane()
    a = region.A[i]
    foot = x - (a @ x + region.b[i]) / (a @ a) * a
    assert abs(a @ foot + region.b[i]) < 1e-12
    assert np.linalg.norm(foot - x) == pytest.approx(dist)
    assert dist == pytest.approx(region.hyperplane_distances(x).min())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_on_cuda_device():
    model = mlp(seed=11).cuda()
    net = lr.from_torch(model, (12,), (-1, 1))
    X = torch.rand(10, 12, device="cuda") * 2 - 1
    expected = model.double()(X.double()).detach().cpu().numpy()
    np.testing.assert_allclose(net.logits(X), expected, atol=1e-12)
