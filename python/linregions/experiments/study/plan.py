"""What a study run will do and how long it should take, said before it starts.

The estimate has two sources. Points already finished in the output folder carry their
measured ``seconds``: their median is used for the remaining points of that model. For a
model with no finished point, and for training, the estimate comes from reference timings
on the project's 2-core machine (``benches/RESULTS.md``, section "Study"): a fixed cost per
point (PGD, decision targets, nullspace walks) plus a cost per hidden neuron, scaled by the
share of the analyses selected; training as floating-point work per epoch at a measured
rate, up to ``max_epochs`` (early stopping often ends sooner, so that part is an upper
bound).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..zoo import ModelConfig, load_checkpoint
from .analyses import ANALYSES
from .config import StudyConfig
from .storage import checkpoint_path, iter_point_results, point_path

#: Reference seconds per point with every analysis and 100 rays, on 2 cores: fixed part and
#: part per hidden neuron (784-1024^3-10: 17 s; 784-128^3-10: 15 s; benches/RESULTS.md).
POINT_FIXED_S = 14.0
POINT_PER_NEURON_S = 1e-3
#: Training rate, in multiply-adds (forward + backward ~ 3 per weight and sample) per second.
TRAIN_MACS_PER_S = 2e9
#: Speed-up of k local workers on the reference machine (1.25x measured for 2 on 2 cores).
PARALLEL_EFFICIENCY = 0.625


@dataclass(frozen=True)
class ModelPlan:
    """One model of a study run: whether it trains, points done and to do, seconds each."""

    name: str
    train: bool
    train_s: float
    points_done: int
    points_todo: int
    point_s: float
    measured: bool


@dataclass(frozen=True)
class StudyPlan:
    """The work of a study run and its time estimate (seconds)."""

    out_dir: str
    dataset: str
    analyses: tuple[str, ...]
    workers: int
    models: tuple[ModelPlan, ...]
    train_s: float
    points_s: float

    @property
    def total_s(self) -> float:
        return self.train_s + self.points_s

    def describe(self) -> str:
        """The plan in a few lines, for printing before the run starts."""
        todo = sum(m.points_todo for m in self.models)
        done = sum(m.points_done for m in self.models)
        lines = [
            f"study of {self.dataset} in {self.out_dir}: {len(self.models)} models, "
            f"analyses {', '.join(self.analyses)}, {self.workers} worker(s)"
        ]
        for m in self.models:
            how = "measured here" if m.measured else "reference machine"
            train = f"train (<= {_duration(m.train_s)})" if m.train else "checkpoint reused"
            lines.append(
                f"  {m.name}: {train}; points {m.points_done} done, {m.points_todo} "
                f"to do at ~{m.point_s:.0f} s each ({how})"
            )
        lines.append(
            f"estimate: {_duration(self.total_s)} ({_duration(self.train_s)} training "
            f"at most, {_duration(self.points_s)} for {todo} points; {done} reused)"
        )
        lines.append(
            f"stop any time with Ctrl-C and rerun to resume; "
            f"{report_only_command(self.out_dir)} writes the report from the "
            "points finished so far"
        )
        return "\n".join(lines)


def report_only_command(out_dir: str) -> str:
    """The command that rewrites the report of ``out_dir`` from its finished points."""
    return f"linregions study --out {out_dir} --report-only"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _neurons_and_macs(mc: ModelConfig) -> tuple[int, float]:
    """Hidden neurons and multiply-adds of one forward pass of ``mc``'s model."""
    d = int(np.prod(mc.input_shape))
    if mc.arch == "cnn":
        *channels, dense = mc.hidden
        c, h, w = mc.input_shape
        neurons, macs = 0, 0.0
        for out in channels:
            h, w = (h - 3) // 2 + 1, (w - 3) // 2 + 1
            neurons += out * h * w
            macs += out * h * w * c * 9
            c = out
        return neurons + dense, macs + c * h * w * dense + dense * mc.n_classes
    widths = (d, *mc.hidden, mc.n_classes)
    return sum(mc.hidden), float(sum(a * b for a, b in zip(widths[:-1], widths[1:])))


def reference_point_seconds(mc: ModelConfig, analyses: Sequence[str], n_directions: int) -> float:
    """Seconds per point on the reference machine for ``mc`` and the analyses selected."""
    neurons, _ = _neurons_and_macs(mc)
    share = len(set(analyses) & set(ANALYSES)) / len(ANALYSES)
    rays = max(n_directions, 1) / 100
    return (POINT_FIXED_S + POINT_PER_NEURON_S * neurons) * share * max(rays, 0.2)


def plan_study(
    cfg: StudyConfig, models: Iterable[ModelConfig], n_train: int, n_test: int
) -> StudyPlan:
    """What :func:`~linregions.experiments.study.run_study` will do for ``cfg``: which
    models train, how many points are done and to do, and the estimated seconds.

    Parameters
    ----------
    cfg : the study configuration.
    models : the models of the run.
    n_train : number of training samples (sets the training estimate).
    n_test : number of test samples (the points are the first ``cfg.n_points`` of a seeded
        permutation of them).
    """
    chosen = np.random.default_rng(cfg.seed).permutation(n_test)[: cfg.n_points]
    measured: dict[str, list[float]] = {}
    for res in iter_point_results(cfg.out_dir):
        if isinstance(res.get("seconds"), (int, float)):
            measured.setdefault(res["model"], []).append(float(res["seconds"]))
    workers = cfg.workers or (os.cpu_count() or 1)
    plans = []
    for mc in models:
        loaded = load_checkpoint(checkpoint_path(cfg.out_dir, mc.name))
        train = loaded is None or loaded[1] != mc
        done = (
            0
            if train
            else sum(os.path.exists(point_path(cfg.out_dir, mc.name, int(i))) for i in chosen)
        )
        _, macs = _neurons_and_macs(mc)
        train_s = 3 * macs * n_train * mc.max_epochs / TRAIN_MACS_PER_S if train else 0.0
        times = measured.get(mc.name) if not train else None
        point_s = (
            float(np.median(times))
            if times
            else reference_point_seconds(mc, cfg.analyses, cfg.n_directions)
        )
        plans.append(
            ModelPlan(mc.name, train, train_s, done, len(chosen) - done, point_s, bool(times))
        )
    speedup = 1.0 if workers <= 1 else max(1.0, PARALLEL_EFFICIENCY * workers)
    if cfg.scheduler is not None:
        speedup = 1.0  # unknown cluster: the serial time is the honest bound
    points_s = sum(m.points_todo * m.point_s for m in plans) / speedup
    return StudyPlan(
        cfg.out_dir,
        cfg.dataset,
        tuple(cfg.analyses),
        workers,
        tuple(plans),
        sum(m.train_s for m in plans),
        points_s,
    )


def plan_from_data(cfg: StudyConfig, models: Sequence[ModelConfig], data) -> StudyPlan:
    """:func:`plan_study` from loaded ``(train, val, test)`` splits."""
    (Xtr, _), _, (Xte, _) = data
    return plan_study(cfg, models, len(Xtr), len(Xte))
