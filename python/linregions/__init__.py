"""linregions: exact linear regions of piecewise-linear neural networks.

Halfspaces are ``A x + b >= 0`` (normals point inward); the input box ``lo <= x <= hi`` is
kept apart from ``A, b`` and is part of every geometric question.

>>> import torch
>>> import linregions as lr
>>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
>>> net = lr.from_torch(model.eval(), input_shape=(4,), bounds=(-1.0, 1.0))
>>> region = net.region(torch.zeros(4))
>>> bool((region.A @ region.x + region.b >= 0).all())
True
"""

from __future__ import annotations

from typing import Any

from . import errors, topology
from .analysis.attacks import PGDResult, pgd
from .analysis.categories import CategoryRegion, RegionCategories, region_categories
from .analysis.decision_boundary import BoundaryPoint, NoBoundaryError, boundary_point
from .analysis.local_complexity import LocalComplexity, local_complexity
from .analysis.slice_through import slice_through
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
from .geometry.domains import Ball, Box, Space
from .geometry.insphere import Insphere
from .geometry.polytope import CONTAINS_TOL, Polytope
from .geometry.redundancy import RedundancyReport
from .geometry.volumes import Volumes
from .importers.vnnlib import VnnlibSpec, read_vnnlib
from .model.complex import Complex, RegionCount
from .model.complex_stream import StreamResult, enumerate_to_disk, iter_chunks, load_chunks
from .model.network import VERSION, Network
from .model.patterns import Patterns
from .model.region import Region
from .model.slice import Plane, Slice, plane_through
from .model.tolerances import BOUNDARY_TOL, SLICE_TOL, WALK_TOL
from .model.walk import Walk
from .topology import FacePoset, NotFaceToFaceError, Persistence, face_poset

#: The version of the package, read from the Rust crate (``rust/Cargo.toml``).
__version__ = VERSION


def from_torch(model: Any, input_shape: Any, bounds: Any = (-1.0, 1.0)) -> Network:
    """Imports a torch model in eval mode as a :class:`Network`, exactly, in float64.

    Parameters
    ----------
    model : torch.nn.Module
        Linear, Conv2d, AvgPool2d, MaxPool2d, BatchNorm (eval), Flatten, Dropout (eval),
        ReLU/LeakyReLU/Hardtanh-free piecewise-linear graphs, residual additions.
    input_shape : tuple of int
        Shape of one input (without the batch dimension).
    bounds : pair, default (-1.0, 1.0)
        The input box: scalars or arrays shaped like one input.

    Returns
    -------
    Network

    Raises
    ------
    NotPiecewiseLinearError
        The model holds a non-piecewise-linear operation (named).
    UnsupportedModelError
        The model holds a module linregions cannot represent.
    TrainingModeError
        The model is in training mode.

    Examples
    --------
    >>> import torch
    >>> import linregions as lr
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> net = lr.from_torch(model.eval(), input_shape=(2,))
    >>> net.n_neurons, net.n_classes
    (4, 2)
    >>> x = torch.rand(5, 2)
    >>> bool(torch.allclose(model(x).double(), torch.from_numpy(net.logits(x)), atol=1e-6))
    True
    """
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
    "RegionCount",
    "enumerate_to_disk",
    "iter_chunks",
    "load_chunks",
    "StreamResult",
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
    "Space",
    "SpecSyntaxError",
    "surrounding_regions",
    "Surroundings",
    "TrainingModeError",
    "UnboundedPolytopeError",
    "UnsupportedModelError",
    "VnnlibSpec",
    "Walk",
    "WALK_TOL",
    "FacePoset",
    "face_poset",
    "NotFaceToFaceError",
    "Persistence",
    "topology",
]
