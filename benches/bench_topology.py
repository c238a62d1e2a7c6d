"""Benchmark of linregions.topology: the face poset and Betti numbers of complexes of 10^3 to
10^5 regions in 2-D and 3-D, persistence on the smaller ones, and relucent side by side.

- ``test_face_poset_and_betti``: ``lr.face_poset(cx)`` (every face, with incidences) then
  the Betti numbers of the whole complex and of the closure of a third of the cells (duality
  route), on 3 x w ReLU MLPs in [-1, 1]^d (PyTorch's default initialisation, as
  ``bench_complex.py``). The complex itself (``net.regions()``, its adjacency) is built outside
  the timing and reported in ``extra_info``.
- ``test_persistence``: gudhi on the order complex, the sublevel sets of logit 0.
- ``test_vs_relucent``: relucent (``pip install relucent gurobipy``; its bundled size-limited
  Gurobi licence) on the same small net and box: its ``bfs`` + ``betti_numbers`` +
  ``persistent_homology`` against our ``regions`` + ``face_poset`` + ``betti_numbers`` +
  ``logit_persistence``. Skipped without relucent.

Run:  PYTHONPATH=python python -m pytest benches/bench_topology.py --benchmark-only \\
          -p no:logging -s --benchmark-columns=min,mean,rounds
Environment: LINREGIONS_BENCH_SMOKE=1 (or LR_BENCH_SIZE=smoke) keeps the 10^3-region sizes
(seconds).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from bench_complex import _torch_twin, random_mlp

import linregions as lr
from linregions.topology import betti_numbers, logit_persistence

SMOKE = (
    os.environ.get("LINREGIONS_BENCH_SMOKE", "0") == "1"
    or os.environ.get("LR_BENCH_SIZE") == "smoke"
)
#: (d, hidden width): about 10^3, 10^4 and 10^5 regions in [-1, 1]^d.
CASES = [(2, 32), (3, 16)] if SMOKE else [(2, 32), (2, 96), (2, 256), (3, 16), (3, 28), (3, 56)]
#: Persistence (gudhi on the order complex) on the complexes up to about 10^4 regions.
PERSISTENCE_CASES = [(2, 32), (3, 16)] if SMOKE else [(2, 32), (2, 96), (3, 16), (3, 28)]


def _complex(d: int, width: int) -> tuple[lr.Network, lr.Complex, float]:
    net = random_mlp(d, width)
    t0 = time.perf_counter()
    cx = net.regions()
    _ = cx.edges
    return net, cx, time.perf_counter() - t0


@pytest.mark.parametrize("d, width", CASES)
def test_face_poset_and_betti(benchmark, d, width):
    net, cx, t_regions = _complex(d, width)
    third = np.arange(cx.n_regions) % 3 == 0
    times = {}

    def run():
        t0 = time.perf_counter()
        P = lr.face_poset(cx)
        t1 = time.perf_counter()
        whole = betti_numbers(P)
        part = betti_numbers(P, P.closure(third))
        times.update(poset=t1 - t0, betti=time.perf_counter() - t1)
        return P, whole, part

    P, whole, part = benchmark.pedantic(run, rounds=1, iterations=1)
    assert P.euler_characteristic == 1 and whole.tolist() == [1] + [0] * d
    benchmark.extra_info.update(
        regions=cx.n_regions,
        f_vector=P.f_vector.tolist(),
        seconds_regions_and_adjacency=round(t_regions, 3),
        seconds_face_poset=round(times["poset"], 3),
        seconds_betti=round(times["betti"], 4),
        us_per_region=round(1e6 * times["poset"] / cx.n_regions, 1),
        betti_of_a_third=part.tolist(),
    )
    print(
        f"\nd={d} w={width}: {cx.n_regions} regions (regions + adjacency {t_regions:.1f} s), "
        f"face poset {times['poset']:.1f} s, f = {P.f_vector.tolist()}, "
        f"Betti numbers {1e3 * times['betti']:.1f} ms"
    )


@pytest.mark.parametrize("d, width", PERSISTENCE_CASES)
def test_persistence(benchmark, d, width):
    net, cx, _ = _complex(d, width)
    P = lr.face_poset(cx)
    h = benchmark.pedantic(logit_persistence, args=(P, 0), rounds=1, iterations=1)
    assert (h.betti(np.inf) == [1] + [0] * d).all()
    benchmark.extra_info.update(regions=cx.n_regions, intervals=[len(iv) for iv in h.intervals])
    print(f"\nd={d} w={width}: persistence of logit 0 over {cx.n_regions} regions: {h}")


def test_vs_relucent(benchmark):
    """relucent's complex, Betti numbers and persistence of logit 0 against ours on the same
    net and box. Both give the Betti numbers of the box. The diagrams are recorded, not
    compared: relucent's filtration evaluates the logit at one representative point of each
    cell of its (truncated) complex of R^2, and its lowest birth lies below the minimum of the
    logit over the box, which ours starts from."""
    relucent = pytest.importorskip("relucent")
    pytest.importorskip("gurobipy")
    from relucent.topology.filtration import LogitSublevelFiltration

    net = random_mlp(2, 8)
    t0 = time.perf_counter()
    cx = net.regions()
    P = lr.face_poset(cx)
    ours_betti = betti_numbers(P)
    ours_h = logit_persistence(P, 0)
    ours = time.perf_counter() - t0

    def run():
        c = relucent.Complex(_torch_twin(net))
        c.bfs(cube_radius=1.0, cube_mode="clipped", nworkers=1, verbose=0)
        b = c.betti_numbers(verbose=0)
        pd = c.persistent_homology(LogitSublevelFiltration(row=0), verbose=0)
        return c, b, pd

    c, theirs_betti, pd = benchmark.pedantic(run, rounds=1, iterations=1)
    theirs = benchmark.stats.stats.mean
    finite = [p for p in pd.pairs if p.death > p.birth]
    births = [p.birth for p in pd.pairs]
    benchmark.extra_info.update(
        regions_ours=cx.n_regions,
        cells_relucent=len(c.index2poly),
        betti_ours=ours_betti.tolist(),
        betti_relucent=theirs_betti,
        seconds_ours=round(ours, 3),
        seconds_relucent=round(theirs, 3),
        intervals_ours=[len(iv) for iv in ours_h.intervals],
        intervals_relucent=len(finite),
        lowest_birth_ours=float(ours_h.intervals[0][:, 0].min()),
        lowest_birth_relucent=float(min(births)) if births else None,
    )
    print(
        f"\nours: {cx.n_regions} regions, Betti {ours_betti.tolist()}, {ours_h} in {ours:.2f} s; "
        f"relucent: {len(c.index2poly)} cells, Betti {theirs_betti}, {len(finite)} intervals "
        f"of positive length in {theirs:.2f} s"
    )
    assert cx.n_regions == len(c.index2poly)
    assert ours_betti.tolist() == [theirs_betti.get(k, 0) for k in range(3)]
