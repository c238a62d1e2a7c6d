"""Memory per region of the complex (target: 10^7 regions in 24 GiB): the peak
resident memory of ``net.regions(max_regions=N)`` on the random 3 x 32 MLPs of
``bench_complex.py``, for two caps in separate processes; the difference divided by the
difference of the counts is the memory per region, network and interpreter excluded. Run by
hand:

    PYTHONPATH=python:benches python benches/complex_memory.py D N1 N2
"""

from __future__ import annotations

import resource
import subprocess
import sys
import warnings


def peak_after(d: int, cap: int) -> tuple[int, float]:
    """(regions found, peak RSS in bytes) of one enumeration capped at ``cap``."""
    from bench_complex import random_mlp

    net = random_mlp(d, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cap's warning
        cx = net.regions(max_regions=cap)
    return cx.n_regions, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0


def main(argv: list[str]) -> None:
    if argv[0] == "--one":
        n, rss = peak_after(int(argv[1]), int(argv[2]))
        print(n, rss)
        return
    d, caps = int(argv[0]), [int(v) for v in argv[1:3]]
    runs = []
    for cap in caps:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(d), str(cap)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append((int(out[0]), float(out[1])))
    (n1, m1), (n2, m2) = runs
    per = (m2 - m1) / (n2 - n1)
    print(
        f"d={d}: {n1} regions {m1 / 2**30:.2f} GiB, {n2} regions {m2 / 2**30:.2f} GiB peak; "
        f"{per:.0f} bytes per region; 10^7 regions: {(m1 + per * (1e7 - n1)) / 2**30:.1f} GiB"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
