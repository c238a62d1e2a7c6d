"""Type stubs for the Rust core (private; use the public facade in ``linregions``)."""

import numpy as np
import numpy.typing as npt

class Network:
    def __init__(self, n_inputs: int) -> None: ...
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
    def forward(
        self, x: npt.NDArray[np.float64], with_bits: bool = False
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint64] | None]: ...
    def region(
        self, x: npt.NDArray[np.float64], tol: float, policy: str
    ) -> tuple[
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.uint64],
        npt.NDArray[np.uint64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        list[tuple[int, int, float]],
    ]: ...

def pattern_keys(bits: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]: ...
def unique_keys(
    keys: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

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
def slice_network(
    net: Network,
    origin: npt.NDArray[np.float64],
    u: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    extent: tuple[float, float, float, float],
    tol: float,
    max_polygons: int,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]: ...
