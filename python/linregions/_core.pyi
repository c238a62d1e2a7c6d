"""Type stubs for the Rust core (private; use the public facade in ``linregions``).

Checked against the built extension by ``python -m mypy.stubtest linregions._core``.
"""

from typing import Callable, ClassVar, Final, final, type_check_only

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__all__ = [
    "__version__",
    "BOUNDARY_TOL",
    "WALK_TOL",
    "SLICE_TOL",
    "MAX_POLYGONS",
    "RECESSION_TOL",
    "FACET_TOL",
    "DUPLICATE_TOL",
    "MAX_BENDS",
    "Network",
    "BoundaryPolicy",
    "RegionData",
    "_Patterns",
    "PatternData",
    "WalkData",
    "Polygons",
    "SliceData",
    "pattern_keys",
    "unique_keys",
    "Polytope",
    "Status",
    "Settings",
    "InsphereResult",
    "LpResult",
    "ClassMaximum",
    "ClassPresence",
    "FacetReport",
    "insphere",
    "lp_minimize",
    "class_maxima",
    "class_gap",
    "class_presence",
    "facets",
    "_Regions",
    "ComplexResult",
    "RegionRecords",
    "complex_search",
    "complex_describe",
    "complex_split",
    "count_split",
    "RegionCount",
]

__version__: str
BOUNDARY_TOL: float
WALK_TOL: float
SLICE_TOL: float
MAX_POLYGONS: int
RECESSION_TOL: float
FACET_TOL: float
DUPLICATE_TOL: float
MAX_BENDS: int

@final
class BoundaryPolicy:
    Error: ClassVar[BoundaryPolicy]
    Active: ClassVar[BoundaryPolicy]
    Inactive: ClassVar[BoundaryPolicy]
    def __int__(self) -> int: ...

@final
class RegionData:
    a: Final[npt.NDArray[np.float64]]
    b: Final[npt.NDArray[np.float64]]
    layer: Final[npt.NDArray[np.int64]]
    unit: Final[npt.NDArray[np.int64]]
    bits: Final[npt.NDArray[np.uint64]]
    key: Final[int]
    logit_w: Final[npt.NDArray[np.float64]]
    logit_c: Final[npt.NDArray[np.float64]]
    boundary: Final[list[tuple[int, int, float]]]

@disjoint_base
class _Patterns:
    """Packed activation patterns (one row of 64-bit words per pattern) and their keys: the
    base class of the pattern-carrying results."""

    bits: Final[npt.NDArray[np.uint64]]
    keys: Final[npt.NDArray[np.uint64]]

@final
class PatternData(_Patterns):
    inverse: Final[npt.NDArray[np.int64]]
    counts: Final[npt.NDArray[np.int64]]
    first: Final[npt.NDArray[np.int64]]

@final
class WalkData(_Patterns):
    breakpoints: Final[npt.NDArray[np.float64]]
    switch_ptr: Final[npt.NDArray[np.int64]]
    switch_units: Final[npt.NDArray[np.int64]]
    logits: Final[npt.NDArray[np.float64]]

@final
class Polygons:
    vertices: Final[npt.NDArray[np.float64]]
    offsets: Final[npt.NDArray[np.int64]]

@final
class SliceData(_Patterns):
    polygons: Final[Polygons]
    active_fraction: Final[npt.NDArray[np.float64]]
    classes: Final[npt.NDArray[np.int64]]
    logit_maps: Final[npt.NDArray[np.float64]]
    class_polygons: Final[Polygons]
    class_parent: Final[npt.NDArray[np.int64]]
    class_label: Final[npt.NDArray[np.int64]]

@final
class Network:
    def __new__(cls, lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64]) -> Network: ...
    n_inputs: Final[int]
    n_outputs: Final[int]
    n_neurons: Final[int]
    n_pattern_bits: Final[int]
    n_rows: Final[int]
    n_nodes: Final[int]
    lo: Final[npt.NDArray[np.float64]]
    hi: Final[npt.NDArray[np.float64]]
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
        starts: npt.NDArray[np.float64],
        ends: npt.NDArray[np.float64],
        tol: float = ...,
        respect_box: bool = True,
        single: bool = False,
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
class Polytope:
    """``{A x + b >= 0, lo <= x <= hi}`` handed to the solvers (the arrays are held, not
    copied)."""

    def __new__(
        cls,
        a: npt.NDArray[np.float64],
        b: npt.NDArray[np.float64],
        lo: npt.NDArray[np.float64],
        hi: npt.NDArray[np.float64],
    ) -> Polytope: ...

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
    label: Final[str]
    is_certified: Final[bool]
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
    def replace(
        self,
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
    ) -> Settings:
        """A copy with the given fields changed (the others kept), validated like the
        constructor's."""
    rel_tol: Final[float]
    abs_tol: Final[float]
    max_iter: Final[int]
    reduce_tol: Final[float]
    single_mu: Final[float]
    short_step: Final[float]
    max_correctors: Final[int]
    corrector_stretch: Final[float]
    step_fraction: Final[float]
    crossover_mu: Final[float]
    crossover_repeat: Final[float]
    stall_iter: Final[int]
    exact_retry: Final[bool]

