"""Local complexity at MNIST scale: the number of linear regions meeting the L-inf
ball of radius r around each of the first n held-out MNIST-5k digits, under the three
figure-1 models of the demo (784-20-20-20-10 ReLU MLPs: vanilla, BatchNorm, dropout; trained
exactly as ``linregions demo`` trains them). Run by hand (minutes per model at r = 0.01):

    PYTHONPATH=python python benches/local_complexity_mnist.py RADIUS [N_DIGITS] [CAP] [MODELS]

CAP is ``max_regions`` per ball; MODELS is a comma-separated subset of
``vanilla,BN,dropout`` (all three by default). Prints, per model, the held-out accuracy, the
count's min / median / mean / max over the digits, how many counts were capped, the seconds
per digit and the milliseconds per region. A running line is printed every ``CHUNK`` (10)
digits, so a long run that is stopped still reports what it counted.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

import linregions as lr
from linregions.experiments.datasets import load_mnist_5k, stratified_split
from linregions.experiments.demo import DEMO_VARIANTS, DEMO_WIDTHS, TRAIN_SCALE, TRAIN_SHIFT
from linregions.experiments.training import (
    accuracy,
    fold_input_affine,
    make_mlp,
    train_classifier,
)

#: Digits per running line (and per call of `lr.local_complexity`).
CHUNK = 10


def main(argv: list[str]) -> None:
    radius = float(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 100
    cap = int(argv[2]) if len(argv) > 2 else 100_000
    names = [v for v, _ in DEMO_VARIANTS]
    wanted = argv[3].split(",") if len(argv) > 3 else names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; choose from {names}")
    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=0)
    digits = np.random.default_rng(0).permutation(test)[:n]
    for name, kw in DEMO_VARIANTS:
        if name not in wanted:
            continue
        model = train_classifier(
            make_mlp(DEMO_WIDTHS, seed=0, **kw),
            TRAIN_SCALE * X[train] + TRAIN_SHIFT,
            y[train],
            epochs=10,
            seed=0,
            threads=1,
        )
        model = fold_input_affine(model, TRAIN_SCALE, TRAIN_SHIFT)
        net = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
        counts, complete, seconds = [], [], 0.0
        for start in range(0, n, CHUNK):
            chunk = digits[start : start + CHUNK]
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # capped counts are reported
                lc = lr.local_complexity(net, X[chunk], radius, norm="linf", max_regions=cap)
            seconds += time.perf_counter() - t
            counts.extend(lc.counts)
            complete.extend(lc.complete)
            if len(counts) < n:
                print(f"  {name}: {summary(counts, complete, cap, seconds)}", flush=True)
        print(
            f"{name}: accuracy {accuracy(model, X[test], y[test]):.3f}; r = {radius}:"
            f" {summary(counts, complete, cap, seconds)}",
            flush=True,
        )


def summary(counts: list, complete: list, cap: int, seconds: float) -> str:
    """One line of figures over the digits counted so far."""
    c, n = np.asarray(counts), len(counts)
    capped = int(n - np.count_nonzero(complete))
    return (
        f"counts min {c.min()} median {np.median(c):g} mean {c.mean():.2f} max {c.max()}"
        f" ({capped} of {n} capped at {cap}); {seconds / n:.2f} s per digit;"
        f" {seconds / c.sum() * 1e3:.1f} ms per region"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
