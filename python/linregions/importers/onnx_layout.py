"""ONNX layout ops: reshapes (free), transposes, concatenation, padding, nearest resizing.

Same calling convention as :mod:`.onnx_ops`. Reshapes relabel the flat vector; the others
are 0/1 selection matrices built from index arrays (exact, no arithmetic on weights).
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedModelError
from ..model.ir import Add, Affine
from .lowering import concat_blocks, nearest_source, pad_affine, resize_index, selection_matrix
from .onnx_ops import Lowering, Tensor, affine, attrs, const


def _axes(node, ins, g, label, k: int = 1) -> list[int] | None:
    """The ``axes`` attribute (opset < 13) or input ``k`` (opset >= 13)."""
    if g.opset < 13:
        v = attrs(node).get("axes")
    else:
        v = const(ins[k], label, "axes") if len(ins) > k and ins[k] is not None else None
    return None if v is None else [int(a) for a in np.ravel(v)]


def _flatten(g, node, ins, label):
    t = ins[0]
    axis = int(attrs(node).get("axis", 1)) % (len(t.shape) + 1)
    return [Tensor(t.node, (int(np.prod(t.shape[:axis])), int(np.prod(t.shape[axis:]))))]


def _reshape(g, node, ins, label):
    t = ins[0]
    if g.opset < 5:
        target = list(attrs(node)["shape"])
    else:
        target = [int(v) for v in const(ins[1], label, "shape")]
    allow_zero = int(attrs(node).get("allowzero", 0))
    shape = [t.shape[i] if v == 0 and not allow_zero else v for i, v in enumerate(target)]
    if -1 in shape:
        known = int(np.prod([v for v in shape if v != -1]))
        shape[shape.index(-1)] = t.size // max(known, 1)
    if int(np.prod(shape)) != t.size:
        raise UnsupportedModelError(f"node {label}: cannot reshape {t.shape} to {target}")
    return [Tensor(t.node, tuple(int(v) for v in shape))]


def _squeeze(g, node, ins, label):
    t = ins[0]
    axes = _axes(node, ins, g, label)
    if axes is None:
        shape = tuple(s for s in t.shape if s != 1)
    else:
        drop = {a % len(t.shape) for a in axes}
        shape = tuple(s for i, s in enumerate(t.shape) if i not in drop)
    return [Tensor(t.node, shape)]


def _unsqueeze(g, node, ins, label):
    t = ins[0]
    axes = _axes(node, ins, g, label) or []
    n = len(t.shape) + len(axes)
    where = sorted(a % n for a in axes)
    shape = list(t.shape)
    for a in where:
        shape.insert(a, 1)
    return [Tensor(t.node, tuple(shape))]


def _transpose(g, node, ins, label):
    t = ins[0]
    perm = attrs(node).get("perm", list(range(len(t.shape)))[::-1])
    idx = np.arange(t.size).reshape(t.shape).transpose(perm)
    return [affine(g, t, selection_matrix(idx, t.size), np.zeros(t.size), idx.shape, label)]


def _concat(g, node, ins, label):
    shapes = [tuple(v.shape) if isinstance(v, Tensor) else np.shape(v) for v in ins]
    rank = len(shapes[0])
    axis = int(attrs(node)["axis"]) % rank
    blocks = concat_blocks(shapes, axis)
    n = blocks[0].shape[0]
    bias = np.zeros(n)
    for v, m in zip(ins, blocks):
        if not isinstance(v, Tensor):
            bias += m @ np.asarray(v, np.float64).ravel()
    terms: list[int] = []
    for k, (v, m) in enumerate(zip(ins, blocks)):
        if isinstance(v, Tensor):
            b = bias if not terms else np.zeros(n)
            terms.append(g.add(Affine(v.node, m, b), f"{label} part {k}"))
    shape = list(shapes[0])
    shape[axis] = sum(s[axis] for s in shapes)
    out = terms[0] if len(terms) == 1 else g.add(Add(tuple(terms), n), label)
    return [Tensor(out, tuple(shape))]


def _pad(g, node, ins, label):
    t = ins[0]
    at = attrs(node)
    mode = at.get("mode", "constant")
    if g.opset < 11:
        pads = [int(p) for p in at["pads"]]
        value = float(at.get("value", 0.0))
    else:
        pads = [int(p) for p in const(ins[1], label, "pads")]
        value = 0.0
        if len(ins) > 2 and ins[2] is not None and np.size(ins[2]):
            value = float(const(ins[2], label, "constant_value"))
    rank = len(t.shape)
    axes = list(range(rank))
    if len(ins) > 3 and ins[3] is not None:
        axes = [int(a) % rank for a in const(ins[3], label, "axes")]
    widths = [(0, 0)] * rank
    for i, a in enumerate(axes):
        widths[a] = (pads[i], pads[i + len(axes)])
    if any(p < 0 for w in widths for p in w):
        raise UnsupportedModelError(f"node {label}: negative pads (cropping) are unsupported")
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise UnsupportedModelError(f"node {label}: pad mode {mode!r} is unsupported")
    m, b, shape = pad_affine(t.shape, widths, mode, value)
    return [affine(g, t, m, b, shape, label)]


def _resize(g, node, ins, label):
    t = ins[0]
    at = attrs(node)
    mode = at.get("mode", "nearest")
    if mode != "nearest":
        raise UnsupportedModelError(
            f"node {label}: resize mode {mode!r} is unsupported; only 'nearest'"
        )
    if "axes" in at or at.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise UnsupportedModelError(
            f"node {label}: axes / keep_aspect_ratio_policy are unsupported"
        )
    scales = sizes = None
    if node.op_type == "Upsample":
        scales = at.get("scales") if g.opset < 9 else const(ins[1], label, "scales")
        coord, rnd = "asymmetric", "floor"
    elif g.opset < 11:
        scales = const(ins[1], label, "scales")
        coord, rnd = "asymmetric", "floor"
    else:
        if len(ins) > 2 and ins[2] is not None and np.size(ins[2]):
            scales = const(ins[2], label, "scales")
        if len(ins) > 3 and ins[3] is not None and np.size(ins[3]):
            sizes = const(ins[3], label, "sizes")
        coord = at.get("coordinate_transformation_mode", "half_pixel")
        rnd = at.get("nearest_mode", "round_prefer_floor")
    if sizes is not None:
        out = [int(v) for v in sizes]
        sc = [o / i for o, i in zip(out, t.shape)]
    elif scales is not None:
        sc = [float(v) for v in scales]
        out = [int(np.floor(i * s)) for i, s in zip(t.shape, sc)]
    else:
        raise UnsupportedModelError(f"node {label}: neither scales nor sizes given")
    if coord == "tf_crop_and_resize":
        raise UnsupportedModelError(f"node {label}: tf_crop_and_resize is unsupported")
    srcs = [nearest_source(i, o, s, coord, rnd) for i, o, s in zip(t.shape, out, sc)]
    idx = resize_index(t.shape, srcs)
    return [affine(g, t, selection_matrix(idx, t.size), np.zeros(idx.size), idx.shape, label)]


def _shape(g, node, ins, label):
    t = ins[0]
    at = attrs(node)
    shape = np.array(t.shape, dtype=np.int64)
    return [shape[at.get("start", 0) : at.get("end", len(shape))]]


#: Layout ops.
OPS: dict[str, Lowering] = {
    "Flatten": _flatten, "Reshape": _reshape, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze,
    "Transpose": _transpose, "Concat": _concat, "Pad": _pad, "Resize": _resize,
    "Upsample": _resize, "Shape": _shape,
}  # fmt: skip
