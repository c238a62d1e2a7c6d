"""The toy study of appendix A: two spirals, three 2-10-10-10-2 models, exact partitions.

The two-spiral dataset (figure 7) has one spiral per class; the vanilla model has three
hidden layers of 10 ReLUs, the BN model adds BatchNorm after each pre-activation, the dropout
model adds dropout (p = 0.2) after each activation. All are trained with Adam (lr 1e-3,
betas 0.9, 0.999) until the test accuracy is 100%; a run that has not got there after
``max_steps`` restarts from the next seed (reported). Then the whole input square is
partitioned exactly (figure 8) and the regions counted, twice: by the 2-D slice and by the
complex (``net.regions()``, the search in any dimension), whose key sets must agree. Needs
torch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The input square of the toy study.
TOY_BOUNDS = (-1.0, 1.0)
#: Spiral turns, radius range and points per class of the default dataset.
SPIRAL_TURNS = 1.0
SPIRAL_R_MIN = 0.3
SPIRAL_SCALE = 0.9
POINTS_PER_CLASS = 500
TOY_KINDS = ("vanilla", "bn", "dropout")
TOY_WIDTHS = (2, 10, 10, 10, 2)
LR = 1e-3
BATCH = 128
#: Steps between test evaluations, steps per attempt, attempts (seeds) per model.
EVAL_EVERY = 10
MAX_STEPS = 4000
MAX_ATTEMPTS = 8


def two_spirals(
    n_per_class: int = POINTS_PER_CLASS, seed: int = 0, turns: float = SPIRAL_TURNS
) -> tuple[np.ndarray, np.ndarray]:
    """``(X (2n, 2) float64 in the square, y (2n,) int64)``: two interleaved spirals,
    class 1 the point reflection of class 0, points spread uniformly along the arc."""
    rng = np.random.default_rng(seed)
    angle = np.sqrt(rng.uniform(0.0, 1.0, n_per_class)) * turns * 2.0 * np.pi
    r = SPIRAL_R_MIN + (1.0 - SPIRAL_R_MIN) * angle / (turns * 2.0 * np.pi)
    x0 = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    X = SPIRAL_SCALE * np.concatenate([x0, -x0])
    y = np.concatenate([np.zeros(n_per_class, np.int64), np.ones(n_per_class, np.int64)])
    return X, y


def toy_model(kind: str, seed: int) -> Any:
    """A fresh 2-10-10-10-2 model of ``kind`` in TOY_KINDS, initialised from ``seed``."""
    import torch
    import torch.nn as nn

    if kind not in TOY_KINDS:
        raise ValueError(f"kind must be one of {TOY_KINDS}, got {kind!r}")
    torch.manual_seed(seed)
    layers: list[Any] = []
    for a, b in zip(TOY_WIDTHS[:-2], TOY_WIDTHS[1:-1]):
        layers.append(nn.Linear(a, b))
        if kind == "bn":
            layers.append(nn.BatchNorm1d(b))
        layers.append(nn.ReLU())
        if kind == "dropout":
            layers.append(nn.Dropout(0.2))
    layers.append(nn.Linear(TOY_WIDTHS[-2], TOY_WIDTHS[-1]))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class TrainResult:
    """A trained toy model (eval mode) and how it got there."""

    model: Any
    kind: str
    seed: int
    attempts: int
    steps: int
    seconds: float
    test_accuracy: float
    train_accuracy: float


def train_toy_model(
    kind: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    seed: int = 0,
    max_steps: int = MAX_STEPS,
    max_attempts: int = MAX_ATTEMPTS,
) -> TrainResult:
    """Adam (lr 1e-3) on minibatches drawn with replacement until 100% test accuracy
    (checked every EVAL_EVERY steps; :func:`~linregions.experiments.training.fit`); restarts
    from seed + 1, ... up to ``max_attempts`` times."""
    import torch

    from .training import FitSettings, fit

    Xtr, ytr = (torch.as_tensor(a) for a in train)
    Xte, yte = (torch.as_tensor(a) for a in test)
    Xtr, Xte = Xtr.float(), Xte.float()

    def test_accuracy(model: Any) -> float:
        return float((model(Xte).argmax(1) == yte).float().mean())

    t0 = time.perf_counter()
    for attempt in range(max_attempts):
        s = seed + attempt
        settings = FitSettings(
            lr=LR,
            betas=(0.9, 0.999),
            batch_size=BATCH,
            steps=max_steps,
            eval_every=EVAL_EVERY,
            target=1.0,
            seed=s,
            threads=1,
        )
        res = fit(toy_model(kind, s), Xtr, ytr, settings, evaluate=test_accuracy)
        if res.last_score == 1.0:
            break
    model, acc, step = res.model, res.last_score, res.steps
    with torch.no_grad():
        tr_acc = float((model(Xtr).argmax(1) == ytr).float().mean())
    return TrainResult(
        model=model,
        kind=kind,
        seed=s,
        attempts=attempt + 1,
        steps=step,
        seconds=time.perf_counter() - t0,
        test_accuracy=acc,
        train_accuracy=tr_acc,
    )


def run_toy_study(out_dir: str | Path, seed: int = 0) -> dict[str, Any]:
    """Trains the three toy models, partitions the whole input square exactly, draws
    figure 7, figure 8 and the complex of each model, and writes their arrays into ``out_dir``.

    Returns ``{"models": {kind: {...numbers...}}, "figures": {...paths...}, "arrays": path}``;
    per model: test/train accuracy, training steps, attempts, seed used, seconds, number
    of linear regions and of classification polygons in the square, slice seconds, the
    mean and coefficient of variation of the region areas, and the complex's count, edges,
    completeness, seconds and whether its key set equals the slice's.
    """
    import linregions as lr

    from ..plotting.slices import plot_slices, save_slice_arrays

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = two_spirals(seed=seed)
    test = two_spirals(seed=seed + 1)
    slices, complexes, numbers = [], [], {}
    for kind in TOY_KINDS:
        res = train_toy_model(kind, train, test, seed=seed)
        net = lr.from_torch(res.model, (2,), bounds=TOY_BOUNDS)
        t0 = time.perf_counter()
        sl = net.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=TOY_BOUNDS)
        t_slice = time.perf_counter() - t0
        areas = sl.areas()
        slices.append(sl)
        t0 = time.perf_counter()
        cx = net.regions()  # the complex: an independent route to the same regions
        t_complex = time.perf_counter() - t0
        complexes.append(cx)
        numbers[kind] = {
            "test_accuracy": res.test_accuracy,
            "train_accuracy": res.train_accuracy,
            "steps": res.steps,
            "attempts": res.attempts,
            "seed": res.seed,
            "train_seconds": res.seconds,
            "n_regions": sl.n_regions,
            "n_class_polygons": len(sl.class_label),
            "slice_seconds": t_slice,
            "complex_regions": cx.n_regions,
            "complex_edges": len(cx.edges),
            "complex_complete": cx.complete,
            "complex_equals_slice": set(cx.keys) == set(sl.key_ints()),
            "complex_seconds": t_complex,
            "mean_region_area": float(areas.mean()),
            "region_area_cv": float(areas.std() / areas.mean()),
            "mean_active_fraction": float(np.average(sl.active_fraction, weights=areas)),
        }
    fig7 = out / "toy_dataset.png"
    _plot_dataset(train, fig7)
    fig8 = out / "toy_slices.png"
    plot_slices(
        slices,
        titles=list(TOY_KINDS),
        points=[test[0]] * len(slices),
        point_labels=[test[1]] * len(slices),
        path=fig8,
    )
    arrays = save_slice_arrays(out / "toy_slices.npz", slices, TOY_KINDS)
    fig_complex = out / "toy_complex.png"
    _plot_complexes(complexes, fig_complex)
    return {
        "models": numbers,
        "figures": {"dataset": str(fig7), "slices": str(fig8), "complex": str(fig_complex)},
        "arrays": str(arrays),
    }


def _plot_complexes(complexes: list[Any], path: Path) -> None:
    """The complex of each toy model: exact region polygons by class, adjacency edges."""
    from ..plotting._figure import new_figure, save
    from ..plotting.complex import plot_complex

    fig = new_figure((3.6 * len(complexes), 3.9), dpi=150, layout="constrained")
    for ax, kind, cx in zip(fig.subplots(1, len(complexes)), TOY_KINDS, complexes):
        plot_complex(cx, color="class", ax=ax)
        ax.set_title(f"{kind}: {cx.n_regions} regions, {len(cx.edges)} edges", fontsize=9)
    save(fig, path, dpi=150)


def _plot_dataset(data: tuple[np.ndarray, np.ndarray], path: Path) -> None:
    from ..plotting._figure import new_figure

    X, y = data
    fig = new_figure((3.5, 3.5), dpi=150)
    ax = fig.subplots()
    for c, color in ((0, "tab:blue"), (1, "tab:orange")):
        ax.scatter(*X[y == c].T, s=4, c=color, label=f"class {c}")
    ax.set_xlim(*TOY_BOUNDS)
    ax.set_ylim(*TOY_BOUNDS)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("two spirals (fig. 7)", fontsize=9)
    fig.savefig(path)
