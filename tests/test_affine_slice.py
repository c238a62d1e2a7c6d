"""Affine slices of any dimension (``Network.affine_slice``): the complex of
``t -> net(origin + U t)`` in t, checked against the 2-D polygon slicer (k = 2), the exact
walk (k = 1), dense sampling (k = 3) and the LP oracle of ``oracle_regions``."""

from __future__ import annotations

import numpy as np
import pytest
from oracle_regions import oracle_regions, unpack

import linregions as lr
from linregions.model.ir import Affine, Input, ReLU

INF = np.inf


def mlp(widths, seed: int, box: float = 1.0) -> lr.Network:
    rng = np.random.default_rng(seed)
    nodes: list = [Input(widths[0])]
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        nodes.append(Affine(len(nodes) - 1, rng.standard_normal((b, a)), rng.standard_normal(b)))
        if i < len(widths) - 2:
            nodes.append(ReLU(len(nodes) - 1, b))
    d = widths[0]
    return lr.Network(nodes, (d,), np.full(d, -box), np.full(d, box))


def composed(net: lr.Network, origin: np.ndarray, U: np.ndarray) -> list:
    """The chain of ``net`` with its first affine map composed with ``origin + U t`` by hand."""
    first = net.nodes[1]
    assert isinstance(first, Affine) and first.input == 0
    head = [Input(U.shape[1]), Affine(0, first.weight @ U, first.weight @ origin + first.bias)]
    return head + list(net.nodes[2:])


def test_planar_slice_has_the_polygons_regions():
    net = mlp((3, 8, 8, 2), seed=0)
    rng = np.random.default_rng(1)
    origin = rng.uniform(-0.3, 0.3, 3)
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    extent = (-1.5, 1.5, -1.0, 1.2)  # the rectangle leaves the input box: both clip to it
    polygons = net.slice(origin, u, v, extent)
    cx = net.affine_slice(origin, np.stack([u, v], axis=1), lr.Box(extent[::2], extent[1::2]))
    got, want = set(cx.keys), set(polygons.key_ints())
    assert want <= got
    # regions too thin for the polygon slicer (tol times the diagonal) may be extra
    diag = np.hypot(extent[1] - extent[0], extent[3] - extent[2])
    extra = [i for i, k in enumerate(cx.keys) if k not in want]
    assert (cx.inradius[extra] <= lr.SLICE_TOL * diag).all()
    assert cx.dim == 2 and cx.affine_slice is not None
    x = cx.to_input_space()
    assert ((x >= net.lo - 1e-12) & (x <= net.hi + 1e-12)).all()
    assert net.patterns(x).key_ints() == list(cx.keys)


def test_line_slice_follows_the_walk():
    net = mlp((4, 8, 8, 3), seed=2, box=2.0)
    rng = np.random.default_rng(3)
    x0, x1 = rng.uniform(-1.5, 1.5, (2, 4))
    walk = net.walk(x0, x1)
    cx = net.affine_slice(x0, x1 - x0, lr.Box(0.0, 1.0, dim=1))
    order = np.argsort(cx.points[:, 0])
    assert [cx.keys[i] for i in order] == list(walk.keys)
    # each piece's point lies between the walk's breakpoints of its region
    t = cx.points[order, 0]
    assert (t > walk.breakpoints[:-1]).all() and (t < walk.breakpoints[1:]).all()


def test_three_dimensional_slice_against_sampling():
    net = mlp((5, 10, 10, 3), seed=4, box=10.0)
    rng = np.random.default_rng(5)
    origin = rng.uniform(-0.5, 0.5, 5)
    U = 0.5 * rng.standard_normal((5, 3))
    cx = net.affine_slice(origin, U, lr.Box(-1.0, 1.0, dim=3))
    assert cx.complete and cx.dim == 3
    T = rng.uniform(-1.0, 1.0, (200_000, 3))
    sampled = set(net.patterns(origin + T @ U.T).key_ints())
    assert sampled <= set(cx.keys)
    # a region the sampler missed is thin: a ball of radius 0.05 holds 13 samples on average
    missed = [i for i, k in enumerate(cx.keys) if k not in sampled]
    assert (cx.inradius[missed] < 0.05).all()
    assert net.patterns(cx.to_input_space()).key_ints() == list(cx.keys)


