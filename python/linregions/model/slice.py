"""Exact 2-D slices of input space: the convex polygons of the linear regions a plane meets.

The slice is ``x(s, t) = origin + s * u + t * v`` for ``(s, t)`` in ``extent = (s_min, s_max,
t_min, t_max)``, clipped to the network's input box (paper, figure 1 and appendix A). The
partition is computed exactly in the Rust core (see ``rust/src/slice``); polygons are in
``(s, t)`` coordinates, counter-clockwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..errors import InvalidValueError
from .tolerances import MAX_POLYGONS, SLICE_TOL, THROUGH_MARGIN

__all__ = [
    "MAX_POLYGONS",
    "SLICE_TOL",
    "THROUGH_MARGIN",
    "Plane",
    "Slice",
    "plane_through",
]


def _ragged(vertices: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [vertices[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def _areas(vertices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Shoelace areas of ragged polygons, vectorised."""
    n = len(offsets) - 1
    if n == 0:
        return np.zeros(0)
    idx = np.arange(len(vertices))
    owner = np.repeat(np.arange(n), np.diff(offsets))
    nxt = np.where(idx + 1 == offsets[owner + 1], offsets[owner], idx + 1)
    cross = vertices[:, 0] * vertices[nxt, 1] - vertices[nxt, 0] * vertices[:, 1]
    return 0.5 * np.bincount(owner, weights=cross, minlength=n)


