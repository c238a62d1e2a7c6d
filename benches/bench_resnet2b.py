"""Large regions of a real network: ResNet-2B at a CIFAR-10 test image.

The network and VNN-LIB box come from ../shared/nets (VNN-COMP 2021); the point is the box's
centre, the (normalised) test image. Run by hand:

    PYTHONPATH=python python -m pytest benches/bench_resnet2b.py -o python_files='bench_*.py' \
        -p no:logging -q -s

``LINREGIONS_BENCH_SMOKE=1`` uses the 5-input ACAS Xu net instead (seconds). Skips when the
folder is absent. Each step is checked against an independent fact (the point lies in its
region, the insphere certificate, the class-maxima gaps, every facet is a row index).
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

import numpy as np
import pytest

import linregions as lr

NETS = Path(__file__).resolve().parents[1].parent / "shared" / "nets"
SMOKE = os.environ.get("LINREGIONS_BENCH_SMOKE") == "1"
NET, SPEC = (
    ("ACASXU_run2a_1_1_batch_2000.onnx", "acasxu_prop_1.vnnlib")
    if SMOKE
    else ("resnet_2b.onnx", "resnet2b_prop_0_eps_0.008.vnnlib")
)


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


@pytest.fixture(scope="module")
def loaded():
    if not (NETS / NET).is_file():
        pytest.skip(f"{NETS / NET} is absent")
    spec = lr.read_vnnlib(NETS / SPEC)
    return lr.from_onnx(NETS / NET, bounds=spec), spec.center


@pytest.fixture(scope="module")
def region(loaded):
    net, x = loaded
    return net.region(x)


def test_region(benchmark, loaded):
    net, x = loaded
    reg = benchmark.pedantic(net.region, args=(x,), rounds=3, iterations=1)
    assert np.all(reg.A @ x + reg.b >= 0)
    print(f"\n{NET}: {reg.A.shape[0]} rows x {reg.A.shape[1]}, active fraction "
          f"{reg.active_fraction:.3f}; max RSS {_rss_gib():.2f} GiB")  # fmt: skip


def test_insphere(benchmark, region):
    ins = benchmark.pedantic(region.insphere, rounds=1, iterations=1)
    slack = region.A @ ins.center + region.b
    norms = np.linalg.norm(region.A, axis=1)
    assert np.all(slack >= ins.radius * norms - 1e-9)
    assert ins.radius <= ins.upper_bound
    print(f"insphere radius {ins.radius:.6g} (upper bound {ins.upper_bound:.6g}), "
          f"{ins.iterations} iterations, {ins.method}; max RSS {_rss_gib():.2f} GiB")  # fmt: skip


def test_class_maxima(benchmark, region):
    cm = benchmark.pedantic(region.class_maxima, rounds=1, iterations=1)
    assert cm.count >= 1
    print(f"class maxima: {cm.count} classes present, statuses {set(cm.status)}, max gap "
          f"{np.nanmax(cm.gap):.3g}; max RSS {_rss_gib():.2f} GiB")  # fmt: skip


def test_nonredundant(benchmark, region):
    if not SMOKE and os.environ.get("LR_BENCH_FACETS") != "1":
        pytest.skip("set LR_BENCH_FACETS=1 for the (long) facet computation")
    rep = benchmark.pedantic(region.redundancy_report, rounds=1, iterations=1)
    assert np.all(np.diff(rep.facets) > 0) and rep.facets[-1] < region.A.shape[0]
    print(f"facets: {len(rep.facets)} of {region.A.shape[0]} rows ({rep.n_lps} LPs); "
          f"max RSS {_rss_gib():.2f} GiB")  # fmt: skip
