"""``benches/report.py`` writes ``benches/RESULTS.md`` from the results files: one section per
capability with the machine, the command, the figure and the reference beside it; static
blocks verbatim and marked; the same inputs give the same file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benches" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


report = _load()

TEMPLATE = """# Results

## Counting

<!-- generated: counting-vs-nnenum -->

## Region of a point

<!-- generated: bench bench_core -->
<!-- static unless bench bench_core -->
figures of an earlier run
<!-- /static -->

## Walks

<!-- generated: bench bench_walk -->
<!-- static unless bench bench_walk -->
walk figures
<!-- /static -->

## Memory

<!-- static -->
| N | peak RSS |
| --- | --- |
| 10^6 | 1.70 GiB |
<!-- /static -->

## Atlas

<!-- generated: acas-atlas -->
"""

COUNTING = """case,regions,unstable_neurons,linregions_s,nnenum_regions,nnenum_s,equal,speedup
"ACAS Xu 1_1, property 1",39835,111,0.345,39835,9.086,True,26.3
"ACAS Xu 1_1, property 3",71930,67,0.483,71930,15.999,True,33.1
"mnist-net_256x2, digit 0, r = 0.02",2,1,0.003,2,0.079,True,24.0
"""


def _benchmark(name: str, seconds: float, rounds: int, **extra) -> dict:
    return {
        "name": name,
        "fullname": f"benches/bench_core.py::{name}",
        "extra_info": extra,
        "stats": {"min": seconds, "median": seconds * 1.1, "mean": seconds, "rounds": rounds},
    }


@pytest.fixture()
def sources(tmp_path):
    results, docs = tmp_path / "results", tmp_path / "docs"
    results.mkdir()
    docs.mkdir()
    (docs / "counting-vs-nnenum.csv").write_text(COUNTING)
    (docs / "counting-vs-nnenum.machine.json").write_text(
        json.dumps(
            {"cpu": "AMD EPYC", "cores": 2, "simd": "AVX2", "threads": 2, "command": "python c.py"}
        )
    )
    (results / "bench_core.json").write_text(
        json.dumps(
            {
                "machine_info": {"cpu": {"brand_raw": "Test CPU", "count": 4, "flags": ["avx2"]}},
                "command": "python -m pytest benches/bench_core.py",
                "benchmarks": [
                    _benchmark("test_region_linregions", 0.1, 5),
                    _benchmark("test_region_autograd_per_neuron", 24.0, 1, rows=3072),
                ],
            }
        )
    )
    return report.Sources(results, docs)


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_sections_hold_machine_command_figure_and_reference(sources):
    text = report.render(TEMPLATE, sources)
    counting = _section(text, "Counting")
    assert "Machine: AMD EPYC, 2 cores (AVX2); linregions 2 threads." in counting
    assert "\n    python c.py\n" in counting
    assert "| ACAS Xu 1_1, property 3 | 71,930 | 67 | 0.483 s | 15.999 s | 33.1x |" in counting
    assert "The counts are equal in every row." in counting
    assert "the 2 ACAS Xu boxes: 0.83 s against 25.09 s (30.3x; per case 26-33x)" in counting
    assert "Source: `counting-vs-nnenum.csv`." in counting

    core = _section(text, "Region of a point")
    assert "Machine: Test CPU, 4 cores (AVX2)." in core
    assert "\n    python -m pytest benches/bench_core.py\n" in core
    assert (
        "| region of one point (`net.region`) | 100 ms (min of 5) "
        "| one autograd gradient per hidden neuron | 24 s | 240x |"
    ) in core
    assert "| `test_region_autograd_per_neuron` | 24 s | 26.4 s | 1 | rows 3,072 |" in core
    assert "earlier run" not in text  # the results replace the static fallback


def test_static_blocks_are_verbatim_and_marked(sources):
    text = report.render(TEMPLATE, sources)
    walks, memory = _section(text, "Walks"), _section(text, "Memory")
    assert walks.strip() == f"{report.STATIC_MARK}\n\nwalk figures"
    assert memory.strip().startswith(report.STATIC_MARK)
    assert "| N | peak RSS |\n| --- | --- |\n| 10^6 | 1.70 GiB |" in memory
    assert "No results recorded yet (`acas-atlas.csv`)" in _section(text, "Atlas")
    assert "<!--" not in text


def test_the_same_inputs_give_the_same_file(sources, tmp_path):
    template, out = tmp_path / "template.md", tmp_path / "RESULTS.md"
    template.write_text(TEMPLATE)
    args = ["--results", str(sources.results), "--docs", str(sources.docs)]
    args += ["--template", str(template), "--out", str(out)]
    assert report.main(args) == 0
    first = out.read_text()
    assert report.main(args) == 0 and out.read_text() == first
    assert report.main([*args, "--check"]) == 0
    out.write_text(first + "edited by hand\n")
    assert report.main([*args, "--check"]) == 1


def test_bad_templates_are_refused(sources):
    with pytest.raises(ValueError, match="unknown generated block"):
        report.render("<!-- generated: nothing -->\n", sources)
    with pytest.raises(ValueError, match="ends inside a static block"):
        report.render("<!-- static -->\ntext\n", sources)


def test_results_md_is_current():
    """``benches/RESULTS.md`` is what ``python benches/report.py`` writes from the files in
    the repository."""
    assert report.main(["--check"]) == 0, "run python benches/report.py"
