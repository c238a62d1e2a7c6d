"""Enumerating a complex to disk tile by tile: equal to net.regions, resumable after an
interruption or a lost chunk, refusing another network or domain."""

from __future__ import annotations

import json

import numpy as np
import pytest

import linregions as lr
from linregions.model.ir import random_mlp


def mlp(widths: list[int], seed: int) -> lr.Network:
    d = widths[0]
    return lr.Network(random_mlp(widths, seed=seed), (d,), lo=-np.ones(d), hi=np.ones(d))


def assert_same(streamed: lr.Complex, ref: lr.Complex, net: lr.Network) -> None:
    assert streamed.complete and streamed.unsettled == 0
    assert sorted(streamed.keys) == sorted(ref.keys)
    assert list(streamed.keys) == sorted(streamed.keys)  # merged complex sorted by key
    radius = dict(zip(ref.keys, ref.inradius))
    for k, r in zip(streamed.keys, streamed.inradius):
        assert abs(r - radius[k]) <= 1e-9
    # each point lies in its region and in the domain, with its insphere
    assert net.patterns(streamed.points).key_ints() == list(streamed.keys)
    assert all(streamed.domain.contains(p) for p in streamed.points)
    assert np.array_equal(streamed.predicted, np.argmax(net.logits(streamed.points), axis=1))


def chunk_files(path):
    return sorted(p.name for p in path.glob("chunk-*.npz"))


@pytest.mark.parametrize(
    ("widths", "seed", "cap"),
    [([2, 16, 16, 2], 1, 30), ([2, 20, 3], 2, 25), ([3, 12, 12, 2], 1, 60), ([3, 10, 2], 3, 15)],
)
def test_streamed_equals_regions(tmp_path, widths, seed, cap):
    net = mlp(widths, seed)
    ref = net.regions()
    out = lr.enumerate_to_disk(net, None, tmp_path / "cx", tile_regions=cap)
    assert out.complete and out.n_regions == ref.n_regions and out.n_split > 0
    assert out.n_chunks == len(chunk_files(tmp_path / "cx")) == out.n_computed
    assert_same(lr.load_chunks(out.path, net=net), ref, net)
    # chunks partition the key set
    parts = list(lr.iter_chunks(out.path))
    keys = [k for p in parts for k in p.keys]
    assert len(keys) == len(set(keys)) == ref.n_regions
    assert all(p.n_regions <= cap for p in parts)


def test_ball_in_eight_dimensions(tmp_path):
    # tile_regions above the 2^8 regions around a vertex of the arrangement
    net = mlp([8, 10, 10, 2], 4)
    ball = lr.Ball(np.full(8, 0.1), 0.3)
    ref = net.regions(ball)
    out = lr.enumerate_to_disk(net, ball, tmp_path / "ball", tile_regions=300)
    assert ref.n_regions > 300 and out.n_split > 0
    assert_same(out.load(net), ref, net)


def test_domain_with_rows(tmp_path):
    net = mlp([3, 12, 12, 2], 2)
    ball = lr.Ball([0.1, 0.0, -0.1], 0.8, norm="l1")
    ref = net.regions(ball)
    out = lr.enumerate_to_disk(net, ball, tmp_path, tiles=2, tile_regions=40)
    assert out.n_split > 0
    assert_same(lr.load_chunks(tmp_path), ref, net)


def test_streamed_adjacency_is_computed_with_the_network(tmp_path):
    net = mlp([2, 8, 2], 5)
    ref = net.regions(method="search")
    cx = lr.enumerate_to_disk(net, None, tmp_path, tile_regions=10).load(net)
    assert cx.adjacency is None
    edges = {frozenset((cx.keys[i], cx.keys[j])) for i, j in cx.edges}
    assert edges == {frozenset((ref.keys[i], ref.keys[j])) for i, j in ref.edges}


class Stop(Exception):
    pass


def stop_after(k: int):
    seen = []

    def hook(info: lr.model.complex_stream.ChunkWritten) -> None:
        seen.append(info.name)
        if len(seen) == k:
            raise Stop

    return hook, seen


