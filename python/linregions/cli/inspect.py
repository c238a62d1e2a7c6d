"""``linregions inspect NET.onnx``: a network file's layers and the region of one point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, LinregionsError, ShapeError
from ..model.ir import Add, Affine, Input, MaxPool, ReLU
from ._common import format_range, run_step

#: Steps ``--skip`` may name.
STEPS = ("facets", "insphere", "classes")

__all__ = ["STEPS", "add_parser", "describe_layers", "run", "run_inspect"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``inspect`` subcommand and its arguments to ``subparsers``; returns its
    parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "inspect",
        help="print an ONNX network's layers and the region "
        "of one point (facets, insphere, classes inside)",
    )
    p.add_argument("net", help="the .onnx file")
    p.add_argument(
        "--vnnlib",
        default=None,
        help="VNN-LIB spec: the input box and output constraint (default box [-1, 1])",
    )
    p.add_argument(
        "--point", default=None, help=".npy file with the point (default: the centre of the box)"
    )
    p.add_argument(
        "--skip", default="", help="comma-separated steps to skip: facets,insphere,classes"
    )
    return p


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Checks ``--skip`` and runs :func:`run_inspect`; returns its status, or 2 with the
    message on stderr for bad input."""
    skip = tuple(s for s in args.skip.split(",") if s)
    bad = [s for s in skip if s not in STEPS]
    if bad:
        parser.error(f"--skip: unknown steps {bad}; choose from {list(STEPS)}")
    try:
        return run_inspect(args.net, args.vnnlib, args.point, skip)
    except LinregionsError as exc:
        print(f"linregions inspect: {exc}", file=sys.stderr)
        return 2


def describe_layers(net) -> list[str]:
    """One line per IR node: index, label, kind and size."""
    lines = []
    for k, (node, label) in enumerate(zip(net.nodes, net.labels)):
        if isinstance(node, Input):
            kind = f"input {net.input_shape}"
        elif isinstance(node, Affine):
            w = node.weight
            nnz = int(np.count_nonzero(w)) if isinstance(w, np.ndarray) else w.nnz
            form = "sparse" if sp.issparse(w) else "dense"
            kind = f"affine {w.shape[0]} x {w.shape[1]} ({form}, {nnz} non-zeros) <- {node.input}"
        elif isinstance(node, Add):
            kind = f"add {node.size} <- {list(node.inputs)}"
        elif isinstance(node, ReLU):
            slope = "per-unit slopes" if np.ndim(node.slope) else f"slope {node.slope:g}"
            kind = f"relu {node.size} ({slope}) <- {node.input}"
        elif isinstance(node, MaxPool):
            kind = f"maxpool {node.size} windows of <= {node.windows.shape[1]} <- {node.input}"
        else:
            kind = type(node).__name__
        lines.append(f"  {k:3d} {label}: {kind}")
    return lines


def run_inspect(
    net_path: str,
    vnnlib: Optional[str] = None,
    point: Optional[str] = None,
    skip: tuple[str, ...] = (),
    out: Callable[[str], None] = print,
) -> int:
    """Prints the network and the region of the point (``point`` file, else the spec's
    centre, else the box centre); returns the exit status."""
    from ..importers.onnx import from_onnx
    from ..importers.vnnlib import read_vnnlib

    spec = read_vnnlib(vnnlib) if vnnlib else None
    bounds: Any = (-1.0, 1.0)
    if spec is not None:
        bounds = spec.boxes[0]
    net = run_step("reading the network", lambda: from_onnx(net_path, bounds=bounds))
    out(f"network {Path(net_path).name}: {len(net.nodes)} IR nodes, {net.n_neurons} neurons, "
        f"{net.n_classes} outputs")  # fmt: skip
    out("layers:")
    for line in describe_layers(net):
        out(line)
    where = f"from {Path(vnnlib).name}" if vnnlib else "default (no --vnnlib)"
    out(f"input box ({where}): shape {net.input_shape}, {net.n_inputs} inputs, "
        f"lo {format_range(net.lo)}, hi {format_range(net.hi)}")  # fmt: skip
    if spec is not None and len(spec.boxes) > 1:
        out(f"  the spec has {len(spec.boxes)} input boxes; using the first")
    if point is not None:
        x = np.load(point).astype(np.float64).ravel()
        if x.size != net.n_inputs:
            raise ShapeError(f"--point {point} has {x.size} values; the network takes "
                             f"{net.n_inputs}")  # fmt: skip
        label = Path(point).name
    else:
        x = (net.lo + net.hi) / 2.0
        label = "the spec's centre" if spec is not None else "the box centre"
    if not np.all(np.isfinite(x)):
        raise InvalidValueError(f"the point ({label}) has non-finite entries")
    logits = net.logits(x[None])[0]
    out(f"point: {label}; logits {np.array2string(logits, precision=4)}, class "
        f"{int(np.argmax(logits))}")  # fmt: skip
    if spec is not None and spec.outputs:
        out(f"  the spec's output constraint (C y <= e) holds: {spec.output_holds(logits)}")
    region = run_step("assembling the region", lambda: net.region(x))
    out(f"region: {region.A.shape[0]} rows (+ the {net.n_inputs}-dimensional box), active "
        f"fraction {region.active_fraction:.4f}")  # fmt: skip
    i, dist = region.nearest_hyperplane()
    out(f"nearest hyperplane: row {i} (layer {int(region.layer[i])}, unit "
        f"{int(region.unit[i])}) at distance {dist:.4g}")  # fmt: skip
    if "facets" not in skip:
        facets = run_step("finding facets", region.nonredundant)
        out(f"facets: {len(facets)} of {region.A.shape[0]} rows are non-redundant")
    if "insphere" not in skip:
        ins = run_step("computing the insphere", region.insphere)
        out(f"insphere: radius {ins.radius:.6g} (certified upper bound {ins.upper_bound:.6g}, "
            f"{ins.method})")  # fmt: skip
    if "classes" not in skip:
        cm = run_step("class maxima", region.class_maxima)
        present = np.flatnonzero(cm.present).tolist()
        out(f"classes inside the region: {cm.count} {present}; distortion {cm.distortion:.4g}")
    return 0
