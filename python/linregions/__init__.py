"""linregions: exact linear regions of piecewise-linear neural networks.

>>> import linregions as lr
>>> net = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
>>> region = net.region(x)          # region.A @ x + region.b >= 0 inside
"""

from __future__ import annotations

from typing import Any

from . import errors
from .analysis.attacks import PGDResult, pgd
from .analysis.categories import CategoryRegion, RegionCategories, region_categories
from .analysis.decision_boundary import BoundaryPoint, NoBoundaryError, boundary_point
from .analysis.surroundings import Surroundings, nullspace_directions, surrounding_regions
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
from .geometry.class_maxima import GAP_TOL, ClassMaxima, certified_gap
from .geometry.insphere import Insphere
from .geometry.polytope import CONTAINS_TOL, Polytope
from .geometry.redundancy import RedundancyReport
from .model.network import VERSION, Network, Patterns
from .model.region import Region
from .model.slice import Plane, Slice, plane_through, slice_through
from .model.tolerances import BOUNDARY_TOL, SLICE_TOL, WALK_TOL
from .model.walk import Walk

#: The version of the package, read from the Rust crate (``rust/Cargo.toml``).
__version__ = VERSION


def from_torch(model: Any, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model (see :func:`linregions.importers.from_torch.from_torch`)."""
    from .importers.from_torch import from_torch as _from_torch

    return _from_torch(model, input_shape, bounds)


__all__ = [
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
