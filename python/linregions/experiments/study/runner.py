"""Running a study: train or load each model, analyse every test point (in parallel, on
local cores or a Dask cluster), store each finished point atomically, then report.

A rerun with the same ``out_dir`` resumes: checkpoints and finished points are reused,
only missing points are computed. A model whose configuration changed is retrained, and the
points computed with its old checkpoint are moved aside (``points/<model>.stale-<n>``), never
mixed with the new ones. A point whose analysis fails is stored with the error.
"""

from __future__ import annotations

import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any, Callable, Iterable, Optional

import numpy as np

from ..._progress import progress
from ..files import write_json_atomic
from ..zoo import ModelConfig, build_model, load_checkpoint, save_checkpoint, train_early_stopping
from .analyses import ANALYSES, PointContext
from .config import StudyConfig, load_study_data, paper_models
from .plan import plan_from_data, report_only_command
from .storage import checkpoint_path, point_path, save_study_config


def _retire_points(out_dir: str, model: str, why: str) -> Optional[str]:
    """Moves the finished points of ``model`` aside before it is (re)trained: they belong to
    a checkpoint that is about to be replaced. Returns the new folder, if any."""
    folder = os.path.dirname(point_path(out_dir, model, 0))
    if not os.path.isdir(folder) or not os.listdir(folder):
        return None
    n = 1
    while os.path.exists(f"{folder}.stale-{n}"):
        n += 1
    os.replace(folder, f"{folder}.stale-{n}")
    print(
        f"{model}: {why}; its {len(os.listdir(f'{folder}.stale-{n}'))} finished points were "
        f"moved to {folder}.stale-{n} and will be recomputed"
    )
    return f"{folder}.stale-{n}"


@dataclass(frozen=True)
class PointTask:
    """One (model, test point) job; small and picklable so it can travel to any worker."""

    out_dir: str
    model: str
    index: int
    x: np.ndarray
    label: int
    targets: np.ndarray
    analyses: tuple[str, ...]
    n_directions: int
    eps: float
    seed: int
    bounds: tuple[float, float] = (-1.0, 1.0)


_MODELS: dict[str, tuple[Any, Any]] = {}


def _network(out_dir: str, model: str, bounds: tuple[float, float]):
    key = checkpoint_path(out_dir, model)
    if key not in _MODELS:
        import linregions as lr

        loaded = load_checkpoint(key)
        if loaded is None:
            raise FileNotFoundError(f"checkpoint {key} is missing")
        torch_model, cfg, _ = loaded
        _MODELS[key] = (torch_model, lr.from_torch(torch_model, cfg.input_shape, bounds))
    return _MODELS[key]


def run_point(task: PointTask) -> dict:
    """Runs the analyses of one point and writes its result file; returns the result."""
    start = time.perf_counter()
    result: dict[str, Any] = {
        "model": task.model,
        "point": task.index,
        "label": task.label,
        "analyses": {},
        "errors": {},
    }
    try:
        torch_model, net = _network(task.out_dir, task.model, task.bounds)
        result["predicted"] = int(net.logits(task.x[None])[0].argmax())
        ctx = PointContext(
            net=net,
            model=torch_model,
            x=task.x,
            targets=task.targets,
            n_directions=task.n_directions,
            eps=task.eps,
            seed=task.seed + task.index,
        )
        for name in task.analyses:
            try:
                result["analyses"][name] = ANALYSES[name](ctx)
            except Exception as exc:  # recorded in the result, the run goes on
                result["errors"][name] = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # recorded in the result, the run goes on
        result["errors"]["setup"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    result["seconds"] = time.perf_counter() - start
    write_json_atomic(point_path(task.out_dir, task.model, task.index), result)
    return result


def _limit_threads(threads: int) -> None:
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)


def prepare_models(cfg: StudyConfig, models: Iterable[ModelConfig], data) -> dict[str, dict]:
    """Trains every model without a checkpoint (early stopping) and returns their metrics."""
    from ..training import accuracy

    (Xtr, ytr), (Xva, yva), (Xte, yte) = data
    metrics = {}
    for mc in models:
        path = checkpoint_path(cfg.out_dir, mc.name)
        loaded = load_checkpoint(path)
        if loaded is not None and loaded[1] == mc:
            metrics[mc.name] = loaded[2]
            continue
        _retire_points(cfg.out_dir, mc.name, "configuration changed" if loaded else "no checkpoint")
        start = time.perf_counter()
        model, epochs = train_early_stopping(build_model(mc), mc, (Xtr, ytr), (Xva, yva))
        shape = (-1, *mc.input_shape)
        m = {
            "test_accuracy": accuracy(model, Xte.reshape(shape), yte),
            "val_accuracy": accuracy(model, Xva.reshape(shape), yva),
            "epochs": epochs,
            "train_seconds": time.perf_counter() - start,
        }
        save_checkpoint(path, model, mc, m)
        metrics[mc.name] = m
        print(
            f"trained {mc.name}: test accuracy {m['test_accuracy']:.4f} in {epochs} epochs "
            f"({m['train_seconds']:.0f}s)"
        )
    return metrics


