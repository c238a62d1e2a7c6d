"""Exact walks against dense sampling, hyperplane checks and degenerate crossings."""

import numpy as np
import pytest
import torch
import torch.nn as nn

import linregions as lr

from models import cnn, maxpool_cnn, mlp

CASES = {
    "mlp": (lambda: mlp(seed=21, widths=(12, 24, 24, 4)), (12,)),
    "mlp-bn-leaky": (lambda: mlp(seed=22, bn=True, leaky=True), (12,)),
    "cnn-residual": (lambda: cnn(seed=23), (2, 8, 8)),
    "maxpool": (lambda: maxpool_cnn(seed=24), (1, 8, 8)),
}
N_SAMPLES = 10_000


def segment(shape, seed):
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    return rng.uniform(-1, 1, d), rng.uniform(-1, 1, d)


@pytest.mark.parametrize("case", sorted(CASES))
def test_walk_against_dense_sampling(case):
    make, shape = CASES[case]
    net = lr.from_torch(make(), shape, (-1.0, 1.0))
    x0, x1 = segment(shape, seed=31)
    w = net.walk(x0, x1)
    assert w.breakpoints[0] == 0.0 and w.breakpoints[-1] == 1.0
    assert np.all(np.diff(w.breakpoints) > 0)
    betas = np.linspace(0, 1, N_SAMPLES)
    sampled = net.patterns(w.point(betas)).key_ints()
    assert set(sampled) <= set(w.keys), "sampling found a region the walk missed"
    # every sample lies in the piece the walk assigns to it (away from breakpoints)
    near = np.min(np.abs(betas[:, None] - w.breakpoints[None, :]), axis=1) < 1e-9
    piece = w.piece_of(betas)
    for i in np.flatnonzero(~near):
        assert sampled[i] == w.keys[piece[i]]
    # midpoints carry their piece's key; consecutive pieces differ
    assert net.patterns(w.midpoints()).key_ints() == list(w.keys)
    assert all(a != b for a, b in zip(w.keys[:-1], w.keys[1:]))
    assert len(w.switches) == w.n_regions - 1
    assert all(len(s) > 0 for s in w.switches)


@pytest.mark.parametrize("case", ["mlp", "mlp-bn-leaky", "cnn-residual", "maxpool"])
def test_breakpoints_lie_on_a_switching_hyperplane(case):
    make, shape = CASES[case]
    net = lr.from_torch(make(), shape, (-1.0, 1.0))
    x0, x1 = segment(shape, seed=32)
    w = net.walk(x0, x1)
    mids = w.midpoints()
    for k, units in enumerate(w.switches):
        region = net.region(mids[k])
        x = w.point(w.breakpoints[k + 1])
        slack = region.slack(x)
        scale = np.abs(region.A).max() * np.abs(x).max() + np.abs(region.b).max()
        for layer, unit in units:
            rows = np.flatnonzero((region.layer == layer) & (region.unit == unit))
            assert rows.size, (layer, unit)
            assert np.min(np.abs(slack[rows])) < 1e-9 * scale


def test_segment_starting_exactly_on_a_boundary():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).double().eval()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        model[0].bias.copy_(torch.tensor([0.0, 0.2, -0.5]))
    net = lr.from_torch(model, (2,), (-1, 1))
    x0 = np.array([0.0, 0.0])  # neuron 0 exactly at 0
    for x1, first_active in ((np.array([1.0, 0.0]), True), (np.array([-1.0, 0.0]), False)):
        w = net.walk(x0, x1)
        assert net.patterns(w.midpoints()).key_ints() == list(w.keys)
        region = net.region(w.midpoints()[0])
        assert region.pattern[0] == first_active


