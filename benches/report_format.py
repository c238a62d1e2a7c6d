"""What the blocks of ``benches/report.py`` share: where the results files are, how numbers,
tables, machines and commands are written, and how the files are read."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benches" / "results"
DOCS = ROOT / "docs"

#: A dash for a missing value.
DASH = "—"


@dataclass(frozen=True)
class Sources:
    """Where the results files are: ``results`` (pytest-benchmark JSON, appended CSVs) and
    ``docs`` (the CSVs the documentation shows)."""

    results: Path = RESULTS
    docs: Path = DOCS


@dataclass(frozen=True)
class Block:
    """A generated block: ``render(arg, sources)`` gives its lines, or None when ``file(arg,
    sources)``, the results file it reads, holds nothing yet."""

    render: Callable[[str, Sources], Optional[list[str]]]
    file: Callable[[str, Sources], Path]


# -- numbers -----------------------------------------------------------------------------


def fmt_int(n: Any) -> str:
    """``39835`` -> ``"39,835"``; a dash when missing."""
    return DASH if n in (None, "") else f"{int(float(n)):,}"


def fmt_time(seconds: Optional[float]) -> str:
    """A duration with 3 significant digits in s, ms or µs (``"0.101 s"`` is ``"101 ms"``)."""
    if seconds is None:
        return DASH
    if seconds >= 100:
        return f"{seconds:,.0f} s"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(r: Optional[float]) -> str:
    """A speed-up: ``"240x"``, ``"26.3x"``, ``"0.5x"``."""
    if r is None:
        return DASH
    return f"{r:,.0f}x" if r >= 100 else f"{r:.3g}x"


def fmt_seconds_sum(s: float) -> str:
    """A total in seconds with 3 significant digits (``"214"``, ``"3.4"``)."""
    return f"{s:,.0f}" if s >= 100 else f"{s:.3g}"


def to_float(v: Any) -> Optional[float]:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table."""
    return [
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


# -- machines and commands ---------------------------------------------------------------


def machine_line(m: dict[str, Any], extra: str = "") -> str:
    """``Machine: AMD EPYC, 2 cores (AVX2); EXTRA.`` from ``cpu``, ``cores``, ``simd``."""
    cpu = m.get("cpu") or "unknown CPU"
    text = f"Machine: {cpu}, {m.get('cores') or '?'} cores"
    if m.get("simd"):
        text += f" ({m['simd']})"
    return text + (f"; {extra}" if extra else "") + "."


def command_block(commands: Sequence[str]) -> list[str]:
    """The commands as an indented code block (each once, in order)."""
    seen = list(dict.fromkeys(c for c in commands if c))
    return ["", *(f"    {c}" for c in seen), ""] if seen else [""]


def read_csv(path: Path) -> Optional[list[dict[str, str]]]:
    """The rows of ``path``, or None when the file is absent or empty."""
    if not path.is_file():
        return None
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows or None


def read_sidecar(path: Path) -> dict[str, Any]:
    """``NAME.machine.json`` beside ``NAME.csv`` (empty when absent)."""
    side = path.with_name(path.stem + ".machine.json")
    return json.loads(side.read_text()) if side.is_file() else {}


def relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def source_line(path: Path) -> str:
    return f"Source: `{relative(path)}`."


def run_header(m: dict[str, Any], extra: str = "") -> list[str]:
    """The machine line and the commands of a side file (``commands`` when a script appended
    several runs, else its ``command``)."""
    lines = [machine_line(m, extra)]
    if m.get("load"):
        lines[0] += f" Load: {m['load']}."
    return lines + command_block(m.get("commands") or [m.get("command", "")])


def row_machines(rows: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """The distinct machines of rows that carry ``cpu``, ``cores``, ``simd`` columns."""
    seen: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r.get("cpu", ""), r.get("cores", ""), r.get("simd", ""))
        seen.setdefault(key, {"cpu": key[0], "cores": key[1], "simd": key[2]})
    return list(seen.values())
