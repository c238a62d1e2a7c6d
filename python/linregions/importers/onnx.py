"""Import an ONNX model into the linregions IR (design.md, "Import"); no torch needed.

The graph is walked in its (topological) order. Every value is either a constant (an
initializer, a ``Constant`` node, or anything computed only from constants, folded with
``onnx.reference``) or a tensor that depends on the input: an IR node and its full ONNX
shape with the batch dimension set to 1. IR values are flat row-major vectors, so
Flatten, Reshape, Squeeze and Unsqueeze cost nothing; the operators themselves are
lowered in :mod:`linregions.importers.onnx_ops`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._arrays import as_bounds
from ..errors import InvalidValueError, NotPiecewiseLinearError, ShapeError, UnsupportedModelError
from ..model.ir import Affine, Input, Node
from ..model.network import Network
from .onnx_layout import OPS as LAYOUT_OPS
from .onnx_ops import NOT_PIECEWISE_LINEAR, Tensor, node_label
from .onnx_ops import OPS as ARITHMETIC_OPS

#: Every supported op and its lowering.
OPS = {**ARITHMETIC_OPS, **LAYOUT_OPS}


def from_onnx(model: Any, *, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports an ONNX model as an :class:`~linregions.Network`.

    Parameters
    ----------
    model : str, os.PathLike or onnx.ModelProto
        The ``.onnx`` file or a loaded model. It must have one input; the network's
        ``input_shape`` is that input's shape without the batch dimension (symbolic or 1;
        a rank-1 input has no batch dimension). The logits are the (single) graph output.
    bounds : (lo, hi) or VnnlibSpec
        The input box: scalars or arrays shaped like the input (flat or not), or a
        :class:`~linregions.VnnlibSpec` with exactly one input box.

    Returns
    -------
    Network
        Operators: Gemm, MatMul, Add, Sub, Mul, Div (by constants), Relu, LeakyRelu, PRelu,
        Clip (two ReLU rows per unit, see :func:`~linregions.importers.lowering.lower_clip`),
        Conv and ConvTranspose (1-D, 2-D), BatchNormalization, MaxPool (exact),
        AveragePool, GlobalAveragePool, Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
        Concat, Pad, Identity, Dropout, Constant, Resize / Upsample (nearest), residual
        additions, and constant subgraphs (Shape, Gather, Cast...), opsets 8 and later.

    Raises
    ------
    InvalidValueError
        The file is not ONNX, is truncated or cannot be read.
    UnsupportedModelError
        Several graph inputs or outputs, or a node that cannot be lowered (the message
        names the node and its op); :class:`NotPiecewiseLinearError` for Sigmoid, Tanh,
        Softmax, Exp and other non-piecewise-linear ops.

    Examples
    --------
    A file is read the same way (``lr.from_onnx("net.onnx", bounds=(0.0, 1.0))``); here a
    two-unit ``MatMul -> Relu`` graph is built in memory:

    >>> import numpy as np
    >>> import linregions as lr
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> W = numpy_helper.from_array(np.array([[1.0, -1.0], [0.5, 2.0]]), "W")
    >>> graph = helper.make_graph(
    ...     [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Relu", ["h"], ["y"])],
    ...     "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [1, 2])], initializer=[W])
    >>> net = lr.from_onnx(helper.make_model(graph), bounds=(-1.0, 1.0))
    >>> net.n_neurons, net.logits([[1.0, 1.0]]).tolist()  # relu(x @ W)
    (2, [[1.5, 1.0]])
    """
    proto = load_onnx(model)
    graph = proto.graph
    opset = _opset(proto)
    consts: dict[str, Any] = {}
    from onnx import numpy_helper

    for init in graph.initializer:
        consts[init.name] = numpy_helper.to_array(init)
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        names = ", ".join(repr(i.name) for i in inputs) or "none"
        raise UnsupportedModelError(f"the ONNX graph must have exactly one input, it has {names}")
    full_shape, input_shape = _input_shape(inputs[0])
    if len(graph.output) != 1:
        names = ", ".join(repr(o.name) for o in graph.output)
        raise UnsupportedModelError(f"the ONNX graph must have exactly one output, it has {names}")
    if hasattr(bounds, "boxes"):
        lo, hi = as_bounds(_spec_box(bounds), input_shape)
    else:
        lo, hi = as_bounds(bounds, input_shape)
    lowering = _Lowering(opset, consts, inputs[0].name, full_shape)
    nodes, labels = lowering.run(graph)
    return Network(nodes, input_shape, lo, hi, labels)


