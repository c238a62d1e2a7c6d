"""The blocks of ``benches/report.py`` read from CSVs: counting next to nnenum, the ACAS Xu
atlas and its properties (``docs/``), and the rows the hand-run scripts append
(``benches/results/``)."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Callable, Optional, Sequence

from report_format import (
    DASH,
    Block,
    Sources,
    command_block,
    fmt_int,
    fmt_seconds_sum,
    machine_line,
    read_csv,
    read_sidecar,
    row_machines,
    run_header,
    source_line,
    table,
    to_float,
)

# -- counting against nnenum ---------------------------------------------------------------


def _case_group(case: str) -> str:
    """The group a case of ``counting_vs_nnenum.py`` is summed in."""
    m = re.match(r"(.+?), digit \d+, r = (.+)$", case)
    if m:
        return f"{m.group(1)} balls at r = {m.group(2)}"
    m = re.match(r"(.+?) \S+, property \d+$", case)
    return f"{m.group(1)} boxes" if m else "other cases"


def render_counting(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["counting-vs-nnenum"].file(arg, src)
    rows = read_csv(path)
    if rows is None:
        return None
    m = read_sidecar(path)
    extra = []
    if m.get("threads"):
        extra.append(f"linregions {m['threads']} threads")
    if m.get("nnenum_processes"):
        extra.append(f"nnenum {m['nnenum_processes']} processes")
    lines = run_header(m, ", ".join(extra))
    body, unequal, stopped = [], [], []
    for r in rows:
        equal = r["equal"] == "True"
        regions = fmt_int(r["regions"])
        if r.get("complete") == "False":
            regions += " (stopped)"
        if r["equal"] == "nnenum timed out":
            regions += " (nnenum stopped)"
            stopped.append(r)
        elif r["nnenum_regions"] and not equal:
            regions += f" (nnenum {fmt_int(r['nnenum_regions'])})"
            unequal.append(r["case"])
        ours, theirs = to_float(r["linregions_s"]), to_float(r["nnenum_s"])
        peer = f"{theirs:.3f} s" if theirs is not None else (r["equal"] or DASH)
        speed = to_float(r["speedup"])
        body.append(
            [
                r["case"],
                regions,
                fmt_int(r["unstable_neurons"]),
                f"{ours:.3f} s" if ours is not None else DASH,
                peer,
                f"{speed:.1f}x" if speed is not None else (r["speedup"] or DASH),
            ]
        )
    lines += table(
        ["case", "regions (both)", "neurons that switch", "linregions", "nnenum", "speed-up"],
        body,
    )
    lines.append("")
    if unequal:
        lines.append(f"The counts differ in {len(unequal)} rows: {', '.join(unequal)}.")
    elif all(r["nnenum_regions"] or r["equal"] == "nnenum timed out" for r in rows):
        finished = len(rows) - len(stopped)
        lines.append(
            "The counts are equal in every row."
            if not stopped
            else f"The counts are equal in every row both finished ({finished} of {len(rows)})."
        )
    if stopped:
        ours_done = [r for r in stopped if r.get("complete") != "False"]
        lines.append(
            f"nnenum reached its time limit in {len(stopped)} rows; linregions finished "
            f"{len(ours_done)} of them."
        )
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if to_float(r["nnenum_s"]) is not None and to_float(r["linregions_s"]):
            groups.setdefault(_case_group(r["case"]), []).append(r)
    parts = []
    for name, rs in groups.items():
        ours_s = sum(float(r["linregions_s"]) for r in rs)
        peer_s = sum(float(r["nnenum_s"]) for r in rs)
        speeds = [
            to_float(r["speedup"]) or float(r["nnenum_s"]) / float(r["linregions_s"]) for r in rs
        ]
        parts.append(
            f"the {len(rs)} {name}: {ours_s:.2f} s against {peer_s:.2f} s "
            f"({peer_s / ours_s:.1f}x; per case {min(speeds):.0f}-{max(speeds):.0f}x)"
        )
    if parts:
        lines.append("In all: " + "; ".join(parts) + ".")
    return [*lines, "", source_line(path)]


# -- the ACAS Xu atlas ---------------------------------------------------------------------

#: How the atlas' box column reads (property 2's box is property 1's; 4 fixes an input).
BOX_LABELS = {"1-2": "properties 1 and 2", "4": "property 4 (one input fixed)"}
#: The networks each ACAS Xu property is posed for (VNN-COMP 2021): property 2 for the 36
#: networks 2_1-5_9, properties 1, 3 and 4 for all 45.
POSED: dict[str, Callable[[str], bool]] = {"2": lambda net: not net.startswith("1_")}


def render_atlas(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["acas-atlas"].file(arg, src)
    rows = read_csv(path)
    if rows is None:
        return None
    m = read_sidecar(path)
    lines = run_header(m, f"{m['threads']} threads" if m.get("threads") else "")
    total = sum(int(r["regions"]) for r in rows)
    counting = sum(float(r["seconds"]) for r in rows)
    result = (
        f"Result: {total:,} regions, {fmt_seconds_sum(counting)} s of counting "
        f"({total / counting:,.0f} regions/s)"
    )
    if m.get("wall_s"):
        result += f"; {float(m['wall_s']):,.0f} s wall, network loading included"
    lines += [result + ".", ""]
    boxes: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        boxes.setdefault(r["box"], []).append(r)
    body = []
    for box, rs in boxes.items():
        counts = sorted(int(r["regions"]) for r in rs)
        top = max(rs, key=lambda r: int(r["regions"]))
        body.append(
            [
                BOX_LABELS.get(box, f"property {box}"),
                f"{counts[0]:,} / {statistics.median_low(counts):,} / {counts[-1]:,} "
                f"(network {top['network']})",
                f"{sum(counts):,}",
                fmt_seconds_sum(sum(float(r["seconds"]) for r in rs)),
            ]
        )
    n = len({r["network"] for r in rows})
    lines += table(
        ["box", "regions per network (min / median / max)", f"all {n} networks", "seconds"],
        body,
    )
    return [*lines, "", source_line(path)]


def _networks(names: list[str], of: list[str]) -> str:
    if not names:
        return "none"
    if len(names) == len(of):
        return f"all {len(of)}"
    if len(names) > len(of) / 2:
        rest = [x for x in of if x not in names]
        return f"{len(names)} of {len(of)} (all but {', '.join(rest)})"
    return f"{len(names)} of {len(of)}: {', '.join(names)}"


def render_properties(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["acas-atlas-properties"].file(arg, src)
    rows = read_csv(path)
    if rows is None:
        return None
    m = read_sidecar(path)
    lines = run_header(m, f"{m['threads']} threads" if m.get("threads") else "")
    props: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        props.setdefault(r["property"], []).append(r)
    body = []
    for prop, rs in props.items():
        posed = [r for r in rs if POSED.get(prop, lambda _: True)(r["network"])]
        names = [r["network"] for r in posed]
        hit = [r for r in posed if int(r["regions_with_counterexamples"]) > 0]
        whole = hit and all(r["regions_with_counterexamples"] == r["regions"] for r in hit)
        found = _networks([r["network"] for r in hit], names)
        if whole:
            found += " (every region of the box)"
        body.append(
            [
                prop,
                f"{len(posed)}",
                found,
                f"{sum(int(r['regions_with_counterexamples']) for r in posed):,}",
                f"{sum(int(r['regions']) for r in posed):,}",
                fmt_seconds_sum(sum(float(r["seconds"]) for r in rs)),
            ]
        )
    lines += table(
        [
            "property",
            "networks it is posed for",
            "networks with counterexample regions",
            "regions with counterexamples",
            "regions",
            "seconds (all networks)",
        ],
        body,
    )
    seconds = sum(float(r["seconds"]) for r in rows)
    lines += ["", f"{fmt_seconds_sum(seconds)} s of counting for all {len(props)} properties."]
    return [*lines, "", source_line(path)]


# -- rows appended by hand-run scripts -----------------------------------------------------


def rows_header(rows: Sequence[dict[str, str]]) -> list[str]:
    machines = row_machines(rows)
    lines = [machine_line(machines[0])] if len(machines) == 1 else []
    if len(machines) > 1:
        lines = ["Machines: " + "; ".join(machine_line(x)[9:-1] for x in machines) + "."]
    return lines + command_block([r.get("command", "") for r in rows])


def render_complex_rate(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["complex-rate"].file(arg, src)
    rows = read_csv(path)
    rows = [r for r in rows or [] if not arg or r["method"] == arg]
    if not rows:
        return None
    lines = rows_header(rows)
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault((r["d"], r["width"], r["workers"]), []).append(r)
    body = []
    for (d, width, workers), rs in groups.items():
        rates = ", ".join(fmt_int(r["regions_per_s"]) for r in rs)
        runs = f" ({len(rs)} runs)" if len(rs) > 1 else ""
        body.append(
            [
                d,
                f"3 x {width}",
                " / ".join(dict.fromkeys(f"first {fmt_int(r['regions'])}" for r in rs)),
                workers or "default",
                rates + runs,
            ]
        )
    lines += table(["d", "hidden", "regions", "threads", "regions/s"], body)
    return [*lines, "", source_line(path)]


def render_unbounded_ratio(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["unbounded-ratio"].file(arg, src)
    rows = read_csv(path)
    if rows is None:
        return None
    lines = rows_header(rows)
    runs = list(dict.fromkeys(r["run"] for r in rows))
    rounds = list(dict.fromkeys(r["rounds"] for r in rows))
    lines += [
        f"{len(runs)} run{'s' if len(runs) > 1 else ''} of {' / '.join(rounds)} interleaved "
        "rounds, medians of the wall time (runs separated by /):",
        "",
    ]
    tasks: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        tasks.setdefault(r["task"], []).append(r)
    labels = {
        "facets": "`nonredundant()`",
        "insphere": "`insphere()`",
        "cone insphere": "`insphere()` of the cone (radius `inf`)",
    }

    def ms(rs: list[dict[str, str]], key: str) -> str:
        return " / ".join(f"{float(r[key]):.3f}" for r in rs) + " ms"

    body = [
        [
            labels.get(task, task),
            ms(rs, "unbounded_wall_ms"),
            ms(rs, "boxed_wall_ms"),
            " / ".join(f"{float(r['wall_ratio']):.2f}" for r in rs) + "x",
        ]
        for task, rs in tasks.items()
    ]
    lines += table(["what", "no box", "same rows in `[-1, 1]^2`", "ratio"], body)
    worst = [
        f"{labels.get(task, task)} {max(float(r['wall_ratio']) for r in rs):.2f}x"
        for task, rs in tasks.items()
    ]
    lines += ["", "Largest ratio (no box over boxed): " + ", ".join(worst) + "."]
    return [*lines, "", source_line(path)]


def render_cnn_balls(arg: str, src: Sources) -> Optional[list[str]]:
    path = BLOCKS["cnn-balls"].file(arg, src)
    rows = read_csv(path)
    if rows is None:
        return None
    lines = run_header(read_sidecar(path)) + [""]
    body = [
        [
            r["ball"],
            f"{float(r['radius']):.2g} ({float(r['fraction']):g} of the spec's)",
            r["carrier"],
            fmt_int(r["regions"]) + ("" if r["complete"] == "True" else " (stopped)"),
            r["unstable"],
            r["seconds"],
            r["ms_per_region"],
        ]
        for r in rows
    ]
    lines += table(
        ["ball", "radius", "carrier", "regions", "unstable", "seconds", "ms per region"], body
    )
    return [*lines, "", source_line(path)]


def _docs(name: str) -> Callable[[str, Sources], Path]:
    return lambda arg, src: src.docs / name


def _results(name: str) -> Callable[[str, Sources], Path]:
    return lambda arg, src: src.results / name


#: The generated blocks of this module, by name.
BLOCKS = {
    "counting-vs-nnenum": Block(render_counting, _docs("counting-vs-nnenum.csv")),
    "acas-atlas": Block(render_atlas, _docs("acas-atlas.csv")),
    "acas-atlas-properties": Block(render_properties, _docs("acas-atlas-properties.csv")),
    "complex-rate": Block(render_complex_rate, _results("complex-rate.csv")),
    "unbounded-ratio": Block(render_unbounded_ratio, _results("unbounded-ratio.csv")),
    "cnn-balls": Block(render_cnn_balls, _docs("cnn-balls.csv")),
}
