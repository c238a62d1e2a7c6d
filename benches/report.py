"""Writes ``benches/RESULTS.md`` from the benchmark results and the template's text.

    python benches/report.py [--check]

Reads ``benches/report_template.md`` and replaces its directives, each a line of its own:

- ``<!-- generated: NAME [ARG] -->``: a block computed from a results file: ``bench FILE``
  (the pytest-benchmark JSON ``benches/results/FILE.json``), ``counting-vs-nnenum``,
  ``acas-atlas``, ``acas-atlas-properties`` (the CSVs of the same names in ``docs/``),
  ``complex-rate METHOD`` and ``unbounded-ratio`` (``benches/results/*.csv``). Every block
  names the machine (the JSON's ``machine_info``, the CSV's ``NAME.machine.json`` or its
  machine columns), the command that produced the file, the figures and the reference
  measured beside them, and the file.
- ``<!-- static -->`` ... ``<!-- /static -->``: figures no results file records, included
  verbatim under a line that marks them as static.
- ``<!-- static unless NAME [ARG] -->`` ... ``<!-- /static -->``: the same, but only while
  the generated block ``NAME [ARG]`` has no results file; once it has one, the block replaces
  the static figures.

The blocks are in ``report_csv.py`` and ``report_bench.py`` (which pytest-benchmark figure is
compared with which reference: ``report_bench.PAIRS``), what they share in
``report_format.py``. The output depends on nothing but these files (no clock, no machine
lookup), so the same inputs give the same file. ``--check`` writes nothing and exits with
status 1 when the file on disk differs from what would be written.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_bench import BLOCKS as BENCH_BLOCKS  # noqa: E402
from report_bench import bench_command  # noqa: E402
from report_csv import BLOCKS as CSV_BLOCKS  # noqa: E402
from report_format import DOCS, RESULTS, ROOT, Block, Sources, command_block, relative  # noqa: E402

TEMPLATE = ROOT / "benches" / "report_template.md"
OUT = ROOT / "benches" / "RESULTS.md"

#: The line above every static block.
STATIC_MARK = "*Static: figures that no results file records, kept as written.*"

_DIRECTIVE = re.compile(r"^<!--\s*(generated:|static unless|static|/static)\s*(.*?)\s*-->$")

__all__ = ["BLOCKS", "STATIC_MARK", "Sources", "main", "render"]

#: The generated blocks by name.
BLOCKS: dict[str, Block] = {**BENCH_BLOCKS, **CSV_BLOCKS}


def _key(spec: str) -> tuple[str, str]:
    name, _, arg = spec.strip().partition(" ")
    if name not in BLOCKS:
        raise ValueError(f"unknown generated block {name!r}; expected one of {sorted(BLOCKS)}")
    return name, arg.strip()


def _missing(name: str, arg: str, src: Sources) -> list[str]:
    """What stands where a generated block has no results file (and no static fallback)."""
    where = relative(BLOCKS[name].file(arg, src))
    if name != "bench":
        return [f"*No results recorded yet (`{where}`).*"]
    command = bench_command(arg.partition(":")[0])
    return [
        f"*No results recorded yet (`{where}`); this command writes them:*",
        *command_block([command]),
    ]


def render(template: str, src: Sources) -> str:
    """The report: ``template`` with its directives replaced (see the module docstring).

    Parameters
    ----------
    template : str
        The text of the template.
    src : Sources
        Where the results files are.

    Returns
    -------
    str
        The Markdown of the report, ending with one newline.

    Raises
    ------
    ValueError
        An unknown generated block, or static blocks that are not closed or are nested.
    """
    lines = template.splitlines()
    blocks: dict[tuple[str, str], Optional[list[str]]] = {}

    def block(spec: str) -> Optional[list[str]]:
        key = _key(spec)
        if key not in blocks:
            blocks[key] = BLOCKS[key[0]].render(key[1], src)
        return blocks[key]

    directives = [_DIRECTIVE.match(line.strip()) for line in lines]
    fallbacks = {_key(m.group(2)) for m in directives if m and m.group(1) == "static unless"}
    out: list[str] = []
    static: Optional[list[str]] = None  # the open static block; None outside one
    keep = True
    for n, (line, m) in enumerate(zip(lines, directives), 1):
        kind, spec = (m.group(1), m.group(2)) if m else (None, "")
        if static is not None:
            if kind == "/static":
                if keep:
                    out += [STATIC_MARK, "", *static]
                static = None
            elif kind is not None:
                raise ValueError(f"template line {n}: {line.strip()} inside a static block")
            else:
                static.append(line)
        elif kind == "generated:":
            got = block(spec)
            if got is not None:
                out += got
            elif _key(spec) not in fallbacks:
                out += _missing(*_key(spec), src)
        elif kind in ("static", "static unless"):
            static, keep = [], kind == "static" or block(spec) is None
        elif kind == "/static":
            raise ValueError(f"template line {n}: <!-- /static --> without a static block")
        else:
            out.append(line)
    if static is not None:
        raise ValueError("the template ends inside a static block")
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)  # blocks that rendered nothing leave no gaps
    return text.strip("\n") + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    """Writes (or, with ``--check``, checks) the report; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=RESULTS, help="pytest-benchmark JSON, CSVs")
    p.add_argument("--docs", type=Path, default=DOCS, help="the documentation's CSVs")
    p.add_argument("--template", type=Path, default=TEMPLATE)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--check", action="store_true", help="only check that --out is current")
    a = p.parse_args(argv)
    text = render(a.template.read_text(), Sources(a.results, a.docs))
    if a.check:
        current = a.out.read_text() if a.out.is_file() else ""
        if current != text:
            print(f"{a.out} is out of date: run python benches/report.py", file=sys.stderr)
            return 1
        return 0
    a.out.write_text(text)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
