"""Type stubs for the Rust core (private; use the public facade in ``linregions``).

Checked against the built extension by ``python -m mypy.stubtest linregions._core``.
"""

from typing import Callable, ClassVar, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "__version__",
    "BOUNDARY_TOL",
    "WALK_TOL",
    "SLICE_TOL",
    "MAX_POLYGONS",
    "Network",
    "BoundaryPolicy",
    "RegionData",
    "PatternData",
    "WalkData",
    "SliceData",
    "pattern_keys",
    "unique_keys",
    "Status",
    "Settings",
    "InsphereResult",
    "LpResult",
    "ClassMaximum",
    "RowClassification",
    "insphere",
    "lp_minimize",
    "class_maxima",
    "classify_rows",
    "ComplexResult",
    "RegionRecords",
    "complex_search",
    "complex_describe",
]

__version__: str
BOUNDARY_TOL: float
WALK_TOL: float
SLICE_TOL: float
MAX_POLYGONS: int

@final
class BoundaryPolicy:
    Error: ClassVar[BoundaryPolicy]
    Active: ClassVar[BoundaryPolicy]
    Inactive: ClassVar[BoundaryPolicy]
    def __int__(self) -> int: ...

@final
class RegionData:
    @property
    def a(self) -> npt.NDArray[np.float64]: ...
    @property
    def b(self) -> npt.NDArray[np.float64]: ...
    @property
    def layer(self) -> npt.NDArray[np.int64]: ...
    @property
    def unit(self) -> npt.NDArray[np.int64]: ...
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def key(self) -> int: ...
    @property
    def logit_w(self) -> npt.NDArray[np.float64]: ...
    @property
    def logit_c(self) -> npt.NDArray[np.float64]: ...
    @property
    def boundary(self) -> list[tuple[int, int, float]]: ...

@final
class PatternData:
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def inverse(self) -> npt.NDArray[np.int64]: ...
    @property
    def counts(self) -> npt.NDArray[np.int64]: ...
    @property
    def first(self) -> npt.NDArray[np.int64]: ...

@final
class WalkData:
    @property
    def breakpoints(self) -> npt.NDArray[np.float64]: ...
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def switch_ptr(self) -> npt.NDArray[np.int64]: ...
    @property
    def switch_units(self) -> npt.NDArray[np.int64]: ...
    @property
    def logits(self) -> npt.NDArray[np.float64]: ...

@final
class SliceData:
    @property
    def vertices(self) -> npt.NDArray[np.float64]: ...
    @property
    def offsets(self) -> npt.NDArray[np.int64]: ...
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def active_fraction(self) -> npt.NDArray[np.float64]: ...
    @property
    def classes(self) -> npt.NDArray[np.int64]: ...
    @property
    def logit_maps(self) -> npt.NDArray[np.float64]: ...
    @property
    def class_vertices(self) -> npt.NDArray[np.float64]: ...
    @property
    def class_offsets(self) -> npt.NDArray[np.int64]: ...
    @property
    def class_parent(self) -> npt.NDArray[np.int64]: ...
    @property
    def class_label(self) -> npt.NDArray[np.int64]: ...

