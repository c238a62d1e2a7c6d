"""Command line: ``linregions demo``, ``linregions study``, ``linregions inspect``,
``linregions regions``."""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from . import demo, inspect, regions, study

#: The commands, in the order ``linregions --help`` lists them. Each module has
#: ``add_parser(subparsers)`` (its arguments) and ``run(args, parser) -> int`` (its work; the
#: heavy imports, torch among them, happen there and not at import time).
COMMANDS = (demo, study, inspect, regions)

__all__ = ["COMMANDS", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``linregions`` parser with one subcommand per module of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="linregions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub).set_defaults(run=command.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parses ``argv`` (default: ``sys.argv[1:]``) and runs the command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name, e.g. ``["regions", "net.onnx"]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 for bad input (the message is on stderr), 130 for a
        run stopped by Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args, parser))
