"""``linregions demo``: train toy and MNIST models, analyse their regions, write a report."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``demo`` subcommand and its arguments to ``subparsers``; returns its parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="train toy and MNIST models, analyse their regions, write a report"
    )
    p.add_argument("--out", default=None, help="output folder (default ./linregions-demo)")
    p.add_argument("--points", type=int, default=20, help="held-out points to tabulate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=10)
    return p


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Runs the demo (:func:`linregions.experiments.demo.run_demo`); returns 0."""
    from ..experiments.demo import run_demo  # torch: imported only when the demo runs

    run_demo(out_dir=args.out, n_points=args.points, seed=args.seed, epochs=args.epochs)
    return 0
