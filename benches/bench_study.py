"""Benchmark of the study: seconds per test point of the full per-point analysis on the paper's
784-1024-1024-1024-10 MLP, and the speed-up from 1 to 2 workers on a Dask LocalCluster."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from conftest import SMOKE, WIDTHS

from linregions.experiments.study.analyses import ANALYSES
from linregions.experiments.study.runner import PointTask, execute
from linregions.experiments.study.storage import checkpoint_path, iter_point_results
from linregions.experiments.zoo import ModelConfig, save_checkpoint

N_POINTS = 2 if SMOKE else 4
N_DIRECTIONS = 10 if SMOKE else 100


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory, trained_mlp):
    """A study folder holding the trained MLP as a checkpoint, and the tasks of N points."""
    model, net, X, y = trained_mlp
    out = str(tmp_path_factory.mktemp("study"))
    cfg = ModelConfig(name="vanilla-L", hidden=tuple(WIDTHS[1:-1]))
    save_checkpoint(checkpoint_path(out, cfg.name), model, cfg, {})
    means = np.stack([X[y == c].mean(axis=0) for c in range(10)])
    return out, means, X[:N_POINTS], y[:N_POINTS]


def tasks_for(out, means, X, y):
    return [
        PointTask(
            out,
            "vanilla-L",
            i,
            X[i],
            int(y[i]),
            means,
            means,
            tuple(ANALYSES),
            N_DIRECTIONS,
            0.2,
            0,
        )
        for i in range(len(X))
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_study_points_on_local_cluster(benchmark, study_dir, workers):
    distributed = pytest.importorskip("distributed")
    src, means, X, y = study_dir
    out = os.path.join(src, f"w{workers}")
    os.makedirs(os.path.join(out, "checkpoints"), exist_ok=True)
    for suffix in ("", ".json"):
        os.link(
            checkpoint_path(src, "vanilla-L") + suffix, checkpoint_path(out, "vanilla-L") + suffix
        )
    with distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        start = time.perf_counter()
        failed = benchmark.pedantic(
            execute,
            args=(tasks_for(out, means, X, y), workers, cluster.scheduler_address),
            rounds=1,
            iterations=1,
        )
        wall = time.perf_counter() - start
    per_point = [r["seconds"] for r in iter_point_results(out)]
    benchmark.extra_info.update(
        {
            "points": len(per_point),
            "failed": failed,
            "mean_seconds_per_point": float(np.mean(per_point)),
            "wall_seconds": wall,
        }
    )
    print(
        f"\n{workers} worker(s): {len(per_point)} points in {wall:.1f}s, "
        f"{np.mean(per_point):.1f}s per point inside the worker, {failed} with errors"
    )
    assert len(per_point) == len(X)
