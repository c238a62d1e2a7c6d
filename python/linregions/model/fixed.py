"""Boxes that fix some inputs (``lo == hi``), as VNN-LIB specifications write them (ACAS Xu
property 4): the network restricted to the free inputs, whose regions are those of the box.

:func:`fix_inputs` puts an affine embedding in front of the first layer, so the hidden
units, their order and the pattern keys are those of the full network; the restricted
network's regions in the box of the free inputs are the full network's regions of the flat
box, seen in the free coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import FlatPolytopeError, InvalidValueError
from ..geometry.domains import DOMAIN_FLAT_TOL, as_domain
from ..geometry.polytope import Polytope
from .ir import Add, Affine, Input, MaxPool, ReLU

__all__ = ["FixedInputs", "fix_inputs", "fixed_coordinates"]


def fix_inputs(net: Any, fixed: np.ndarray, values: np.ndarray) -> Any:
    """``net`` restricted to the inputs not in ``fixed`` (the others held at ``values``).

    Parameters
    ----------
    net : Network
    fixed : (k,) int array
        Indices of the fixed inputs (flat).
    values : (k,) float array
        Their values.

    Returns
    -------
    Network
        Input shape ``(d - k,)``; its box is ``net``'s box on the free inputs; same hidden
        units and pattern keys as ``net``.
    """
    d = net.n_inputs
    free = np.setdiff1d(np.arange(d), fixed)
    embed = np.zeros((d, free.size))
    embed[free, np.arange(free.size)] = 1.0
    offset = np.zeros(d)
    offset[fixed] = values
    nodes: list[Any] = [Input(free.size), Affine(0, embed, offset)]
    for node in net.nodes[1:]:
        if isinstance(node, Add):
            nodes.append(replace(node, inputs=tuple(i + 1 for i in node.inputs)))
        elif isinstance(node, (Affine, ReLU, MaxPool)):
            nodes.append(replace(node, input=node.input + 1))
        else:
            raise InvalidValueError(f"cannot fix inputs of a network with a {node!r} node")
    labels = ["input", "fixed inputs", *net.labels[1:]]
    return type(net)(nodes, (free.size,), net.lo[free], net.hi[free], labels)


@dataclass(frozen=True, eq=False)
class FixedInputs:
    """A domain with fixed inputs, restricted to its free ones.

    ``net``: the restricted network (:func:`fix_inputs`); ``domain``: the domain in the free
    coordinates; ``free`` (d - k,) and ``fixed`` (k,) input indices; ``values`` (k,) the
    fixed inputs' values; ``n_inputs``: d."""

    net: Any
    domain: Polytope
    free: np.ndarray
    fixed: np.ndarray
    values: np.ndarray
    n_inputs: int

    def to_input_space(self, points: np.ndarray) -> np.ndarray:
        """Points (n, d - k) of the free coordinates as inputs (n, d) of the full network."""
        pts = np.asarray(points, dtype=np.float64)
        out = np.empty((pts.shape[0], self.n_inputs))
        out[:, self.free] = pts
        out[:, self.fixed] = self.values
        return out


def fixed_coordinates(net: Any, domain: Any) -> FixedInputs | None:
    """The restriction of ``net`` to the free inputs of ``domain`` cut by the network's box
    (``None``: the input box), when that box fixes some inputs (``hi - lo <= 2e-9``);
    ``None`` when it fixes none or ``domain`` is not a polytope (the caller's checks then
    say what is wrong).

    Raises
    ------
    FlatPolytopeError
        Every input is fixed.
    """
    if domain is None:
        lo, hi = net.lo, net.hi
        A, b = np.zeros((0, net.n_inputs)), np.zeros(0)
    elif isinstance(domain, Polytope) and domain.dim == net.n_inputs:
        lo, hi = np.maximum(domain.lo, net.lo), np.minimum(domain.hi, net.hi)
        A, b = domain.A, domain.b
    else:
        return None
    if np.any(hi < lo) or not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    fixed = np.flatnonzero(hi - lo <= 2 * DOMAIN_FLAT_TOL)
    if fixed.size == 0:
        return None
    if fixed.size == net.n_inputs:
        raise FlatPolytopeError("the domain is a single point: every input is fixed")
    free = np.setdiff1d(np.arange(net.n_inputs), fixed)
    values = (lo[fixed] + hi[fixed]) / 2
    sub = fix_inputs(net, fixed, values)
    dom = as_domain(Polytope(A[:, free], b + A[:, fixed] @ values, lo[free], hi[free]))
    return FixedInputs(sub, dom, free, fixed, values, net.n_inputs)
