"""``linregions regions NET.onnx``: count every linear region of a network file's input box(es).

Each input box of the VNN-LIB spec (each disjunct separately; ``--box LO,HI``; by default the
network's input box ``[-1, 1]``) is enumerated exactly by :meth:`Network.regions`, with the
search's progress bar on stderr, and reported: the number of regions and whether the search
finished or stopped at ``--max-regions``, the adjacent pairs (edges), the time, regions per
second and the classes the network gives at the region points. Inputs a box fixes
(``lo = hi``, as in ACAS Xu property 4) are held at their value and the regions of the other
inputs' box are enumerated (:func:`linregions.model.fixed.fix_inputs`).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from ..errors import FlatPolytopeError, InvalidValueError, LinregionsError, ShapeError
from ..geometry.domains import DOMAIN_FLAT_TOL
from ..model.complex import MAX_REGIONS
from ..model.fixed import fix_inputs
from ._common import format_range, run_step

#: Largest input dimension enumerated without an explicit ``--max-regions``: the number of
#: regions grows like ``neurons^d``, so a full enumeration of a wider box does not finish.
FULL_SEARCH_MAX_DIM = 10

__all__ = ["FULL_SEARCH_MAX_DIM", "add_parser", "parse_box", "run", "run_regions"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``regions`` subcommand and its arguments to ``subparsers``; returns its
    parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "regions",
        help="count every linear region of an ONNX network's input box(es), exactly",
    )
    p.add_argument("net", help="the .onnx file")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--vnnlib", default=None, help="VNN-LIB spec: each of its input boxes is enumerated"
    )
    where.add_argument(
        "--box", default=None, help="the box [LO, HI]^d, written --box=LO,HI (default -1,1)"
    )
    p.add_argument(
        "--max-regions",
        type=int,
        default=None,
        help="stop each search after N regions (reported as capped); "
        "required for networks with many inputs",
    )
    p.add_argument("--out", default=None, help="save the complex(es) to FILE.npz")
    return p


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Runs :func:`run_regions`; returns its status, or 2 with the message on stderr for bad
    input."""
    try:
        return run_regions(args.net, args.vnnlib, args.box, args.max_regions, args.out)
    except LinregionsError as exc:
        print(f"linregions regions: {exc}", file=sys.stderr)
        return 2


