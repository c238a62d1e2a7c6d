"""Seconds per test point of each analysis of the study, on the paper's 784-1024-1024-1024-10
MLP trained briefly on MNIST-5k (3 epochs, cached in benches/.cache, as the ``trained_mlp``
fixture), with the decision targets of the study (appendix E, from the training split).

Each point runs the analyses twice, interleaved: ``before`` (``PointContext(reuse=False)``:
every analysis on its own, full-network walks, the full angle matrix) and ``after`` (the
default: shared regions and inradii, walks on restricted networks, blockwise angles). Prints
the median over the points per analysis and writes benches/results/study-point-cost.csv with
the machine and command beside it.

Run: PYTHONPATH=python python benches/study_point_cost.py [--points 20] [--smoke]
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import torch
from machine import write_sidecar

import linregions as lr
from linregions.analysis.categories import decision_targets
from linregions.experiments.datasets import load_mnist_5k, stratified_split
from linregions.experiments.study.analyses import ANALYSES, PointContext
from linregions.experiments.training import make_mlp, train_classifier

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "study-point-cost.csv"
CACHE = HERE / ".cache"
PAPER = (784, 1024, 1024, 1024, 10)
SMALL = (784, 64, 64, 64, 10)
MODES = ("before", "after")


def trained_model(widths: tuple[int, ...], X: np.ndarray, y: np.ndarray, epochs: int):
    """The MLP trained on (X, y) with Adam, batch 256, seed 0; cached by its widths."""
    model = make_mlp(widths, seed=0)
    path = CACHE / f"mlp_{'-'.join(map(str, widths))}.pt"
    if path.exists():
        model.load_state_dict(torch.load(path))
    else:
        train_classifier(model, X, y, epochs=epochs, batch_size=256, seed=0)
        CACHE.mkdir(exist_ok=True)
        torch.save(model.state_dict(), str(path) + ".tmp")
        os.replace(str(path) + ".tmp", path)
    return model.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--directions", type=int, default=100)
    ap.add_argument("--smoke", action="store_true", help="784-64-64-64-10, 2 points, 10 rays")
    ap.add_argument(
        "--class-maxima", action="store_true", help="time class maxima too (not changed here)"
    )
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    widths = SMALL if args.smoke else PAPER
    n_points = 2 if args.smoke else args.points
    n_dirs = 10 if args.smoke else args.directions
    names = [n for n in ANALYSES if n != "class_maxima" or args.class_maxima]

    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=0)
    model = trained_model(widths, X[train], y[train], epochs=1 if args.smoke else 3)
    net = lr.from_torch(model, (784,), (-1.0, 1.0))
    found, _ = decision_targets(net, X[train], y[train], label=-1, seed=0)
    targets = np.full((net.n_classes, net.n_inputs), np.nan)
    for j, _, point in found:
        targets[j] = point

    seconds = {(m, n): [] for m in MODES for n in [*names, "total"]}
    worst = 0.0  # largest relative difference of an inradius between the two modes
    start = time.perf_counter()
    for i in range(n_points):
        results = {}
        for mode in MODES:
            ctx = PointContext(
                net=net,
                model=model,
                x=X[test][i],
                targets=targets,
                n_directions=n_dirs,
                eps=0.2,
                seed=i,
                reuse=mode == "after",
            )
            total, results[mode] = 0.0, {}
            for name in names:
                t = time.perf_counter()
                results[mode][name] = ANALYSES[name](ctx)
                dt = time.perf_counter() - t
                seconds[mode, name].append(dt)
                total += dt
            seconds[mode, "total"].append(total)
        for name in names:
            a, b = results["before"][name], results["after"][name]
            if "inradius" in a:
                worst = max(worst, abs(a["inradius"] - b["inradius"]) / a["inradius"])
        print(
            f"point {i}: before {seconds['before', 'total'][-1]:.2f}s, "
            f"after {seconds['after', 'total'][-1]:.2f}s"
        )
    wall = time.perf_counter() - start

    model_name = f"{'-'.join(map(str, widths))} trained on MNIST-5k"
    rows = []
    print(f"\nmedian seconds per point over {n_points} MNIST-5k test digits ({model_name})")
    print(f"{'analysis':<14}{'before':>9}{'after':>9}{'speed-up':>10}")
    for name in [*names, "total"]:
        med = {m: float(np.median(seconds[m, name])) for m in MODES}
        ratio = med["before"] / med["after"]
        print(f"{name:<14}{med['before']:>9.3f}{med['after']:>9.3f}{ratio:>9.2f}x")
        for m in MODES:
            s = np.array(seconds[m, name])
            rows.append(
                {
                    "analysis": name,
                    "mode": m,
                    "median_s": round(med[m], 4),
                    "min_s": round(float(s.min()), 4),
                    "max_s": round(float(s.max()), 4),
                    "points": n_points,
                }
            )
    print(f"largest relative inradius difference, before vs after: {worst:.2e}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    write_sidecar(
        out,
        model=model_name,
        directions=n_dirs,
        threads=os.environ.get("RAYON_NUM_THREADS", "all"),
        torch_threads=torch.get_num_threads(),
        inradius_rel_diff=worst,
        wall_s=round(wall, 1),
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
