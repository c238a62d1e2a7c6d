"""Polytope engine benchmarks, run by hand:

    LR_BENCH_SIZE=smoke PYTHONPATH=python python -m pytest benches/bench_polytope.py \
        --benchmark-enable -p no:logging -q        # seconds
    LR_BENCH_SIZE=full ...                          # 784-1024-1024-1024-10, hours for naive

Regions come from an MLP generated here: random init, and briefly trained (Adam) on
synthetic 10-class Gaussian clusters in [-1, 1]^d (nothing is downloaded). The appendix-C
loop is timed on a random sample of rows and extrapolated to all rows (stated in the output).
"""

import os
import time

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

import linregions as lr

SIZES = {
    "smoke": (32, [64, 64, 64]),
    "d40": (40, [128, 128, 128]),  # pycddlib's float mode still finishes here
    "d64": (64, [192, 192, 192]),
    "medium": (128, [256, 256, 256]),
    "full": (784, [1024, 1024, 1024]),
}
SIZE = os.environ.get("LR_BENCH_SIZE", "smoke")
NAIVE_SAMPLE = int(os.environ.get("LR_NAIVE_SAMPLE", "20"))


def make_region(trained: bool, seed: int = 0) -> lr.Region:
    d, hidden = SIZES[SIZE]
    torch.manual_seed(seed)
    layers, prev = [], d
    for h in hidden:
        layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
        prev = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(prev, 10)).double()
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-0.6, 0.6, (10, d))
    if trained:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(200):
            y = rng.integers(0, 10, 128)
            X = np.clip(centers[y] + 0.2 * rng.standard_normal((128, d)), -1, 1)
            loss = torch.nn.functional.cross_entropy(model(torch.tensor(X)), torch.tensor(y))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    net = lr.from_torch(model, (d,), (-1.0, 1.0))
    x = np.clip(centers[3] + 0.2 * rng.standard_normal(d), -1, 1)
    return net.region(x)


def _counts(rep) -> str:
    return (
        f"box {rep.by_box} dup {rep.by_duplicate} straight {rep.by_straight_rays} "
        f"bent {rep.by_bent_rays} lp-facet {rep.by_lp_facet} "
        f"lp-redundant {rep.by_lp_redundant} lps {rep.n_lps}"
    )


def highs_row_min(A, b, rows, i, lo, hi):
    """``min A_i x + b_i`` over rows ``rows``, the box and ``A_i x + b_i >= -1`` by HiGHS
    (one appendix-C LP, the floor keeping it bounded)."""
    Ar, br = np.vstack([A[rows], A[i]]), np.append(b[rows], b[i] + 1.0)
    res = linprog(A[i], A_ub=-Ar, b_ub=br, bounds=list(zip(lo, hi)), method="highs")
    assert res.status == 0, res.message
    return res.fun + b[i]


def highs_inradius(poly, method):
    """The optimal radius of eq. 5 by one ``scipy.optimize.linprog`` call on ``(x, r)``."""
    d = poly.dim
    nrm = np.linalg.norm(poly.A, axis=1)
    G = np.vstack(
        [
            np.hstack([-poly.A, nrm[:, None]]),
            np.hstack([-np.eye(d), np.ones((d, 1))]),
            np.hstack([np.eye(d), np.ones((d, 1))]),
        ]
    )
    h = np.concatenate([poly.b, -poly.lo, poly.hi])
    c = np.r_[np.zeros(d), -1.0]
    res = linprog(c, A_ub=G, b_ub=h, bounds=[(None, None)] * (d + 1), method=method)
    assert res.status == 0, res.message
    return -res.fun


def naive_seconds_per_row(region, rows):
    """Appendix-C LPs by HiGHS (over all other rows, as in the first pass of the loop)."""
    norms = np.linalg.norm(region.A, axis=1)
    A, b = region.A / norms[:, None], region.b / norms
    t0 = time.perf_counter()
    for i in rows:
        others = np.setdiff1d(np.arange(region.n_rows), [i])
        highs_row_min(A, b, others, i, region.lo, region.hi)
    return (time.perf_counter() - t0) / len(rows)