def _centroids(vertices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    n = len(offsets) - 1
    if n == 0:
        return np.zeros((0, 2))
    idx = np.arange(len(vertices))
    owner = np.repeat(np.arange(n), np.diff(offsets))
    o = vertices[offsets[:-1]][owner]
    p = vertices - o
    nxt = np.where(idx + 1 == offsets[owner + 1], offsets[owner], idx + 1)
    q = vertices[nxt] - o
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    a2 = np.bincount(owner, weights=cross, minlength=n)
    cx = np.bincount(owner, weights=(p[:, 0] + q[:, 0]) * cross, minlength=n)
    cy = np.bincount(owner, weights=(p[:, 1] + q[:, 1]) * cross, minlength=n)
    return vertices[offsets[:-1]] + np.stack([cx, cy], axis=1) / (3.0 * a2[:, None])


@dataclass(frozen=True, eq=False)
class Slice:
    """The exact partition of a 2-D slice into linear regions and classification regions.

    Polygons are ragged arrays: polygon i has vertices ``vertices[offsets[i]:offsets[i+1]]``
    (counter-clockwise, ``(s, t)`` coordinates); :meth:`polygons` lists them.

    - ``keys`` (P, 2) uint64: pattern key of each region (equal to ``net.patterns`` keys and
      ``Region.key``, see :meth:`key_ints`); ``bits`` (P, words): the packed patterns.
    - ``active_fraction`` (P,): fraction of (leaky) ReLU neurons active in the region.
    - ``classes`` (P,): the class predicted on the largest part of the region.
    - ``logit_maps`` (P, 3, M): ``logits(s, t) = s * L[0] + t * L[1] + L[2]`` on polygon i.
    - ``class_vertices``, ``class_offsets``: classification polygons (each region's polygon
      cut where the top logit changes); ``class_parent`` (Q,): the region each lies in;
      ``class_label`` (Q,): the class predicted there.
    - ``marks`` (k, 2): ``(s, t)`` of the points the slice was built through (may be empty).

    Built by :meth:`Network.slice` and :func:`slice_through`.

    Examples
    --------
    >>> from linregions.model.ir import Affine, Input, ReLU
    >>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2),
    ...          Affine(2, np.array([[1.0, -1.0], [0.0, 0.0]]), np.zeros(2))]
    >>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
    >>> s = net.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=1.0)
    >>> s.n_regions, s.areas().tolist()
    (4, [1.0, 1.0, 1.0, 1.0])
    >>> sorted(s.class_counts().items())
    [(0, 3), (1, 2)]
    """

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    extent: tuple[float, float, float, float]
    vertices: np.ndarray
    offsets: np.ndarray
    bits: np.ndarray
    keys: np.ndarray
    active_fraction: np.ndarray
    classes: np.ndarray
    logit_maps: np.ndarray
    class_vertices: np.ndarray
    class_offsets: np.ndarray
    class_parent: np.ndarray
    class_label: np.ndarray
    marks: np.ndarray

    @property
    def n_regions(self) -> int:
        """Number of polygons (one per linear region met by the slice)."""
        return len(self.offsets) - 1

    def polygons(self) -> list[np.ndarray]:
        """The region polygons as a list of (k_i, 2) vertex arrays."""
        return _ragged(self.vertices, self.offsets)

    def class_polygons(self) -> list[np.ndarray]:
        """The classification polygons as a list of (k_i, 2) vertex arrays."""
        return _ragged(self.class_vertices, self.class_offsets)

    def areas(self) -> np.ndarray:
        """(P,) areas of the region polygons in (s, t) units."""
        return _areas(self.vertices, self.offsets)

    def class_areas(self) -> np.ndarray:
        """(Q,) areas of the classification polygons."""
        return _areas(self.class_vertices, self.class_offsets)

    def centroids(self) -> np.ndarray:
        """(P, 2) area centroids of the region polygons."""
        return _centroids(self.vertices, self.offsets)

    def key_ints(self) -> list[int]:
        """Keys as 128-bit Python integers (comparable with ``Region.key``)."""
        return [(int(h) << 64) | int(lo) for h, lo in self.keys]

    def to_input(self, st: Any) -> np.ndarray:
        """Input-space points ``origin + s u + t v`` of (n, 2) slice coordinates, (n, d)."""
        st = np.asarray(st, dtype=np.float64).reshape(-1, 2)
        return self.origin + st[:, :1] * self.u + st[:, 1:] * self.v

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """An n x n grid of cell centres over the extent: ``(s (n,), t (n,), st (n*n, 2))``,
        rows of ``st`` ordered with s fastest."""
        s0, s1, t0, t1 = self.extent
        s = s0 + (np.arange(n) + 0.5) * (s1 - s0) / n
        t = t0 + (np.arange(n) + 0.5) * (t1 - t0) / n
        ss, tt = np.meshgrid(s, t)
        return s, t, np.stack([ss.ravel(), tt.ravel()], axis=1)

    def class_counts(self) -> dict[int, int]:
        """Number of classification polygons per class."""
        labels, counts = np.unique(self.class_label, return_counts=True)
        return {int(a): int(c) for a, c in zip(labels, counts)}


def as_extent(extent: Any) -> tuple[float, float, float, float]:
    e = np.asarray(extent, dtype=np.float64).ravel()
    if e.size == 1:
        return (-float(e[0]), float(e[0]), -float(e[0]), float(e[0]))
    if e.size == 2:
        return (float(e[0]), float(e[1]), float(e[0]), float(e[1]))
    if e.size == 4:
        return tuple(float(x) for x in e)  # type: ignore[return-value]
    raise InvalidValueError(
        f"extent must be a half-width r, a pair (lo, hi) or (s_min, s_max, t_min, t_max); "
        f"got {extent!r}"
    )


class Polygons(Protocol):
    """Ragged polygons as the core returns them: ``vertices`` (V, 2) float64 in (s, t),
    polygon i being rows ``offsets[i]:offsets[i + 1]`` (``offsets`` (n+1,) int64)."""

    @property
    def vertices(self) -> np.ndarray: ...
    @property
    def offsets(self) -> np.ndarray: ...


class SliceData(Protocol):
    """What :func:`slice_from_core` reads of the core's slice (the extension's
    ``SliceData``, returned by the network's core): the region ``polygons`` with their
    ``bits`` (n, words) uint64, ``keys`` (n, 2) uint64, ``active_fraction`` (n,),
    ``classes`` (n,) int64 and ``logit_maps`` (n, 3, M); the ``class_polygons`` with
    ``class_parent`` and ``class_label`` (int64, one per class polygon)."""

    @property
    def polygons(self) -> Polygons: ...
    @property
    def bits(self) -> np.ndarray: ...
    @property
    def keys(self) -> np.ndarray: ...
    @property
    def active_fraction(self) -> np.ndarray: ...
    @property
    def classes(self) -> np.ndarray: ...
    @property
    def logit_maps(self) -> np.ndarray: ...
    @property
    def class_polygons(self) -> Polygons: ...
    @property
    def class_parent(self) -> np.ndarray: ...
    @property
    def class_label(self) -> np.ndarray: ...


def slice_from_core(
    data: SliceData,
    origin: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    extent: tuple[float, float, float, float],
    marks: Any = None,
) -> Slice:
    """The :class:`Slice` of ``origin + s u + t v`` from the core's typed result."""
    return Slice(
        origin=origin,
        u=u,
        v=v,
        extent=extent,
        vertices=data.polygons.vertices,
        offsets=data.polygons.offsets,
        bits=data.bits,
        keys=data.keys,
        active_fraction=data.active_fraction,
        classes=data.classes,
        logit_maps=data.logit_maps,
        class_vertices=data.class_polygons.vertices,
        class_offsets=data.class_polygons.offsets,
        class_parent=data.class_parent,
        class_label=data.class_label,
        marks=np.zeros((0, 2)) if marks is None else np.asarray(marks, dtype=np.float64),
    )


@dataclass(frozen=True)
class Plane:
    """An orthonormal 2-D plane through points: ``origin``, ``u``, ``v`` (d,), the
    ``extent`` covering the points with a margin, and ``points`` (k, 2) their (s, t).

    Examples
    --------
    >>> from linregions import plane_through
    >>> p = plane_through([0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], margin=0.0)
    >>> p.u.tolist(), p.v.tolist()
    ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    """

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    extent: tuple[float, float, float, float]
    points: np.ndarray


def plane_through(a: Any, b: Any, c: Any, margin: float = THROUGH_MARGIN) -> Plane:
    """The plane through three points (e.g. three images, paper figure 1).

    Parameters
    ----------
    a, b, c : array_like, shape (d,)
    margin : float, default THROUGH_MARGIN
        Margin of the extent around the points, a fraction of their span.

    Returns
    -------
    Plane
        Origin at the points' mean, ``u`` along ``b - a``, ``v`` orthonormal to it in the
        plane of the three.

    Raises
    ------
    InvalidValueError
        The points coincide or are collinear.

    Examples
    --------
    >>> from linregions import plane_through
    >>> p = plane_through([0.0, 0.0], [2.0, 0.0], [0.0, 1.0], margin=0.0)
    >>> p.origin.round(3).tolist(), [round(e, 3) for e in p.extent]
    ([0.667, 0.333], [-0.667, 1.333, -0.333, 0.667])
    """
    pts = np.stack([np.asarray(p, dtype=np.float64).ravel() for p in (a, b, c)])
    origin = pts.mean(axis=0)
    u = pts[1] - pts[0]
    nu = np.linalg.norm(u)
    w = pts[2] - pts[0]
    if nu == 0.0:
        raise InvalidValueError("plane_through: the first two points coincide")
    u = u / nu
    v = w - (w @ u) * u
    nv = np.linalg.norm(v)
    if nv <= np.finfo(np.float64).eps * max(np.linalg.norm(w), nu):
        raise InvalidValueError("plane_through: the three points are collinear")
    v = v / nv
    st = (pts - origin) @ np.stack([u, v], axis=1)
    lo, hi = st.min(axis=0), st.max(axis=0)
    pad = margin * (hi - lo)
    ext = (
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )
    return Plane(origin=origin, u=u, v=v, extent=ext, points=st)
