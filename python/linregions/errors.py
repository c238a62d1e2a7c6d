"""Exceptions raised by linregions.

Every error is a :class:`LinregionsError` and also a ``ValueError`` or ``TypeError``, so
``except ValueError`` keeps working for callers that do not know the package. The Rust core
raises these same classes.

>>> from linregions.model.ir import Affine, Input, ReLU
>>> nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
>>> net = lr.Network(nodes, (2,), lo=-np.ones(2), hi=np.ones(2))
>>> try:
...     net.region([0.0, 0.5])
... except lr.OnBoundaryError as e:
...     print(e.units)
[(0, 0, 0.0)]
>>> try:
...     net.region([2.0, 0.0])
... except ValueError as e:
...     print(type(e).__name__)
InvalidValueError
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class LinregionsError(Exception):
    """Base class of every linregions exception."""


class ShapeError(LinregionsError, ValueError):
    """An array or model has the wrong shape (names the array and both shapes).

    >>> try:
    ...     lr.Polytope(np.eye(2), np.zeros(3), -np.ones(2), np.ones(2))
    ... except lr.ShapeError as e:
    ...     print(e)
    b has shape (3,); A is (2, 2), so b must be (2,)
    """


class InvalidValueError(LinregionsError, ValueError):
    """A value is out of range or not finite (names the value and where it is)."""


class OnBoundaryError(LinregionsError, ValueError):
    """The point lies on a region boundary and no side was chosen.

    ``units`` lists ``(layer, unit, value)``: the piecewise-linear layer, the neuron (or
    max-pool window) index within it, and its pre-activation (or the max-pool tie gap).
    Pass ``on_boundary="active"`` or ``"inactive"`` to choose a side.
    """

    def __init__(self, message: str, units: list[tuple[int, int, float]] | None = None):
        self.units = list(units or [])
        shown = ", ".join(f"(layer {lay}, unit {u}, value {v:.3g})" for lay, u, v in self.units[:8])
        more = f" and {len(self.units) - 8} more" if len(self.units) > 8 else ""
        detail = f": {shown}{more}" if self.units else ""
        super().__init__(
            f"{message}{detail}; pass on_boundary='active' or 'inactive' to choose a side"
        )


class UnsupportedModelError(LinregionsError, TypeError):
    """The model holds a module or operation linregions cannot represent exactly."""


class NotPiecewiseLinearError(UnsupportedModelError):
    """The model holds a non-piecewise-linear operation (sigmoid, tanh, GELU, softmax...).

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh()).eval()
    >>> try:
    ...     lr.from_torch(model, (2,))
    ... except lr.NotPiecewiseLinearError:
    ...     print("refused")
    refused
    """


class TrainingModeError(LinregionsError, ValueError):
    """The model (or one of its modules) is in training mode; call ``model.eval()``.

    >>> import torch
    >>> try:
    ...     lr.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2)).train(), (2,))
    ... except lr.TrainingModeError:
    ...     print("call model.eval() first")
    call model.eval() first
    """


class PolytopeError(InvalidValueError):
    """A geometric question has no answer for this polytope, or the solver gave none.

    ``status`` says which: ``"empty"``, ``"flat"``, ``"unbounded"``, ``"iteration_limit"``,
    ``"numerical_failure"``, ``"solver_error"``.
    """

    status = "error"

    def __init__(self, message: str, status: str | None = None):
        if status is not None:
            self.status = status
        super().__init__(message)


class EmptyPolytopeError(PolytopeError):
    """The polytope is empty (certified: the largest inscribed radius is negative).

    >>> empty = lr.Polytope(np.array([[1.0], [-1.0]]), np.array([-0.6, -0.6]), [-1.0], [1.0])
    >>> try:
    ...     empty.insphere()
    ... except lr.EmptyPolytopeError as e:
    ...     print(e.status)
    empty
    """

    status = "empty"


class FlatPolytopeError(PolytopeError):
    """The polytope has no interior (it lies in a hyperplane); no interior point exists."""

    status = "flat"


class UnboundedPolytopeError(PolytopeError):
    """The polytope is unbounded in a way the question cannot handle (infinite box)."""

    status = "unbounded"


class SolverLimitError(PolytopeError):
    """A solver stopped before certifying an answer (iteration limit, numerical failure).

    ``bounds`` is ``(lower, upper)`` when the answer is nevertheless certified to lie in an
    interval (e.g. the inradius, with ``center`` a point whose exact radius is ``lower``),
    else None."""

    bounds: tuple[float, float] | None = None
    center: np.ndarray | None = None


class SpecSyntaxError(InvalidValueError):
    """A specification file (VNN-LIB) is malformed; ``line`` is the 1-based line number."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        self.line = line
        self.path = path
        where = f"{path or 'VNN-LIB'}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}")
