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
from .analysis.local_complexity import LocalComplexity, local_complexity
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
    SpecSyntaxError,
    TrainingModeError,
    UnboundedPolytopeError,
    UnsupportedModelError,
)
from .geometry.class_maxima import GAP_TOL, ClassMaxima, certified_gap
from .geometry.domains import Ball, Box
from .geometry.insphere import Insphere
from .geometry.polytope import CONTAINS_TOL, Polytope
from .geometry.redundancy import RedundancyReport
from .geometry.volumes import Volumes
from .importers.vnnlib import VnnlibSpec, read_vnnlib
from .model.complex import Complex
from .model.network import BOUNDARY_TOL, Network, Patterns
from .model.region import Region
from .model.slice import SLICE_TOL, Plane, Slice, plane_through, slice_through
from .model.walk import WALK_TOL, Walk

__version__ = "0.1.0"


def from_torch(model: Any, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model (see :func:`linregions.importers.from_torch.from_torch`)."""
    from .importers.from_torch import from_torch as _from_torch

    return _from_torch(model, input_shape, bounds)


def from_onnx(model: Any, *, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports an ONNX model (see :func:`linregions.importers.onnx.from_onnx`)."""
    from .importers.onnx import from_onnx as _from_onnx

    return _from_onnx(model, bounds=bounds)


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
    "from_onnx",
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
    "read_vnnlib",
    "Region",
    "region_categories",
    "RegionCategories",
    "ShapeError",
    "Slice",
    "slice_through",
    "SLICE_TOL",
    "SolverLimitError",
    "SpecSyntaxError",
    "surrounding_regions",
    "Surroundings",
    "TrainingModeError",
    "UnboundedPolytopeError",
    "UnsupportedModelError",
    "VnnlibSpec",
    "Walk",
    "WALK_TOL",
]
