"""Import a torch model into the linregions IR (design.md, "Import").

The model is copied to float64 on the CPU (float32 weights are exactly representable),
traced with ``torch.fx`` and its shapes propagated with a zero input of ``input_shape``.
Each graph node is lowered to IR nodes; reshapes, flattens, dropout (eval) and identities
cost nothing because IR values are flat vectors in torch's row-major order. Anything that
is not piecewise-linear or not supported is refused with the module's name.
"""

from __future__ import annotations

import copy
import operator
from typing import Any, Callable, cast

import numpy as np
import scipy.sparse as sp
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

from .._arrays import as_bounds
from ..errors import (
    InvalidValueError,
    NotPiecewiseLinearError,
    ShapeError,
    TrainingModeError,
    UnsupportedModelError,
)
from ..model.ir import Add, Affine, Input, MaxPool, Node, ReLU
from ..model.network import Network
from .lowering import (
    adaptive_windows,
    average_matrix,
    concat_blocks,
    lower_clip,
    nearest_source,
    pad_affine,
    relu_slopes,
    resize_index,
    selection_matrix,
)
from .torch_layers import (
    ADD_FUNCTIONS,
    CAT_FUNCTIONS,
    CLIP_FUNCTIONS,
    IDENTITY_MODULES,
    LEAKY_FUNCTIONS,
    NOT_PIECEWISE_LINEAR,
    NOT_PIECEWISE_LINEAR_FUNCTIONS,
    PAD_MODULES,
    RELU_FUNCTIONS,
    RESHAPE_FUNCTIONS,
    RESHAPE_METHODS,
    avgpool_matrix,
    batchnorm_diagonal,
    conv_module_matrix,
    conv_transpose_module_matrix,
    pool_windows,
)