def point_tasks(cfg: StudyConfig, models: Iterable[ModelConfig], data) -> list[PointTask]:
    """Tasks for every (model, test point) whose result file does not exist yet."""
    (Xtr, ytr), _, (Xte, yte) = data
    chosen = np.random.default_rng(cfg.seed).permutation(len(Xte))[: cfg.n_points]
    tasks = []
    for mc in models:
        todo = [
            int(i) for i in chosen if not os.path.exists(point_path(cfg.out_dir, mc.name, int(i)))
        ]
        if not todo:
            continue
        targets = model_targets(cfg, mc, Xtr, ytr)
        for idx in todo:
            tasks.append(
                PointTask(
                    cfg.out_dir,
                    mc.name,
                    idx,
                    Xte[idx].reshape(-1),
                    int(yte[idx]),
                    targets,
                    tuple(cfg.analyses),
                    cfg.n_directions,
                    cfg.eps,
                    cfg.seed,
                )
            )
    return tasks


def model_targets(
    cfg: StudyConfig, mc: ModelConfig, Xtr: np.ndarray, ytr: np.ndarray
) -> np.ndarray:
    """Decision target of every class for one model (appendix E): (M, d), NaN where none."""
    from ...analysis.categories import decision_targets

    _, net = _network(cfg.out_dir, mc.name, (-1.0, 1.0))
    found, _ = decision_targets(net, Xtr.reshape(len(Xtr), -1), ytr, label=-1, seed=cfg.seed)
    targets = np.full((net.n_classes, net.n_inputs), np.nan)
    for j, _, point in found:
        targets[j] = point
    return targets


def execute(tasks: list[PointTask], workers: int, scheduler: Optional[str]) -> int:
    """Runs the tasks serially, on a local process pool, or on a Dask cluster; returns how
    many finished with an error in some analysis. The progress line's hint names the
    command that writes the report from the points finished so far."""
    failed = 0
    hint = (
        f"Ctrl-C stops, rerun resumes; report now: {report_only_command(tasks[0].out_dir)}"
        if tasks
        else ""
    )
    if not tasks:
        return 0
    if scheduler is not None:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(run_point, tasks, pure=False)
            for fut in progress(dask_completed(futures), len(tasks), "points (dask)", hint):
                failed += bool(fut.result()["errors"])
        return failed
    if workers <= 1 or len(tasks) == 1:
        for task in progress(tasks, len(tasks), "points", hint):
            failed += bool(run_point(task)["errors"])
        return failed
    threads = max(1, (os.cpu_count() or 1) // workers)
    # Spawned workers inherit the environment: BLAS and rayon pools are sized at import, so
    # cap them here, or 2 workers x all-core pools thrash.
    for var in ("RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_limit_threads, initargs=(threads,)
    ) as pool:
        futures = [pool.submit(run_point, t) for t in tasks]
        for fut in progress(as_completed(futures), len(tasks), f"points ({workers} workers)", hint):
            failed += bool(fut.result()["errors"])
    return failed


def run_study(
    cfg: StudyConfig,
    report: bool = True,
    compute: bool = True,
    announce: Optional[Callable[[str], object]] = None,
) -> dict:
    """Runs (or resumes) the study described by ``cfg``; returns a summary dict with the
    model metrics and the paths of the table and report. With ``compute=False`` only the
    outputs are rewritten from the points finished so far (models must be trained).
    ``announce`` (e.g. ``print``) receives the plan and its time estimate
    (:func:`~linregions.experiments.study.plan.plan_study`) before any work starts."""
    from .report import write_outputs

    unknown = set(cfg.analyses) - set(ANALYSES)
    if unknown:
        raise ValueError(f"unknown analyses {sorted(unknown)}; available: {sorted(ANALYSES)}")
    models = cfg.models or paper_models(cfg.dataset)
    os.makedirs(cfg.out_dir, exist_ok=True)
    data = load_study_data(cfg)
    if not compute:
        checkpoints = {
            m.name: load_checkpoint(checkpoint_path(cfg.out_dir, m.name)) for m in models
        }
        missing = [name for name, ckpt in checkpoints.items() if ckpt is None]
        if missing:
            raise FileNotFoundError(f"no checkpoint for {missing} in {cfg.out_dir}")
        metrics = {name: ckpt[2] for name, ckpt in checkpoints.items() if ckpt is not None}
        summary = {"models": metrics, "computed_points": 0, "failed_points": 0}
        return {**summary, **write_outputs(cfg, models, metrics)} if report else summary
    save_study_config(replace(cfg, models=tuple(models)))
    if announce is not None:
        announce(plan_from_data(cfg, models, data).describe())
    metrics = prepare_models(cfg, models, data)
    tasks = point_tasks(cfg, models, data)
    workers = cfg.workers or (os.cpu_count() or 1)
    failed = execute(tasks, workers, cfg.scheduler)
    summary = {"models": metrics, "computed_points": len(tasks), "failed_points": failed}
    if report:
        summary.update(write_outputs(cfg, models, metrics))
    return summary
