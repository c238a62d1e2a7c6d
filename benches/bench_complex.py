"""Benchmark of the complex (every region of a domain).

- d = 2: ``net.regions()`` against ``net.slice`` on the same box and net (goal: within 5x).
- d = 4-8: random-init 3 x 32 ReLU MLPs in [-1, 1]^d, certified regions per second
  (goal >= 2,000/s on the 2-core machine).
- d = 2 against relucent's ``Complex.bfs`` (skipped without ``relucent`` and ``gurobipy``;
  one worker, clipped to the box): the same count, and the speed-up per region.

Run:  PYTHONPATH=python python -m pytest benches/bench_complex.py --benchmark-only -p no:logging
Environment: LINREGIONS_BENCH_SMOKE=1 uses 3 x 8 MLPs and d <= 4 (seconds); LR_COMPLEX_WIDTH
overrides the hidden width (default 32).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

import linregions as lr
from linregions.model.ir import Affine, Input, ReLU

SMOKE = os.environ.get("LINREGIONS_BENCH_SMOKE", "0") == "1"
WIDTH = int(os.environ.get("LR_COMPLEX_WIDTH", "8" if SMOKE else "32"))
DIMS = (2, 4) if SMOKE else (2, 4, 6, 8)


def random_mlp(d: int, width: int, seed: int = 0) -> lr.Network:
    """d - width x 3 - 2 ReLU MLP, PyTorch's default initialisation (uniform +-1/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    nodes: list = [Input(d)]
    sizes = (d, width, width, width, 2)
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        s = 1 / np.sqrt(a)
        nodes.append(Affine(len(nodes) - 1, rng.uniform(-s, s, (b, a)), rng.uniform(-s, s, b)))
        if i < 3:
            nodes.append(ReLU(len(nodes) - 1, b))
    return lr.Network(nodes, (d,), -np.ones(d), np.ones(d))


def test_d2_vs_slice(benchmark):
    net = random_mlp(2, WIDTH)
    cx = benchmark.pedantic(net.regions, rounds=7, iterations=1)
    sl = net.slice(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0)
    assert set(cx.keys) == set(sl.key_ints())
    benchmark.extra_info["regions"] = cx.n_regions


def test_d2_slice_reference(benchmark):
    """``net.slice`` through the whole box of the same net: the reference of the 5x goal."""
    net = random_mlp(2, WIDTH)
    args = (np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0)
    sl = benchmark.pedantic(net.slice, args=args, rounds=7, iterations=1)
    benchmark.extra_info["regions"] = sl.n_regions


@pytest.mark.parametrize("d", [d for d in DIMS if d > 2])
def test_regions_per_second(benchmark, d):
    net = random_mlp(d, WIDTH)
    cx = benchmark.pedantic(net.regions, rounds=1, iterations=1)
    assert cx.complete and cx.unsettled == 0
    benchmark.extra_info["regions"] = cx.n_regions
    benchmark.extra_info["regions_per_s"] = cx.n_regions / benchmark.stats.stats.mean


def _torch_twin(net: lr.Network):
    """The same MLP as a float64 torch Sequential (relucent takes torch modules)."""
    torch = pytest.importorskip("torch")
    layers: list = []
    affines = [n for n in net.nodes if isinstance(n, Affine)]
    for i, a in enumerate(affines):
        lin = torch.nn.Linear(a.weight.shape[1], a.weight.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(np.asarray(a.weight)))
            lin.bias.copy_(torch.as_tensor(np.asarray(a.bias)))
        layers.append(lin)
        if i < len(affines) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def test_d2_vs_relucent(benchmark):
    """relucent's `Complex.bfs` (Gurobi LPs per region; its bundled size-limited license)
    on the same net and box, side by side: counts must agree."""
    relucent = pytest.importorskip("relucent")
    net = random_mlp(2, WIDTH)
    t0 = time.perf_counter()
    cx = net.regions()
    ours = time.perf_counter() - t0

    def run():
        c = relucent.Complex(_torch_twin(net))
        c.bfs(cube_radius=1.0, cube_mode="clipped", nworkers=1, verbose=0)
        return c

    c = benchmark.pedantic(run, rounds=1, iterations=1)
    theirs = benchmark.stats.stats.mean
    n = len(c.index2poly)
    benchmark.extra_info.update(
        regions_ours=cx.n_regions,
        regions_relucent=n,
        seconds_ours=ours,
        speedup_per_region=(theirs / n) / (ours / cx.n_regions),
    )
    print(f"\nours {cx.n_regions} regions in {ours:.2f} s; relucent {n} cells in {theirs:.1f} s")
    assert n == cx.n_regions
