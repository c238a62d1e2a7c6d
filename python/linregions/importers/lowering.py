"""Framework-neutral lowering of linear layers to exact float64 matrices (numpy only).

Both importers (torch and ONNX) build their IR nodes from these helpers, so one layer
has one lowering. Values are flat vectors in row-major order of the layer's tensor.

Index trick: an array holding every input's flat index is padded (``PAD`` for "absent",
or the layer's reflect/replicate/circular rule) and read through the layer's windows, so
a window's entries are the input indices it reads, in the framework's order, and the
sparse matrices follow without floating-point arithmetic on indices. Index maps (pads,
transposes, nearest resizing, concatenation, broadcasting) become 0/1 selection matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError
from ..model.ir import Affine, Node, ReLU

#: Marks a window entry in the layer's padding / past it (ceil_mode windows).
PAD, BEYOND = -1, -2

#: numpy's names for the padding modes of torch (``padding_mode``) and ONNX (``Pad.mode``).
NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "edge": "edge",
                   "circular": "wrap", "wrap": "wrap"}  # fmt: skip


def pair(v) -> tuple[int, int]:
    """``v`` as two ints (an int is repeated)."""
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    return (int(v[0]), int(v[1]))


def window_indices(
    shape: tuple[int, int, int],
    kernel,
    stride,
    pad: tuple[int, int, int, int],
    dilation,
    out_hw: tuple[int, int],
    pad_mode: str = "constant",
) -> np.ndarray:
    """Input flat indices read by every window: (C, Hout * Wout, kh * kw) int64.

    ``shape`` is (C, H, W) and ``pad`` is (left, right, top, bottom). Entries in constant
    padding are ``PAD`` and entries past the padding (ceil_mode windows) are ``BEYOND``;
    other padding modes (``reflect``, ``replicate``, ``circular``) repeat input indices.
    Kernel entries are in row-major (kh, kw) order, as torch's unfold and ONNX read them.
    """
    c, h, w = shape
    kh, kw = pair(kernel)
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    hout, wout = out_hw
    left, right, top, bottom = (int(p) for p in pad)
    idx = np.arange(c * h * w, dtype=np.int64).reshape(c, h, w)
    widths = ((0, 0), (top, bottom), (left, right))
    if pad_mode == "constant":
        idx = np.pad(idx, widths, mode="constant", constant_values=PAD)
    elif any(pad):
        idx = np.pad(idx, widths, mode=NUMPY_PAD_MODES[pad_mode])  # type: ignore[call-overload]
    extra_h = max(0, (hout - 1) * sh + dh * (kh - 1) + 1 - idx.shape[1])
    extra_w = max(0, (wout - 1) * sw + dw * (kw - 1) + 1 - idx.shape[2])
    if extra_h or extra_w:
        idx = np.pad(idx, ((0, 0), (0, extra_h), (0, extra_w)), constant_values=BEYOND)
    r = (np.arange(hout) * sh)[:, None, None, None] + (np.arange(kh) * dh)[None, None, :, None]
    q = (np.arange(wout) * sw)[None, :, None, None] + (np.arange(kw) * dw)[None, None, None, :]
    win = idx[:, r, q]  # (C, hout, wout, kh, kw)
    return win.reshape(c, hout * wout, kh * kw)


@dataclass(frozen=True)
class Conv:
    """What a 2-D convolution and a transposed one share: the ``weight`` (4-D, laid out as
    each lowering says), the ``bias`` (or None), the input ``in_shape`` (C, H, W), the
    output ``out_hw`` (Hout, Wout), ``stride`` and ``dilation`` (an int or a pair each) and
    ``groups``; :meth:`matrix` lowers it as a convolution, :meth:`transpose_matrix` as a
    transposed one. Padding differs between the two and is passed apart."""

    weight: np.ndarray
    bias: np.ndarray | None
    in_shape: tuple[int, int, int]
    out_hw: tuple[int, int]
    stride: int | Sequence[int]
    dilation: int | Sequence[int]
    groups: int

    def matrix(
        self, pad: tuple[int, int, int, int], pad_mode: str = "constant"
    ) -> tuple[sp.csr_matrix, np.ndarray]:
        """Sparse (Cout*Hout*Wout, Cin*H*W) matrix and bias of a 2-D convolution, exact.

        ``weight`` is (Cout, Cin / groups, kh, kw); a 1-D convolution is the case
        H = kh = 1. ``pad`` is (left, right, top, bottom).
        """
        weight = np.asarray(self.weight, dtype=np.float64)
        cout, cin_g, kh, kw = weight.shape
        in_shape, out_hw = self.in_shape, self.out_hw
        cin = in_shape[0]
        hout, wout = out_hw
        win = window_indices(in_shape, (kh, kw), self.stride, pad, self.dilation, out_hw, pad_mode)
        g = int(self.groups)
        cout_g = cout // g
        L, kk = hout * wout, kh * kw
        w = weight.reshape(g, cout_g, cin_g * kk)
        cols = win.reshape(g, cin_g, L, kk).transpose(0, 1, 3, 2).reshape(g, cin_g * kk, L)
        rows = np.arange(cout).reshape(g, cout_g, 1, 1) * L + np.arange(L).reshape(1, 1, 1, L)
        rows = np.broadcast_to(rows, (g, cout_g, cin_g * kk, L))
        cols_b = np.broadcast_to(cols[:, None, :, :], (g, cout_g, cin_g * kk, L))
        vals = np.broadcast_to(w[:, :, :, None], (g, cout_g, cin_g * kk, L))
        keep = (cols_b >= 0) & (vals != 0)
        m = _masked_csr(vals, rows, cols_b, keep, (cout * L, cin * in_shape[1] * in_shape[2]))
        return m, _pixel_bias(self.bias, cout, L)

    def transpose_matrix(self, pad_begin: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Sparse matrix and bias of a 2-D transposed convolution, exact.

        ``weight`` is (Cin, Cout / groups, kh, kw); input (Cin, H, W) pixel (ih, iw) adds
        ``weight[ci, j, a, b] * x`` to output (co, ih*sh - top + a*dh, iw*sw - left + b*dw)
        with ``co = group(ci) * Cout/groups + j``. ``pad_begin`` is (top, left); the end
        padding and output_padding are implied by ``out_hw``.
        """
        weight = np.asarray(self.weight, dtype=np.float64)
        cin, cout_g, kh, kw = weight.shape
        _, h, w = self.in_shape
        hout, wout = self.out_hw
        sh, sw = pair(self.stride)
        dh, dw = pair(self.dilation)
        top, left = pad_begin
        g = int(self.groups)
        cin_g = cin // g
        ci = np.arange(cin).reshape(-1, 1, 1, 1, 1, 1)
        ih = np.arange(h).reshape(1, -1, 1, 1, 1, 1)
        iw = np.arange(w).reshape(1, 1, -1, 1, 1, 1)
        j = np.arange(cout_g).reshape(1, 1, 1, -1, 1, 1)
        a = np.arange(kh).reshape(1, 1, 1, 1, -1, 1)
        b = np.arange(kw).reshape(1, 1, 1, 1, 1, -1)
        full = (cin, h, w, cout_g, kh, kw)
        oh = np.broadcast_to(ih * sh - top + a * dh, full)
        ow = np.broadcast_to(iw * sw - left + b * dw, full)
        co = np.broadcast_to((ci // cin_g) * cout_g + j, full)
        col = np.broadcast_to(ci * h * w + ih * w + iw, full)
        vals = np.broadcast_to(weight[:, None, None, :, :, :], full)
        keep = (oh >= 0) & (oh < hout) & (ow >= 0) & (ow < wout) & (vals != 0)
        rows = (co * hout + oh) * wout + ow
        cout = cout_g * g
        m = _masked_csr(vals, rows, col, keep, (cout * hout * wout, cin * h * w))
        return m, _pixel_bias(self.bias, cout, hout * wout)


def average_matrix(windows: np.ndarray, divisor: np.ndarray, n_in: int) -> sp.csr_matrix:
    """Sparse matrix averaging each window (rows of input indices; < 0 entries are absent)."""
    rows = np.broadcast_to(np.arange(windows.shape[0])[:, None], windows.shape)
    vals = np.broadcast_to((1.0 / np.asarray(divisor, np.float64))[:, None], windows.shape)
    return _masked_csr(vals, rows, windows, windows >= 0, (windows.shape[0], n_in))


def _masked_csr(
    vals: np.ndarray, rows: np.ndarray, cols: np.ndarray, keep: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """The CSR matrix of the entries ``vals[keep]`` at ``(rows[keep], cols[keep])`` (arrays
    of one shape, broadcast views allowed); entries at one position are summed."""
    m = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=shape)
    m.sum_duplicates()
    return m


def _pixel_bias(bias: np.ndarray | None, channels: int, pixels: int) -> np.ndarray:
    """The (channels * pixels,) bias of a channel-major output: each channel's bias repeated
    at each of its pixels (zeros without a bias)."""
    if bias is None:
        return np.zeros(channels * pixels)
    return np.repeat(np.asarray(bias, np.float64), pixels)


def channel_affine(
    scale: np.ndarray, shift: np.ndarray, per_channel: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Diagonal map ``y = scale[c] * x + shift[c]`` on (C, per_channel) values (BatchNorm)."""
    s = np.repeat(np.asarray(scale, np.float64), per_channel)
    return sp.diags(s).tocsr(), np.repeat(np.asarray(shift, np.float64), per_channel)


def batchnorm_affine(
    mean, var, eps: float, gamma, beta, shape: tuple[int, ...]
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Eval-mode batch norm on a (C, ...) input as a diagonal affine map (folded later)."""
    scale = 1.0 / np.sqrt(np.asarray(var, np.float64) + float(eps))
    shift = -np.asarray(mean, np.float64) * scale
    if gamma is not None:
        gamma = np.asarray(gamma, np.float64)
        scale, shift = scale * gamma, shift * gamma
    if beta is not None:
        shift = shift + np.asarray(beta, np.float64)
    per_channel = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return channel_affine(scale, shift, per_channel)


def selection_matrix(index: np.ndarray, n_in: int) -> sp.csr_matrix:
    """0/1 matrix with ``y[k] = x[index[k]]`` (0 where ``index[k] < 0``)."""
    index = np.asarray(index, dtype=np.int64).ravel()
    keep = index >= 0
    rows = np.flatnonzero(keep)
    return sp.csr_matrix((np.ones(rows.size), (rows, index[keep])), shape=(index.size, n_in))


def pad_index(shape: tuple[int, ...], widths: Sequence[tuple[int, int]], mode: str) -> np.ndarray:
    """Flat input index of every padded element (``PAD`` in constant padding)."""
    idx = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    if mode == "constant":
        return np.pad(idx, widths, mode="constant", constant_values=PAD)
    return np.pad(idx, widths, mode=NUMPY_PAD_MODES[mode])  # type: ignore[call-overload]


def nearest_source(
    in_len: int,
    out_len: int,
    scale: float,
    coordinate_mode: str = "asymmetric",
    nearest_mode: str = "floor",
) -> np.ndarray:
    """Input position read by each output position of a nearest-neighbour resize.

    ``coordinate_mode`` and ``nearest_mode`` are ONNX Resize's attributes; torch's
    ``nearest`` is (asymmetric, floor) with ``scale = out / in`` or the given factor, and
    ``nearest-exact`` is (half_pixel, round_prefer_ceil).
    """
    o = np.arange(out_len, dtype=np.float64)
    if coordinate_mode == "half_pixel":
        x = (o + 0.5) / scale - 0.5
    elif coordinate_mode == "pytorch_half_pixel":
        x = (o + 0.5) / scale - 0.5 if out_len > 1 else np.zeros_like(o)
    elif coordinate_mode == "align_corners":
        x = o * (in_len - 1) / (out_len - 1) if out_len > 1 else np.zeros_like(o)
    elif coordinate_mode == "tf_half_pixel_for_nn":
        x = (o + 0.5) / scale
    elif coordinate_mode == "asymmetric":
        x = o / scale
    else:
        raise ValueError(f"coordinate_transformation_mode {coordinate_mode!r}")
    if nearest_mode == "floor":
        src = np.floor(x)
    elif nearest_mode == "ceil":
        src = np.ceil(x)
    elif nearest_mode == "round_prefer_floor":
        src = np.where(x - np.floor(x) == 0.5, np.floor(x), np.round(x))
    elif nearest_mode == "round_prefer_ceil":
        src = np.where(x - np.floor(x) == 0.5, np.ceil(x), np.round(x))
    else:
        raise ValueError(f"nearest_mode {nearest_mode!r}")
    return np.clip(src, 0, in_len - 1).astype(np.int64)


def resize_index(shape: tuple[int, ...], sources: Sequence[np.ndarray]) -> np.ndarray:
    """Flat input index of every element of a resize reading ``sources[axis]`` per axis."""
    idx = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    for axis, src in enumerate(sources):
        idx = np.take(idx, src, axis=axis)
    return idx


def pad_affine(
    shape: tuple[int, ...],
    widths: Sequence[tuple[int, int]],
    mode: str = "constant",
    value: float = 0.0,
) -> tuple[sp.csr_matrix, np.ndarray, tuple[int, ...]]:
    """Matrix, bias and output shape of padding a ``shape`` tensor by ``widths`` per axis."""
    idx = pad_index(shape, widths, mode)
    bias = np.where(idx.ravel() == PAD, float(value), 0.0)
    return selection_matrix(idx, int(np.prod(shape))), bias, tuple(idx.shape)


def concat_blocks(shapes: Sequence[tuple[int, ...]], axis: int) -> list[sp.csr_matrix]:
    """Per input, the 0/1 matrix placing it in the concatenation along ``axis``.

    The concatenation is the sum of these matrices applied to their inputs.
    """
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    parts = [np.arange(o, o + n).reshape(s) for o, n, s in zip(offsets, sizes, shapes)]
    idx = np.concatenate(parts, axis=axis).ravel()
    full = selection_matrix(idx, int(offsets[-1]))
    full = sp.csc_matrix(full)
    return [sp.csr_matrix(full[:, offsets[k] : offsets[k + 1]]) for k in range(len(shapes))]


def adaptive_windows(in_hw: tuple[int, int], out_hw: tuple[int, int], channels: int) -> np.ndarray:
    """Windows (C*oh*ow, k) of adaptive pooling, -1 padded: rows floor(i H / oh) to
    ceil((i + 1) H / oh), and likewise columns (torch's rule)."""
    (h, w), (oh, ow) = in_hw, out_hw

    def spans(n_in: int, n_out: int) -> list[range]:
        return [range(i * n_in // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]

    per: list[list[int]] = []
    for rs in spans(h, oh):
        for cs in spans(w, ow):
            per.append([r * w + c for r in rs for c in cs])
    k = max(len(p) for p in per)
    base = np.full((len(per), k), -1, dtype=np.int64)
    for i, p in enumerate(per):
        base[i, : len(p)] = p
    offs = (np.arange(channels) * h * w)[:, None, None]
    win = np.where(base[None] >= 0, base[None] + offs, -1)
    return win.reshape(channels * len(per), k)


def lower_clip(
    add: Callable[[Node, str], int], src: int, size: int, lo: float, hi: float, label: str
) -> int:
    """Appends ``clip(x, lo, hi)`` (ReLU6, Hardtanh, ONNX Clip) as ReLU units; returns its node.

    Pattern layout: with both bounds finite each unit ``i`` owns two consecutive ReLU rows,
    ``2i`` for ``x_i - lo`` and ``2i + 1`` for ``x_i - hi``, and
    ``clip(x, lo, hi) = lo + relu(x - lo) - relu(x - hi)`` (below ``lo``: both inactive,
    between: the first active, above ``hi``: both). With one bound finite, one row per unit:
    ``max(x, lo) = lo + relu(x - lo)``, ``min(x, hi) = hi - relu(hi - x)``. Raises
    InvalidValueError when ``lo > hi`` or a bound is NaN.
    """
    if not lo <= hi:
        raise InvalidValueError(f"{label}: clip bounds lo = {lo} and hi = {hi} need lo <= hi")
    eye = sp.identity(size, format="csr")
    has_lo, has_hi = np.isfinite(lo), np.isfinite(hi)
    if has_lo and has_hi:
        pre = sp.csr_matrix(
            (np.ones(2 * size), (np.arange(2 * size), np.repeat(np.arange(size), 2))),
            shape=(2 * size, size),
        )
        pre_b = np.tile([-lo, -hi], size)
        post = sp.csr_matrix(
            (np.tile([1.0, -1.0], size), (np.repeat(np.arange(size), 2), np.arange(2 * size))),
            shape=(size, 2 * size),
        )
        k = add(Affine(src, pre, pre_b), f"{label} (x - lo, x - hi)")
        k = add(ReLU(k, 2 * size), f"{label} (relu pairs)")
        return add(Affine(k, post, np.full(size, float(lo))), label)
    if has_lo:
        k = add(Affine(src, eye, np.full(size, -float(lo))), f"{label} (x - lo)")
        k = add(ReLU(k, size), f"{label} (relu)")
        return add(Affine(k, eye, np.full(size, float(lo))), label)
    if has_hi:
        k = add(Affine(src, -eye, np.full(size, float(hi))), f"{label} (hi - x)")
        k = add(ReLU(k, size), f"{label} (relu)")
        return add(Affine(k, -eye, np.full(size, float(hi))), label)
    return add(Affine(src, eye, np.zeros(size)), label)


def relu_slopes(slope: np.ndarray | float, shape: tuple[int, ...]) -> float | np.ndarray:
    """One negative slope per unit of a ``shape`` tensor (a float when they are all equal)."""
    s = np.asarray(slope, dtype=np.float64)
    if s.size == 1:
        return float(s.ravel()[0])
    full = np.broadcast_to(s, shape).ravel()
    return float(full[0]) if np.all(full == full[0]) else np.ascontiguousarray(full)