def compare_auto_with_naive(benchmark, region, label):
    """``nonredundant("auto")`` on the whole region; the appendix-C loop timed on
    ``NAIVE_SAMPLE`` random rows and extrapolated to all rows."""
    rep = benchmark.pedantic(region.redundancy_report, rounds=1, iterations=1)
    sample = np.random.default_rng(1).choice(region.n_rows, NAIVE_SAMPLE, replace=False)
    per_row = naive_seconds_per_row(region, sample)
    naive_total = per_row * region.n_rows
    auto_s = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        rows=region.n_rows,
        d=region.dim,
        facets=int(rep.facets.size),
        report=_counts(rep),
        naive_s_per_row=per_row,
        naive_extrapolated_s=naive_total,
        speedup=naive_total / auto_s,
    )
    print(
        f"\n[{label}] N={region.n_rows} d={region.dim} "
        f"auto {auto_s:.2f}s facets {rep.facets.size} {_counts(rep)}; "
        f"naive {per_row:.3f}s/row on "
        f"{NAIVE_SAMPLE} sampled rows -> {naive_total:.1f}s extrapolated; "
        f"speedup {naive_total / auto_s:.0f}x"
    )


@pytest.mark.parametrize("trained", [False, True], ids=["random-init", "trained"])
def test_nonredundant_auto_vs_naive(benchmark, trained):
    compare_auto_with_naive(
        benchmark, make_region(trained), f"{SIZE} {'trained' if trained else 'random'}"
    )


@pytest.mark.parametrize("which", ["paper_mlp", "trained_mlp"])
def test_nonredundant_paper_region_vs_naive(benchmark, request, which):
    """The whole region of the paper's MLP (conftest fixtures, same points as the insphere
    benchmark below); the naive LPs take 20-90 s each at this size."""
    fx = request.getfixturevalue(which)
    x = fx[2][0] if which == "trained_mlp" else np.random.default_rng(0).uniform(-1, 1, 784)
    compare_auto_with_naive(benchmark, fx[1].region(x), which)


@pytest.mark.parametrize("trained", [False, True], ids=["random-init", "trained"])
def test_nonredundant_auto_vs_cdd(benchmark, trained):
    pytest.importorskip("cdd")
    region = make_region(trained)
    t0 = time.perf_counter()
    try:
        cdd_facets = region.nonredundant(method="cdd")
        cdd_s = time.perf_counter() - t0
    except Exception as e:  # cdd's float mode stops with "LP cycling" at larger sizes
        cdd_facets, cdd_s = None, float("nan")
        print(f"cdd failed after {time.perf_counter() - t0:.1f}s: {e}")
    facets = benchmark.pedantic(region.nonredundant, rounds=1, iterations=1)
    auto_s = benchmark.stats.stats.mean
    agree = cdd_facets is not None and np.array_equal(facets, cdd_facets)
    benchmark.extra_info.update(cdd_s=cdd_s, agree=agree)
    print(
        f"\n[{SIZE}] auto {auto_s:.2f}s vs cdd {cdd_s:.2f}s ({cdd_s / auto_s:.1f}x), agree={agree}"
    )


def compare_insphere_with_highs_ipm(benchmark, region, label):
    """Times ``region.insphere()`` and eq. 5 by highs-ipm side by side; same radius."""
    ins = benchmark.pedantic(region.insphere, rounds=1, iterations=1)
    t0 = time.perf_counter()
    r_ref = highs_inradius(region, "highs-ipm")
    ref_s = time.perf_counter() - t0
    ours = benchmark.stats.stats.mean
    rel = abs(ins.radius - r_ref) / r_ref
    benchmark.extra_info.update(highs_ipm_s=ref_s, radius=ins.radius, rel_diff=rel)
    print(
        f"\n[{label}] N={region.n_rows} insphere {ours:.2f}s ({ins.iterations} it) vs "
        f"highs-ipm {ref_s:.2f}s: {ref_s / ours:.1f}x; radius {ins.radius:.10g} vs "
        f"{r_ref:.10g} (rel {rel:.1e})"
    )
    assert rel < 1e-7


@pytest.mark.parametrize("trained", [False, True], ids=["random-init", "trained"])
def test_insphere_vs_highs_ipm(benchmark, trained):
    compare_insphere_with_highs_ipm(benchmark, make_region(trained), SIZE)


@pytest.mark.parametrize("which", ["paper_mlp", "trained_mlp"])
def test_insphere_paper_region_vs_highs_ipm(benchmark, request, which):
    """Eq. 5 on a region of the paper's MLP (conftest fixtures: random init, and trained on
    MNIST-5k; the region of the first held-out digit), side by side with highs-ipm."""
    fx = request.getfixturevalue(which)
    x = fx[2][0] if which == "trained_mlp" else np.random.default_rng(0).uniform(-1, 1, 784)
    compare_insphere_with_highs_ipm(benchmark, fx[1].region(x), which)
