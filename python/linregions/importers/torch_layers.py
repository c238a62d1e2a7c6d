"""Exact float64 matrices of torch's linear layers (conv, pooling, batch norm).

Index trick: an image holding ``1 + flat index`` at every pixel is padded (with 0 for
"absent", or with torch's own reflect/replicate/circular rule) and unfolded with the
layer's kernel, stride and dilation. Each column of the unfold is then the list of input
indices a window reads, in exactly torch's order, so the sparse matrix follows without
any floating-point arithmetic on the weights.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

#: Marks a window entry in the layer's symmetric padding / beyond it (ceil_mode).
PAD, BEYOND = -1, -2


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


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

    ``pad`` is (left, right, top, bottom). Entries in the padding are ``PAD`` (constant
    mode) and entries past the padding (torch's ceil_mode windows) are ``BEYOND``.
    """
    c, h, w = shape
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    hout, wout = out_hw
    idx = torch.arange(1, c * h * w + 1, dtype=torch.float64).reshape(1, c, h, w)
    if pad_mode == "constant":
        idx = F.pad(idx, pad, mode="constant", value=float(PAD))
    elif any(pad):
        idx = F.pad(idx, pad, mode=pad_mode)
    extra_h = max(0, (hout - 1) * sh + dh * (kh - 1) + 1 - idx.shape[2])
    extra_w = max(0, (wout - 1) * sw + dw * (kw - 1) + 1 - idx.shape[3])
    if extra_h or extra_w:
        idx = F.pad(idx, (0, extra_w, 0, extra_h), mode="constant", value=float(BEYOND))
    nh = (idx.shape[2] - dh * (kh - 1) - 1) // sh + 1
    nw = (idx.shape[3] - dw * (kw - 1) - 1) // sw + 1
    cols = F.unfold(idx, (kh, kw), dilation=(dh, dw), stride=(sh, sw))  # (1, C*kh*kw, nh*nw)
    cols = cols.reshape(c, kh * kw, nh, nw)[:, :, :hout, :wout].reshape(c, kh * kw, hout * wout)
    out = cols.permute(0, 2, 1).numpy().astype(np.int64)
    return np.where(out > 0, out - 1, out)


def conv2d_matrix(
    conv: torch.nn.Conv2d, in_shape: tuple[int, int, int], out_shape: tuple[int, int, int]
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse (Cout*Hout*Wout, Cin*H*W) matrix and bias of an nn.Conv2d, exact in float64."""
    cin = in_shape[0]
    cout, hout, wout = out_shape
    mode = "constant" if conv.padding_mode == "zeros" else conv.padding_mode
    p = conv._reversed_padding_repeated_twice
    pad = (int(p[0]), int(p[1]), int(p[2]), int(p[3]))
    win = window_indices(in_shape, conv.kernel_size, conv.stride, pad, conv.dilation, (hout, wout),
                         mode)  # (Cin, L, kk)
    g = conv.groups
    cin_g, cout_g = cin // g, cout // g
    L, kk = hout * wout, win.shape[2]
    weight = conv.weight.detach().cpu().double().numpy().reshape(g, cout_g, cin_g * kk)
    # columns per group: (g, cin_g * kk, L)
    cols = win.reshape(g, cin_g, L, kk).transpose(0, 1, 3, 2).reshape(g, cin_g * kk, L)
    rows = (np.arange(cout).reshape(g, cout_g, 1, 1) * L + np.arange(L).reshape(1, 1, 1, L))
    rows = np.broadcast_to(rows, (g, cout_g, cin_g * kk, L))
    cols_b = np.broadcast_to(cols[:, None, :, :], (g, cout_g, cin_g * kk, L))
    vals = np.broadcast_to(weight[:, :, :, None], (g, cout_g, cin_g * kk, L))
    keep = (cols_b >= 0) & (vals != 0)
    m = sp.csr_matrix(
        (vals[keep], (rows[keep], cols_b[keep])), shape=(cout * L, cin * in_shape[1] * in_shape[2])
    )
    m.sum_duplicates()
    if conv.bias is None:
        bias = np.zeros(cout * L)
    else:
        bias = np.repeat(conv.bias.detach().cpu().double().numpy(), L)
    return m, bias


def pool_windows(
    pool, in_shape: tuple[int, int, int], out_shape: tuple[int, int, int]
) -> np.ndarray:
    """Windows (C*Hout*Wout, kh*kw) of a MaxPool2d/AvgPool2d, with PAD/BEYOND markers."""
    p = _pair(pool.padding)
    pad = (p[1], p[1], p[0], p[0])
    stride = pool.stride if pool.stride is not None else pool.kernel_size
    dilation = getattr(pool, "dilation", 1)
    win = window_indices(in_shape, pool.kernel_size, stride, pad, dilation, out_shape[1:])
    return win.reshape(-1, win.shape[2])


def avgpool2d_matrix(
    pool: torch.nn.AvgPool2d, in_shape: tuple[int, int, int], out_shape: tuple[int, int, int]
) -> sp.csr_matrix:
    """Sparse matrix of an nn.AvgPool2d (count_include_pad, ceil_mode, divisor_override)."""
    win = pool_windows(pool, in_shape, out_shape)
    if pool.divisor_override:
        divisor = np.full(win.shape[0], float(pool.divisor_override))
    elif pool.count_include_pad:
        divisor = (win != BEYOND).sum(axis=1).astype(np.float64)
    else:
        divisor = (win >= 0).sum(axis=1).astype(np.float64)
    rows = np.broadcast_to(np.arange(win.shape[0])[:, None], win.shape)
    vals = np.broadcast_to((1.0 / divisor)[:, None], win.shape)
    keep = win >= 0
    n_in = int(np.prod(in_shape))
    m = sp.csr_matrix((vals[keep], (rows[keep], win[keep])), shape=(win.shape[0], n_in))
    m.sum_duplicates()
    return m


def batchnorm_diagonal(bn, shape: tuple[int, ...]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Diagonal scale and shift of an eval-mode BatchNorm1d/2d on an input of ``shape``."""
    mean = bn.running_mean.detach().cpu().double().numpy()
    var = bn.running_var.detach().cpu().double().numpy()
    scale = 1.0 / np.sqrt(var + bn.eps)
    shift = -mean * scale
    if bn.weight is not None:
        gamma = bn.weight.detach().cpu().double().numpy()
        scale, shift = scale * gamma, shift * gamma
    if bn.bias is not None:
        shift = shift + bn.bias.detach().cpu().double().numpy()
    per_channel = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return sp.diags(np.repeat(scale, per_channel)).tocsr(), np.repeat(shift, per_channel)
