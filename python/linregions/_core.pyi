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