def test_interrupted_run_resumes_to_the_same_chunks(tmp_path):
    net = mlp([3, 12, 12, 2], 1)
    full = lr.enumerate_to_disk(net, None, tmp_path / "full", tile_regions=60)
    hook, seen = stop_after(5)
    with pytest.raises(Stop):
        lr.enumerate_to_disk(net, None, tmp_path / "cut", tile_regions=60, on_chunk=hook)
    assert len(chunk_files(tmp_path / "cut")) == 5
    with pytest.warns(RuntimeWarning, match="has not finished"):
        partial = lr.load_chunks(tmp_path / "cut")
    assert not partial.complete and 0 < partial.n_regions < full.n_regions
    written = []
    again = lr.enumerate_to_disk(
        net, None, tmp_path / "cut", tile_regions=60, on_chunk=lambda c: written.append(c.name)
    )
    assert again.n_computed == full.n_chunks - 5 and not set(written) & set(seen)
    assert_same_chunks(tmp_path / "full", tmp_path / "cut")


def test_deleted_chunk_is_recomputed(tmp_path):
    net = mlp([2, 16, 16, 2], 1)
    path = tmp_path / "cx"
    first = lr.enumerate_to_disk(net, None, path, tile_regions=30)
    files = chunk_files(path)
    lost = files[len(files) // 2]
    before = np.load(path / lost)["key_halves"]
    (path / lost).unlink()
    with pytest.warns(RuntimeWarning, match="missing"):
        assert not lr.load_chunks(path).complete
    again = lr.enumerate_to_disk(net, None, path, tile_regions=30)
    assert again.n_computed == 1 and again.n_regions == first.n_regions
    assert np.array_equal(np.load(path / lost)["key_halves"], before)
    assert_same(lr.load_chunks(path), net.regions(), net)


def assert_same_chunks(a, b) -> None:
    assert chunk_files(a) == chunk_files(b)
    for name in chunk_files(a):
        za, zb = np.load(a / name), np.load(b / name)
        assert np.array_equal(za["key_halves"], zb["key_halves"])
        np.testing.assert_allclose(za["inradius"], zb["inradius"], atol=1e-12)
    ma, mb = (json.loads((p / "manifest.json").read_text()) for p in (a, b))
    assert ma == mb


def test_another_network_domain_or_tiling_is_refused(tmp_path):
    net = mlp([2, 8, 2], 0)
    lr.enumerate_to_disk(net, None, tmp_path, tile_regions=10)
    with pytest.raises(lr.InvalidValueError, match="another network"):
        lr.enumerate_to_disk(mlp([2, 8, 2], 1), None, tmp_path, tile_regions=10)
    with pytest.raises(lr.InvalidValueError, match="another domain"):
        lr.enumerate_to_disk(net, lr.Box(-0.5 * np.ones(2), np.ones(2)), tmp_path, tile_regions=10)
    with pytest.raises(lr.InvalidValueError, match="another tile_regions"):
        lr.enumerate_to_disk(net, None, tmp_path, tile_regions=11)
    with pytest.raises(lr.InvalidValueError, match="another first grid"):
        lr.enumerate_to_disk(net, None, tmp_path, tiles=3, tile_regions=10)


def test_refusals(tmp_path):
    net = mlp([2, 8, 2], 0)
    with pytest.raises(lr.InvalidValueError, match="bounded"):
        lr.enumerate_to_disk(net, lr.Space(2), tmp_path / "a")
    with pytest.raises(lr.InvalidValueError, match="fixes inputs"):
        lr.enumerate_to_disk(net, lr.Box([0.0, -1.0], [0.0, 1.0]), tmp_path / "b")
    with pytest.raises(lr.InvalidValueError, match="tile_regions"):
        lr.enumerate_to_disk(net, None, tmp_path / "c", tile_regions=0)
    with pytest.raises(lr.InvalidValueError, match="no enumeration"):
        lr.load_chunks(tmp_path / "nothing")
