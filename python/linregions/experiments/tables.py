"""Tables of the experiments for readers: markdown and terminal text, never ``nan``.

:func:`markdown_table` and :func:`text_table` show a missing value as a dash with a footnote
marker, and the footnote says why it is missing.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

#: What a reader sees where a value is missing.
DASH = "–"
#: Footnote markers, in order of the columns that need one.
MARKERS = ("*", "†", "‡", "§")

#: A column of a table: (key in the row dicts, header, format spec).
Column = tuple[str, str, str]


def is_missing(value: Any) -> bool:
    """True for ``None`` and non-finite floats."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_cell(value: Any, spec: str, marker: str = "") -> str:
    """``format(value, spec)``, or a dash followed by ``marker`` where the value is missing."""
    return DASH + marker if is_missing(value) else format(value, spec)


def _markers(
    rows: Sequence[dict], columns: Sequence[Column], notes: Optional[dict[str, str]]
) -> dict[str, str]:
    """Marker of every column that has a missing value and a note."""
    used = [
        c[0]
        for c in columns
        if notes and c[0] in notes and any(is_missing(r.get(c[0])) for r in rows)
    ]
    return {key: MARKERS[i % len(MARKERS)] * (1 + i // len(MARKERS)) for i, key in enumerate(used)}


def markdown_table(
    rows: Sequence[dict], columns: Sequence[Column], notes: Optional[dict[str, str]] = None
) -> list[str]:
    """The lines of a markdown table of ``rows`` (dicts) in ``columns``.

    Missing values (None, NaN, inf) show as a dash; where ``notes[key]`` explains why values
    of column ``key`` can be missing, the dash carries a marker and the note follows the
    table as a footnote (only when some row needed it).

    Examples
    --------
    >>> rows = [{"m": "a", "v": 0.5}, {"m": "b", "v": float("nan")}]
    >>> cols = [("m", "model", "s"), ("v", "value", ".2f")]
    >>> print("\\n".join(markdown_table(rows, cols, notes={"v": "nothing to average"})))
    | model | value |
    | --- | --- |
    | a | 0.50 |
    | b | –\\* |
    <BLANKLINE>
    \\* nothing to average
    """
    marks = _markers(rows, columns, notes)
    lines = [
        "| " + " | ".join(c[1] for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += [
        "| "
        + " | ".join(format_cell(r.get(c[0]), c[2], _escape(marks.get(c[0], ""))) for c in columns)
        + " |"
        for r in rows
    ]
    if marks:
        lines.append("")
        lines += [f"{_escape(m)} {notes[k]}" for k, m in marks.items()]  # type: ignore[index]
    return lines


def _escape(marker: str) -> str:
    return marker.replace("*", "\\*")


def text_table(
    rows: Sequence[dict],
    columns: Sequence[Column],
    notes: Optional[dict[str, str]] = None,
    min_width: int = 10,
) -> str:
    """The same table as :func:`markdown_table`, right-aligned for a terminal."""
    marks = _markers(rows, columns, notes)
    widths = [max(len(c[1]), min_width) for c in columns]
    lines = ["  ".join(c[1].rjust(w) for c, w in zip(columns, widths))]
    lines += [
        "  ".join(
            format_cell(r.get(c[0]), c[2], marks.get(c[0], "")).rjust(w)
            for c, w in zip(columns, widths)
        )
        for r in rows
    ]
    lines += [f"  {m} {notes[k]}" for k, m in marks.items()]  # type: ignore[index]
    return "\n".join(lines)
