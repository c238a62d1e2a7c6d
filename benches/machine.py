"""The machine a benchmark script runs on and the command that ran it, stored beside its
results so that ``benches/report.py`` can say where and how every figure was measured.

A script that writes one CSV per run stores ``NAME.machine.json`` beside ``NAME.csv``
(:func:`write_sidecar`); a script that appends one row per run puts the same fields in the
row (:func:`machine`, :func:`command`).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

#: Environment variables that change what a benchmark measures; a command shows those set.
BENCH_VARIABLES = (
    "LINREGIONS_BENCH_SMOKE",
    "LINREGIONS_BENCH_GRID",
    "LINREGIONS_BENCH_REF_CLASSES",
    "LR_BENCH_SIZE",
    "LR_BENCH_FACETS",
    "LR_NAIVE_SAMPLE",
    "LR_COMPLEX_WIDTH",
    "RAYON_NUM_THREADS",
    "NNENUM_SRC",
)


def simd(flags: set[str]) -> str:
    """The widest vector extension among the CPU ``flags``: ``"AVX-512"``, ``"AVX2"`` or
    ``""``."""
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2" if "avx2" in flags else ""


def machine(cpuinfo: str = "/proc/cpuinfo") -> dict[str, Any]:
    """``{"cpu": model name, "cores": logical cores, "simd": "AVX-512" | "AVX2" | ""}`` of
    this machine, read from ``cpuinfo`` (Linux), else from :mod:`platform`."""
    model, flags = "", set[str]()
    try:
        for line in Path(cpuinfo).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not model:
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return {
        "cpu": model or platform.processor() or "unknown CPU",
        "cores": os.cpu_count(),
        "simd": simd(flags),
    }


def command(argv: Optional[list[str]] = None, environ: Optional[dict[str, str]] = None) -> str:
    """The command line of this run (``python SCRIPT ARGS``), with the benchmark variables
    that are set (and a relative ``PYTHONPATH``) written in front of it."""
    argv = sys.argv if argv is None else argv
    env = os.environ if environ is None else environ
    prefix = [f"{k}={shlex.quote(env[k])}" for k in BENCH_VARIABLES if k in env]
    path = env.get("PYTHONPATH", "")
    if path and not any(os.path.isabs(p) for p in path.split(os.pathsep)):
        prefix.append(f"PYTHONPATH={shlex.quote(path)}")  # a source checkout's python/
    return " ".join([*prefix, "python", shlex.join(argv)])


def sidecar_path(results: str | Path) -> Path:
    """``NAME.machine.json`` beside the results file ``NAME.csv`` (or ``NAME.json``)."""
    p = Path(results)
    return p.with_name(p.stem + ".machine.json")


def write_sidecar(results: str | Path, **extra: Any) -> Path:
    """Writes :func:`machine`, :func:`command` and ``extra`` (e.g. ``threads``, ``wall_s``)
    beside ``results``; returns the path."""
    data = {**machine(), "command": command(), **extra}
    path = sidecar_path(results)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def previous_commands(results: str | Path) -> list[str]:
    """The commands recorded beside ``results`` by earlier runs (``[]`` when there is no
    sidecar): a run that adds rows to the file records them with its own."""
    path = sidecar_path(results)
    if not path.is_file():
        return []
    side = json.loads(path.read_text())
    return list(side.get("commands", [side.get("command", "")]))


def append_row(path: str | Path, fields: Sequence[str], row: dict[str, Any]) -> None:
    """Appends ``row`` to the CSV ``path`` with the columns ``fields`` (writing the header
    when the file is new)."""
    new = not Path(path).is_file()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(fields))
        if new:
            w.writeheader()
        w.writerow(row)
