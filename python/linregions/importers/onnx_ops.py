"""The ONNX operator table: each op lowered to IR nodes (see :mod:`.onnx`).

Each entry takes the lowering (``g``: ``g.add(node, label)``, ``g.nodes``, ``g.opset``),
the NodeProto, its inputs (a :class:`Tensor` when it depends on the network input, a
numpy array when constant, None when omitted) and the node's label, and returns the
node's outputs. Tensors carry their full ONNX shape with the batch dimension set to 1;
geometry (pads, auto_pad, output sizes) follows the ONNX operator specification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ..errors import NotPiecewiseLinearError, UnsupportedModelError
from ..model.ir import Add, Affine, MaxPool, ReLU
from .lowering import (
    BEYOND,
    Conv,
    average_matrix,
    batchnorm_affine,
    lower_clip,
    relu_slopes,
    selection_matrix,
    window_indices,
)

NOT_PIECEWISE_LINEAR = {
    "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Exp", "Log", "Sqrt", "Pow", "Elu", "Selu",
    "Celu", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Gelu", "Erf", "Sin", "Cos",
    "Tan", "Reciprocal", "Mish", "LRN", "LayerNormalization", "InstanceNormalization",
    "GroupNormalization", "Sign", "Round", "Floor", "Ceil", "Hardmax", "Softmax_13",
}  # fmt: skip

#: |bound| at or above which an opset < 11 Clip bound counts as absent (float32 limits).
CLIP_INFINITE = 3.4e38


@dataclass(frozen=True)
class Tensor:
    """A value that depends on the input: IR node ``node`` shaped ``shape`` (batch 1)."""

    node: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def node_label(node) -> str:
    """``'name' (Op)`` for error messages."""
    return f"{node.name or (node.output[0] if node.output else '?')!r} ({node.op_type})"


def attrs(node) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def const(v, label: str, what: str) -> np.ndarray:
    if isinstance(v, Tensor):
        raise UnsupportedModelError(f"node {label}: the {what} must be a constant")
    return np.asarray(v)


def affine(g, src: Tensor, w, b, shape, label: str) -> Tensor:
    return Tensor(g.add(Affine(src.node, w, np.asarray(b, np.float64)), label), tuple(shape))


def _expand(g, t: Tensor, shape: tuple[int, ...], label: str) -> Tensor:
    """``t`` broadcast to ``shape`` (a selection matrix when it grows)."""
    if t.shape == shape:
        return t
    idx = np.arange(t.size).reshape(t.shape)
    idx = np.broadcast_to(idx, shape)
    if idx.size == t.size:
        return Tensor(t.node, shape)
    return affine(g, t, selection_matrix(idx, t.size), np.zeros(idx.size), shape,
                   f"{label} broadcast")  # fmt: skip


# -- elementwise ----------------------------------------------------------------------
def _binary(g, node, ins, label):
    op = node.op_type
    a, b = ins[0], ins[1]
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if op in ("Mul", "Div"):
            raise NotPiecewiseLinearError(
                f"node {label} multiplies or divides two input-dependent values; that is "
                "not piecewise-linear"
            )
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        a, b = _expand(g, a, shape, label), _expand(g, b, shape, label)
        if op == "Sub":
            b = affine(g, b, -sp.identity(b.size, format="csr"), np.zeros(b.size), shape,
                        f"{label} negate")  # fmt: skip
        return [Tensor(g.add(Add((a.node, b.node), a.size), label), shape)]
    swapped = not isinstance(a, Tensor)
    t, c = (b, a) if swapped else (a, b)
    shape = tuple(np.broadcast_shapes(t.shape, np.shape(c)))
    t = _expand(g, t, shape, label)
    c = np.broadcast_to(np.asarray(c, np.float64), shape).ravel()
    eye = sp.identity(t.size, format="csr")
    if op == "Add":
        w, bias = eye, c
    elif op == "Sub":
        w, bias = (-eye, c) if swapped else (eye, -c)
    elif op == "Mul":
        w, bias = sp.diags(c).tocsr(), np.zeros(t.size)
    elif swapped:  # constant / tensor
        raise NotPiecewiseLinearError(f"node {label} divides by an input-dependent value")
    else:
        w, bias = sp.diags(1.0 / c).tocsr(), np.zeros(t.size)
    return [affine(g, t, w, bias, shape, label)]


def _relu(g, node, ins, label):
    t = ins[0]
    slope: float | np.ndarray = 0.0
    if node.op_type == "LeakyRelu":
        slope = float(attrs(node).get("alpha", 0.01))
    elif node.op_type == "PRelu":
        s = const(ins[1], label, "slope")
        slope = relu_slopes(np.broadcast_to(s, np.broadcast_shapes(t.shape, s.shape)), t.shape)
    return [Tensor(g.add(ReLU(t.node, t.size, slope), label), t.shape)]


def _clip(g, node, ins, label):
    t = ins[0]
    if g.opset < 11:
        at = attrs(node)
        lo, hi = float(at.get("min", -np.inf)), float(at.get("max", np.inf))
    else:
        lo = float(const(ins[1], label, "min")) if len(ins) > 1 and ins[1] is not None else -np.inf
        hi = float(const(ins[2], label, "max")) if len(ins) > 2 and ins[2] is not None else np.inf
    lo = -np.inf if lo <= -CLIP_INFINITE else lo
    hi = np.inf if hi >= CLIP_INFINITE else hi
    return [Tensor(lower_clip(g.add, t.node, t.size, lo, hi, label), t.shape)]


def _identity(g, node, ins, label):
    return [ins[0]]


# -- dense ----------------------------------------------------------------------------
def _gemm(g, node, ins, label):
    at = attrs(node)
    a = ins[0]
    if not isinstance(a, Tensor) or at.get("transA", 0) or len(a.shape) != 2:
        raise UnsupportedModelError(
            f"node {label}: only input @ constant with a 2-D input and transA = 0 is supported"
        )
    b = const(ins[1], label, "B").astype(np.float64)
    b = b.T if at.get("transB", 0) else b
    w = float(at.get("alpha", 1.0)) * b.T
    m = w.shape[0]
    bias = np.zeros(m)
    if len(ins) > 2 and ins[2] is not None:
        c = const(ins[2], label, "C").astype(np.float64)
        bias = float(at.get("beta", 1.0)) * np.broadcast_to(c, (1, m)).ravel()
    return [affine(g, a, w, bias, (1, m), label)]


def _matmul(g, node, ins, label):
    """``x @ M`` or ``M @ x`` with a 1-D or 2-D constant ``M`` (numpy's matmul rules)."""
    a, b = ins[0], ins[1]
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.ndim(b) in (1, 2):
        m = np.asarray(b, np.float64)
        lead = a.shape[:-1]
        n_lead = int(np.prod(lead)) if lead else 1
        mt = m[None, :] if m.ndim == 1 else m.T
        shape = lead if m.ndim == 1 else (*lead, m.shape[1])
        w = mt if n_lead == 1 else sp.kron(sp.identity(n_lead), sp.csr_matrix(mt), format="csr")
        return [affine(g, a, w, np.zeros(n_lead * mt.shape[0]), shape, label)]
    if isinstance(b, Tensor) and not isinstance(a, Tensor) and np.ndim(a) == 2:
        m = np.asarray(a, np.float64)
        if len(b.shape) == 1:
            return [affine(g, b, m, np.zeros(m.shape[0]), (m.shape[0],), label)]
        lead, n = b.shape[:-2], b.shape[-1]
        n_lead = int(np.prod(lead)) if lead else 1
        w = sp.kron(sp.identity(n_lead), sp.kron(sp.csr_matrix(m), sp.identity(n)), format="csr")
        shape = (*lead, m.shape[0], n)
        return [affine(g, b, w, np.zeros(w.shape[0]), shape, label)]
    raise UnsupportedModelError(
        f"node {label}: only products of the input with a 1-D or 2-D constant are supported"
    )


# -- convolution and pooling ----------------------------------------------------------
def _spatial(t: Tensor, label: str) -> tuple[int, int, int, bool]:
    """(C, H, W, one_d) of a (1, C, L) or (1, C, H, W) tensor."""
    if len(t.shape) == 3:
        return t.shape[1], 1, t.shape[2], True
    if len(t.shape) == 4:
        return t.shape[1], t.shape[2], t.shape[3], False
    raise UnsupportedModelError(f"node {label}: expects (N, C, L) or (N, C, H, W), got {t.shape}")


def _two(v, one_d: bool, default: int, h: int = 1) -> tuple[int, int]:
    """A (height, width) attribute; a 1-D op has height ``h`` (kernel 1, stride 1...)."""
    if v is None:
        return (h if one_d else default, default)
    v = [int(x) for x in v]
    return (h, v[0]) if one_d else (v[0], v[1])


def _geometry(at, in_hw, k, label, one_d, ceil=False):
    """(stride, dilation, (left, right, top, bottom), out_hw) of a window op."""
    s = _two(at.get("strides"), one_d, 1)
    d = _two(at.get("dilations"), one_d, 1)
    pads = [int(p) for p in at.get("pads", [0] * (2 if one_d else 4))]
    if any(p < 0 for p in pads):
        raise UnsupportedModelError(f"node {label}: negative pads are unsupported")
    auto = at.get("auto_pad", "NOTSET")
    n = len(pads) // 2
    begin, end = pads[:n], pads[n:]
    if one_d:
        begin, end = [0, begin[0]], [0, end[0]]
    out = []
    for i in range(2):
        span = d[i] * (k[i] - 1) + 1
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            o = -(-in_hw[i] // s[i])
            total = max(0, (o - 1) * s[i] + span - in_hw[i])
            small = total // 2
            begin[i], end[i] = (
                (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
            )
        elif auto == "VALID":
            begin[i] = end[i] = 0
        num = in_hw[i] + begin[i] + end[i] - span
        o = (-(-num // s[i]) if ceil else num // s[i]) + 1
        if ceil and (o - 1) * s[i] >= in_hw[i] + begin[i]:
            o -= 1  # the last window may not start in the end padding
        out.append(o)
    return s, d, (begin[1], end[1], begin[0], end[0]), (out[0], out[1])


def _out_shape(t: Tensor, c: int, hw, one_d: bool) -> tuple[int, ...]:
    return (1, c, hw[1]) if one_d else (1, c, hw[0], hw[1])


def _conv_inputs(ins, label):
    """Input tensor, its ``(c, h, w, one_d)``, the float64 weight (4-D: a 1-D conv gets a
    unit height) and the bias (None when absent) of a Conv or ConvTranspose node."""
    t = ins[0]
    spatial = _spatial(t, label)
    weight = const(ins[1], label, "weight").astype(np.float64)
    if spatial[3]:
        weight = weight[:, :, None, :]
    bias = const(ins[2], label, "bias") if len(ins) > 2 and ins[2] is not None else None
    return t, spatial, weight, bias


def _conv(g, node, ins, label):
    t, (c, h, w_, one_d), weight, bias = _conv_inputs(ins, label)
    at = attrs(node)
    s, d, pad, out_hw = _geometry(at, (h, w_), weight.shape[2:], label, one_d)
    m, b = Conv(weight, bias, (c, h, w_), out_hw, s, d, int(at.get("group", 1))).matrix(pad)
    return [affine(g, t, m, b, _out_shape(t, weight.shape[0], out_hw, one_d), label)]


def _conv_transpose(g, node, ins, label):
    t, (c, h, w_, one_d), weight, bias = _conv_inputs(ins, label)
    at = attrs(node)
    s = _two(at.get("strides"), one_d, 1)
    d = _two(at.get("dilations"), one_d, 1)
    op = _two(at.get("output_padding"), one_d, 0, h=0)
    pads = [int(p) for p in at.get("pads", [0] * (2 if one_d else 4))]
    n = len(pads) // 2
    begin, end = ([0, pads[0]], [0, pads[1]]) if one_d else (pads[:n], pads[n:])
    auto = at.get("auto_pad", "NOTSET")
    want = at.get("output_shape")
    if want is not None:
        want = [1, int(want[-1])] if one_d else [int(x) for x in want[-2:]]
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        want = [h * s[0], w_ * s[1]]
    out = []
    for i, n_in in enumerate((h, w_)):
        full = s[i] * (n_in - 1) + op[i] + (weight.shape[2 + i] - 1) * d[i] + 1
        if want is not None:
            total = full - want[i]
            small = total // 2
            begin[i], end[i] = (
                (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
            )
        out.append(full - begin[i] - end[i])
    g_ = int(at.get("group", 1))
    layer = Conv(weight, bias, (c, h, w_), (out[0], out[1]), s, d, g_)
    m, b = layer.transpose_matrix((begin[0], begin[1]))
    return [affine(g, t, m, b, _out_shape(t, weight.shape[1] * g_, out, one_d), label)]


def _pool(g, node, ins, label):
    t = ins[0]
    c, h, w_, one_d = _spatial(t, label)
    at = attrs(node)
    if at.get("storage_order", 0):
        raise UnsupportedModelError(f"node {label}: storage_order = 1 is unsupported")
    k = _two(at["kernel_shape"], one_d, 1)
    s, d, pad, out_hw = _geometry(at, (h, w_), k, label, one_d, bool(at.get("ceil_mode", 0)))
    win = window_indices((c, h, w_), k, s, pad, d, out_hw).reshape(-1, k[0] * k[1])
    shape = _out_shape(t, c, out_hw, one_d)
    if node.op_type == "MaxPool":
        if len(node.output) > 1 and node.output[1]:
            raise UnsupportedModelError(f"node {label}: the Indices output is unsupported")
        return [Tensor(g.add(MaxPool(t.node, np.where(win >= 0, win, -1)), label), shape)]
    if at.get("count_include_pad", 0):
        divisor = (win != BEYOND).sum(axis=1)
    else:
        divisor = (win >= 0).sum(axis=1)
    m = average_matrix(win, divisor, t.size)
    return [affine(g, t, m, np.zeros(m.shape[0]), shape, label)]


def _global_average(g, node, ins, label):
    t = ins[0]
    c = t.shape[1]
    per = t.size // c
    win = np.arange(t.size).reshape(c, per)
    m = average_matrix(win, np.full(c, per), t.size)
    return [affine(g, t, m, np.zeros(c), (1, c) + (1,) * (len(t.shape) - 2), label)]


def _batchnorm(g, node, ins, label):
    t = ins[0]
    scale, beta, mean, var = (const(v, label, "statistics") for v in ins[1:5])
    eps = float(attrs(node).get("epsilon", 1e-5))
    m, b = batchnorm_affine(mean, var, eps, scale, beta, t.shape[1:])
    return [affine(g, t, m, b, t.shape, label)]


Lowering = Callable[[Any, Any, list, str], list]

#: Arithmetic, activation, dense, convolution and pooling ops (layout ops: onnx_layout).
OPS: dict[str, Lowering] = {
    "Add": _binary, "Sub": _binary, "Mul": _binary, "Div": _binary,
    "Relu": _relu, "LeakyRelu": _relu, "PRelu": _relu, "Clip": _clip,
    "Identity": _identity, "Dropout": _identity,
    "Gemm": _gemm, "MatMul": _matmul,
    "Conv": _conv, "ConvTranspose": _conv_transpose,
    "MaxPool": _pool, "AveragePool": _pool, "GlobalAveragePool": _global_average,
    "BatchNormalization": _batchnorm,
}  # fmt: skip
