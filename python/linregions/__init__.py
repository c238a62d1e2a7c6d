"""linregions: exact linear regions of piecewise-linear neural networks.

>>> import linregions as lr
>>> net = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
>>> region = net.region(x)          # region.A @ x + region.b >= 0 inside
"""

from __future__ import annotations

from typing import Any

from . import errors
from .analysis.complex import Complex
from .analysis.complex_volumes import Volumes
from .analysis.local_complexity import LocalComplexity, local_complexity
from .boundary import BoundaryPoint, NoBoundaryError, boundary_point
from .categories import CategoryRegion, RegionCategories, region_categories
from .class_maxima import GAP_TOL, ClassMaxima, certified_gap
from .errors import (
    EmptyPolytopeError,
    FlatPolytopeError,
    InvalidValueError,
    LinregionsError,
    NotPiecewiseLinearError,
    OnBoundaryError,
    PolytopeError,
    ShapeError,
    SolverLimitError,
    TrainingModeError,
    UnboundedPolytopeError,
    UnsupportedModelError,
)
from .geometry.domains import Ball, Box
from .insphere import Insphere
from .network import BOUNDARY_TOL, Network, Patterns
from .pgd import PGDResult, pgd
from .polytope import CONTAINS_TOL, Polytope
from .redundancy import RedundancyReport
from .region import Region
from .slice import SLICE_TOL, Plane, Slice, plane_through, slice_through
from .surroundings import Surroundings, nullspace_directions, surrounding_regions
from .walk import WALK_TOL, Walk

__version__ = "0.1.0"


def from_torch(model: Any, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model (see :func:`linregions.importers.from_torch.from_torch`)."""
    from .importers.from_torch import from_torch as _from_torch

    return _from_torch(model, input_shape, bounds)


__all__ = [
    "Ball",
    "Box",
    "Complex",
    "local_complexity",
    "LocalComplexity",
    "Volumes",
    "boundary_point",
    "BOUNDARY_TOL",
    "BoundaryPoint",
    "CategoryRegion",
    "certified_gap",
    "ClassMaxima",
    "CONTAINS_TOL",
    "EmptyPolytopeError",
    "errors",
    "FlatPolytopeError",
    "from_torch",
    "GAP_TOL",
    "Insphere",
    "InvalidValueError",
    "LinregionsError",
    "Network",
    "NoBoundaryError",
    "NotPiecewiseLinearError",
    "nullspace_directions",
    "OnBoundaryError",
    "Patterns",
    "pgd",
    "PGDResult",
    "Plane",
    "plane_through",
    "Polytope",
    "PolytopeError",
    "RedundancyReport",
    "Region",
    "region_categories",
    "RegionCategories",
    "ShapeError",
    "Slice",
    "slice_through",
    "SLICE_TOL",
    "SolverLimitError",
    "surrounding_regions",
    "Surroundings",
    "TrainingModeError",
    "UnboundedPolytopeError",
    "UnsupportedModelError",
    "Walk",
    "WALK_TOL",
]
