"""Default tolerances and limits of the network layers (regions, walks, slices): one home.

The numbers the Rust core uses as its defaults are read from it (``rust/src/tolerances.rs``,
through :mod:`linregions.geometry.engine`), so the Python defaults and the Rust defaults
cannot drift apart.
"""

from __future__ import annotations

from ..geometry import engine

#: |pre-activation| (or max-pool tie gap) at or below which a unit counts as on a region
#: boundary in :meth:`Network.region`.
BOUNDARY_TOL: float = engine.BOUNDARY_TOL
#: |pre-activation| at or below which a unit at a walk breakpoint is decided by its
#: derivative along the segment (so pieces thinner than about WALK_TOL / |derivative| may merge).
WALK_TOL: float = engine.WALK_TOL
#: Tolerance, relative to the diagonal of the (s, t) rectangle, within which a slice polygon
#: vertex counts as lying on a cutting line; regions thinner than this are not resolved.
SLICE_TOL: float = engine.SLICE_TOL
#: Default cap on the number of polygons of a slice (a guard against slices that would
#: exhaust memory).
MAX_POLYGONS: int = engine.MAX_POLYGONS
#: Default margin around the three points of :func:`~linregions.slice_through`, as a fraction
#: of the span of the points in each direction.
THROUGH_MARGIN: float = 0.25
