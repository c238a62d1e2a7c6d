"""Command line: ``linregions demo``."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="linregions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a small MNIST MLP and analyse its linear regions")
    demo.add_argument("--points", type=int, default=20, help="held-out points to analyse")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        run_demo(n_points=args.points, seed=args.seed, epochs=args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