def load_onnx(model: Any):
    """``model`` (a path or a ModelProto) as a ModelProto; unreadable files raise
    :class:`InvalidValueError`."""
    import onnx
    from google.protobuf.message import DecodeError

    if isinstance(model, onnx.ModelProto):
        proto = model
        where = "the ModelProto"
    elif isinstance(model, (str, os.PathLike)):
        path = Path(model)
        where = str(path)
        if not path.is_file():
            raise InvalidValueError(f"ONNX file {where} does not exist")
        try:
            proto = onnx.load_model_from_string(path.read_bytes())
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise InvalidValueError(
                f"{where} is not a readable ONNX model (not ONNX, or truncated): {exc}"
            ) from exc
    else:
        raise UnsupportedModelError(
            f"from_onnx expects a path or an onnx.ModelProto, got {type(model).__name__}"
        )
    if not proto.HasField("graph") or len(proto.graph.node) == 0 or not proto.graph.output:
        raise InvalidValueError(
            f"{where} is not a readable ONNX model: it has no graph nodes or no output "
            "(not ONNX, or truncated)"
        )
    return proto


def _opset(proto) -> int:
    for imp in proto.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    raise UnsupportedModelError("the ONNX model imports no default-domain opset")


def _input_shape(value_info) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(full shape with batch 1, input_shape without the batch dimension)."""
    dims = value_info.type.tensor_type.shape.dim
    sizes: list[int | None] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    name = value_info.name
    if not sizes:
        raise ShapeError(f"graph input {name!r} has no shape")
    if len(sizes) == 1:
        if sizes[0] is None or sizes[0] <= 0:
            raise ShapeError(f"graph input {name!r} has an unknown size")
        return (sizes[0],), (sizes[0],)
    if sizes[0] not in (None, 0, 1):
        raise ShapeError(f"graph input {name!r} has batch size {sizes[0]}; expected 1 or symbolic")
    rest = sizes[1:]
    if any(s is None or s <= 0 for s in rest):
        raise ShapeError(f"graph input {name!r} has symbolic or empty dimensions {sizes[1:]}")
    shape = tuple(int(s) for s in rest)  # type: ignore[arg-type]
    return (1, *shape), shape


def _spec_box(spec) -> tuple[np.ndarray, np.ndarray]:
    box = spec.box
    if box is None:
        raise InvalidValueError(
            f"the VNN-LIB spec has {len(spec.boxes)} input boxes; pass one of spec.boxes"
        )
    return box


class _Lowering:
    def __init__(self, opset: int, consts: dict[str, Any], input_name: str, full_shape):
        self.opset = opset
        n = int(np.prod(full_shape))
        self.nodes: list[Node] = [Input(n)]
        self.labels: list[str] = ["input"]
        self.values: dict[str, Any] = dict(consts)
        self.values[input_name] = Tensor(0, tuple(full_shape))

    def add(self, node: Node, label: str) -> int:
        self.nodes.append(node)
        self.labels.append(label)
        return len(self.nodes) - 1

    def run(self, graph) -> tuple[list[Node], list[str]]:
        for node in graph.node:
            label = node_label(node)
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedModelError(f"node {label}: domain {node.domain!r} is unsupported")
            ins = []
            for name in node.input:
                if name and name not in self.values:
                    raise UnsupportedModelError(f"node {label} reads unknown value {name!r}")
                ins.append(self.values[name] if name else None)
            tensors = [v for v in ins if isinstance(v, Tensor)]
            if not tensors and node.op_type not in ("Shape",):
                outs = _fold(node, ins, label)
            elif node.op_type in NOT_PIECEWISE_LINEAR:
                raise NotPiecewiseLinearError(
                    f"node {label} is not piecewise-linear; linear regions are undefined"
                )
            elif node.op_type in OPS:
                outs = OPS[node.op_type](self, node, ins, label)
            else:
                raise UnsupportedModelError(f"node {label}: op {node.op_type} is unsupported")
            for k, name in enumerate(node.output):
                if k < len(outs) and name:
                    self.values[name] = outs[k]
        out_name = graph.output[0].name
        out = self.values.get(out_name)
        if not isinstance(out, Tensor):
            raise UnsupportedModelError(f"graph output {out_name!r} does not depend on the input")
        k = out.node
        size = self.nodes[k].size
        if k == 0 or not isinstance(self.nodes[k], Affine) or k != len(self.nodes) - 1:
            # the output is a node of its own, the last, so it has a distinct local map
            k = self.add(Affine(k, sp.identity(size, format="csr"), np.zeros(size)), "output")
        return self.nodes, self.labels


def _fold(node, ins: list, label: str) -> list:
    """Evaluates a node whose inputs are all constants."""
    from onnx.reference import ReferenceEvaluator

    names = [n for n in node.input if n]
    feeds = {n: v for n, v in zip(node.input, ins) if n}
    try:
        sess = ReferenceEvaluator(node)
        outs = sess.run(None, {n: feeds[n] for n in names})
    except Exception as exc:  # the reference runtime raises many types
        raise UnsupportedModelError(f"node {label}: cannot evaluate constant op: {exc}") from exc
    return [np.asarray(o) for o in outs]
