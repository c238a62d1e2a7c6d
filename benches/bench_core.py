"""Benchmarks of region assembly and pattern keys, each against the reference route
side by side in one run (same data, same machine)."""

from __future__ import annotations

import numpy as np
import torch

from linregions import _core


def autograd_region(model, x: np.ndarray):
    """The paper's route: one autograd gradient per hidden neuron (eq. 2-3)."""
    model = model.double()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    pre = []
    h = xt
    for layer in model:
        h = layer(h)
        if isinstance(layer, torch.nn.Linear):
            pre.append(h)
    rows, offs = [], []
    for hl in pre[:-1]:
        for i in range(hl.shape[0]):
            (g,) = torch.autograd.grad(hl[i], xt, retain_graph=True)
            s = 1.0 if hl[i] > 0 else -1.0
            rows.append(s * g)
            offs.append(s * (hl[i] - g @ xt))
    return torch.stack(rows).numpy(), torch.stack(offs).detach().numpy()


def test_region_linregions(benchmark, paper_mlp, points):
    _, net = paper_mlp
    region = benchmark(net.region, points[0])
    assert region.A.shape == (net.n_neurons, 784)


def test_region_autograd_per_neuron(benchmark, paper_mlp, points):
    model, net = paper_mlp
    A, b = benchmark.pedantic(autograd_region, args=(model, points[0]), rounds=1, iterations=1)
    region = net.region(points[0])
    np.testing.assert_allclose(A, region.A, atol=1e-9)
    np.testing.assert_allclose(b, region.b, atol=1e-9)


def test_keys_unique_linregions(benchmark, paper_mlp, points):
    """Keys and unique count from packed patterns (forward pass excluded on both sides)."""
    _, net = paper_mlp
    bits = net.patterns(points).bits

    def keys_and_unique():
        keys = _core.pattern_keys(bits)
        return _core.unique_keys(keys)[1].shape[0]

    n = benchmark(keys_and_unique)
    assert n >= 1


def test_keys_unique_numpy(benchmark, paper_mlp, points):
    _, net = paper_mlp
    pats = net.patterns(points)
    bools = pats.to_bool()
    n = benchmark.pedantic(lambda: np.unique(bools, axis=0).shape[0], rounds=1, iterations=1)
    assert n == pats.n_unique


def test_patterns_end_to_end(benchmark, paper_mlp, points):
    """For reference: forward pass + bits + keys + unique count of all points."""
    _, net = paper_mlp
    pats = benchmark.pedantic(net.patterns, args=(points,), rounds=3, iterations=1)
    assert pats.bits.shape[0] == points.shape[0]


def test_patterns_torch_forward(benchmark, paper_mlp, points):
    """For reference: the float64 torch forward pass alone over the same points."""
    model, _ = paper_mlp
    X = torch.tensor(points)

    def run():
        with torch.no_grad():
            return model.double()(X)

    out = benchmark.pedantic(run, rounds=3, iterations=1)
    assert out.shape[0] == points.shape[0]
