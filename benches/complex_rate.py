"""Regions per second of ``net.regions()`` on the random 3 x width ReLU MLPs of
``bench_complex.py``, capped at the first ``cap`` regions (the full complexes at d >= 6 hold
millions). Run by hand, with nothing else on the machine:

    PYTHONPATH=python:benches python benches/complex_rate.py D [WIDTH] [CAP] [WORKERS]

Prints the count, the wall time and the rate; the BFS order is deterministic, so two builds
enumerate the same first ``cap`` regions.
"""

from __future__ import annotations

import sys
import time
import warnings

from bench_complex import random_mlp


def main(argv: list[str]) -> None:
    d = int(argv[0])
    width = int(argv[1]) if len(argv) > 1 else 32
    cap = int(argv[2]) if len(argv) > 2 else 20_000
    workers = int(argv[3]) if len(argv) > 3 else None
    net = random_mlp(d, width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cap's "more regions exist" warning
        t = time.perf_counter()
        cx = net.regions(max_regions=cap, workers=workers)
        dt = time.perf_counter() - t
    print(
        f"d={d} width={width}: {cx.n_regions} regions in {dt:.2f} s = {cx.n_regions / dt:,.0f}"
        f" regions/s (complete={cx.complete}, unsettled={cx.unsettled})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
