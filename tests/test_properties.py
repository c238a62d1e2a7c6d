"""Property tests over random small architectures (hypothesis)."""

import numpy as np
import torch
import torch.nn as nn
from hypothesis import given
from hypothesis import strategies as st

import linregions as lr

from models import randomize_batchnorm
from reference import autograd_region


@st.composite
def architectures(draw):
    seed = draw(st.integers(0, 2**16))
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    conv = draw(st.booleans())
    if conv:
        shape = (draw(st.integers(1, 2)), 5, 5)
        cout = draw(st.integers(1, 3))
        k = draw(st.integers(1, 3))
        layers.append(
            nn.Conv2d(
                shape[0], cout, k, stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1))
            )
        )
        if draw(st.booleans()):
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.ReLU())
        layers.append(nn.Flatten())
        width = int(layers[0](torch.zeros(1, *shape)).numel())
    else:
        shape = (draw(st.integers(1, 6)),)
        width = shape[0]
    for _ in range(draw(st.integers(1, 3))):
        out = draw(st.integers(1, 6))
        layers.append(nn.Linear(width, out))
        if draw(st.booleans()):
            layers.append(nn.BatchNorm1d(out))
        slope = draw(st.sampled_from([0.0, 0.0, 0.1, -0.3]))
        layers.append(nn.ReLU() if slope == 0.0 else nn.LeakyReLU(slope))
        width = out
    layers.append(nn.Linear(width, draw(st.integers(1, 4))))
    model = randomize_batchnorm(nn.Sequential(*layers), seed).double().eval()
    x = np.random.default_rng(seed).uniform(-1, 1, int(np.prod(shape)))
    return model, shape, x


@given(architectures())
def test_region_matches_autograd_on_random_architectures(case):
    model, shape, x = case
    net = lr.from_torch(model, shape, (-1.0, 1.0))
    region = net.region(x, on_boundary="active", boundary_tol=0.0)
    ref = autograd_region(model, x, shape)
    keep = ref["h"] != 0  # exact zeros are reported, not compared
    np.testing.assert_allclose(region.A[keep], ref["A"][keep], atol=1e-10)
    np.testing.assert_allclose(region.b[keep], ref["b"][keep], atol=1e-10)
    np.testing.assert_array_equal(region.pattern[keep], ref["pattern"][keep])
    np.testing.assert_allclose(region.logit_map[0], ref["W"], atol=1e-10)
    np.testing.assert_allclose(region.local_logits(x), net.logits(x[None])[0], atol=1e-10)
    assert region.contains(x, tol=1e-12)


@given(architectures(), st.integers(1, 400))
def test_unique_count_matches_numpy(case, n):
    model, shape, _ = case
    net = lr.from_torch(model, shape, (-1.0, 1.0))
    X = np.random.default_rng(n).uniform(-1, 1, (n, int(np.prod(shape))))
    pats = net.patterns(X)
    bools = pats.to_bool()
    uniq, first, inverse, counts = np.unique(
        bools, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    assert pats.n_unique == len(uniq)
    assert sorted(pats.counts.tolist()) == sorted(counts.tolist())
    # same grouping: points share a key exactly when they share a pattern
    inv = inverse.ravel()
    for u in range(pats.n_unique):
        members = pats.inverse == u
        assert len(set(inv[members])) == 1
    assert np.array_equal(np.sort(pats.first), np.sort(first))
    # first-seen order of unique ids
    assert np.all(np.diff(pats.first) > 0)
    assert pats.inverse[0] == 0
