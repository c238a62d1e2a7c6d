"""Type stubs for the Rust core (private; use the public facade in ``linregions``).

Checked against the built extension by ``python -m mypy.stubtest linregions._core``.
"""

from typing import ClassVar, final

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
    "insphere",
    "classify_rows",
    "weighted_gram",
    "lp_minimize",
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

def insphere(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    rel_tol: float,
    abs_tol: float,
    max_iter: int,
) -> tuple[npt.NDArray[np.float64], float, float, int, str]: ...
def weighted_gram(
    a: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    rows: npt.NDArray[np.int64] | None,
    single: bool,
) -> npt.NDArray[np.float64]: ...
def lp_minimize(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    c0: float,
    x0: npt.NDArray[np.float64],
    rel_tol: float,
    abs_tol: float,
    max_iter: int,
    stop_below: float,
    stop_above: float,
) -> tuple[npt.NDArray[np.float64], float, float, int, str]: ...
def classify_rows(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    x0: npt.NDArray[np.float64],
    tol: float,
    duplicate_tol: float,
    max_bends: int,
) -> tuple[npt.NDArray[np.uint8], int, int]: ...
