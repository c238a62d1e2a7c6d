"""Files of a study run: atomic JSON writes, one file per finished point."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Iterator


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json_atomic(path: str, data: Any) -> None:
    """Writes ``data`` to ``path`` through a temporary file and a rename (never half-written)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(_clean(data), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


#: Folders of points whose checkpoint was replaced are renamed ``<model>.stale-<n>``.
STALE_MARK = ".stale-"


def point_path(out_dir: str, model: str, index: int) -> str:
    """Where the result of test point ``index`` of ``model`` is stored."""
    return os.path.join(out_dir, "points", model, f"{index:06d}.json")


def checkpoint_path(out_dir: str, model: str) -> str:
    return os.path.join(out_dir, "checkpoints", f"{model}.pt")


def iter_point_results(out_dir: str) -> Iterator[dict]:
    """Every finished point result under ``out_dir`` (points of replaced checkpoints, moved
    to ``<model>.stale-<n>`` folders, are skipped)."""
    root = os.path.join(out_dir, "points")
    if not os.path.isdir(root):
        return
    for model in sorted(os.listdir(root)):
        if STALE_MARK in model:
            continue
        folder = os.path.join(root, model)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name)) as f:
                    yield json.load(f)
