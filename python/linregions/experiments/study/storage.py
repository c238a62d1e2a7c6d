"""Files of a study run: one JSON file per finished point (written atomically by
:func:`linregions.experiments.files.write_json_atomic`), checkpoints."""

from __future__ import annotations

import json
import os
from dataclasses import fields
from typing import Iterator, Optional

from ..files import write_json_atomic
from ..zoo import ModelConfig
from .config import StudyConfig

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


#: The configuration of the last run in a study folder (``--report-only`` reads it back).
CONFIG_FILE = "study.json"


def save_study_config(cfg: StudyConfig) -> str:
    """Writes ``cfg`` to ``<out_dir>/study.json`` (atomically); returns the path."""
    data = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    data["models"] = [m.to_json() for m in cfg.models]
    return write_json_atomic(os.path.join(cfg.out_dir, CONFIG_FILE), data, indent=2)


def load_study_config(out_dir: str) -> Optional[StudyConfig]:
    """The configuration saved by the last run in ``out_dir`` (its ``out_dir`` replaced by
    the folder given, so a moved folder still works), or None if there is none."""
    path = os.path.join(out_dir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    data["out_dir"] = out_dir
    data["models"] = tuple(ModelConfig.from_json(m) for m in data["models"])
    data["analyses"] = tuple(data["analyses"])
    return StudyConfig(**data)