@final
class Network:
    def __new__(cls, lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64]) -> Network: ...
    @property
    def n_inputs(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def n_neurons(self) -> int: ...
    @property
    def n_pattern_bits(self) -> int: ...
    @property
    def n_rows(self) -> int: ...
    @property
    def n_nodes(self) -> int: ...
    @property
    def lo(self) -> npt.NDArray[np.float64]: ...
    @property
    def hi(self) -> npt.NDArray[np.float64]: ...
    def add_dense(
        self, input: int, weight: npt.NDArray[np.float64], bias: npt.NDArray[np.float64]
    ) -> int: ...
    def add_sparse(
        self,
        input: int,
        n_cols: int,
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int64],
        data: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
    ) -> int: ...
    def add_sum(self, inputs: list[int]) -> int: ...
    def add_relu(self, input: int, slope: float) -> int: ...
    def add_relu_slopes(self, input: int, slopes: npt.NDArray[np.float64]) -> int: ...
    def add_maxpool(self, input: int, windows: npt.NDArray[np.int64]) -> int: ...
    def logits(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    def patterns(self, x: npt.NDArray[np.float64]) -> PatternData: ...
    def region(
        self,
        x: npt.NDArray[np.float64],
        tol: float = ...,
        policy: BoundaryPolicy = ...,
    ) -> RegionData: ...
    def walk(
        self,
        x0: npt.NDArray[np.float64],
        x1: npt.NDArray[np.float64],
        tol: float = ...,
        respect_box: bool = True,
    ) -> WalkData: ...
    def walk_many(
        self,
        starts: npt.NDArray[np.float64],
        ends: npt.NDArray[np.float64],
        tol: float = ...,
        respect_box: bool = True,
    ) -> list[WalkData]: ...
    def input_gradients(
        self, x: npt.NDArray[np.float64], v: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]: ...
    def slice(
        self,
        origin: npt.NDArray[np.float64],
        u: npt.NDArray[np.float64],
        v: npt.NDArray[np.float64],
        extent: tuple[float, float, float, float],
        tol: float = ...,
        max_polygons: int = ...,
    ) -> SliceData: ...

def pattern_keys(bits: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]: ...
def unique_keys(
    keys: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

@final
class Status:
    OPTIMAL: Status
    POINT_BELOW: Status
    BOUND_ABOVE: Status
    INFEASIBLE: Status
    UNBOUNDED: Status
    ITERATION_LIMIT: Status
    STALLED: Status
    NUMERICAL_FAILURE: Status
    @property
    def label(self) -> str: ...
    @property
    def is_certified(self) -> bool: ...
    def __int__(self) -> int: ...

@final
class Settings:
    def __new__(
        cls,
        problem: str = "insphere",
        *,
        rel_tol: float | None = None,
        abs_tol: float | None = None,
        max_iter: int | None = None,
        reduce_tol: float | None = None,
        single_mu: float | None = None,
        short_step: float | None = None,
        max_correctors: int | None = None,
        corrector_stretch: float | None = None,
        step_fraction: float | None = None,
        crossover_mu: float | None = None,
        crossover_repeat: float | None = None,
        stall_iter: int | None = None,
        exact_retry: bool | None = None,
    ) -> Settings: ...
    @property
    def rel_tol(self) -> float: ...
    @property
    def abs_tol(self) -> float: ...
    @property
    def max_iter(self) -> int: ...
    @property
    def reduce_tol(self) -> float: ...
    @property
    def single_mu(self) -> float: ...
    @property
    def short_step(self) -> float: ...
    @property
    def max_correctors(self) -> int: ...
    @property
    def corrector_stretch(self) -> float: ...
    @property
    def step_fraction(self) -> float: ...
    @property
    def crossover_mu(self) -> float: ...
    @property
    def crossover_repeat(self) -> float: ...
    @property
    def stall_iter(self) -> int: ...
    @property
    def exact_retry(self) -> bool: ...

@final
class InsphereResult:
    @property
    def center(self) -> npt.NDArray[np.float64]: ...
    @property
    def radius(self) -> float: ...
    @property
    def upper_bound(self) -> float: ...
    @property
    def iterations(self) -> int: ...
    @property
    def status(self) -> Status: ...

@final
class LpResult:
    @property
    def x(self) -> npt.NDArray[np.float64]: ...
    @property
    def value(self) -> float: ...
    @property
    def lower_bound(self) -> float: ...
    @property
    def iterations(self) -> int: ...
    @property
    def status(self) -> Status: ...

@final
class ClassMaximum:
    @property
    def class_(self) -> int: ...
    @property
    def point(self) -> npt.NDArray[np.float64]: ...
    @property
    def log_prob(self) -> float: ...
    @property
    def gap(self) -> float: ...
    @property
    def multipliers(self) -> npt.NDArray[np.float64]: ...
    @property
    def iterations(self) -> int: ...
    @property
    def status(self) -> Status: ...

@final
class RowClassification:
    @property
    def codes(self) -> npt.NDArray[np.uint8]: ...
    @property
    def by_straight_rays(self) -> int: ...
    @property
    def by_bent_rays(self) -> int: ...

def insphere(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    settings: Settings,
) -> InsphereResult: ...
def lp_minimize(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    c0: float,
    x0: npt.NDArray[np.float64],
    settings: Settings,
    stop_below: float = ...,
    stop_above: float = ...,
) -> LpResult: ...
def class_maxima(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    classes: list[int],
    settings: Settings,
) -> list[ClassMaximum]: ...
def classify_rows(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    x0: npt.NDArray[np.float64],
    tol: float,
    duplicate_tol: float,
    max_bends: int,
) -> RowClassification: ...

@final
class ComplexResult:
    @property
    def keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def points(self) -> npt.NDArray[np.float64]: ...
    @property
    def inradius(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_facets(self) -> npt.NDArray[np.int64]: ...
    @property
    def edges(self) -> npt.NDArray[np.int64]: ...
    @property
    def edge_units(self) -> npt.NDArray[np.int64]: ...
    @property
    def complete(self) -> bool: ...
    @property
    def interrupted(self) -> bool: ...
    @property
    def unsettled(self) -> int: ...

@final
class RegionRecords:
    @property
    def keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def bits(self) -> npt.NDArray[np.uint64]: ...
    @property
    def points(self) -> npt.NDArray[np.float64]: ...
    @property
    def inradius(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_facets(self) -> npt.NDArray[np.int64]: ...
    @property
    def neighbour_of(self) -> npt.NDArray[np.int64]: ...
    @property
    def neighbour_keys(self) -> npt.NDArray[np.uint64]: ...
    @property
    def neighbour_units(self) -> npt.NDArray[np.int64]: ...
    @property
    def unsettled(self) -> int: ...

def complex_search(
    net: Network,
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    max_regions: int,
    workers: int | None = None,
    progress: Callable[[int, int, float], object] | None = None,
) -> ComplexResult: ...
def complex_describe(
    net: Network,
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    points: npt.NDArray[np.float64],
) -> RegionRecords: ...
