"""Benchmark fixtures. Full sizes by default; LINREGIONS_BENCH_SMOKE=1 shrinks everything
so CI can check the benchmarks still run.

Run: python -m pytest benches -o python_files='bench_*.py' --benchmark-columns=min,mean,max,rounds
For benches/RESULTS.md, one suite at a time with --benchmark-json=benches/results/bench_NAME.json,
then python benches/report.py.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import linregions as lr
from linregions.experiments.training import make_mlp

SMOKE = os.environ.get("LINREGIONS_BENCH_SMOKE") == "1"
#: The paper's MNIST MLP (784-1024-1024-1024-10); a small stand-in in smoke mode.
WIDTHS = (784, 64, 64, 64, 10) if SMOKE else (784, 1024, 1024, 1024, 10)
N_POINTS = 2_000 if SMOKE else 100_000


@pytest.fixture(scope="session")
def paper_mlp():
    """Xavier-initialised 784-1024-1024-1024-10 MLP (eval mode) and its Network."""
    model = make_mlp(WIDTHS, seed=0).eval()
    return model, lr.from_torch(model, (784,), (-1.0, 1.0))


@pytest.fixture(scope="session")
def points():
    """Points of the input box [-1, 1]^784, fixed seed."""
    return np.random.default_rng(0).uniform(-1, 1, (N_POINTS, 784))


@pytest.fixture(autouse=True)
def _torch_threads():
    torch.set_num_threads(os.cpu_count() or 1)


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Stores the command line of the run (benchmark variables included) in the
    ``--benchmark-json`` file, where ``benches/report.py`` reads it."""
    from machine import command

    output_json["command"] = command(["-m", "pytest", *config.invocation_params.args])


CACHE = os.path.join(os.path.dirname(__file__), ".cache")


@pytest.fixture(scope="session")
def trained_mlp():
    """The paper's MLP trained briefly on MNIST-5k (cached in benches/.cache), its Network
    and held-out digits."""
    from linregions.experiments.datasets import load_mnist_5k, stratified_split
    from linregions.experiments.training import train_classifier

    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=0)
    model = make_mlp(WIDTHS, seed=0)
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"mlp_{'-'.join(map(str, WIDTHS))}.pt")
    if os.path.exists(path):
        model.load_state_dict(torch.load(path))
    else:
        train_classifier(
            model, X[train], y[train], epochs=3 if not SMOKE else 1, batch_size=256, seed=0
        )
        torch.save(model.state_dict(), path + ".tmp")
        os.replace(path + ".tmp", path)
    model.eval()
    return model, lr.from_torch(model, (784,), (-1.0, 1.0)), X[test], y[test]
