"""Facets of an unbounded polytope: the region of a 2-D point of a
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
    # the LPs are the facets' bounding box (2 d) and Clarkson's, at most one per row (a row
    # may be settled by another row's LP)
    assert rep.n_lps <= 2 * poly.dim + rep.by_lp_redundant + rep.by_lp_facet
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


def test_unbounded_2d_insphere_ours(benchmark, poly):
    """The insphere (and so ``interior_point``, which is its center) of the same region
    with no box: a finite inradius, certified for the unbounded set."""
    benchmark.group = "unbounded 2-D region, 96 rows: insphere"
    ins = benchmark.pedantic(poly.insphere, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert ins.status == "optimal" and np.isfinite(ins.radius)
    boxed = lr.Polytope(poly.A, poly.b, -np.ones(2), np.ones(2)).insphere()
    assert abs(ins.radius - boxed.radius) <= 1e-9 * boxed.radius  # the box is not touched
    benchmark.extra_info.update(radius=ins.radius, iterations=ins.iterations)


def test_same_rows_with_the_finite_box_insphere(benchmark, poly):
    benchmark.group = "unbounded 2-D region, 96 rows: insphere"
    boxed = lr.Polytope(poly.A, poly.b, -np.ones(2), np.ones(2))
    ins = benchmark.pedantic(boxed.insphere, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(radius=ins.radius, iterations=ins.iterations)


def test_unbounded_radius_cone_insphere(benchmark):
    """A polytope with an unbounded inradius (a cone cut by a third row): ``radius = inf``
    from the recession cone, next to the same rows in the box [-1, 1]^2 below."""
    benchmark.group = "cone, 3 rows: insphere"
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    cone = lr.Polytope(A, np.array([0.5, 0.5, 0.25]), [-np.inf, -np.inf], [np.inf, np.inf])
    ins = benchmark.pedantic(cone.insphere, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert ins.status == "unbounded" and ins.radius == np.inf


def test_cone_rows_with_the_finite_box_insphere(benchmark):
    benchmark.group = "cone, 3 rows: insphere"
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    boxed = lr.Polytope(A, np.array([0.5, 0.5, 0.25]), -np.ones(2), np.ones(2))
    benchmark.pedantic(boxed.insphere, rounds=ROUNDS, iterations=1, warmup_rounds=1)
