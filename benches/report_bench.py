"""The blocks of ``benches/report.py`` read from pytest-benchmark JSON: each figure next to
the reference measured in the same run (:data:`PAIRS`), then every benchmark of the file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from report_format import (
    DASH,
    Block,
    Sources,
    command_block,
    fmt_ratio,
    fmt_time,
    machine_line,
    source_line,
    table,
    to_float,
)

# -- pytest-benchmark files ----------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A figure and the reference measured beside it in one pytest-benchmark run.

    ``ours`` and ``reference`` name a benchmark (its test name, ``{p}`` standing for the
    parameter) and optionally ``:KEY``, a value in seconds from its ``extra_info`` (else its
    minimum time). ``ratio``, if given, is ``NAME:KEY`` of an ``extra_info`` speed-up that
    replaces reference / ours (e.g. a reference timed on a subset and extrapolated).
    """

    label: str
    ours: str
    reference: str
    reference_label: str
    ratio: str = ""


#: The comparisons each pytest-benchmark file holds.
PAIRS: dict[str, tuple[Pair, ...]] = {
    "bench_core": (
        Pair("region of one point (`net.region`)", "test_region_linregions",
             "test_region_autograd_per_neuron", "one autograd gradient per hidden neuron"),
        Pair("keys + unique count of the patterns", "test_keys_unique_linregions",
             "test_keys_unique_numpy", "`np.unique(patterns, axis=0)`"),
        Pair("`net.patterns` end to end", "test_patterns_end_to_end",
             "test_patterns_torch_forward", "float64 torch forward pass alone"),
    ),
    "bench_walk": (
        Pair("rays, exact walk (`lr.surrounding_regions`)", "test_rays_exact_walk",
             "test_rays_dense_sampling", "dense sampling (`net.patterns`)"),
    ),
    "bench_counting": (
        Pair("count, box of property {p} (splitting route)", "test_count_split[{p}]",
             "test_count_search[{p}]", "facet-following search"),
        Pair("count, box of property {p} (splitting route)", "test_count_split[{p}]",
             "test_count_nnenum[{p}]", "nnenum"),
    ),
    "bench_slice": (
        Pair("exact slice", "test_exact_slice_through_three_test_points",
             "test_raster_grid_finds_no_region_the_exact_slice_misses",
             "raster (`net.patterns`)"),
    ),
    "bench_polytope": (
        Pair("insphere, {p}", "test_insphere_paper_region_vs_highs_ipm[{p}]",
             "test_insphere_paper_region_vs_highs_ipm[{p}]:highs_ipm_s",
             "`linprog(method=\"highs-ipm\")`"),
        Pair("insphere, {p}", "test_insphere_vs_highs_ipm[{p}]",
             "test_insphere_vs_highs_ipm[{p}]:highs_ipm_s", "`linprog(method=\"highs-ipm\")`"),
        Pair("facets, {p}", "test_nonredundant_paper_region_vs_naive[{p}]",
             "test_nonredundant_paper_region_vs_naive[{p}]:naive_extrapolated_s",
             "appendix-C loop (extrapolated)"),
        Pair("facets, {p}", "test_nonredundant_auto_vs_naive[{p}]",
             "test_nonredundant_auto_vs_naive[{p}]:naive_extrapolated_s",
             "appendix-C loop (extrapolated)"),
        Pair("facets, {p}", "test_nonredundant_auto_vs_cdd[{p}]",
             "test_nonredundant_auto_vs_cdd[{p}]:cdd_s", "pycddlib"),
    ),
    "bench_unbounded": (
        Pair("facets, no box", "test_unbounded_2d_facets_ours",
             "test_unbounded_2d_facets_peer_polytope_reduce", "`polytope.reduce`"),
        Pair("facets, no box", "test_unbounded_2d_facets_ours",
             "test_same_rows_with_the_finite_box", "same rows in `[-1, 1]^2`"),
        Pair("insphere, no box", "test_unbounded_2d_insphere_ours",
             "test_same_rows_with_the_finite_box_insphere", "same rows in `[-1, 1]^2`"),
        Pair("insphere of the cone", "test_unbounded_radius_cone_insphere",
             "test_cone_rows_with_the_finite_box_insphere", "same rows in `[-1, 1]^2`"),
    ),
    "bench_decision": (
        Pair("`region.class_maxima()`, all classes", "test_class_maxima_all_classes",
             "test_cvxpy_clarabel_reference", "cvxpy + Clarabel (the classes it was given)",
             ratio="test_cvxpy_clarabel_reference:speedup_all_classes"),
    ),
    "bench_complex": (
        Pair("`net.regions()`, d = 2", "test_d2_vs_slice", "test_d2_slice_reference",
             "`net.slice` over the box"),
        Pair("`net.regions()`, d = 2", "test_d2_vs_relucent:seconds_ours",
             "test_d2_vs_relucent", "relucent `Complex.bfs`"),
    ),
    "bench_study": (
        Pair("study points, 2 workers", "test_study_points_on_local_cluster[2]",
             "test_study_points_on_local_cluster[1]", "1 worker"),
    ),
    "bench_topology": (
        Pair("regions + face poset + Betti numbers + persistence", "test_vs_relucent:seconds_ours",
             "test_vs_relucent:seconds_relucent", "relucent"),
        Pair("regions of R^d, {p}", "test_whole_space_vs_relucent[{p}]:seconds_ours",
             "test_whole_space_vs_relucent[{p}]:seconds_relucent",
             "relucent `Complex.bfs()`, no cube"),
        Pair("Betti numbers alone, {p}", "test_betti_vs_relucent[{p}]:seconds_ours",
             "test_betti_vs_relucent[{p}]:seconds_relucent", "relucent `Complex.betti_numbers()`"),
        Pair("Betti numbers alone, all of R^d, {p}",
             "test_betti_whole_space_vs_relucent[{p}]:seconds_ours",
             "test_betti_whole_space_vs_relucent[{p}]:seconds_relucent",
             "relucent `Complex.betti_numbers()`"),
    ),
}  # fmt: skip


