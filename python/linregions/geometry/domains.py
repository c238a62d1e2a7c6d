"""Domains: full-dimensional polytopes in which to enumerate regions.

A domain is a :class:`~linregions.Polytope` ``{x : A x + b >= 0, lo <= x <= hi}``.
:func:`Box` and :func:`Ball` build the usual bounded ones; any bounded, full-dimensional
polytope also serves (see :func:`as_domain`). :func:`Space` is all of R^d; a polytope with
infinite box sides (a half-space, a wedge) is an unbounded domain, enumerated through the
homogenised network (:mod:`linregions.model.whole_space`).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..errors import (
    EmptyPolytopeError,
    FlatPolytopeError,
    InvalidValueError,
    ShapeError,
    UnboundedPolytopeError,
)
from .polytope import Polytope

#: Inradius at or below which a domain counts as flat (input units).
DOMAIN_FLAT_TOL = 1e-9
#: Largest dimension for which an L1 ball is written out as its 2^d facet rows.
L1_MAX_DIM = 12

__all__ = ["Ball", "Box", "DOMAIN_FLAT_TOL", "L1_MAX_DIM", "Space", "as_domain"]


def _vector(v: Any, what: str, dim: int | None) -> np.ndarray:
    arr = np.asarray(v, dtype=np.float64)
    if arr.ndim == 0:
        if dim is None:
            raise ShapeError(f"{what} is a scalar ({float(arr)}); pass dim= to broadcast it")
        arr = np.full(dim, float(arr))
    if arr.ndim != 1 or (dim is not None and arr.shape != (dim,)):
        raise ShapeError(f"{what} has shape {arr.shape}, expected ({dim if dim else 'd'},)")
    if np.isnan(arr).any():
        raise InvalidValueError(
            f"{what} contains NaN at index {int(np.flatnonzero(np.isnan(arr))[0])}"
        )
    return arr


def Box(lo: Any, hi: Any, dim: int | None = None) -> Polytope:  # noqa: N802 (a constructor)
    """The box ``lo <= x <= hi`` as a :class:`~linregions.Polytope` with no rows.

    Parameters
    ----------
    lo, hi : float or array (d,)
        Bounds; scalars are broadcast to ``dim`` entries (or to the other bound's length).
    dim : int, optional
        Dimension, needed when both bounds are scalars.

    Returns
    -------
    Polytope
        ``A`` of shape (0, d), ``b`` (0,).

    Raises
    ------
    ShapeError
        Mismatched shapes, or scalars without ``dim``.
    InvalidValueError, UnboundedPolytopeError, FlatPolytopeError
        NaN, infinite or empty/flat bounds. A box that fixes some inputs (``lo == hi``
        there, as VNN-LIB boxes do) but not all is returned as it is: it is flat, so
        polytope methods refuse it, but :meth:`Network.regions` and
        :meth:`Network.count_regions` enumerate it in its free inputs.

    Examples
    --------
    >>> lr.Box(-1.0, 1.0, dim=2).lo
    array([-1., -1.])
    """
    if dim is None:
        sizes = [np.size(v) for v in (lo, hi) if np.ndim(v) > 0]
        dim = sizes[0] if sizes else None
    lo_v, hi_v = _vector(lo, "lo", dim), _vector(hi, "hi", dim)
    d = lo_v.shape[0]
    box = Polytope(np.zeros((0, d)), np.zeros(0), lo_v, hi_v)
    fixed = np.abs(hi_v - lo_v) <= 2 * DOMAIN_FLAT_TOL
    if fixed.any() and not fixed.all():
        # some inputs fixed, as VNN-LIB boxes write them: the free ones must form a domain
        free = ~fixed
        as_domain(Polytope(np.zeros((0, int(free.sum()))), np.zeros(0), lo_v[free], hi_v[free]))
        if np.isinf(lo_v[fixed]).any():
            raise UnboundedPolytopeError("a fixed input of the box is infinite")
        return box
    return as_domain(box)


def Space(dim: int) -> Polytope:  # noqa: N802 (a constructor)
    """All of R^d as a :class:`~linregions.Polytope`: no rows, ``lo = -inf``, ``hi = inf``.

    As a domain of :meth:`Network.regions` or :meth:`Network.count_regions` it asks for
    every region of the input space, ignoring the network's input box.

    Parameters
    ----------
    dim : int, >= 1
        The dimension d.

    Returns
    -------
    Polytope
        ``A`` of shape (0, d), ``b`` (0,), ``lo`` (d,) of ``-inf``, ``hi`` (d,) of ``inf``.

    Raises
    ------
    InvalidValueError
        ``dim`` is not a positive integer.

    Examples
    --------
    >>> lr.Space(2).lo
    array([-inf, -inf])
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise InvalidValueError(f"Space needs a positive integer dimension, got {dim!r}")
    d = int(dim)
    return Polytope(np.zeros((0, d)), np.zeros(0), np.full(d, -np.inf), np.full(d, np.inf))


def Ball(center: Any, radius: float, norm: str = "linf") -> Polytope:  # noqa: N802
    """The ball ``|x - center| <= radius`` in a polyhedral norm, as a Polytope.

    Parameters
    ----------
    center : array (d,)
    radius : float, > 0
    norm : {"linf", "l1"}
        ``"linf"`` gives a box; ``"l1"`` the bounding box and the 2^d rows
        ``-s.(x - center) + radius >= 0`` for s in {-1, 1}^d (refused for d > ``L1_MAX_DIM``).
        ``"l2"`` is not polyhedral and is refused.

    Raises
    ------
    InvalidValueError
        Unknown or non-polyhedral norm, radius not finite and positive, NaN center, or an
        L1 ball in more than ``L1_MAX_DIM`` dimensions.

    Examples
    --------
    >>> lr.Ball([0.0, 0.0], 1.0, norm="l1").A.shape
    (4, 2)
    """
    c = _vector(center, "center", None)
    r = float(radius)
    if not (np.isfinite(r) and r > 0):
        raise InvalidValueError(f"radius must be finite and > 0, got {radius}")
    if norm == "linf":
        return Box(c - r, c + r)
    if norm == "l1":
        d = c.shape[0]
        if d > L1_MAX_DIM:
            raise InvalidValueError(
                f"an L1 ball in {d} dimensions has 2^{d} facets; at most {L1_MAX_DIM} are supported"
            )
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=d)))
        A = -signs
        b = r + signs @ c
        return as_domain(Polytope(A, b, c - r, c + r))
    if norm == "l2":
        raise InvalidValueError("norm 'l2' is not polyhedral; use 'linf' or 'l1'")
    raise InvalidValueError(f"unknown norm {norm!r}; use 'linf' or 'l1'")


