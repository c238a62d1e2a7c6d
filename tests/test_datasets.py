"""Dataset loaders read files written here, and reject missing or truncated ones."""

import gzip
import pickle

import numpy as np
import pytest

from linregions.experiments.datasets import (
    DatasetError,
    load_cifar10,
    load_mnist,
    read_idx,
    stratified_split,
)


def write_idx(path, array, compress):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def make_idx_folder(folder, n_train=7, n_test=3, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    suffix = ".gz" if compress else ""
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28))
        labels = rng.integers(0, 10, n)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("compress", [True, False])
def test_idx_roundtrip(tmp_path, compress):
    arrays = make_idx_folder(tmp_path, compress=compress)
    data = load_mnist(str(tmp_path))
    X, y = data["train"]
    images, labels = arrays["train"]
    assert X.shape == (7, 784) and X.min() >= -1 and X.max() <= 1
    np.testing.assert_allclose((X + 1) * 127.5, images.reshape(7, -1))
    np.testing.assert_array_equal(y, labels)
    assert data["test"][0].shape == (3, 784)


def test_truncated_and_missing_idx_files_are_named(tmp_path):
    make_idx_folder(tmp_path, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    good = path.read_bytes()
    path.write_bytes(good[:-10])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.*truncated"):
        load_mnist(str(tmp_path))
    path.write_bytes(good)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="nope cannot be read"):
        read_idx(str(tmp_path / "nope"))
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte"):
        load_mnist(str(tmp_path))
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x00\x00\x0d\x01abc")
    with pytest.raises(DatasetError, match="not an IDX file"):
        read_idx(str(bad))


def write_cifar(folder, n=4, seed=0):
    rng = np.random.default_rng(seed)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels}, f)
        batches[name] = (data, labels)
    return batches


def test_cifar_roundtrip_and_truncation(tmp_path):
    batches = write_cifar(tmp_path)
    data = load_cifar10(str(tmp_path))
    X, y = data["train"]
    assert X.shape == (20, 3, 32, 32)
    first = batches["data_batch_1"][0].reshape(4, 3, 32, 32)
    np.testing.assert_allclose((X[:4] + 1) * 127.5, first)
    assert y[:4].tolist() == batches["data_batch_1"][1]
    path = tmp_path / "data_batch_3"
    good = path.read_bytes()
    path.write_bytes(good[:100])
    with pytest.raises(DatasetError, match="data_batch_3.*truncated or corrupt"):
        load_cifar10(str(tmp_path))
    path.write_bytes(good)
    (tmp_path / "test_batch").unlink()
    with pytest.raises(DatasetError, match="test_batch is missing"):
        load_cifar10(str(tmp_path))


def test_stratified_split_keeps_class_proportions():
    y = np.repeat(np.arange(5), 100)
    a, b, c = stratified_split(y, (0.8, 0.1, 0.1), seed=0)
    assert len(a) + len(b) + len(c) == 500
    assert len(set(a) | set(b) | set(c)) == 500
    for part, n in ((a, 80), (b, 10), (c, 10)):
        assert np.bincount(y[part]).tolist() == [n] * 5


def test_mnist_5k_is_real_digits():
    from linregions.experiments.datasets import load_mnist_5k

    X, y = load_mnist_5k()
    assert X.shape == (5000, 784) and np.bincount(y).tolist() == [500] * 10
    assert X.min() == -1.0 and X.max() == 1.0
