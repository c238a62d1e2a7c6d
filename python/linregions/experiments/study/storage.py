"""Files of a study run: one JSON file per finished point (written atomically by
:func:`linregions.experiments.io.write_json_atomic`), checkpoints."""

from __future__ import annotations

import json
import os
from typing import Iterator

from ..files import write_json_atomic

__all__ = ["write_json_atomic", "point_path", "checkpoint_path", "iter_point_results"]


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