def test_whole_plane_slice_matches_the_oracle():
    net = mlp((4, 6, 5, 2), seed=6)
    rng = np.random.default_rng(7)
    origin, U = rng.standard_normal(4), rng.standard_normal((4, 2))
    cx = net.affine_slice(origin, U, lr.Space(2))
    want = oracle_regions(composed(net, origin, U))
    bits = unpack(cx.bits, len(net.layout.layer))
    assert {tuple(b) for b in bits.tolist()} == {r.bits for r in want}
    assert cx.bounded is not None and not cx.bounded.all()
    assert net.patterns(cx.to_input_space()).key_ints() == list(cx.keys)


def test_default_domain_is_the_preimage_of_the_input_box():
    net = mlp((3, 6, 5, 2), seed=8, box=1.5)
    rng = np.random.default_rng(9)
    origin, U = rng.uniform(-0.5, 0.5, 3), rng.standard_normal((3, 2))
    cx = net.affine_slice(origin, U)
    G = np.vstack([U, -U])
    h = np.r_[origin - net.lo, net.hi - origin]
    want = oracle_regions(composed(net, origin, U), G, h)
    bits = unpack(cx.bits, len(net.layout.layer))
    assert {tuple(b) for b in bits.tolist()} == {r.bits for r in want}
    # over an infinite input box the default is all of R^k
    free = lr.Network(list(net.nodes), (3,), np.full(3, -INF), np.full(3, INF))
    whole = free.affine_slice(origin, U)
    assert set(whole.keys) == set(net.affine_slice(origin, U, lr.Space(2)).keys)
    assert set(cx.keys) <= set(whole.keys)


def test_slice_save_and_load(tmp_path):
    net = mlp((3, 6, 5, 2), seed=10)
    rng = np.random.default_rng(11)
    origin, U = rng.uniform(-0.2, 0.2, 3), rng.standard_normal((3, 2))
    cx = net.affine_slice(origin, U, lr.Space(2))
    cx.save(tmp_path / "slice.npz")
    back = lr.Complex.load(tmp_path / "slice.npz", net=net)
    np.testing.assert_array_equal(back.to_input_space(), cx.to_input_space())
    np.testing.assert_array_equal(back.bounded, cx.bounded)
    assert back.region(0).key == cx.keys[0]
    np.testing.assert_array_equal(back.edges, cx.edges)


def test_bad_slices_are_refused():
    net = mlp((3, 6, 5, 2), seed=0)
    with pytest.raises(lr.ShapeError, match="U has shape"):
        net.affine_slice(np.zeros(3), np.ones((2, 2)))
    with pytest.raises(lr.ShapeError, match="U has shape"):
        net.affine_slice(np.zeros(3), np.ones((3, 0)))
    with pytest.raises(lr.InvalidValueError, match="non-finite"):
        net.affine_slice(np.zeros(3), np.array([[1.0], [np.nan], [0.0]]))
    with pytest.raises(lr.ShapeError, match="the slice 2"):
        net.affine_slice(np.zeros(3), np.eye(3)[:, :2], lr.Box(-1.0, 1.0, dim=3))
    with pytest.raises(lr.EmptyPolytopeError, match="misses the input box"):
        net.affine_slice(np.array([0.0, 0.0, 5.0]), np.eye(3)[:, :2])
    with pytest.raises(lr.InvalidValueError, match="lr.Polytope"):
        net.affine_slice(np.zeros(3), np.eye(3)[:, :2], domain=(-1.0, 1.0))
