"""Command line: ``linregions demo``, ``linregions study``, ``linregions inspect``,
``linregions regions``."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="linregions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="train toy and MNIST models, analyse their regions, write a report"
    )
    demo.add_argument("--out", default=None, help="output folder (default ./linregions-demo)")
    demo.add_argument("--points", type=int, default=20, help="held-out points to tabulate")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--epochs", type=int, default=10)
    study = sub.add_parser("study", help="reproduce the paper's study (tables, figures, report)")
    study.add_argument("--out", default="linregions-study", help="output folder (resumable)")
    study.add_argument(
        "--dataset", default="mnist5k", choices=["mnist5k", "mnist", "fashion", "cifar10"]
    )
    study.add_argument("--data-dir", default=None, help="folder of IDX files / CIFAR pickles")
    study.add_argument(
        "--scale",
        default="paper",
        choices=["paper", "small", "tiny"],
        help="model size: the paper's, or reduced for quick runs",
    )
    study.add_argument("--points", type=int, default=20, help="test points per model")
    study.add_argument(
        "--arch",
        default="auto",
        choices=["auto", "mlp", "cnn"],
        help="the paper's MLP or table-3 CNN (auto: CNN for cifar10 only)",
    )
    study.add_argument("--max-epochs", type=int, default=30)
    study.add_argument("--workers", type=int, default=0, help="local processes (0: all cores)")
    study.add_argument("--scheduler", default=None, help="Dask scheduler, tcp://HOST:PORT")
    study.add_argument(
        "--analyses", default=None, help="comma-separated analyses (default: all available)"
    )
    study.add_argument("--directions", type=int, default=100, help="nullspace rays per point")
    study.add_argument("--seed", type=int, default=0)
    study.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite table, figures and report from the points finished so far",
    )
    inspect = sub.add_parser(
        "inspect",
        help="print an ONNX network's layers and the region "
        "of one point (facets, insphere, classes inside)",
    )
    inspect.add_argument("net", help="the .onnx file")
    inspect.add_argument(
        "--vnnlib",
        default=None,
        help="VNN-LIB spec: the input box and output constraint (default box [-1, 1])",
    )
    inspect.add_argument(
        "--point", default=None, help=".npy file with the point (default: the centre of the box)"
    )
    inspect.add_argument(
        "--skip", default="", help="comma-separated steps to skip: facets,insphere,classes"
    )
    regions = sub.add_parser(
        "regions",
        help="count every linear region of an ONNX network's input box(es), exactly",
    )
    regions.add_argument("net", help="the .onnx file")
    where = regions.add_mutually_exclusive_group()
    where.add_argument(
        "--vnnlib", default=None, help="VNN-LIB spec: each of its input boxes is enumerated"
    )
    where.add_argument(
        "--box", default=None, help="the box [LO, HI]^d, written --box=LO,HI (default -1,1)"
    )
    regions.add_argument(
        "--max-regions",
        type=int,
        default=None,
        help="stop each search after N regions (reported as capped); "
        "required for networks with many inputs",
    )
    regions.add_argument("--out", default=None, help="save the complex(es) to FILE.npz")
    args = parser.parse_args(argv)
    if args.command == "regions":
        from .errors import LinregionsError
        from .experiments.regions_net import run_regions

        try:
            return run_regions(args.net, args.vnnlib, args.box, args.max_regions, args.out)
        except LinregionsError as exc:
            print(f"linregions regions: {exc}", file=sys.stderr)
            return 2
    if args.command == "inspect":
        from .errors import LinregionsError
        from .experiments.inspect_net import STEPS, run_inspect

        skip = tuple(s for s in args.skip.split(",") if s)
        bad = [s for s in skip if s not in STEPS]
        if bad:
            parser.error(f"--skip: unknown steps {bad}; choose from {list(STEPS)}")
        try:
            return run_inspect(args.net, args.vnnlib, args.point, skip)
        except LinregionsError as exc:
            print(f"linregions inspect: {exc}", file=sys.stderr)
            return 2
    if args.command == "demo":
        from .experiments.demo import run_demo

        run_demo(out_dir=args.out, n_points=args.points, seed=args.seed, epochs=args.epochs)
    elif args.command == "study":
        from .experiments.study import StudyConfig, paper_models, run_study
        from .experiments.study.analyses import ANALYSES

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
            from .experiments.study.storage import load_study_config

            cfg = load_study_config(args.out) or cfg  # the run's own settings, if saved
        try:
            summary = run_study(cfg, compute=not args.report_only, announce=print)
        except KeyboardInterrupt:
            from .experiments.study.plan import report_only_command

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


if __name__ == "__main__":
    sys.exit(main())
