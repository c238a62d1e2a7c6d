"""Every region of an unbounded domain: all of R^d (:func:`~linregions.Space`), a half-space,
a wedge, any polyhedron with infinite box sides.

``Network.regions`` and ``Network.count_regions`` come here for a domain with an infinite
box entry (or no domain and an infinite input box). Such a domain is enumerated as it is:
the network's input box does not cut it. A domain whose rows bound it anyway is enumerated
in its bounding box by the usual route; an unbounded one through the homogenised network
(:mod:`.homogenise`): the bounded search on ``[-1, 1]^d x [0, 1]`` gives the keys, and each
region's geometry is then computed in x: its Chebyshev ball (infinite when the region holds
arbitrarily large balls), whether it is bounded and a recession direction
(:func:`~linregions.geometry.recession.recession_direction`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from ..geometry.insphere import compute_insphere
from ..geometry.polytope import Polytope
from ..geometry.recession import recession_directions, recession_rows
from .complex import Complex, RegionCount
from .homogenise import (
    Cone,
    bounding_box,
    check_unbounded_domain,
    cone_domain,
    has_infinite_box,
    homogenise_outputs,
    homogenised_network,
    unboxed_network,
)
from .pattern_maps import pattern_maps

#: Regions whose rows are built and whose cones are decided in one numpy batch.
GEOMETRY_CHUNK = 1024

__all__ = ["count_unbounded", "enumerate_unbounded", "is_unbounded_request", "region_geometry"]


def is_unbounded_request(net: Any, domain: Any) -> bool:
    """Whether ``net.regions(domain)`` asks for an unbounded domain: one with an infinite box
    entry, or ``None`` with an infinite input box."""
    if domain is None:
        return not (np.isfinite(net.lo).all() and np.isfinite(net.hi).all())
    return has_infinite_box(domain)


def _domain(net: Any, domain: Any) -> Polytope:
    if domain is None:
        d = net.n_inputs
        domain = Polytope(np.zeros((0, d)), np.zeros(0), net.lo, net.hi)
    return check_unbounded_domain(domain, net.n_inputs)


@dataclass(frozen=True)
class _Rows:
    """A region ∩ domain as the polytope algorithms read it (no checks: the rows come from
    the network and the domain, both checked)."""

    A: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.A.shape[1])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])


def region_geometry(
    net: Any, bits: np.ndarray, domain: Polytope, chunk: int = GEOMETRY_CHUNK
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The geometry in x of the regions of ``net`` with the packed patterns ``bits``
    (n, words), each cut by ``domain`` (d dimensions, possibly unbounded).

    The rows come from the patterns in bulk (:func:`~linregions.model.pattern_maps.
    pattern_maps`), boundedness and directions from one batch of recession cones
    (:func:`~linregions.geometry.recession.recession_directions`), and each inradius from the
    polytope engine's certified insphere; ``chunk`` regions at a time.

    Returns
    -------
    points : ndarray, shape (n, d)
        The Chebyshev center of each region ∩ domain (for an infinite inradius a point at
        distance at least 1 from every row and finite box side).
    inradius : ndarray, shape (n,)
        The certified inradius, ``inf`` where the region holds arbitrarily large balls.
    bounded : ndarray, shape (n,), bool
        Whether region ∩ domain is bounded (its recession cone is ``{0}``).
    recession : ndarray, shape (n, d)
        A unit recession direction ``r`` of each unbounded region ∩ domain (``A r >= 0``,
        inside the domain's cone), zeros for a bounded one.
    """
    n, d = bits.shape[0], domain.dim
    points = np.empty((n, d))
    inradius = np.empty(n)
    bounded = np.ones(n, dtype=bool)
    recession = np.zeros((n, d))
    cone_rows = recession_rows(domain)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        A, b = pattern_maps(list(net.nodes), bits[start:stop])
        norms = np.linalg.norm(A, axis=2, keepdims=True)
        unit = np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)
        M = np.concatenate([unit, np.broadcast_to(cone_rows, (len(A), *cone_rows.shape))], axis=1)
        flags, directions = recession_directions(M)
        bounded[start:stop], recession[start:stop] = flags, directions
        for i in range(len(A)):
            poly = _Rows(
                np.vstack([A[i], domain.A]), np.concatenate([b[i], domain.b]), domain.lo, domain.hi
            )
            ball = compute_insphere(poly)
            points[start + i], inradius[start + i] = ball.center, ball.radius
    return points, inradius, bounded, recession


