"""Exact float64 matrices of torch's linear layers, read from the modules' attributes.

The arithmetic lives in :mod:`linregions.importers.lowering` (shared with the ONNX
importer); these adapters read a module's weights and hyper-parameters. 1-D layers
(Conv1d, MaxPool1d, AvgPool1d) are the 2-D case with height 1.
"""

from __future__ import annotations

import operator

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn as nn
import torch.nn.functional as F

from .lowering import (
    BEYOND,
    Conv,
    average_matrix,
    batchnorm_affine,
    pair,
    window_indices,
)

# -- what from_torch recognises -------------------------------------------------------
NOT_PIECEWISE_LINEAR = (
    nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU, nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.ELU,
    nn.SELU, nn.CELU, nn.Softplus, nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.LogSigmoid,
    nn.Softsign, nn.Tanhshrink, nn.GLU, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm1d,
    nn.InstanceNorm2d, nn.MultiheadAttention,
)  # fmt: skip
NOT_PIECEWISE_LINEAR_FUNCTIONS = {
    torch.sigmoid, torch.tanh, F.sigmoid, F.tanh, F.gelu, F.silu, F.softmax, F.log_softmax,
    F.elu, F.selu, F.softplus, F.mish, torch.softmax, torch.exp, torch.log, F.layer_norm,
}  # fmt: skip
IDENTITY_MODULES = (nn.Identity, nn.Flatten, nn.Unflatten, nn.Dropout, nn.Dropout1d,
                    nn.Dropout2d, nn.AlphaDropout)  # fmt: skip
RESHAPE_METHODS = {"view", "reshape", "flatten", "contiguous", "squeeze", "unsqueeze"}
RESHAPE_FUNCTIONS = {torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze}
RELU_FUNCTIONS = {F.relu, torch.relu, torch.relu_, F.relu_}
LEAKY_FUNCTIONS = {F.leaky_relu, F.leaky_relu_}
ADD_FUNCTIONS = {operator.add, operator.iadd, torch.add}
CLIP_FUNCTIONS = {F.relu6, F.hardtanh, F.hardtanh_, torch.clamp, torch.clip}
CAT_FUNCTIONS = {torch.cat, torch.concat}
PAD_MODULES = (nn.ZeroPad2d, nn.ConstantPad1d, nn.ConstantPad2d, nn.ReflectionPad1d,
               nn.ReflectionPad2d, nn.ReplicationPad1d, nn.ReplicationPad2d)  # fmt: skip


def _numpy(t: torch.Tensor | None) -> np.ndarray | None:
    return None if t is None else t.detach().cpu().double().numpy()


def as_2d(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(C, L) as (C, 1, L); (C, H, W) unchanged."""
    return (shape[0], 1, shape[1]) if len(shape) == 2 else (shape[0], shape[1], shape[2])


def _hw(v, one_d: bool) -> tuple[int, int]:
    if one_d:
        return (1, int(v[0] if isinstance(v, (tuple, list)) else v))
    return pair(v)


def conv_module_matrix(
    conv: torch.nn.Conv1d | torch.nn.Conv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse matrix and bias of an nn.Conv1d / nn.Conv2d (any padding mode), exact."""
    one_d = isinstance(conv, torch.nn.Conv1d)
    weight = _numpy(conv.weight)
    assert weight is not None
    if one_d:
        weight = weight[:, :, None, :]
    mode = "constant" if conv.padding_mode == "zeros" else conv.padding_mode
    rev = [int(p) for p in conv._reversed_padding_repeated_twice]
    pad = (rev[0], rev[1], 0, 0) if one_d else (rev[0], rev[1], rev[2], rev[3])
    out_hw = as_2d(out_shape)[1:]
    layer = Conv(weight, _numpy(conv.bias), as_2d(in_shape), (out_hw[0], out_hw[1]),
                 _hw(conv.stride, one_d), _hw(conv.dilation, one_d), conv.groups)  # fmt: skip
    return layer.matrix(pad, mode)


def conv_transpose_module_matrix(
    conv: torch.nn.ConvTranspose2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse matrix and bias of an nn.ConvTranspose2d (output_padding in ``out_shape``)."""
    weight = _numpy(conv.weight)
    assert weight is not None
    out_hw = as_2d(out_shape)[1:]
    layer = Conv(weight, _numpy(conv.bias), as_2d(in_shape), (out_hw[0], out_hw[1]),
                 conv.stride, conv.dilation, conv.groups)  # fmt: skip
    return layer.transpose_matrix(pair(conv.padding))


def pool_windows(pool, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> np.ndarray:
    """Windows (C*Hout*Wout, kh*kw) of a Max/AvgPool 1d/2d, with PAD/BEYOND markers."""
    one_d = isinstance(pool, (torch.nn.MaxPool1d, torch.nn.AvgPool1d))
    p = (0, _hw(pool.padding, True)[1]) if one_d else pair(pool.padding)
    pad = (p[1], p[1], p[0], p[0])
    stride = pool.stride if pool.stride is not None else pool.kernel_size
    dilation = getattr(pool, "dilation", 1)
    win = window_indices(
        as_2d(in_shape), _hw(pool.kernel_size, one_d), _hw(stride, one_d), pad,
        _hw(dilation, one_d), as_2d(out_shape)[1:],
    )  # fmt: skip
    return win.reshape(-1, win.shape[2])


def avgpool_matrix(
    pool: torch.nn.AvgPool1d | torch.nn.AvgPool2d,
    in_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
) -> sp.csr_matrix:
    """Sparse matrix of an nn.AvgPool1d/2d (count_include_pad, ceil_mode, divisor_override)."""
    win = pool_windows(pool, in_shape, out_shape)
    if getattr(pool, "divisor_override", None):
        divisor = np.full(win.shape[0], float(pool.divisor_override))  # type: ignore[arg-type]
    elif pool.count_include_pad:
        divisor = (win != BEYOND).sum(axis=1).astype(np.float64)
    else:
        divisor = (win >= 0).sum(axis=1).astype(np.float64)
    return average_matrix(win, divisor, int(np.prod(in_shape)))


def batchnorm_diagonal(bn, shape: tuple[int, ...]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Diagonal scale and shift of an eval-mode BatchNorm1d/2d on an input of ``shape``."""
    return batchnorm_affine(
        _numpy(bn.running_mean), _numpy(bn.running_var), bn.eps, _numpy(bn.weight),
        _numpy(bn.bias), shape,
    )  # fmt: skip
