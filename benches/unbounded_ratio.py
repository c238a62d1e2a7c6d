"""Unbounded vs boxed, interleaved: facets and insphere of `bench_unbounded.py`'s region
with no box and in [-1, 1]^2, and the insphere of its 3-row cone (an unbounded inradius)
next to the same rows in [-1, 1]^2; 200 alternating rounds, wall and CPU medians. Run by hand:

    RAYON_NUM_THREADS=1 PYTHONPATH=python python benches/unbounded_ratio.py
"""

import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from bench_unbounded import unbounded_region  # noqa: E402

import linregions as lr  # noqa: E402

ROUNDS = 200


def main() -> None:
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
    for _ in range(ROUNDS):
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
    for what in ("facets", "insphere", "cone insphere"):
        mu = np.median(np.array(times[(what, "unbounded")]), axis=0) * 1e3
        mb = np.median(np.array(times[(what, "boxed")]), axis=0) * 1e3
        print(
            f"{what}: unbounded wall {mu[0]:.3f} ms cpu {mu[1]:.3f} | boxed wall {mb[0]:.3f} "
            f"cpu {mb[1]:.3f} | ratio wall {mu[0] / mb[0]:.2f} cpu {mu[1] / mb[1]:.2f}"
        )


if __name__ == "__main__":
    main()