def _bench_value(benches: dict[str, dict], selector: str) -> Optional[float]:
    name, _, key = selector.partition(":")
    b = benches.get(name)
    if b is None:
        return None
    if key:
        return to_float(b.get("extra_info", {}).get(key))
    return float(b["stats"]["min"])


def _bench_cell(benches: dict[str, dict], selector: str) -> str:
    value = _bench_value(benches, selector)
    if value is None:
        return DASH
    name, _, key = selector.partition(":")
    if key:
        return fmt_time(value)
    rounds = benches[name]["stats"]["rounds"]
    return fmt_time(value) + (f" (min of {rounds})" if rounds > 1 else "")


def _expand(pair: Pair, benches: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    """(label, ours, reference, ratio) selectors of ``pair`` for every parameter present."""
    if "{p}" not in pair.ours:
        return [(pair.label, pair.ours, pair.reference, pair.ratio)]
    name = pair.ours.partition(":")[0]
    pattern = re.compile(re.escape(name).replace(re.escape("{p}"), "(?P<p>[^]]+)") + "$")
    found = [m.group("p") for m in map(pattern.match, benches) if m]
    return [
        (
            pair.label.format(p=p),
            pair.ours.format(p=p),
            pair.reference.format(p=p),
            pair.ratio.format(p=p),
        )
        for p in found
    ]


def _extra_text(extra: dict[str, Any]) -> str:
    """The short scalar entries of a benchmark's ``extra_info``."""
    parts = []
    for key, value in extra.items():
        if isinstance(value, bool) or isinstance(value, str):
            text = str(value)
        elif isinstance(value, int):
            text = f"{value:,}"
        elif isinstance(value, float):
            text = f"{value:.4g}"
        elif (
            isinstance(value, list)
            and len(value) <= 10
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        ):
            text = "[" + ", ".join(f"{v:g}" for v in value) + "]"
        else:
            continue
        if len(text) <= 40:
            parts.append(f"{key} {text}")
    return "; ".join(parts) or DASH


def bench_machine(info: dict[str, Any]) -> dict[str, Any]:
    """``cpu``, ``cores``, ``simd`` from a pytest-benchmark ``machine_info``."""
    cpu = info.get("cpu", {})
    flags = set(cpu.get("flags", []))
    simd = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "")
    return {
        "cpu": cpu.get("brand_raw") or info.get("processor") or info.get("machine"),
        "cores": cpu.get("count"),
        "simd": simd,
    }


def render_bench(arg: str, src: Sources) -> Optional[list[str]]:
    """``arg`` is ``FILE`` (``benches/results/FILE.json``) or ``FILE:TEXT``, the benchmarks of
    the file whose names contain ``TEXT``."""
    stem, _, text = arg.partition(":")
    path = bench_file(arg, src)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    benches = {b["name"]: b for b in data.get("benchmarks", []) if text in b["name"]}
    if not benches:
        return None
    command = data.get("command") or bench_command(stem)
    lines = [machine_line(bench_machine(data.get("machine_info", {})))]
    lines += command_block([command])
    body = []
    for pair in PAIRS.get(stem, ()):
        for label, ours, ref, ratio in _expand(pair, benches):
            a, b = _bench_value(benches, ours), _bench_value(benches, ref)
            if a is None or b is None:
                continue
            r = _bench_value(benches, ratio) if ratio else (b / a if a > 0 else None)
            body.append(
                [
                    label,
                    _bench_cell(benches, ours),
                    pair.reference_label,
                    _bench_cell(benches, ref),
                    fmt_ratio(r),
                ]
            )
    if body:
        lines += table(["what", "linregions", "reference", "reference's time", "ratio"], body)
        lines += ["", "Every benchmark of the run:", ""]
    every = [
        [
            f"`{name}`",
            fmt_time(b["stats"]["min"]),
            fmt_time(b["stats"]["median"]),
            str(b["stats"]["rounds"]),
            _extra_text(b.get("extra_info", {})),
        ]
        for name, b in benches.items()
    ]
    lines += table(["benchmark", "min", "median", "rounds", "recorded"], every)
    return [*lines, "", source_line(path)]


def bench_file(arg: str, src: Sources) -> Path:
    """``FILE.json`` in the results folder for ``arg`` = ``FILE`` or ``FILE:TEXT``."""
    return src.results / f"{arg.partition(':')[0]}.json"


def bench_command(stem: str) -> str:
    """The command that writes ``benches/results/STEM.json``."""
    return (
        f"PYTHONPATH=python python -m pytest benches/{stem}.py -o python_files='bench_*.py' "
        f"-p no:logging --benchmark-json=benches/results/{stem}.json"
    )


#: The generated block of this module, by name.
BLOCKS = {"bench": Block(render_bench, bench_file)}