def as_domain(poly: Any, dim: int | None = None, flat_tol: float = DOMAIN_FLAT_TOL) -> Polytope:
    """Checks that ``poly`` can serve as a domain and returns it.

    Raises
    ------
    InvalidValueError
        Not a Polytope.
    ShapeError
        ``dim`` given and different from the polytope's.
    UnboundedPolytopeError, EmptyPolytopeError, FlatPolytopeError
        An infinite box, an empty polytope, or no interior (inradius <= ``flat_tol``).
    """
    if not isinstance(poly, Polytope):
        raise InvalidValueError(
            f"a domain must be an lr.Polytope (lr.Box, lr.Ball), got {type(poly).__name__}"
        )
    if dim is not None and poly.dim != dim:
        raise ShapeError(f"domain has {poly.dim} dimensions, the network {dim} inputs")
    bad = np.flatnonzero(~np.isfinite(poly.lo) | ~np.isfinite(poly.hi))
    if bad.size:
        j = int(bad[0])
        raise UnboundedPolytopeError(
            f"domain is unbounded: box entry {j} is [{poly.lo[j]}, {poly.hi[j]}]",
            status="unbounded",
        )
    r = poly.insphere().radius if poly.n_rows else float(np.min(poly.hi - poly.lo)) / 2
    if r < -flat_tol:
        raise EmptyPolytopeError(f"domain is empty (inradius {r:.3e})")
    if r <= flat_tol:
        raise FlatPolytopeError(f"domain is flat (inradius {r:.3e} <= {flat_tol})")
    return poly
