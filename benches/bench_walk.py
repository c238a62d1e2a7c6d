"""Benchmark of exact walks: 100 nullspace rays of length 0.2 from a test point of the trained
784-1024-1024-1024-10 MLP, exact walks against dense sampling (10^4 points per ray)."""

from __future__ import annotations

import numpy as np
from conftest import SMOKE

import linregions as lr

N_RAYS = 10 if SMOKE else 100
SAMPLES_PER_RAY = 1_000 if SMOKE else 10_000
EPS = 0.2


def test_rays_exact_walk(benchmark, trained_mlp):
    _, net, X, _ = trained_mlp
    s = benchmark.pedantic(
        lr.surrounding_regions,
        args=(net, X[0], N_RAYS, EPS),
        kwargs={"seed": 0},
        rounds=3,
        iterations=1,
    )
    benchmark.extra_info["unique_regions"] = s.n_unique
    benchmark.extra_info["pieces"] = int(s.regions_per_ray.sum())


def test_rays_dense_sampling(benchmark, trained_mlp):
    _, net, X, _ = trained_mlp
    x = X[0]
    region = net.region(x, on_boundary="active")
    dirs = lr.nullspace_directions(region, N_RAYS, seed=0)
    betas = np.linspace(0, EPS, SAMPLES_PER_RAY)[:, None]

    def sample():
        keys = set()
        for e in dirs:
            keys.update(net.patterns(x + betas * e).key_ints())
        return keys

    keys = benchmark.pedantic(sample, rounds=1, iterations=1)
    exact = lr.surrounding_regions(net, x, N_RAYS, EPS, seed=0)
    benchmark.extra_info["unique_regions"] = len(keys)
    assert keys <= set(exact.keys), "sampling found a region the exact walk missed"
    assert exact.n_unique >= len(keys)
