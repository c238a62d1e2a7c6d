"""Per-unit ReLU slopes (PReLU) through every Rust path: forward, region, walk, slice."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn as nn  # noqa: E402
from test_slice import check_slice  # noqa: E402

import linregions as lr  # noqa: E402


def prelu_net(seed: int = 0, widths=(2, 16, 16, 3)) -> tuple[nn.Module, lr.Network]:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        prelu = nn.PReLU(b)
        with torch.no_grad():
            prelu.weight.uniform_(-0.5, 0.5)
        layers += [nn.Linear(a, b), prelu]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    model = nn.Sequential(*layers).double().eval()
    return model, lr.from_torch(model, (widths[0],))


def test_prelu_logits_and_region_match_torch():
    model, net = prelu_net(widths=(5, 12, 12, 4))
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (50, 5))
    with torch.no_grad():
        want = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.logits(X), want, rtol=1e-12, atol=1e-12)
    region = net.region(X[0])
    Y = X[0] + rng.uniform(-1e-6, 1e-6, (20, 5))
    Y = Y[[np.all(region.A @ y + region.b >= 0) for y in Y]]
    with torch.no_grad():
        np.testing.assert_allclose(region.local_logits(Y), model(torch.from_numpy(Y)).numpy(),
                                   rtol=1e-10, atol=1e-10)  # fmt: skip
    # rows are sgn(h_i) grad h_i: the signed pre-activations, exactly affine on the region
    assert np.all(region.A @ X[0] + region.b >= 0)


def test_prelu_walk_pieces_have_their_keys():
    _, net = prelu_net(seed=1)
    x0, x1 = np.array([-0.9, -0.7]), np.array([0.8, 0.9])
    walk = net.walk(x0, x1)
    mids = walk.point((walk.breakpoints[:-1] + walk.breakpoints[1:]) / 2)
    assert net.patterns(mids).key_ints() == list(walk.keys)
    dense = net.patterns(walk.point(np.linspace(0, 1, 20_001))).key_ints()
    assert set(dense) <= set(walk.keys)


def test_prelu_slice_tiles_the_square():
    _, net = prelu_net(seed=2)
    sl = net.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=1.0)
    assert sl.n_regions > 10
    check_slice(net, sl, 4.0)
