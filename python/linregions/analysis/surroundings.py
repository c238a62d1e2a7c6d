"""Surrounding regions of a point and their relevance (paper sec. 3.5, eq. 10-13, fig. 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._arrays import as_point, to_numpy
from ..errors import InvalidValueError, ShapeError
from ..model.line_walk import walk_rays
from ..model.region import Region
from ..model.walk import WALK_TOL

if TYPE_CHECKING:
    from ..model.network import Network

#: Singular values below this fraction of the largest count as zero when finding the
#: nullspace of the logit gradients.
RANK_RTOL = 1e-10


def nullspace_directions(region: Any, n: int, seed: Optional[int] = None) -> np.ndarray:
    """``n`` unit directions orthogonal to every logit gradient (eq. 10).

    Directions are uniform on the unit sphere of the nullspace: isotropic Gaussian vectors
    projected onto it and normalised.

    Parameters
    ----------
    region : Region or array_like, shape (M, d)
        A :class:`Region` (its ``logit_map`` W is used) or a matrix of gradients.
    n : int
    seed : int, optional

    Returns
    -------
    ndarray, shape (n, d)

    Raises
    ------
    InvalidValueError
        The gradients span all d dimensions.
    ShapeError
        The gradients are not a matrix.

    Examples
    --------
    >>> from linregions import nullspace_directions
    >>> W = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> e = nullspace_directions(W, 2, seed=0)
    >>> np.abs(e).round(12).tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    """
    W = region.logit_map[0] if isinstance(region, Region) else to_numpy(region)
    if W.ndim != 2:
        raise ShapeError(f"logit gradients must be a (M, d) matrix, got shape {W.shape}")
    d = W.shape[1]
    _, s, vt = np.linalg.svd(W, full_matrices=False)
    rank = int((s > RANK_RTOL * max(s.max(initial=0.0), np.finfo(float).tiny)).sum())
    if rank >= d:
        raise InvalidValueError(f"the logit gradients span all {d} dimensions: no nullspace")
    rows = vt[:rank]
    g = np.random.default_rng(seed).standard_normal((n, d))
    e = g - (g @ rows.T) @ rows
    return e / np.linalg.norm(e, axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class Surroundings:
    """Regions met on rays ``x + beta e``, beta in [0, eps], e in the nullspace (fig. 6).

    - ``n_unique``: number of distinct regions met (the point's own region included).
    - ``keys``: their keys, in order of first meeting; ``is_origin`` (u,): which is x's own.
    - ``representatives`` (u, d): the midpoint of the first piece of each region.
    - ``decision_directions`` (u, d): g at each representative (eq. 13), the gradient of the
      difference of the two largest logits there; ``g_origin`` (d,): g at x.
    - ``rho`` (u,): cosine similarity of each g with ``g_origin``.
    - ``directions`` (n, d), ``ray_lengths`` (n,), ``regions_per_ray`` (n,): the rays.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([3, 10, 2]), (3,), lo=-np.ones(3), hi=np.ones(3))
    >>> s = lr.surrounding_regions(net, [0.1, 0.2, 0.3], n_directions=8, eps=0.5, seed=0)
    >>> s.n_unique == len(s.keys) == len(s.rho), int(s.is_origin.sum())
    (True, 1)
    """

    x: np.ndarray
    n_unique: int
    keys: tuple[int, ...]
    is_origin: np.ndarray
    representatives: np.ndarray
    decision_directions: np.ndarray
    g_origin: np.ndarray
    rho: np.ndarray
    directions: np.ndarray
    ray_lengths: np.ndarray
    regions_per_ray: np.ndarray


def decision_directions(net: Network, X: np.ndarray) -> np.ndarray:
    """g (n, d) at each point of X (n, d): gradient of z_k1 - z_k2, the two largest logits."""
    logits = net.logits(X)
    if logits.shape[1] < 2:
        raise InvalidValueError("decision directions need at least two logits")
    top = np.argsort(-logits, axis=1, kind="stable")[:, :2]
    V = np.zeros_like(logits)
    rows = np.arange(len(X))
    V[rows, top[:, 0]] = 1.0
    V[rows, top[:, 1]] = -1.0
    return net.input_gradients(X, V)


def surrounding_regions(
    net: Network,
    x: Any,
    n_directions: int = 100,
    eps: float = 0.2,
    seed: Optional[int] = 0,
    respect_box: bool = False,
    tol: float = WALK_TOL,
    sliced: bool = False,
) -> Surroundings:
    """Unique regions on ``n_directions`` nullspace rays of length ``eps`` from x (fig. 6).

    Rays are walked exactly and in parallel (:meth:`Network.walk_many`). By default they
    follow eq. 11 and may leave the input box (data on the box boundary, such as MNIST's
    background pixels at -1, would otherwise leave it at once along almost every
    direction); with ``respect_box=True`` each ray stops at the box.

    Parameters
    ----------
    net : Network
    x : array_like, shape (d,) or input_shape
    n_directions : int, default 100
    eps : float, default 0.2
        Length of each ray (eq. 11).
    seed : int, optional
    respect_box : bool, default False
    tol : float, default WALK_TOL
    sliced : bool, default False
        Walk the network restricted to the span of the rays
        (:func:`~linregions.model.line_walk.walk_rays`): the same pieces, faster on a wide
        first layer.

    Returns
    -------
    Surroundings

    Raises
    ------
    InvalidValueError
        ``eps`` is not positive and finite, or the logit gradients have no nullspace.

    Examples
    --------
    >>> from linregions.model.ir import random_mlp
    >>> net = lr.Network(random_mlp([3, 10, 2]), (3,), lo=-np.ones(3), hi=np.ones(3))
    >>> s = lr.surrounding_regions(net, np.zeros(3), n_directions=4, eps=0.2)
    >>> s.directions.shape, s.regions_per_ray.shape
    ((4, 3), (4,))
    >>> bool(np.allclose(s.directions @ net.region(np.zeros(3)).logit_map[0].T, 0))
    True
    """
    pt = as_point(x, net.input_shape)
    if not (eps > 0 and np.isfinite(eps)):
        raise InvalidValueError(f"eps must be positive and finite, got {eps}")
    eye = np.eye(net.n_classes)
    W = net.input_gradients(np.repeat(pt[None], net.n_classes, axis=0), eye)
    dirs = nullspace_directions(W, n_directions, seed)
    lengths = np.full(n_directions, float(eps))
    if respect_box:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_box = np.where(dirs > 0, (net.hi - pt) / dirs, (net.lo - pt) / dirs)
        t_box[dirs == 0] = np.inf
        lengths = np.minimum(lengths, np.maximum(t_box.min(axis=1), 0.0))
    if sliced:
        walks = walk_rays(net, pt, dirs, lengths, tol=tol)
    else:
        starts = np.repeat(pt[None], n_directions, axis=0)
        ends = starts + lengths[:, None] * dirs
        walks = net.walk_many(starts, ends, tol=tol, respect_box=False)
    first_point: dict[int, np.ndarray] = {}
    for w in walks:
        mids = w.midpoints()
        for k, key in enumerate(w.keys):
            first_point.setdefault(key, mids[k])
    keys = tuple(first_point)
    reps = np.array([first_point[k] for k in keys])
    origin_key = walks[0].keys[0] if walks else None
    g = decision_directions(net, np.vstack([pt[None], reps]))
    g0, gs = g[0], g[1:]
    norms = np.linalg.norm(gs, axis=1) * np.linalg.norm(g0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(norms > 0, gs @ g0 / norms, np.nan)
    return Surroundings(
        x=pt,
        n_unique=len(keys),
        keys=keys,
        is_origin=np.array([k == origin_key for k in keys]),
        representatives=reps,
        decision_directions=gs,
        g_origin=g0,
        rho=rho,
        directions=dirs,
        ray_lengths=lengths,
        regions_per_ray=np.array([w.n_regions for w in walks]),
    )
