"""Facets of an unbounded polytope (issue 14, item 3): the region of a 2-D point of a
random 2-32-32-32-10 ReLU MLP with the input box removed (96 rows, ``lo = -inf``,
``hi = inf``), ours next to the public peer ``polytope.reduce`` (tulip-control's
``polytope`` package, one scipy LP per row) in one run. Run by hand:

    PYTHONPATH=python python -m pytest benches/bench_unbounded.py -o python_files='bench_*.py' \
        -o addopts="" -p no:logging -q --benchmark-columns=min,median,mean,max,rounds

The peer's test is skipped when the ``polytope`` package is absent (``pip install polytope``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import linregions as lr

ROUNDS = 20


def unbounded_region(d: int = 2, widths=(32, 32, 32), seed: int = 0) -> lr.Polytope:
    torch.manual_seed(seed)
    layers: list[torch.nn.Module] = []
    prev = d
    for w in widths:
        layers += [torch.nn.Linear(prev, w), torch.nn.ReLU()]
        prev = w
    model = torch.nn.Sequential(*layers, torch.nn.Linear(prev, 10)).double().eval()
    net = lr.from_torch(model, (d,), (-1.0, 1.0))
    x = np.random.default_rng(seed).uniform(-0.5, 0.5, d)
    region = net.region(x)
    return lr.Polytope(region.A, region.b, np.full(d, -np.inf), np.full(d, np.inf))


@pytest.fixture(scope="module")
def poly() -> lr.Polytope:
    p = unbounded_region()
    assert p.n_rows == 96
    return p


def _unit(rows: np.ndarray, offs: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.round(np.c_[rows / n, offs[:, None] / n], 9)


def test_unbounded_2d_facets_ours(benchmark, poly):
    benchmark.group = "unbounded 2-D region, 96 rows, no box: facets"
    facets = benchmark.pedantic(poly.nonredundant, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    rep = poly.redundancy_report()
    assert rep.facets.tolist() == facets.tolist()
    assert rep.n_lps == rep.by_lp_redundant + rep.by_lp_facet  # no HiGHS re-solve
    benchmark.extra_info.update(facets=facets.tolist(), report=repr(rep))


def test_unbounded_2d_facets_peer_polytope_reduce(benchmark, poly):
    pc = pytest.importorskip("polytope")
    benchmark.group = "unbounded 2-D region, 96 rows, no box: facets"

    def peer():
        # tulip's convention is A x <= b: ours is A x + b >= 0
        return pc.reduce(pc.Polytope(-poly.A, poly.b.copy()))

    red = benchmark.pedantic(peer, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    ours = poly.nonredundant()
    theirs = {tuple(r) for r in _unit(-np.asarray(red.A), np.asarray(red.b))}
    mine = {tuple(r) for r in _unit(poly.A[ours], poly.b[ours])}
    assert theirs == mine


def test_same_rows_with_the_finite_box(benchmark, poly):
    """For reference: the same 96 rows inside the network's box [-1, 1]^2."""
    benchmark.group = "unbounded 2-D region, 96 rows, no box: facets"
    boxed = lr.Polytope(poly.A, poly.b, -np.ones(2), np.ones(2))
    facets = benchmark.pedantic(boxed.nonredundant, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(facets=facets.tolist())
