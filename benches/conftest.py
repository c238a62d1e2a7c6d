"""Benchmark fixtures. Full sizes by default; LINREGIONS_BENCH_SMOKE=1 shrinks everything
so CI can check the benchmarks still run.

Run: python -m pytest benches -o python_files='bench_*.py' --benchmark-columns=min,mean,max,rounds
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import linregions as lr
from linregions.training import make_mlp

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
