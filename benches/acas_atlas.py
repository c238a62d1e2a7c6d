"""The ACAS Xu atlas: the number of linear regions of each of the 45 ACAS Xu networks in the
input boxes of properties 1-4 (1 and 2 share a box; property 4 fixes one input, so its box is
4-dimensional), counted exactly by ``Network.count_regions``. Run by hand (minutes on two
cores)::

    PYTHONPATH=python python benches/acas_atlas.py [--nets DIR] [--csv docs/acas-atlas.csv]
    PYTHONPATH=python python benches/acas_atlas.py --outputs [--csv docs/acas-atlas-properties.csv]

Prints one Markdown row per network (regions, seconds and regions per second per box, and
the neurons that switch inside each box) and writes the CSV (one row per network and box),
with the machine, the command and the wall time beside it (``NAME.machine.json``).
With ``--outputs`` each of properties 1-4 is counted with its output constraint (the VNN-LIB
file's, which describes a counterexample): the rows then also give the regions on a
full-dimensional part of which the constraint holds, i.e. the regions holding
counterexamples to the property (0: the property holds on the box, up to sets of measure
zero).
The networks are VNN-COMP 2021's (``../shared/nets/acasxu``; network 1_1 is also in
``tests/data``).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Optional

import linregions as lr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import write_sidecar  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
#: Property boxes counted: property 2's box is property 1's.
BOXES = {"1-2": 1, "3": 3, "4": 4}
#: With --outputs: every property, with its own output constraint.
PROPERTIES = {"1": 1, "2": 2, "3": 3, "4": 4}


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nets", default=str(ROOT.parent / "shared" / "nets" / "acasxu"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--csv")
    p.add_argument("--outputs", action="store_true", help="count each property's violations")
    a = p.parse_args(argv)
    cases = PROPERTIES if a.outputs else BOXES
    nets = sorted(Path(a.nets).glob("ACASXU_run2a_*_batch_2000.onnx"))
    if not nets:
        raise SystemExit(f"no ACAS Xu networks in {a.nets}")
    specs = {b: lr.read_vnnlib(str(DATA / f"acasxu_prop_{p}.vnnlib")) for b, p in cases.items()}
    what = "property" if a.outputs else "box"
    print(f"{len(nets)} networks, {os.cpu_count()} cores, {a.workers} threads")
    cell = "regions, with counterexamples (s)" if a.outputs else "regions (s)"
    print("| network | " + " | ".join(f"{what} {b}: {cell}" for b in cases) + " |")
    print("| --- |" + " --- |" * len(cases))
    rows, total, start = [], 0, time.perf_counter()
    for path in nets:
        name = path.name.removeprefix("ACASXU_run2a_").removesuffix("_batch_2000.onnx")
        cells = []
        for box, spec in specs.items():
            net = lr.from_onnx(str(path), bounds=spec)
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                outputs = list(spec.outputs) if a.outputs else None
                c = net.count_regions(workers=a.workers, outputs=outputs)
            dt = time.perf_counter() - t
            if not c.complete or c.unsettled:
                raise SystemExit(f"{name}, box {box}: count not complete/certified: {c}")
            total += c.n_regions
            row = {
                "network": name, what: box, "regions": c.n_regions,
                "unstable_neurons": c.unstable, "seconds": round(dt, 3),
                "regions_per_s": round(c.n_regions / dt),
            }  # fmt: skip
            if a.outputs:
                row["regions_with_counterexamples"] = c.meeting
                cells.append(f"{c.n_regions:,}, {c.meeting:,} ({dt:.2f})")
            else:
                cells.append(f"{c.n_regions:,} ({dt:.2f})")
            rows.append(row)
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    wall = time.perf_counter() - start
    print(f"\n{total:,} regions in {wall:.1f} s ({total / wall:,.0f} regions/s, loading included)")
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        write_sidecar(a.csv, threads=a.workers, wall_s=round(wall, 1))


if __name__ == "__main__":
    main()