def parse_box(text: str) -> tuple[float, float]:
    """``"LO,HI"`` -> ``(lo, hi)`` floats (broadcast to every input by the caller).

    Raises
    ------
    InvalidValueError
        Not two comma-separated finite numbers with ``lo < hi``.
    """
    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise InvalidValueError(
            f"--box {text!r}: expected two numbers LO,HI (e.g. --box=-0.5,0.5)"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InvalidValueError(f"--box {text!r}: need finite LO < HI")
    return lo, hi


def _out_path(out: str, k: int, n_boxes: int) -> Path:
    """``out`` (``.npz`` added if missing), or ``NAME.boxK.npz`` when there are several boxes."""
    p = Path(out)
    if p.suffix != ".npz":
        p = p.with_name(p.name + ".npz")
    return p if n_boxes == 1 else p.with_name(f"{p.stem}.box{k + 1}.npz")


def run_regions(
    net_path: str,
    vnnlib: Optional[str] = None,
    box: Optional[str] = None,
    max_regions: Optional[int] = None,
    out_file: Optional[str] = None,
    out: Callable[[str], None] = print,
    progress: Any = True,
) -> int:
    """Enumerates the regions of each input box and prints one block per box; returns the
    exit status (0, also when a search was capped: the output says so).

    Parameters
    ----------
    net_path : str
        The ``.onnx`` file.
    vnnlib : str, optional
        A VNN-LIB spec; each of its input boxes is enumerated separately.
    box : str, optional
        ``"LO,HI"``: the box ``[LO, HI]^d`` (instead of a spec).
    max_regions : int, optional
        Cap per box (default :data:`~linregions.model.complex.MAX_REGIONS`); required when
        the network has more than :data:`FULL_SEARCH_MAX_DIM` inputs.
    out_file : str, optional
        Save each box's :class:`~linregions.Complex` there (``.npz``; ``NAME.boxK.npz`` when
        the spec has several boxes).

    Raises
    ------
    LinregionsError
        An unreadable network or spec, a spec or box of the wrong dimension, a bad ``--box``,
        ``max_regions < 1``, an empty box or one with every input fixed, or more than
        :data:`FULL_SEARCH_MAX_DIM` inputs without ``max_regions`` (the CLI prints the
        message and exits with status 2).
    """
    from ..geometry.domains import Box
    from ..importers.onnx import from_onnx
    from ..importers.vnnlib import read_vnnlib

    if vnnlib is not None and box is not None:
        raise InvalidValueError("give --vnnlib or --box, not both")
    if max_regions is not None and max_regions < 1:
        raise InvalidValueError(f"--max-regions must be >= 1, got {max_regions}")
    if out_file is not None and not Path(out_file).resolve().parent.is_dir():
        raise InvalidValueError(f"--out {out_file}: the folder does not exist")
    spec = read_vnnlib(vnnlib) if vnnlib else None
    bounds: Any = parse_box(box) if box is not None else (-1.0, 1.0)
    if spec is not None:
        los, his = np.array([b[0] for b in spec.boxes]), np.array([b[1] for b in spec.boxes])
        bounds = (los.min(axis=0), his.max(axis=0))  # the hull: every box lies in the input box
    try:
        net = run_step("reading the network", lambda: from_onnx(net_path, bounds=bounds))
    except ShapeError as exc:
        if spec is None:
            raise
        raise ShapeError(
            f"the spec {Path(vnnlib or '').name} declares {spec.n_inputs} inputs, which do not "
            f"fit the network's input ({exc})"
        ) from exc
    d = net.n_inputs
    if max_regions is None and d > FULL_SEARCH_MAX_DIM:
        raise InvalidValueError(
            f"the network has {d} inputs: a full enumeration of a {d}-dimensional box does "
            f"not finish (more than {FULL_SEARCH_MAX_DIM}); pass --max-regions N to count "
            "the first N regions"
        )
    cap = MAX_REGIONS if max_regions is None else int(max_regions)
    boxes = list(spec.boxes) if spec is not None else [(net.lo, net.hi)]
    for k, (lo, hi) in enumerate(boxes):
        if np.any(hi - lo < -2 * DOMAIN_FLAT_TOL):
            raise InvalidValueError(f"box {k + 1} is empty (some lo > hi)")
        if np.all(hi - lo <= 2 * DOMAIN_FLAT_TOL):
            raise FlatPolytopeError(f"box {k + 1} is a single point: every input is fixed")
    where = f"from {Path(vnnlib).name}" if vnnlib else ("--box" if box else "default [-1, 1]")
    out(f"network {Path(net_path).name}: {net.n_inputs} inputs, {net.n_neurons} neurons, "
        f"{net.n_classes} outputs; {len(boxes)} input box(es) {where}")  # fmt: skip
    for k, (lo, hi) in enumerate(boxes):
        out(f"box {k + 1} of {len(boxes)}: lo {format_range(lo)}, hi {format_range(hi)}")
        fixed = np.flatnonzero(hi - lo <= 2 * DOMAIN_FLAT_TOL)
        sub, free = net, np.arange(d)
        if fixed.size:  # e.g. ACAS Xu property 4: enumerate the regions of the free inputs
            sub = fix_inputs(net, fixed, (lo[fixed] + hi[fixed]) / 2)
            free = np.setdiff1d(free, fixed)
            out(f"  inputs {fixed.tolist()} are fixed: regions of the {free.size}-dimensional "
                "box of the other inputs (saved complexes are in those coordinates)")  # fmt: skip
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)  # reported below, in full
            cx = sub.regions(Box(lo[free], hi[free]), max_regions=cap, progress=progress)
        seconds = time.perf_counter() - t0
        interrupted = any("interrupted" in str(w.message) for w in caught)
        if cx.complete:
            state = "complete"
        elif interrupted:
            state = "INTERRUPTED (Ctrl-C): the regions found so far"
        else:
            state = f"CAPPED at --max-regions {cap}: the search stopped, more regions exist"
        out(f"  regions: {cx.n_regions} ({state})")
        if cx.unsettled:
            out(f"  WARNING: {cx.unsettled} facets or steps could not be certified; "
                "regions may be missing")  # fmt: skip
        rate = cx.n_regions / seconds if seconds > 0 else float("inf")
        out(f"  edges: {len(cx.edges)}; time {seconds:.3f} s, {rate:,.0f} regions/s")
        counts = np.bincount(cx.predicted, minlength=net.n_classes)
        shown = ", ".join(f"{c}: {int(n)}" for c, n in enumerate(counts))
        out(f"  regions per class at the region points: {shown}")
        if out_file is not None:
            path = _out_path(out_file, k, len(boxes))
            cx.save(path)
            out(f"  saved to {path}")
        if interrupted:
            return 130  # as a shell reports a command ended by SIGINT
    return 0
