"""Unbounded vs boxed, interleaved: facets and insphere of `bench_unbounded.py`'s region
with no box and in [-1, 1]^2, and the insphere of its 3-row cone (an unbounded inradius)
next to the same rows in [-1, 1]^2; 200 alternating rounds, wall and CPU medians. Run by hand:

    RAYON_NUM_THREADS=1 PYTHONPATH=python python benches/unbounded_ratio.py
        [--rounds 200] [--csv benches/results/unbounded-ratio.csv]

With ``--csv`` the run is appended (one row per task, numbered by run), with the machine and
the command, to the CSV that ``benches/report.py`` reads.
"""

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_unbounded import unbounded_region  # noqa: E402
from machine import append_row, command, machine  # noqa: E402

import linregions as lr  # noqa: E402

ROUNDS = 200
#: The columns of the CSV, in order (times in milliseconds, medians over the rounds).
FIELDS = tuple(
    "run task unbounded_wall_ms boxed_wall_ms wall_ratio unbounded_cpu_ms boxed_cpu_ms "
    "cpu_ratio rounds cpu cores simd command".split()
)
TASKS = ("facets", "insphere", "cone insphere")


def next_run(path: str) -> int:
    """1 + the largest run number in the CSV ``path`` (1 for a new file)."""
    if not Path(path).is_file():
        return 1
    with open(path, newline="") as f:
        return 1 + max((int(r["run"]) for r in csv.DictReader(f)), default=0)


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--csv", default=None, help="append the run to this CSV")
    a = parser.parse_args(argv)
    p = unbounded_region()
    boxed = lr.Polytope(p.A, p.b, -np.ones(2), np.ones(2))
    cone_rows = (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]), np.array([0.5, 0.5, 0.25]))
    cone = lr.Polytope(*cone_rows, [-np.inf] * 2, [np.inf] * 2)
    cone_boxed = lr.Polytope(*cone_rows, -np.ones(2), np.ones(2))
    assert cone.insphere().status == "unbounded"
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(3):
        p.nonredundant()
        boxed.nonredundant()
    for _ in range(a.rounds):
        for name, q in (("unbounded", p), ("boxed", boxed)):
            for what, f in (("facets", q.nonredundant), ("insphere", q.insphere)):
                wall, cpu = time.perf_counter(), time.process_time()
                f()
                spent = (time.perf_counter() - wall, time.process_time() - cpu)
                times.setdefault((what, name), []).append(spent)
        for name, q in (("unbounded", cone), ("boxed", cone_boxed)):
            wall, cpu = time.perf_counter(), time.process_time()
            q.insphere()
            spent = (time.perf_counter() - wall, time.process_time() - cpu)
            times.setdefault(("cone insphere", name), []).append(spent)
    run = next_run(a.csv) if a.csv else 0
    for what in TASKS:
        mu = np.median(np.array(times[(what, "unbounded")]), axis=0) * 1e3
        mb = np.median(np.array(times[(what, "boxed")]), axis=0) * 1e3
        print(
            f"{what}: unbounded wall {mu[0]:.3f} ms cpu {mu[1]:.3f} | boxed wall {mb[0]:.3f} "
            f"cpu {mb[1]:.3f} | ratio wall {mu[0] / mb[0]:.2f} cpu {mu[1] / mb[1]:.2f}"
        )
        if a.csv:
            append_row(
                a.csv,
                FIELDS,
                {
                    "run": run,
                    "task": what,
                    "unbounded_wall_ms": round(mu[0], 4),
                    "boxed_wall_ms": round(mb[0], 4),
                    "wall_ratio": round(mu[0] / mb[0], 3),
                    "unbounded_cpu_ms": round(mu[1], 4),
                    "boxed_cpu_ms": round(mb[1], 4),
                    "cpu_ratio": round(mu[1] / mb[1], 3),
                    "rounds": a.rounds,
                    **machine(),
                    "command": command(),
                },
            )


if __name__ == "__main__":
    main()