def test_several_neurons_switching_at_once():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2)).double().eval()
    with torch.no_grad():
        # neurons 0 and 1 share a hyperplane (1 is a scaled copy); neuron 2 crosses at a
        # vertex with them at (0.25, 0.25) on the diagonal segment
        model[0].weight.copy_(torch.tensor([[1.0, -1.0], [2.0, -2.0], [1.0, 1.0], [0.0, 1.0]]))
        model[0].bias.copy_(torch.tensor([0.0, 0.0, -0.5, 0.9]))
    net = lr.from_torch(model, (2,), (-1, 1))
    x0, x1 = np.array([-0.5, 1.0]), np.array([1.0, -0.5])
    w = net.walk(x0, x1)
    switched = {tuple(u) for s in w.switches for u in s}
    assert {(0, 0), (0, 1)} <= switched
    both = [s for s in w.switches if {(0, 0), (0, 1)} <= {tuple(u) for u in s}]
    assert len(both) == 1  # the duplicate hyperplane is crossed once, by both neurons
    x2 = np.array([0.25 - 0.6, 0.25 + 0.2])
    x3 = np.array([0.25 + 0.6, 0.25 - 0.2])  # passes through the vertex (0.25, 0.25)
    w2 = net.walk(x2, x3)
    at_vertex = [set(map(tuple, s)) for s in w2.switches]
    assert any({(0, 0), (0, 1), (0, 2)} <= s for s in at_vertex)
    betas = np.linspace(0, 1, 20001)
    assert set(net.patterns(w2.point(betas)).key_ints()) <= set(w2.keys)


def test_walk_rejects_bad_segments():
    net = lr.from_torch(mlp(seed=25), (12,), (-1, 1))
    with pytest.raises(lr.ShapeError):
        net.walk(np.zeros(12), np.zeros(11))
    with pytest.raises(lr.InvalidValueError, match="outside the input box"):
        net.walk(np.zeros(12), np.full(12, 2.0))
    with pytest.raises(lr.InvalidValueError, match="non-finite"):
        net.walk(np.zeros(12), np.full(12, np.nan))
    w = net.walk(np.zeros(12), np.full(12, 2.0), respect_box=False)
    assert w.n_regions >= 1
    still = net.walk(np.full(12, 0.1), np.full(12, 0.1))
    assert still.n_regions == 1 and list(still.breakpoints) == [0.0, 1.0]


def test_walk_many_against_dense_sampling_and_single_walks():
    net = lr.from_torch(mlp(seed=26), (12,), (-1.0, 1.0))
    rng = np.random.default_rng(33)
    starts, ends = rng.uniform(-1, 1, (2, 5, 12))
    many = net.walk_many(starts, ends)
    assert len(many) == 5
    betas = np.linspace(0, 1, 2001)
    for x0, x1, w in zip(starts, ends, many):
        np.testing.assert_array_equal(w.x0, x0)
        np.testing.assert_array_equal(w.x1, x1)
        assert set(net.patterns(w.point(betas)).key_ints()) <= set(w.keys)
        assert net.patterns(w.midpoints()).key_ints() == list(w.keys)
        one = net.walk(x0, x1)
        assert one.keys == w.keys
        np.testing.assert_array_equal(one.breakpoints, w.breakpoints)
    assert net.walk_many(np.zeros((0, 12)), np.zeros((0, 12))) == []


def test_box_messages_name_the_segment_ends():
    net = lr.from_torch(mlp(seed=27), (12,), (-1.0, 1.0))
    out = np.full(12, 2.0)
    with pytest.raises(lr.InvalidValueError, match=r": x0 lies outside the input box"):
        net.walk(out, np.zeros(12))
    with pytest.raises(lr.InvalidValueError, match=r": x1 lies outside the input box"):
        net.walk(np.zeros(12), out)
    starts, ends = np.zeros((3, 12)), np.zeros((3, 12))
    ends[2] = out
    with pytest.raises(lr.InvalidValueError, match=r": ends\[2\] lies outside the input box"):
        net.walk_many(starts, ends)
    with pytest.raises(lr.ShapeError):
        net.walk_many(starts, ends[:2])
    assert len(net.walk_many(starts, ends, respect_box=False)) == 3
