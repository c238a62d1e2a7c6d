"""linregions: exact linear regions of piecewise-linear neural networks.

>>> import linregions as lr
>>> net = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
>>> region = net.region(x)          # region.A @ x + region.b >= 0 inside
"""

from __future__ import annotations

from typing import Any

from . import errors
from .boundary import BoundaryPoint, NoBoundaryError, boundary_point
from .categories import CategoryRegion, RegionCategories, region_categories
from .class_maxima import GAP_TOL, ClassMaxima, certified_gap
from .errors import (
    InvalidValueError,
    LinregionsError,
    NotPiecewiseLinearError,
    OnBoundaryError,
    ShapeError,
    TrainingModeError,
    UnsupportedModelError,
)
from .network import BOUNDARY_TOL, Network, Patterns
from .pgd import PGDResult, pgd
from .polytope import CONTAINS_TOL, Polytope, PolytopeError
from .region import Region
from .surroundings import Surroundings, nullspace_directions, surrounding_regions
from .walk import WALK_TOL, Walk

__version__ = "0.1.0"


def from_torch(model: Any, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model (see :func:`linregions.importers.from_torch.from_torch`)."""
    from .importers.from_torch import from_torch as _from_torch

    return _from_torch(model, input_shape, bounds)


__all__ = [
    "BOUNDARY_TOL",
    "BoundaryPoint",
    "CategoryRegion",
    "RegionCategories",
    "region_categories",
    "NoBoundaryError",
    "PGDResult",
    "boundary_point",
    "pgd",
    "CONTAINS_TOL",
    "ClassMaxima",
    "GAP_TOL",
    "InvalidValueError",
    "LinregionsError",
    "Network",
    "NotPiecewiseLinearError",
    "OnBoundaryError",
    "Patterns",
    "Polytope",
    "PolytopeError",
    "Region",
    "ShapeError",
    "TrainingModeError",
    "Surroundings",
    "UnsupportedModelError",
    "WALK_TOL",
    "certified_gap",
    "Walk",
    "errors",
    "from_torch",
    "nullspace_directions",
    "surrounding_regions",
]
