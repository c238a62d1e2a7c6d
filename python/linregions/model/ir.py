"""The intermediate representation (IR) of a piecewise-linear network.

A network is a list of nodes in execution order. Node 0 is the flattened input; every
other node reads earlier nodes by index. Values are flat float64 vectors in torch's
row-major order ((C, H, W) flattened), so reshapes and flattens cost nothing.

Linear nodes (:class:`Affine`, :class:`Add`) hold exact float64 weights, dense
(``numpy.ndarray``) or sparse (``scipy.sparse.csr_matrix``). Piecewise-linear nodes are
:class:`ReLU` (with a negative slope for LeakyReLU) and :class:`MaxPool` (a max over
windows of input indices). Nothing here needs torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError

Matrix = Union[np.ndarray, sp.csr_matrix]

#: A product of two affine maps is stored sparse when at most this fraction is non-zero.
SPARSE_DENSITY_LIMIT = 0.25


@dataclass(frozen=True)
class Input:
    """The flattened network input."""

    size: int


@dataclass(frozen=True)
class Affine:
    """``y = weight @ x + bias``; ``weight`` is (n_out, n_in), dense or CSR."""

    input: int
    weight: Matrix
    bias: np.ndarray

    @property
    def size(self) -> int:
        return int(self.weight.shape[0])


@dataclass(frozen=True)
class Add:
    """Elementwise sum of several nodes of the same size (residual connections)."""

    inputs: tuple[int, ...]
    size: int


@dataclass(frozen=True, eq=False)
class ReLU:
    """``y = x`` where ``x > 0``, ``slope * x`` elsewhere (ReLU: slope 0).

    ``slope`` is one float for every unit (ReLU, LeakyReLU) or a (size,) array with one
    slope per unit (PReLU, whose per-channel slopes repeat over the channel's positions).
    """

    input: int
    size: int
    slope: float | np.ndarray = 0.0


@dataclass(frozen=True)
class MaxPool:
    """``y[w] = max(x[windows[w, j]] for j with windows[w, j] >= 0)``; windows (n_out, k)."""

    input: int
    windows: np.ndarray

    @property
    def size(self) -> int:
        return int(self.windows.shape[0])


Node = Union[Input, Affine, Add, ReLU, MaxPool]


def random_mlp(widths: list[int], seed: int = 0) -> list[Node]:
    """IR nodes of a ReLU MLP with standard-normal weights: a small network for examples.

    Parameters
    ----------
    widths : list of int
        ``[d, h_1, ..., h_k, M]``: input size, hidden widths, number of logits (at least two).
    seed : int
        Seed of ``numpy.random.default_rng``; each hidden layer draws its weight (h, n_in)
        then its bias (h,); the output layer draws its weight and has a zero bias.

    Returns
    -------
    list of Node
        ``Input``, then ``Affine`` and ``ReLU`` per hidden layer, then the output ``Affine``.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([2, 8, 3]), (2,), lo=-np.ones(2), hi=np.ones(2))
    >>> net.n_inputs, net.n_neurons, net.n_classes
    (2, 8, 3)
    """
    if len(widths) < 2:
        raise InvalidValueError(f"random_mlp needs an input and an output width, got {widths}")
    rng = np.random.default_rng(seed)
    nodes: list[Node] = [Input(widths[0])]
    for width in widths[1:-1]:
        n_in = nodes[-1].size
        nodes.append(
            Affine(len(nodes) - 1, rng.standard_normal((width, n_in)), rng.standard_normal(width))
        )
        nodes.append(ReLU(len(nodes) - 1, width))
    n_out = widths[-1]
    nodes.append(
        Affine(len(nodes) - 1, rng.standard_normal((n_out, nodes[-1].size)), np.zeros(n_out))
    )
    return nodes


def node_inputs(node: Node) -> tuple[int, ...]:
    """Indices of the nodes ``node`` reads."""
    if isinstance(node, Input):
        return ()
    if isinstance(node, Add):
        return node.inputs
    return (node.input,)


def _as_matrix(m: Matrix) -> Matrix:
    if sp.issparse(m):
        m = sp.csr_matrix(m)
        density = m.nnz / max(1, m.shape[0] * m.shape[1])
        return m.toarray() if density > SPARSE_DENSITY_LIMIT else m
    return np.asarray(m, dtype=np.float64)


def compose(outer: Affine, inner: Affine) -> Affine:
    """The affine map ``outer(inner(x))`` (reads ``inner.input``)."""
    weight = outer.weight @ inner.weight
    bias = np.asarray(outer.weight @ inner.bias).ravel() + outer.bias
    return Affine(inner.input, _as_matrix(weight), bias)


def fuse_affine_chains(nodes: list[Node], labels: list[str]) -> tuple[list[Node], list[str]]:
    """Folds every affine node whose single reader is another affine node into that reader.

    This is where eval-mode BatchNorm, average pooling and bias-only maps disappear into
    the neighbouring Linear or Conv2d. The output node (the last) is always kept. Returns
    the renumbered nodes and their labels.
    """
    readers: list[list[int]] = [[] for _ in nodes]
    for k, node in enumerate(nodes):
        for i in node_inputs(node):
            readers[i].append(k)
    nodes = list(nodes)
    dead = [False] * len(nodes)
    for k, node in enumerate(nodes):
        if isinstance(node, Affine):
            src = node.input
            if isinstance(nodes[src], Affine) and len(readers[src]) == 1:
                nodes[k] = compose(node, nodes[src])  # type: ignore[arg-type]
                dead[src] = True
    index: dict[int, int] = {}
    out_nodes: list[Node] = []
    out_labels: list[str] = []
    for k, node in enumerate(nodes):
        if dead[k]:
            continue
        index[k] = len(out_nodes)
        out_nodes.append(_renumber(node, index))
        out_labels.append(labels[k])
    return out_nodes, out_labels


def _renumber(node: Node, index: dict[int, int]) -> Node:
    if isinstance(node, Input):
        return node
    if isinstance(node, Add):
        return Add(tuple(index[i] for i in node.inputs), node.size)
    if isinstance(node, Affine):
        return Affine(index[node.input], node.weight, node.bias)
    if isinstance(node, ReLU):
        return ReLU(index[node.input], node.size, node.slope)
    return MaxPool(index[node.input], node.windows)


@dataclass(frozen=True)
class PatternLayout:
    """Where each pattern bit comes from.

    ``layer`` (n_bits,): piecewise-linear layer of the bit; ``is_relu`` (n_bits,): True for
    a (leaky) ReLU neuron's bit (1 = active), False for a max-pool window entry's bit
    (1 = that entry is its window's maximum).
    """

    layer: np.ndarray
    is_relu: np.ndarray
    layer_labels: tuple[str, ...] = field(default=())


def pattern_layout(nodes: list[Node], labels: list[str]) -> PatternLayout:
    """The :class:`PatternLayout` of a node list (same bit order as the Rust core)."""
    layers: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    names: list[str] = []
    for node, label in zip(nodes, labels):
        if isinstance(node, ReLU):
            n = node.size
            is_relu = True
        elif isinstance(node, MaxPool):
            n = int((node.windows >= 0).sum())
            is_relu = False
        else:
            continue
        layers.append(np.full(n, len(names), dtype=np.int64))
        kinds.append(np.full(n, is_relu))
        names.append(label)
    if not layers:
        return PatternLayout(np.zeros(0, np.int64), np.zeros(0, bool), ())
    return PatternLayout(np.concatenate(layers), np.concatenate(kinds), tuple(names))
