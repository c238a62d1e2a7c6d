"""``linregions study``: reproduce the paper's study (tables, figures, report), resumably."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``study`` subcommand and its arguments to ``subparsers``; returns its parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "study", help="reproduce the paper's study (tables, figures, report)"
    )
    p.add_argument("--out", default="linregions-study", help="output folder (resumable)")
    p.add_argument(
        "--dataset", default="mnist5k", choices=["mnist5k", "mnist", "fashion", "cifar10"]
    )
    p.add_argument("--data-dir", default=None, help="folder of IDX files / CIFAR pickles")
    p.add_argument(
        "--scale",
        default="paper",
        choices=["paper", "small", "tiny"],
        help="model size: the paper's, or reduced for quick runs",
    )
    p.add_argument("--points", type=int, default=20, help="test points per model")
    p.add_argument(
        "--arch",
        default="auto",
        choices=["auto", "mlp", "cnn"],
        help="the paper's MLP or table-3 CNN (auto: CNN for cifar10 only)",
    )
    p.add_argument("--max-epochs", type=int, default=30)
    p.add_argument("--workers", type=int, default=0, help="local processes (0: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler, tcp://HOST:PORT")
    p.add_argument(
        "--analyses", default=None, help="comma-separated analyses (default: all available)"
    )
    p.add_argument("--directions", type=int, default=100, help="nullspace rays per point")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite table, figures and report from the points finished so far",
    )
    return p


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Runs (or resumes) the study and prints a summary; returns 0, or 130 when stopped by
    Ctrl-C (finished points are kept)."""
    # torch and the study's modules: imported only when a study runs.
    from ..experiments.study import StudyConfig, paper_models, run_study
    from ..experiments.study.analyses import ANALYSES

    analyses = tuple(args.analyses.split(",")) if args.analyses else tuple(ANALYSES)
    cfg = StudyConfig(
        out_dir=args.out,
        dataset=args.dataset,
        data_dir=args.data_dir,
        models=paper_models(
            args.dataset, args.scale, max_epochs=args.max_epochs, seed=args.seed, arch=args.arch
        ),
        n_points=args.points,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
        analyses=analyses,
        n_directions=args.directions,
    )
    if args.report_only:
        from ..experiments.study.storage import load_study_config

        cfg = load_study_config(args.out) or cfg  # the run's own settings, if saved
    try:
        summary = run_study(cfg, compute=not args.report_only, announce=print)
    except KeyboardInterrupt:
        from ..experiments.study.plan import report_only_command

        print(
            f"\nstopped; finished points are kept. Resume with the same command, or "
            f"write the report from them now: {report_only_command(args.out)}",
            file=sys.stderr,
        )
        return 130
    print(
        f"computed {summary['computed_points']} points "
        f"({summary['failed_points']} with errors); report: {summary['report']}"
    )
    return 0
