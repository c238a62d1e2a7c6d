"""Counting regions: the splitting route against the facet-following search and against
nnenum, side by side in one run, on ACAS Xu network 1_1 (tests/data) in the input boxes of
properties 1, 3 and 4 (property 4 fixes an input: its box is 4-dimensional).

- ``test_count_split``: ``net.count_regions`` (the splitting route, two threads).
- ``test_count_search``: ``net.regions(method="search")`` on the same box (the reference the
  splitting route replaces).
- ``test_count_nnenum``: nnenum in exact mode with two processes (``benches/nnenum_peer.py``;
  skipped without nnenum's source, ``NNENUM_SRC``).

Every run asserts the counts nnenum reported on these boxes (39,835, 71,930 and 19,143).

Run:  PYTHONPATH=python python -m pytest benches/bench_counting.py --benchmark-only -p no:logging
Environment: LINREGIONS_BENCH_SMOKE=1 counts property 4's box only, with the search capped.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

import linregions as lr

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nnenum_peer  # noqa: E402

SMOKE = os.environ.get("LINREGIONS_BENCH_SMOKE", "0") == "1"
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
NET = DATA / "ACASXU_run2a_1_1_batch_2000.onnx"
#: nnenum's counts on network 1_1 (exact mode, float64 boxes; see tests/test_split.py).
COUNTS = {1: 39_835, 3: 71_930, 4: 19_143}
PROPS = (4,) if SMOKE else (1, 3, 4)


def acas(prop: int) -> lr.Network:
    spec = lr.read_vnnlib(str(DATA / f"acasxu_prop_{prop}.vnnlib"))
    return lr.from_onnx(str(NET), bounds=spec)


@pytest.mark.parametrize("prop", PROPS)
def test_count_split(benchmark, prop):
    net = acas(prop)
    c = benchmark.pedantic(net.count_regions, kwargs={"workers": 2}, rounds=3, iterations=1)
    assert c.complete and c.n_regions == COUNTS[prop]
    benchmark.extra_info["regions"] = c.n_regions
    benchmark.extra_info["unstable_neurons"] = c.unstable


@pytest.mark.parametrize("prop", PROPS)
def test_count_search(benchmark, prop):
    net = acas(prop)
    cap = 2_000 if SMOKE else 10**7

    def run() -> lr.Complex:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the smoke run's cap
            return net.regions(method="search", workers=2, max_regions=cap)

    cx = benchmark.pedantic(run, rounds=1, iterations=1)
    assert cx.n_regions == min(cap, COUNTS[prop])
    benchmark.extra_info["regions"] = cx.n_regions


@pytest.mark.skipif(nnenum_peer.nnenum_path() is None, reason="nnenum's source not found")
@pytest.mark.parametrize("prop", PROPS)
def test_count_nnenum(benchmark, prop):
    spec = lr.read_vnnlib(str(DATA / f"acasxu_prop_{prop}.vnnlib"))
    lo, hi = spec.boxes[0]

    def run() -> dict:
        return nnenum_peer.count_regions(NET, lo, hi, processes=2, timeout=600)

    got = benchmark.pedantic(run, rounds=1, iterations=1)
    assert got["count"] == COUNTS[prop]
    benchmark.extra_info["regions"] = got["count"]
    benchmark.extra_info["nnenum_seconds"] = got["seconds"]