@type_check_only
class _Solved:
    """Stub-only: how every interior-point result ended."""

    iterations: Final[int]
    status: Final[Status]

@final
class InsphereResult(_Solved):
    center: Final[npt.NDArray[np.float64]]
    radius: Final[float]
    upper_bound: Final[float]
    solver: Final[str]
    retried: Final[bool]

@final
class LpResult(_Solved):
    x: Final[npt.NDArray[np.float64]]
    value: Final[float]
    lower_bound: Final[float]

@final
class ClassMaximum(_Solved):
    class_: Final[int]
    point: Final[npt.NDArray[np.float64]]
    log_prob: Final[float]
    gap: Final[float]
    multipliers: Final[npt.NDArray[np.float64]]

@final
class ClassPresence(_Solved):
    class_: Final[int]
    present: Final[bool]
    margin: Final[float]
    margin_bound: Final[float]
    point: Final[npt.NDArray[np.float64]]

@final
class FacetReport:
    """The facets of a polytope (sorted row indices), the route taken, how each row was
    decided, and the insphere whose center started the search."""

    facets: Final[npt.NDArray[np.int64]]
    method: Final[str]
    by_box: Final[int]
    by_duplicate: Final[int]
    by_straight_rays: Final[int]
    by_bent_rays: Final[int]
    by_bounds: Final[int]
    by_lp_facet: Final[int]
    by_lp_redundant: Final[int]
    unsettled: Final[int]
    n_lps: Final[int]
    insphere: Final[InsphereResult]

def insphere(
    poly: Polytope, settings: Settings, retry: Settings | None = None
) -> InsphereResult: ...
def lp_minimize(
    poly: Polytope,
    c: npt.NDArray[np.float64],
    c0: float,
    x0: npt.NDArray[np.float64],
    settings: Settings,
    stop_below: float = ...,
    stop_above: float = ...,
) -> LpResult: ...
def class_maxima(
    poly: Polytope,
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    classes: list[int],
    settings: Settings,
) -> list[ClassMaximum]: ...
def class_presence(
    poly: Polytope,
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    classes: list[int],
    settings: Settings,
) -> list[ClassPresence]: ...
def class_gap(
    poly: Polytope,
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    t: int,
    x: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
) -> float: ...
def facets(
    poly: Polytope, method: str, tol: float, duplicate_tol: float, max_bends: int
) -> FacetReport: ...

@disjoint_base
class _Regions(_Patterns):
    """One record per region found by the complex search (its pattern, a point inside, its
    inradius and facet count) and how many regions were left unsettled: the base class of
    both search results."""

    points: Final[npt.NDArray[np.float64]]
    inradius: Final[npt.NDArray[np.float64]]
    n_facets: Final[npt.NDArray[np.int64]]
    unsettled: Final[int]

@final
class ComplexResult(_Regions):
    edges: Final[npt.NDArray[np.int64]]
    edge_units: Final[npt.NDArray[np.int64]]
    complete: Final[bool]
    interrupted: Final[bool]

@final
class RegionRecords(_Regions):
    neighbour_of: Final[npt.NDArray[np.int64]]
    neighbour_keys: Final[npt.NDArray[np.uint64]]
    neighbour_units: Final[npt.NDArray[np.int64]]

def complex_search(
    net: Network,
    domain: Polytope,
    max_regions: int,
    workers: int | None = None,
    progress: Callable[[int, int, float], object] | None = None,
    planar: bool = True,
) -> ComplexResult: ...
def complex_describe(
    net: Network, domain: Polytope, points: npt.NDArray[np.float64]
) -> RegionRecords: ...
def complex_split(
    net: Network,
    domain: Polytope,
    max_regions: int,
    workers: int | None = None,
    progress: Callable[[int, int, float], object] | None = None,
    maps: str = "auto",
) -> ComplexResult: ...

@final
class RegionCount:
    """A count of the regions of a domain by the splitting route (no region kept)."""

    regions: Final[int]
    complete: Final[bool]
    interrupted: Final[bool]
    unsettled: Final[int]
    splits: Final[int]
    lps: Final[int]
    by_box: Final[int]
    unstable: Final[int]
    meeting: Final[int]

def count_split(
    net: Network,
    domain: Polytope,
    max_regions: int,
    workers: int | None = None,
    progress: Callable[[int, int, float], object] | None = None,
    outputs: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] | None = None,
    maps: str = "auto",
) -> RegionCount: ...
