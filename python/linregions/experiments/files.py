"""Files of the experiments: atomic writes, JSON without NaN.

Every file an experiment writes (checkpoints, point results, reports, tables) goes through
:func:`atomic_write`, so a killed run never leaves a half-written file. What the tables in
those files look like is :mod:`linregions.experiments.tables`' concern.
"""

from __future__ import annotations

import json
import math
import os
from typing import IO, Any, Callable, Optional


def atomic_write(path: str, write: Callable[[IO[Any]], object], binary: bool = False) -> str:
    """Writes ``path`` through ``write(file)`` on a temporary file and a rename, so the file
    is either the old one or the complete new one. Creates the parent folder. Returns
    ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        f: IO[Any]
        with open(tmp, "wb") if binary else open(tmp, "w", newline="") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_text_atomic(path: str, text: str) -> str:
    """Writes the string ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(text))


def clean_json(value: Any) -> Any:
    """``value`` with NaN as ``None`` and infinities as the strings ``"inf"``/``"-inf"``
    (strict JSON has neither), recursively through dicts, lists and tuples."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def write_json_atomic(path: str, data: Any, indent: Optional[int] = None) -> str:
    """Writes ``data`` as strict JSON (see :func:`clean_json`) to ``path`` atomically."""
    return atomic_write(
        path, lambda f: json.dump(clean_json(data), f, indent=indent, allow_nan=False)
    )
