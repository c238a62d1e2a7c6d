"""Regions of image networks in L-inf balls around real CIFAR-10 test images: exact counts
where they finish, and the cost per region where they cannot.

Networks (``../shared/nets``, VNN-COMP 2021): ``cifar10_small`` (3x32x32, 2,568 ReLUs) around
the image of its VNN-LIB specification, and ResNet-2B (6,244 ReLUs, two residual blocks)
around the images of ``resnet2b_prop_0/1``. Each ball has the image as its center and a
radius given as a fraction of the specification's own half-width (``--fractions``; ResNet-2B's
half-width is 2/255 in the network's normalised scale, so 0.5 is 1/255). For each ball
``Network.count_regions`` runs with a cap (``--cap``) and a time limit (``--seconds``): a
complete count is exact; a capped one gives the cost per region in the ball's search tree.
``unstable`` is the number of neurons whose sign changes somewhere in the ball (those the
count split on).

``--carriers`` also counts the smallest ball of each network with the dense carrier (each
node's local map as a units x d matrix per cell) next to the default masked one (masks, and
rows only for the units that may cross a cell): same count, and the time of each.

Run by hand (minutes)::

    PYTHONPATH=python python benches/cnn_balls.py [--fractions 0.005,0.01,0.02,0.5,1]
        [--cap 2000] [--seconds 300] [--carriers] [--csv docs/cnn-balls.csv]

Prints one Markdown table row per ball and, with ``--csv``, writes them as CSV with the
machine and the command beside it (``NAME.machine.json``); ``--append`` adds them to the
rows already there (the side file then lists every command).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import linregions as lr
from linregions import _core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import command, previous_commands, write_sidecar  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "nets"

#: (label, network file, VNN-LIB file whose box center is the image)
CASES = [
    (
        "cifar10_small #1189",
        "cifar10_small.onnx",
        "networkcifar10_small_index1189_eps0.012_target1_orig0.vnnlib",
    ),
    ("resnet_2b prop 0", "resnet_2b.onnx", "resnet2b_prop_0_eps_0.008.vnnlib"),
    ("resnet_2b prop 1", "resnet_2b.onnx", "resnet2b_prop_1_eps_0.008.vnnlib"),
]

FIELDS = [
    "ball",
    "fraction",
    "radius",
    "carrier",
    "regions",
    "complete",
    "unstable",
    "splits",
    "lps",
    "seconds",
    "ms_per_region",
]


def count(
    net: lr.Network, lo: np.ndarray, hi: np.ndarray, cap: int, seconds: float, maps: str
) -> Any:
    """The core's count of the regions of ``net`` in ``[lo, hi]`` with the carrier ``maps``,
    stopped after ``seconds`` (the count then says it is incomplete)."""
    start = time.perf_counter()

    def stop_after(found: int, _open: int, _elapsed: float) -> None:
        if time.perf_counter() - start > seconds:
            raise KeyboardInterrupt

    args = net._search_args(np.zeros((0, lo.size)), np.zeros(0), lo, hi, cap, None)
    return _core.count_split(*args, stop_after, None, maps)


def run_ball(
    label: str, onnx: str, spec: str, fraction: float, cap: int, seconds: float, maps: str
) -> dict[str, Any]:
    """One ball: the count's figures as a CSV row."""
    box = lr.read_vnnlib(str(SHARED / spec)).box
    center, half = (box[0] + box[1]) / 2, (box[1] - box[0]) / 2
    lo, hi = center - fraction * half, center + fraction * half
    net = lr.from_onnx(str(SHARED / onnx), bounds=(lo, hi))
    t = time.perf_counter()
    c = count(net, lo, hi, cap, seconds, maps)
    dt = time.perf_counter() - t
    return {
        "ball": label,
        "fraction": fraction,
        "radius": float(fraction * half.max()),
        "carrier": maps,
        "regions": int(c.regions),
        "complete": bool(c.complete),
        "unstable": int(c.unstable),
        "splits": int(c.splits),
        "lps": int(c.lps),
        "seconds": round(dt, 2),
        "ms_per_region": round(1000 * dt / max(int(c.regions), 1), 1),
    }


def main() -> None:
    """Runs the balls (see the module notes)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fractions", default="0.005,0.01,0.02,0.5,1")
    p.add_argument("--cases", default="0,1,2", help="indices into CASES")
    p.add_argument("--cap", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--carriers", action="store_true")
    p.add_argument("--csv", type=Path)
    p.add_argument("--append", action="store_true", help="add the rows to those already in --csv")
    a = p.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: these networks are not shipped with the tests")
    fractions = [float(f) for f in a.fractions.split(",")]
    rows = []
    print("| " + " | ".join(FIELDS) + " |")
    print("|" + " --- |" * len(FIELDS))
    for i in (int(k) for k in a.cases.split(",")):
        label, onnx, spec = CASES[i]
        carriers = [("masked", fractions)]
        if a.carriers:
            carriers.insert(0, ("dense", fractions[:1]))
        for maps, fs in carriers:
            for f in fs:
                row = run_ball(label, onnx, spec, f, a.cap, a.seconds, maps)
                rows.append(row)
                print("| " + " | ".join(str(row[k]) for k in FIELDS) + " |", flush=True)
    if a.csv:
        commands: list[str] = []
        if a.append and a.csv.is_file():
            with open(a.csv, newline="") as fh:
                rows = list(csv.DictReader(fh)) + rows
            commands = previous_commands(a.csv)
        with open(a.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=FIELDS)
            w.writeheader()
            w.writerows(rows)
        write_sidecar(a.csv, commands=[*commands, command()])


if __name__ == "__main__":
    main()