def from_torch(model: nn.Module, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model as an :class:`~linregions.Network`.

    ``input_shape`` is one input's shape without the batch dimension, e.g. ``(784,)`` or
    ``(3, 32, 32)``; ``bounds`` is ``(lo, hi)``, scalars or arrays shaped like the input.
    The model must be in eval mode. Supported: Linear, Conv1d/2d (any stride, padding,
    dilation, groups, padding mode), ConvTranspose2d, BatchNorm1d/2d (folded), ReLU,
    LeakyReLU, PReLU (per-channel slopes), ReLU6 and Hardtanh (two ReLU rows per unit, see
    :func:`~linregions.importers.lowering.lower_clip`), MaxPool1d/2d (exact),
    AvgPool1d/2d, AdaptiveAvgPool2d, Upsample / ``F.interpolate`` (nearest), zero,
    constant, reflection and replication padding, ``torch.cat``, Flatten, Dropout,
    Identity, nested containers, and custom modules traceable by ``torch.fx`` with
    residual additions and functional ReLU / relu6 / hardtanh / clamp.

    Raises
    ------
    UnsupportedModelError
        A module or operation that cannot be represented (named); its subclass
        NotPiecewiseLinearError for sigmoid, tanh, softmax...
    TrainingModeError, ShapeError
        A module in training mode; an ``input_shape`` that does not fit.

    Examples
    --------
    >>> import torch
    >>> from linregions.importers.from_torch import from_torch
    >>> model = torch.nn.Sequential(
    ...     torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...     torch.nn.Flatten(), torch.nn.Linear(8, 3)).eval()
    >>> net = from_torch(model, input_shape=(1, 6, 6), bounds=(0.0, 1.0))
    >>> net.input_shape, net.n_classes
    ((1, 6, 6), 3)
    >>> x = torch.rand(2, 1, 6, 6)
    >>> bool(torch.allclose(model(x).double(), torch.from_numpy(net.logits(x)), atol=1e-5))
    True
    """
    if not isinstance(model, nn.Module):
        raise UnsupportedModelError(f"from_torch expects a torch.nn.Module, got {type(model)}")
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise ShapeError(f"input_shape must be a tuple of ints, got {input_shape!r}") from None
    if not shape or any(s <= 0 for s in shape):
        raise ShapeError(f"input_shape must be non-empty with positive sizes, got {shape}")
    for name, module in model.named_modules():
        if module.training:
            raise TrainingModeError(
                f"module {name or '<root>'} ({type(module).__name__}) is in training mode; "
                "call model.eval() before from_torch"
            )
    lo, hi = as_bounds(bounds, shape)
    nodes, labels = _Lowering(model, shape).run()
    return Network(nodes, shape, lo, hi, labels)


class _Lowering:
    def __init__(self, model: nn.Module, input_shape: tuple[int, ...]):
        self.model = copy.deepcopy(model).to(device="cpu", dtype=torch.float64)
        self.input_shape = input_shape
        self.nodes: list[Node] = [Input(int(np.prod(input_shape)))]
        self.labels: list[str] = ["input"]
        self.value: dict[str, int] = {}  # fx node name -> IR node index
        self.const: dict[str, float] = {}

    def check_modules(self) -> None:
        """Refuses what is known to be unsupported before tracing runs anything."""
        for name, mod in self.model.named_modules():
            label = f"{name or '<root>'} ({type(mod).__name__})"
            if isinstance(mod, NOT_PIECEWISE_LINEAR):
                raise NotPiecewiseLinearError(
                    f"module {label} is not piecewise-linear; linear regions are undefined"
                )
            is_bn = isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d))
            if is_bn and (not mod.track_running_stats or mod.running_mean is None):
                raise UnsupportedModelError(
                    f"module {label} has no running statistics, so it is not affine in eval mode"
                )

    def run(self) -> tuple[list[Node], list[str]]:
        self.check_modules()
        try:
            gm = torch.fx.symbolic_trace(self.model)
        except Exception as exc:  # tracing failures come in many types
            raise UnsupportedModelError(
                f"torch.fx could not trace {type(self.model).__name__}: {exc}"
            ) from exc
        self.modules = dict(gm.named_modules())
        try:
            ShapeProp(gm).propagate(torch.zeros((2, *self.input_shape), dtype=torch.float64))
        except RuntimeError as exc:
            where = str(exc).splitlines()[0]
            raise ShapeError(
                f"input_shape {self.input_shape} does not fit the model ({where}): "
                f"{exc.__cause__ or exc}"
            ) from exc
        output = None
        for node in gm.graph.nodes:
            if node.op == "placeholder":
                if self.value:
                    raise UnsupportedModelError(f"model takes several inputs ({node.name})")
                self.value[node.name] = 0
            elif node.op == "output":
                output = node.args[0]
            elif node.op == "call_module":
                self._module(node)
            elif node.op in ("call_function", "call_method"):
                self._function(node)
            else:
                raise UnsupportedModelError(
                    f"unsupported graph operation {node.op} {node.target} ({node.name})"
                )
        if not isinstance(output, torch.fx.Node) or output.name not in self.value:
            raise UnsupportedModelError("the model must return a single tensor of logits")
        out = self.value[output.name]
        if out == 0 or not isinstance(self.nodes[out], Affine):
            # keep the output a node of its own so it has a distinct local map
            size = self.nodes[out].size
            out = self._add(Affine(out, sp.identity(size, format="csr"), np.zeros(size)), "output")
        if out != len(self.nodes) - 1:
            size = self.nodes[out].size
            self._add(Affine(out, sp.identity(size, format="csr"), np.zeros(size)), "output")
        return self.nodes, self.labels

    # -- helpers -----------------------------------------------------------------------
    def _add(self, node: Node, label: str) -> int:
        self.nodes.append(node)
        self.labels.append(label)
        return len(self.nodes) - 1

    def _shape(self, node: torch.fx.Node) -> tuple[int, ...]:
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise UnsupportedModelError(f"{node.name} does not produce a single tensor")
        return tuple(int(s) for s in meta.shape[1:])

    def _arg(self, node: torch.fx.Node, arg: Any) -> int:
        if not isinstance(arg, torch.fx.Node) or arg.name not in self.value:
            raise UnsupportedModelError(f"{node.name}: unsupported argument {arg!r}")
        return self.value[arg.name]

    def _affine(self, node, src: int, weight, bias: np.ndarray, label: str) -> None:
        data = weight.data if sp.issparse(weight) else np.asarray(weight)
        for what, arr in (("weight", data), ("bias", bias)):
            bad = ~np.isfinite(arr)
            if bad.any():
                raise InvalidValueError(
                    f"module {label} has a non-finite {what} entry {arr[bad][0]}"
                )
        if sp.issparse(weight):
            self.value[node.name] = self._add(Affine(src, weight, bias), label)
        else:
            self.value[node.name] = self._add(Affine(src, data, bias), label)

    def _alias(self, node: torch.fx.Node, src: int) -> None:
        self.value[node.name] = src

    # -- modules -----------------------------------------------------------------------
    def _module(self, node: torch.fx.Node) -> None:
        mod = self.modules[node.target]
        label = f"{node.target} ({type(mod).__name__})"
        first = node.args[0]
        src = self._arg(node, first)
        if not isinstance(first, torch.fx.Node):
            raise UnsupportedModelError(f"{node.name}: unsupported argument {first!r}")
        in_shape = self._shape(first)
        out_shape = self._shape(node)
        if isinstance(mod, NOT_PIECEWISE_LINEAR):
            raise NotPiecewiseLinearError(
                f"module {label} is not piecewise-linear; linear regions are undefined"
            )
        if isinstance(mod, IDENTITY_MODULES):
            self._alias(node, src)
        elif isinstance(mod, nn.Linear):
            if len(in_shape) != 1:
                raise UnsupportedModelError(
                    f"module {label} is applied to a {len(in_shape) + 1}-D tensor; only (batch, "
                    "features) inputs are supported"
                )
            w = mod.weight.detach().numpy()
            b = mod.bias.detach().numpy() if mod.bias is not None else np.zeros(w.shape[0])
            self._affine(node, src, w, b, label)
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            self._check_dims(label, in_shape, 2 if isinstance(mod, nn.Conv1d) else 3)
            w, b = conv_module_matrix(mod, in_shape, out_shape)
            self._affine(node, src, w, b, label)
        elif isinstance(mod, nn.ConvTranspose2d):
            self._check_dims(label, in_shape, 3)
            w, b = conv_transpose_module_matrix(mod, in_shape, out_shape)
            self._affine(node, src, w, b, label)
        elif isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if not mod.track_running_stats or mod.running_mean is None:
                raise UnsupportedModelError(
                    f"module {label} has no running statistics, so it is not affine in eval mode"
                )
            w, b = batchnorm_diagonal(mod, in_shape)
            self._affine(node, src, w, b, label)
        elif isinstance(mod, (nn.AvgPool1d, nn.AvgPool2d)):
            self._check_dims(label, in_shape, 2 if isinstance(mod, nn.AvgPool1d) else 3)
            w = avgpool_matrix(mod, in_shape, out_shape)
            self._affine(node, src, w, np.zeros(w.shape[0]), label)
        elif isinstance(mod, nn.AdaptiveAvgPool2d):
            self._check_dims(label, in_shape, 3)
            win = adaptive_windows(in_shape[1:], out_shape[1:], in_shape[0])  # type: ignore[arg-type]
            w = average_matrix(win, (win >= 0).sum(axis=1), int(np.prod(in_shape)))
            self._affine(node, src, w, np.zeros(w.shape[0]), label)
        elif isinstance(mod, nn.ReLU):
            self.value[node.name] = self._add(ReLU(src, int(np.prod(in_shape))), label)
        elif isinstance(mod, nn.LeakyReLU):
            relu = ReLU(src, int(np.prod(in_shape)), float(mod.negative_slope))
            self.value[node.name] = self._add(relu, label)
        elif isinstance(mod, nn.PReLU):
            w = mod.weight.detach().numpy()
            w = w if w.size == 1 else w.reshape((-1,) + (1,) * (len(in_shape) - 1))
            slope = relu_slopes(w, in_shape)
            self.value[node.name] = self._add(ReLU(src, int(np.prod(in_shape)), slope), label)
        elif isinstance(mod, nn.Hardtanh):  # ReLU6 is a Hardtanh
            self._clip(node, src, float(mod.min_val), float(mod.max_val), label)
        elif isinstance(mod, (nn.MaxPool1d, nn.MaxPool2d)):
            self._check_dims(label, in_shape, 2 if isinstance(mod, nn.MaxPool1d) else 3)
            if mod.return_indices:
                raise UnsupportedModelError(f"module {label}: return_indices=True is unsupported")
            win = pool_windows(mod, in_shape, out_shape)
            self.value[node.name] = self._add(MaxPool(src, np.where(win >= 0, win, -1)), label)
        elif isinstance(mod, nn.Upsample):
            self._nearest(node, src, in_shape, out_shape, mod.mode, mod.scale_factor, label)
        elif isinstance(mod, PAD_MODULES):
            k = len(mod.padding) // 2
            pads = [(mod.padding[2 * i], mod.padding[2 * i + 1]) for i in range(k)][::-1]
            widths = [(0, 0)] * (len(in_shape) - k) + pads
            mode = {nn.ReflectionPad1d: "reflect", nn.ReflectionPad2d: "reflect",
                    nn.ReplicationPad1d: "replicate", nn.ReplicationPad2d: "replicate"}.get(
                type(mod), "constant")  # fmt: skip
            w, b, _ = pad_affine(in_shape, widths, mode, float(getattr(mod, "value", 0.0)))
            self._affine(node, src, w, b, label)
        else:
            raise UnsupportedModelError(
                f"module {label} is not supported; supported: Linear, Conv1d/2d, "
                "ConvTranspose2d, BatchNorm1d/2d, ReLU, LeakyReLU, PReLU, ReLU6, Hardtanh, "
                "MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d, Upsample (nearest), padding, "
                "Flatten, Dropout, Identity"
            )

    def _clip(self, node: torch.fx.Node, src: int, lo: float, hi: float, label: str) -> None:
        self.value[node.name] = lower_clip(self._add, src, self.nodes[src].size, lo, hi, label)

    def _nearest(self, node, src, in_shape, out_shape, mode, scale_factor, label) -> None:
        if mode not in ("nearest", "nearest-exact"):
            raise UnsupportedModelError(
                f"{label}: interpolation mode {mode!r} is unsupported; "
                "only 'nearest' and 'nearest-exact'"
            )
        n = len(in_shape) - 1
        if scale_factor is None:
            scales = [o / i for i, o in zip(in_shape[1:], out_shape[1:])]
        else:
            sf = scale_factor if isinstance(scale_factor, (tuple, list)) else [scale_factor] * n
            scales = [float(v) for v in sf]
        coord, rnd = (
            ("asymmetric", "floor") if mode == "nearest" else ("half_pixel", "round_prefer_ceil")
        )
        srcs = [np.arange(in_shape[0])] + [
            nearest_source(i, o, sc, coord, rnd)
            for i, o, sc in zip(in_shape[1:], out_shape[1:], scales)
        ]
        w = selection_matrix(resize_index(in_shape, srcs), int(np.prod(in_shape)))
        self._affine(node, src, w, np.zeros(w.shape[0]), label)

    @staticmethod
    def _check_dims(label: str, in_shape: tuple[int, ...], n: int) -> None:
        if len(in_shape) != n:
            want = "(C, L)" if n == 2 else "(C, H, W)"
            raise ShapeError(f"module {label} expects {want} inputs, got shape {in_shape}")

    # -- functions and methods ---------------------------------------------------------
    def _function(self, node: torch.fx.Node) -> None:
        target: Callable | str = node.target
        name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
        label = f"{node.name} ({name})"
        if target in NOT_PIECEWISE_LINEAR_FUNCTIONS or name in {
            "sigmoid",
            "tanh",
            "softmax",
            "log_softmax",
            "exp",
            "log",
        }:
            raise NotPiecewiseLinearError(f"operation {label} is not piecewise-linear")
        is_method = node.op == "call_method"
        if target in RESHAPE_FUNCTIONS or (is_method and name in RESHAPE_METHODS):
            self._alias(node, self._arg(node, node.args[0]))
        elif target in RELU_FUNCTIONS or (is_method and name in ("relu", "relu_")):
            src = self._arg(node, node.args[0])
            self.value[node.name] = self._add(ReLU(src, self.nodes[src].size), label)
        elif target in LEAKY_FUNCTIONS:
            src = self._arg(node, node.args[0])
            slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope", 0.01)
            if not isinstance(slope, (int, float)):
                raise UnsupportedModelError(
                    f"{node.name}: negative_slope {slope!r} is not a number"
                )
            relu = ReLU(src, self.nodes[src].size, float(slope))
            self.value[node.name] = self._add(relu, label)
        elif target in CLIP_FUNCTIONS or (is_method and name in ("clamp", "clip")):
            self._clip_function(node, name, label)
        elif target in CAT_FUNCTIONS:
            self._cat(node, label)
        elif target is F.interpolate:
            src = self._arg(node, node.args[0])
            x = cast(torch.fx.Node, node.args[0])  # _arg raised unless it is a Node
            mode = node.kwargs.get("mode", node.args[3] if len(node.args) > 3 else "nearest")
            sf = node.kwargs.get("scale_factor", node.args[2] if len(node.args) > 2 else None)
            self._nearest(node, src, self._shape(x), self._shape(node), mode, sf, label)
        elif target in ADD_FUNCTIONS or (is_method and name in ("add", "add_")):
            self._sum(node, label, sign=1.0)
        elif target in (operator.sub, torch.sub) or (is_method and name == "sub"):
            self._sum(node, label, sign=-1.0)
        elif target in (operator.mul, torch.mul) or (is_method and name == "mul"):
            self._scale(node, label)
        else:
            raise UnsupportedModelError(f"operation {label} is not supported")

    def _sum(self, node: torch.fx.Node, label: str, sign: float) -> None:
        a, b = node.args[0], node.args[1]
        if "alpha" in node.kwargs:
            raise UnsupportedModelError(f"operation {label}: alpha= is unsupported")
        if isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node):
            ia, ib = self._arg(node, a), self._arg(node, b)
            if self._shape(a) != self._shape(b):
                raise UnsupportedModelError(
                    f"operation {label} broadcasts {self._shape(a)} with {self._shape(b)}"
                )
            if sign < 0:
                size = self.nodes[ib].size
                ib = self._add(
                    Affine(ib, -sp.identity(size, format="csr"), np.zeros(size)), f"{label} negate"
                )
            self.value[node.name] = self._add(Add((ia, ib), self.nodes[ia].size), label)
            return
        if isinstance(a, torch.fx.Node) and isinstance(b, (int, float)):
            src = self._arg(node, a)
            size = self.nodes[src].size
            shift = np.full(size, sign * float(b))
            self._affine(node, src, sp.identity(size, format="csr"), shift, label)
            return
        raise UnsupportedModelError(f"operation {label} has unsupported operands")

    def _scale(self, node: torch.fx.Node, label: str) -> None:
        a, b = node.args[0], node.args[1]
        if isinstance(b, torch.fx.Node) and isinstance(a, (int, float)):
            a, b = b, a
        if not (isinstance(a, torch.fx.Node) and isinstance(b, (int, float))):
            raise UnsupportedModelError(
                f"operation {label} multiplies two tensors; that is not piecewise-linear"
            )
        src = self._arg(node, a)
        size = self.nodes[src].size
        self._affine(node, src, float(b) * sp.identity(size, format="csr"), np.zeros(size), label)

    def _clip_function(self, node: torch.fx.Node, name: str, label: str) -> None:
        src = self._arg(node, node.args[0])
        rest = list(node.args[1:])
        lo: object
        hi: object
        if name == "relu6":
            lo, hi = 0.0, 6.0
        elif name.startswith("hardtanh"):
            lo = rest[0] if rest else node.kwargs.get("min_val", -1.0)
            hi = rest[1] if len(rest) > 1 else node.kwargs.get("max_val", 1.0)
        else:
            lo = rest[0] if rest else node.kwargs.get("min")
            hi = rest[1] if len(rest) > 1 else node.kwargs.get("max")
        bounds = []
        for v, inf in ((lo, -np.inf), (hi, np.inf)):
            if v is not None and not isinstance(v, (int, float)):
                raise UnsupportedModelError(f"operation {label}: tensor bounds are unsupported")
            bounds.append(inf if v is None else float(v))
        self._clip(node, src, bounds[0], bounds[1], label)

    def _cat(self, node: torch.fx.Node, label: str) -> None:
        parts = node.args[0]
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        if not isinstance(parts, (list, tuple)) or not isinstance(dim, int):
            raise UnsupportedModelError(f"operation {label} has unsupported operands")
        srcs = [self._arg(node, p) for p in parts]
        shapes = [self._shape(p) for p in parts]  # type: ignore[arg-type]
        axis = dim % (len(shapes[0]) + 1)
        if axis == 0:
            raise UnsupportedModelError(f"operation {label} concatenates along the batch")
        blocks = concat_blocks(shapes, axis - 1)
        n = blocks[0].shape[0]
        terms = [self._add(Affine(s, m, np.zeros(n)), f"{label} part {k}")
                 for k, (s, m) in enumerate(zip(srcs, blocks))]  # fmt: skip
        self.value[node.name] = self._add(Add(tuple(terms), n), label)