def enumerate_unbounded(net: Any, domain: Any, run: Callable[[Any, Polytope], Complex]) -> Complex:
    """Every region of ``net`` in an unbounded domain (see the module notes).

    Parameters
    ----------
    net : Network
    domain : Polytope or None
        A full-dimensional polyhedron with an infinite box entry (``None``: the network's
        input box, which has one).
    run : callable
        ``run(network, bounded_domain) -> Complex``: the bounded enumeration (with the
        caller's limits, workers, progress and scheduler).

    Returns
    -------
    Complex
        ``domain`` as given; ``net`` the network over the whole input space; ``points`` and
        ``inradius`` of each region ∩ domain in x (``inf`` for unbounded balls);
        ``bounded`` and ``recession`` set; ``cone`` the homogenised search, on which the
        adjacency is computed. A domain that its rows bound is enumerated in its bounding
        box (``domain`` is then that boxed polytope, every region bounded, no ``cone``).

    Raises
    ------
    InvalidValueError, ShapeError, EmptyPolytopeError, FlatPolytopeError
        A domain that is not a polytope, of the wrong dimension, empty or flat.
    """
    dom = _domain(net, domain)
    free = unboxed_network(net)
    box = bounding_box(dom)
    if box is not None:
        # bounded by its rows: every region in it is bounded
        cx = run(free, Polytope(dom.A, dom.b, *box))
        n = cx.n_regions
        return replace(cx, bounded=np.ones(n, dtype=bool), recession=np.zeros((n, dom.dim)))
    cone_net = homogenised_network(net)
    found = run(cone_net, cone_domain(dom))
    cone = Cone(cone_net, found.domain, found.points)
    points, inradius, bounded, recession = region_geometry(free, found.bits, dom)
    # a Chebyshev center too thin to hold its pattern in floating point: the piece's x / s
    keys = free.patterns(points).key_ints() if len(points) else []
    wrong = [i for i, k in enumerate(keys) if k != found.keys[i]]
    points[wrong] = cone.to_original()[wrong]
    predicted = np.argmax(free.logits(points), axis=1) if len(points) else np.zeros(0, np.int64)
    return Complex(
        key_halves=found.key_halves,
        bits=found.bits,
        points=points,
        inradius=inradius,
        predicted=predicted.astype(np.int64),
        adjacency=found.adjacency,
        complete=found.complete,
        unsettled=found.unsettled,
        domain=dom,
        net=free,
        bounded=bounded,
        recession=recession,
        cone=cone,
    )


def count_unbounded(
    net: Any,
    domain: Any,
    count: Callable[[Any, Polytope, Any], RegionCount],
    outputs: Any = None,
) -> RegionCount:
    """The number of regions of ``net`` in an unbounded domain: ``count(network,
    bounded_domain, outputs)`` (the bounded count) on the homogenised network and domain, or
    on the bounding box of a domain its rows bound. Output systems ``C y <= e`` are counted
    (``meeting``) as ``C g <= e s`` on the homogenised network, which then also outputs s.
    Same domains and errors as :func:`enumerate_unbounded`."""
    dom = _domain(net, domain)
    box = bounding_box(dom)
    if box is not None:
        return count(unboxed_network(net), Polytope(dom.A, dom.b, *box), outputs)
    if outputs is None:
        return count(homogenised_network(net), cone_domain(dom), None)
    cone_net = homogenised_network(net, carry_scale=True)
    return count(cone_net, cone_domain(dom), homogenise_outputs(outputs))
