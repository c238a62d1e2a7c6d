"""The H-representations of many regions from their patterns, in bulk (numpy).

Given the packed pattern of a region (the bits of :meth:`Network.patterns` and of a
:class:`~linregions.Complex`), every node of the network is an affine map ``x -> J x + c``
on that region: the IR is walked once for a batch of patterns, carrying ``J`` (n, size, d)
and ``c`` (n, size). A ReLU unit's row is ``sgn * (J, c)`` of its input (``sgn = +1`` when
the bit says active), a max-pool window's rows are ``(J, c)`` of its maximal entry minus
those of each other entry, in the order of :meth:`Network.region`. The rows come from the
bits alone, so they describe exactly the region of that pattern (no point, no tie to break).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, ShapeError
from .ir import Add, Affine, Input, MaxPool, Node, ReLU

__all__ = ["pattern_maps", "unpack_bits"]


def unpack_bits(bits: np.ndarray, n_bits: int) -> np.ndarray:
    """Packed patterns (n, words) uint64 as (n, n_bits) bools (bit k of word w is unit
    64 w + k)."""
    words = np.ascontiguousarray(bits, dtype=np.uint64)
    if words.ndim != 2:
        raise ShapeError(f"bits have shape {words.shape}; expected (n, words)")
    as_bytes = words.astype("<u8").view(np.uint8).reshape(words.shape[0], -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :n_bits].astype(bool)


def _apply(weight, J: np.ndarray) -> np.ndarray:
    """``weight @ J[i]`` for every i: (n, n_in, d) -> (n, n_out, d)."""
    n, n_in, d = J.shape
    flat = J.transpose(1, 0, 2).reshape(n_in, n * d)
    out = weight @ flat
    out = np.asarray(out.toarray() if sp.issparse(out) else out)
    return out.reshape(-1, n, d).transpose(1, 0, 2)


def pattern_maps(nodes: list[Node], bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the regions with the packed patterns ``bits``.

    Parameters
    ----------
    nodes : list of Node
        The network's IR nodes (an ``Input`` of size d first).
    bits : ndarray, shape (n, words), uint64
        Packed patterns (as :attr:`Complex.bits <linregions.Complex>`).

    Returns
    -------
    A : ndarray, shape (n, N, d)
    b : ndarray, shape (n, N)
        Region i is ``{x : A[i] x + b[i] >= 0}`` (no box), rows in the order of
        :meth:`Network.region` (one per ReLU unit, ``k - 1`` per max-pool window of ``k``
        entries).

    Raises
    ------
    InvalidValueError
        A max-pool window whose bits do not mark exactly one maximal entry.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> from linregions.model.pattern_maps import pattern_maps
    >>> nodes = [Input(1), Affine(0, np.array([[2.0]]), np.array([-1.0])), ReLU(1, 1)]
    >>> net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))
    >>> A, b = pattern_maps(list(net.nodes), net.patterns([[0.9]]).bits)
    >>> A.tolist(), b.tolist()      # 2 x - 1 >= 0: the active side
    ([[[2.0]]], [[-1.0]])
    """
    first = nodes[0]
    if not isinstance(first, Input):
        raise InvalidValueError("the first IR node must be the Input")
    d = first.size
    n_bits = sum(
        n.size if isinstance(n, ReLU) else int((n.windows >= 0).sum())
        for n in nodes
        if isinstance(n, (ReLU, MaxPool))
    )
    pattern = unpack_bits(bits, n_bits)
    n = pattern.shape[0]
    J: list[np.ndarray] = [np.broadcast_to(np.eye(d), (n, d, d))]
    c: list[np.ndarray] = [np.zeros((n, d))]
    rows_A: list[np.ndarray] = []
    rows_b: list[np.ndarray] = []
    at = 0
    for node in nodes[1:]:
        if isinstance(node, Affine):
            J.append(_apply(node.weight, J[node.input]))
            bias = np.asarray(node.weight @ c[node.input].T)
            c.append(bias.T + np.asarray(node.bias))
        elif isinstance(node, Add):
            J.append(sum(J[i] for i in node.inputs))  # type: ignore[arg-type]
            c.append(sum(c[i] for i in node.inputs))  # type: ignore[arg-type]
        elif isinstance(node, ReLU):
            active = pattern[:, at : at + node.size]
            at += node.size
            sign = np.where(active, 1.0, -1.0)
            rows_A.append(sign[:, :, None] * J[node.input])
            rows_b.append(sign * c[node.input])
            gain = np.where(active, 1.0, np.broadcast_to(node.slope, (node.size,)))
            J.append(gain[:, :, None] * J[node.input])
            c.append(gain * c[node.input])
        elif isinstance(node, MaxPool):
            Jin, cin = J[node.input], c[node.input]
            out_J = np.empty((n, node.size, d))
            out_c = np.empty((n, node.size))
            for w, window in enumerate(node.windows):
                entries = window[window >= 0]
                marks = pattern[:, at : at + entries.size]
                at += entries.size
                if not (marks.sum(axis=1) == 1).all():
                    raise InvalidValueError(
                        f"max-pool window {w}: the bits mark no single maximal entry"
                    )
                top = entries[np.argmax(marks, axis=1)]
                out_J[:, w], out_c[:, w] = Jin[np.arange(n), top], cin[np.arange(n), top]
                if entries.size > 1:
                    # entry order, the maximal one left out
                    others = np.array([entries[entries != t] for t in top])
                    rows_A.append(out_J[:, w, None, :] - Jin[np.arange(n)[:, None], others])
                    rows_b.append(out_c[:, w, None] - cin[np.arange(n)[:, None], others])
            J.append(out_J)
            c.append(out_c)
        else:
            raise InvalidValueError(f"unknown IR node {type(node).__name__}")
    if not rows_A:
        return np.zeros((n, 0, d)), np.zeros((n, 0))
    return np.concatenate(rows_A, axis=1), np.concatenate(rows_b, axis=1)
