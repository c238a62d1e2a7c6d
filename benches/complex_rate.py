"""Regions per second of ``net.regions()`` on the random 3 x width ReLU MLPs of
``bench_complex.py``, capped at the first ``cap`` regions (the full complexes at d >= 6 hold
millions). Run by hand, with nothing else on the machine:

    PYTHONPATH=python python benches/complex_rate.py D [WIDTH] [CAP] [WORKERS]
        [--method auto|search] [--csv benches/results/complex-rate.csv]

Prints the count, the wall time and the rate; the search's order is deterministic, so two
builds enumerate the same first ``cap`` regions. ``--method search`` times the
facet-following search (the default ``auto`` runs the splitting route outside d = 2). With
``--csv`` the run is appended as one row, with the machine and the command, to the CSV that
``benches/report.py`` reads.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_complex import random_mlp  # noqa: E402
from machine import append_row, command, machine  # noqa: E402

#: The columns of the CSV, in order.
FIELDS = tuple(
    "d width cap workers method regions seconds regions_per_s cpu cores simd command".split()
)


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("d", type=int)
    p.add_argument("width", type=int, nargs="?", default=32)
    p.add_argument("cap", type=int, nargs="?", default=20_000)
    p.add_argument("workers", type=int, nargs="?", default=None)
    p.add_argument("--method", default="auto", choices=["auto", "search"])
    p.add_argument("--csv", default=None, help="append the run to this CSV")
    a = p.parse_args(argv)
    net = random_mlp(a.d, a.width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cap's "more regions exist" warning
        t = time.perf_counter()
        cx = net.regions(max_regions=a.cap, workers=a.workers, method=a.method)
        dt = time.perf_counter() - t
    print(
        f"d={a.d} width={a.width} ({a.method}): {cx.n_regions} regions in {dt:.2f} s = "
        f"{cx.n_regions / dt:,.0f} regions/s (complete={cx.complete}, unsettled={cx.unsettled})"
    )
    if a.csv:
        append_row(
            a.csv,
            FIELDS,
            {
                "d": a.d,
                "width": a.width,
                "cap": a.cap,
                "workers": a.workers or "",
                "method": a.method,
                "regions": cx.n_regions,
                "seconds": round(dt, 3),
                "regions_per_s": round(cx.n_regions / dt),
                **machine(),
                "command": command(),
            },
        )


if __name__ == "__main__":
    main()
