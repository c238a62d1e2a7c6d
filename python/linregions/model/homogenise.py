"""Regions of unbounded domains by homogenisation: every region of R^d as a piece of a box.

A network of affine maps, (leaky) ReLUs and max-pools is positively homogeneous once every
bias is multiplied by an extra input s: the *homogenised* network ``g(x, s) = s f(x / s)``
(:func:`homogenise_nodes`) has the hidden units of ``f`` in the same order, so the same
patterns and pattern keys. The region of pattern P of ``f`` on R^d, ``{x : A x + b >= 0}``,
becomes the cone ``{(t x, t) : x in P, t > 0} = {A x + b s >= 0, s > 0}``, and every such
cone meets the box ``[-1, 1]^d x [0, 1]`` in a full-dimensional piece; these pieces are the
regions of ``g`` in that box (s > 0 inside it). A polyhedral domain ``{C x + e >= 0, lo <= x
<= hi}`` becomes ``{C x + e s >= 0, x_j - lo_j s >= 0, hi_j s - x_j >= 0}`` cut by the box
(:func:`cone_domain`). So the bounded region search, run on ``g`` over that box, finds
every region of an unbounded domain, with its key; a region's rows in ``(x, s)`` are
``[A | b]``, those of its pattern in x.

Far-away regions become small pieces near s = 0 (a region at distance R from the origin
shrinks by about R), so the box's scale is that of the input: regions whose inradius,
divided by their distance to the origin, falls below the search's tolerances are not
resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..errors import EmptyPolytopeError, FlatPolytopeError, InvalidValueError, ShapeError
from ..geometry.domains import DOMAIN_FLAT_TOL
from ..geometry.polytope import Polytope
from .ir import Add, Affine, Input, MaxPool, Node, ReLU

__all__ = [
    "Cone",
    "bounding_box",
    "cone_domain",
    "has_infinite_box",
    "homogenise_nodes",
    "homogenise_outputs",
    "homogenised_network",
    "unboxed_network",
]


def homogenise_nodes(nodes: list[Node]) -> list[Node]:
    """IR nodes of the homogenised network ``g(x, s) = s f(x / s)``, with d + 1 inputs.

    Parameters
    ----------
    nodes : list of Node
        The network ``f``: an ``Input`` of size d first, then affine, sum, ReLU and max-pool
        nodes.

    Returns
    -------
    list of Node
        ``Input(d + 1)`` (``x`` then ``s``); an affine node reading the input gets the weight
        ``[W | b]`` and no bias; any other affine node with a bias becomes the sum of
        ``Affine(v, W, 0)`` and ``Affine(input, [0 ... 0 | b], 0)``; ReLU, max-pool and sum
        nodes are kept. The piecewise-linear nodes keep their order, so the pattern bits
        and keys are those of ``f``.

    Examples
    --------
    >>> from linregions.model.homogenise import homogenise_nodes
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> g = homogenise_nodes([Input(1), Affine(0, np.array([[2.0]]), np.array([-1.0])),
    ...                       ReLU(1, 1)])
    >>> g[1].weight.tolist(), g[1].bias.tolist()
    ([[2.0, -1.0]], [0.0])
    """
    return _homogenise(nodes, [type(n).__name__ for n in nodes])[0]


def _homogenise(nodes: list[Node], labels: list[str]) -> tuple[list[Node], list[str]]:
    """:func:`homogenise_nodes` and a label per new node (its original node's)."""
    first = nodes[0]
    if not isinstance(first, Input):
        raise InvalidValueError("the first IR node must be the Input")
    d = first.size
    out: list[Node] = [Input(d + 1)]
    out_labels = [labels[0]]
    index = {0: 0}
    for k, node in enumerate(nodes[1:], start=1):
        if isinstance(node, Affine):
            bias = np.asarray(node.bias, dtype=np.float64)
            zero = np.zeros(node.size)
            if node.input == 0:
                col = bias[:, None]
                weight = (
                    sp.hstack([node.weight, sp.csr_matrix(col)], format="csr")
                    if sp.issparse(node.weight)
                    else np.hstack([np.asarray(node.weight, dtype=np.float64), col])
                )
                out.append(Affine(0, weight, zero))
            else:
                out.append(Affine(index[node.input], node.weight, zero))
                if bias.any():
                    rows = np.flatnonzero(bias)
                    cols = np.full(rows.size, d)
                    lift = sp.csr_matrix((bias[rows], (rows, cols)), shape=(node.size, d + 1))
                    out.append(Affine(0, lift, zero))
                    out.append(Add((len(out) - 2, len(out) - 1), node.size))
        elif isinstance(node, Add):
            out.append(Add(tuple(index[i] for i in node.inputs), node.size))
        elif isinstance(node, ReLU):
            out.append(ReLU(index[node.input], node.size, node.slope))
        elif isinstance(node, MaxPool):
            out.append(MaxPool(index[node.input], node.windows))
        else:
            raise InvalidValueError(f"cannot homogenise a network with a {node!r} node")
        out_labels.extend([labels[k]] * (len(out) - len(out_labels)))
        index[k] = len(out) - 1
    return out, out_labels


def homogenised_network(net: Any, carry_scale: bool = False) -> Any:
    """The homogenised network of ``net`` (:func:`homogenise_nodes`) over the box
    ``[-1, 1]^d x [0, 1]``; same class as ``net``, input shape ``(d + 1,)``.

    ``carry_scale``: append s to the outputs (M + 1 of them, ``[s f(x / s), s]``), so that an
    output constraint ``C y <= e`` of ``f`` reads ``[C | -e] [g; s] <= 0`` on the homogenised
    network (:func:`homogenise_outputs`)."""
    nodes, labels = _homogenise(list(net.nodes), list(net.labels))
    d = net.n_inputs
    if carry_scale:
        last, m = len(nodes) - 1, nodes[-1].size
        pad = sp.csr_matrix(np.eye(m + 1, m))
        scale = sp.csr_matrix(([1.0], ([m], [d])), shape=(m + 1, d + 1))
        nodes += [
            Affine(last, pad, np.zeros(m + 1)),
            Affine(0, scale, np.zeros(m + 1)),
            Add((last + 1, last + 2), m + 1),
        ]
        labels += ["outputs", "scale", "outputs and scale"]
    lo = np.r_[-np.ones(d), 0.0]
    hi = np.ones(d + 1)
    return type(net)(nodes, (d + 1,), lo, hi, labels=labels, fuse=False)


def homogenise_outputs(outputs: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """Output systems ``C y <= e`` (a list of ``(C (k, M), e (k,))``) as systems of the
    homogenised network with ``carry_scale``: ``([C | -e], 0)``."""
    systems = []
    for C, e in outputs:
        Cm = np.asarray(C, dtype=np.float64)
        ev = np.asarray(e, dtype=np.float64)
        if Cm.ndim != 2 or ev.shape != (Cm.shape[0],):
            raise ShapeError(
                f"an output system has C {Cm.shape} and e {ev.shape}; need (k, M), (k,)"
            )
        systems.append((np.hstack([Cm, -ev[:, None]]), np.zeros(ev.shape[0])))
    return systems


def unboxed_network(net: Any) -> Any:
    """``net`` over the whole input space (box ``-inf <= x <= inf``), same nodes and keys;
    ``net`` itself when its box is already infinite everywhere."""
    if np.isneginf(net.lo).all() and np.isposinf(net.hi).all():
        return net
    d = net.n_inputs
    return type(net)(
        list(net.nodes),
        net.input_shape,
        np.full(d, -np.inf),
        np.full(d, np.inf),
        labels=list(net.labels),
        fuse=False,
    )


def has_infinite_box(domain: Any) -> bool:
    """Whether ``domain`` is a :class:`~linregions.Polytope` with an infinite box entry."""
    return isinstance(domain, Polytope) and not (
        np.isfinite(domain.lo).all() and np.isfinite(domain.hi).all()
    )


def check_unbounded_domain(domain: Any, dim: int, flat_tol: float = DOMAIN_FLAT_TOL) -> Polytope:
    """Checks a domain with an infinite box: a ``dim``-dimensional polytope with an
    interior (its inradius, certified by the polytope engine, may be infinite).

    Raises
    ------
    InvalidValueError, ShapeError
        Not a Polytope; the wrong dimension.
    EmptyPolytopeError, FlatPolytopeError
        An empty domain, or one without interior (inradius <= ``flat_tol``).
    """
    if not isinstance(domain, Polytope):
        raise InvalidValueError(
            f"a domain must be an lr.Polytope (lr.Box, lr.Space), got {type(domain).__name__}"
        )
    if domain.dim != dim:
        raise ShapeError(f"domain has {domain.dim} dimensions, the network {dim} inputs")
    if domain.n_rows == 0:
        return domain  # a box with an infinite side: its lo < hi was checked by Polytope
    radius = domain.insphere().radius
    if radius < -flat_tol:
        raise EmptyPolytopeError(f"domain is empty (inradius {radius:.3e})")
    if radius <= flat_tol:
        raise FlatPolytopeError(f"domain is flat (inradius {radius:.3e} <= {flat_tol})")
    return domain


def bounding_box(domain: Polytope) -> tuple[np.ndarray, np.ndarray] | None:
    """The bounding box ``(lo, hi)`` of a polyhedron whose rows may bound what its box does
    not, or ``None`` when it is unbounded (one LP per infinite box side, HiGHS; the first
    unbounded side ends the search)."""
    d = domain.dim
    lo, hi = domain.lo.copy(), domain.hi.copy()
    if domain.n_rows == 0:
        return None
    eye = np.eye(d)
    for j in range(d):
        for sign, bound in ((1.0, lo), (-1.0, hi)):
            if np.isfinite(bound[j]):
                continue
            res = linprog(
                sign * eye[j],
                A_ub=-domain.A,
                b_ub=domain.b,
                bounds=[
                    (lv if np.isfinite(lv) else None, hv if np.isfinite(hv) else None)
                    for lv, hv in zip(domain.lo, domain.hi)
                ],
                method="highs",
            )
            if res.status == 3:
                return None
            if res.status != 0:
                raise EmptyPolytopeError(f"domain: bounding LP failed ({res.message})")
            bound[j] = sign * res.fun
    return lo, hi


def cone_domain(domain: Polytope) -> Polytope:
    """The homogenised domain, ``{(x, s) : C x + e s >= 0, x_j - lo_j s >= 0 (finite lo_j),
    hi_j s - x_j >= 0 (finite hi_j)}`` in the box ``[-1, 1]^d x [0, 1]``, of ``domain =
    {C x + e >= 0, lo <= x <= hi}`` (d dimensions)."""
    d = domain.dim
    eye = np.eye(d)
    fin_lo, fin_hi = np.isfinite(domain.lo), np.isfinite(domain.hi)
    A = np.vstack(
        [
            np.hstack([domain.A, domain.b[:, None]]),
            np.hstack([eye[fin_lo], -domain.lo[fin_lo][:, None]]),
            np.hstack([-eye[fin_hi], domain.hi[fin_hi][:, None]]),
        ]
    )
    return Polytope(A, np.zeros(A.shape[0]), np.r_[-np.ones(d), 0.0], np.ones(d + 1))


@dataclass(frozen=True, eq=False)
class Cone:
    """Where the regions of an unbounded domain were found: ``net`` the homogenised
    network (d + 1 inputs), ``domain`` the homogenised domain in ``[-1, 1]^d x [0, 1]``,
    ``points`` (n, d + 1) an interior point of each region's piece (region order of the
    complex). The adjacency of the complex is computed on them."""

    net: Any
    domain: Polytope
    points: np.ndarray

    def to_original(self) -> np.ndarray:
        """The pieces' points mapped back to x, ``x / s`` (n, d)."""
        return self.points[:, :-1] / self.points[:, -1:]
