"""Regions of all of R^d and of unbounded polyhedra (``lr.Space``, infinite box sides).

One hidden layer in general position is checked against Zaslavsky's counts; deeper,
degenerate, leaky and max-pool networks against the oracle of ``oracle_regions`` (patterns
grown unit by unit, each kept when an LP finds its cell strictly feasible; no box), with the
bounded flags, recession directions, inradii and adjacency checked by their own LPs.
"""

from __future__ import annotations

import warnings
from math import comb

import numpy as np
import pytest
from oracle_regions import (
    chebyshev_radius,
    facet_shared,
    is_unbounded,
    oracle_regions,
    strict_point,
    unpack,
)

import linregions as lr
from linregions.model.ir import Add, Affine, Input, MaxPool, ReLU, random_mlp
from linregions.model.pattern_maps import pattern_maps

INF = np.inf
#: Relative agreement of an inradius with the Chebyshev LP.
RADIUS_RTOL = 1e-6
#: Slack allowed on ``A r >= 0`` for a unit recession direction.
DIRECTION_TOL = 1e-9


def one_layer(n: int, d: int, seed: int) -> lr.Network:
    nodes = random_mlp([d, n, 2], seed=seed)
    return lr.Network(nodes, (d,), -np.ones(d), np.ones(d))


def mlp(widths, seed: int, slope: float = 0.0) -> lr.Network:
    rng = np.random.default_rng(seed)
    nodes: list = [Input(widths[0])]
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        nodes.append(Affine(len(nodes) - 1, rng.standard_normal((b, a)), rng.standard_normal(b)))
        if i < len(widths) - 2:
            nodes.append(ReLU(len(nodes) - 1, b, slope))
    d = widths[0]
    return lr.Network(nodes, (d,), -np.ones(d), np.ones(d))


def by_bits(net: lr.Network, cx: lr.Complex) -> dict[tuple[bool, ...], int]:
    bits = unpack(cx.bits, len(net.layout.layer))
    return {tuple(row): i for i, row in enumerate(bits.tolist())}


def domain_rows(domain: lr.Polytope) -> tuple[np.ndarray, np.ndarray]:
    """The domain's rows and its finite box sides, as ``G x + h >= 0``."""
    d = domain.dim
    eye = np.eye(d)
    lo, hi = np.isfinite(domain.lo), np.isfinite(domain.hi)
    G = np.vstack([domain.A, eye[lo], -eye[hi]])
    h = np.concatenate([domain.b, -domain.lo[lo], domain.hi[hi]])
    return G, h


def check_against_oracle(net: lr.Network, domain: lr.Polytope, geometry: bool = True):
    """The complex and the count of ``domain`` against the oracle: patterns, keys, and (with
    ``geometry``) bounded flags, recession directions, inradii and points."""
    G0, h0 = domain_rows(domain)
    want = oracle_regions(list(net.nodes), G0, h0)
    cx = net.regions(domain)
    assert cx.complete and cx.unsettled == 0
    index = by_bits(net, cx)
    assert set(index) == {r.bits for r in want}
    assert len(index) == cx.n_regions
    # keys: the oracle's interior points, keyed by the forward pass
    assert set(net.patterns(np.array([r.x for r in want])).key_ints()) == set(cx.keys)
    assert net.count_regions(domain).n_regions == len(want)
    # every point lies in its region, within the domain
    assert net.patterns(cx.points).key_ints() == list(cx.keys)
    assert all(domain.contains(p) for p in cx.points)
    if not geometry:
        return cx
    assert cx.bounded is not None and cx.recession is not None
    for r in want:
        i = index[r.bits]
        unbounded = is_unbounded(r.G)
        assert bool(cx.bounded[i]) == (not unbounded), r.bits
        direction = cx.recession[i]
        if unbounded:
            assert abs(np.linalg.norm(direction) - 1) < 1e-12
            scale = np.linalg.norm(r.G, axis=1)
            assert (r.G @ direction >= -DIRECTION_TOL * scale).all()
        else:
            assert not direction.any()
        radius = chebyshev_radius(r.G, r.h)
        if np.isinf(radius):
            assert np.isinf(cx.inradius[i])
        else:
            assert cx.inradius[i] == pytest.approx(radius, rel=RADIUS_RTOL, abs=1e-9)
    return cx


@pytest.mark.parametrize(
    "n,d,seed", [(4, 2, 0), (7, 2, 1), (6, 3, 2), (9, 3, 3), (8, 4, 4), (3, 5, 5), (6, 5, 6)]
)
def test_one_layer_counts_are_zaslavsky(n, d, seed):
    net = one_layer(n, d, seed)
    expect = sum(comb(n, i) for i in range(d + 1))
    assert net.count_regions(lr.Space(d)).n_regions == expect
    cx = net.regions(lr.Space(d))
    assert cx.n_regions == expect and cx.complete
    assert len(set(cx.keys)) == expect
    # bounded regions of n hyperplanes in general position: C(n - 1, d)
    assert int(cx.bounded.sum()) == comb(n - 1, d)
    assert np.isfinite(cx.inradius[cx.bounded]).all()


@pytest.mark.parametrize("widths,seed", [((2, 6, 5, 3), 0), ((2, 6, 5, 3), 1), ((3, 5, 5, 2), 2)])
def test_deep_nets_match_the_oracle(widths, seed):
    net = mlp(widths, seed)
    cx = check_against_oracle(net, lr.Space(widths[0]))
    assert cx.domain.n_rows == 0 and np.isinf(cx.domain.lo).all()


def test_leaky_relu_matches_the_oracle():
    check_against_oracle(mlp((2, 5, 4, 2), seed=3, slope=0.1), lr.Space(2))


def test_output_constraints_are_counted_over_the_whole_space():
    net = mlp((2, 6, 5, 3), seed=1)
    systems = [
        (np.array([[1.0, -1.0, 0.0], [1.0, 0.0, -1.0]]), np.zeros(2)),  # class 0 loses to both
        (np.array([[0.0, 0.0, 1.0]]), np.array([-2.0])),  # y_2 <= -2
    ]
    meeting = 0
    for r in oracle_regions(list(net.nodes)):
        for C, e in systems:
            # C (W x + c) <= e  as  -C W x + (e - C c) >= 0, with the region's rows
            G = np.vstack([r.G, -C @ r.W])
            h = np.r_[r.h, e - C @ r.c]
            if strict_point(G, h) is not None:
                meeting += 1
                break
    count = net.count_regions(lr.Space(2), outputs=systems)
    assert count.meeting == meeting
    assert 0 < meeting < count.n_regions


def test_no_domain_with_an_infinite_box_is_the_whole_space():
    net = mlp((2, 6, 5, 3), seed=0)
    free = lr.Network(list(net.nodes), (2,), np.full(2, -INF), np.full(2, INF))
    assert set(free.regions().keys) == set(net.regions(lr.Space(2)).keys)
    assert free.count_regions().n_regions == net.count_regions(lr.Space(2)).n_regions


def halfspace(d, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(d)
    return lr.Polytope(a[None], [0.3], np.full(d, -INF), np.full(d, INF))


def wedge(d, seed):
    rng = np.random.default_rng(seed)
    return lr.Polytope(rng.standard_normal((2, d)), [0.5, -0.2], np.full(d, -INF), np.full(d, INF))


def half_box(d, seed):
    lo = np.full(d, -INF)
    lo[0] = 0.25  # x_0 >= 0.25, the rest free
    return lr.Polytope(np.zeros((0, d)), np.zeros(0), lo, np.full(d, INF))


def triangle(d, seed):
    """Bounded by its rows alone (infinite box): enumerated in its bounding box."""
    assert d == 2
    A = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    return lr.Polytope(A, [2.0, 2.0, 1.0], np.full(2, -INF), np.full(2, INF))


@pytest.mark.parametrize("make", [halfspace, wedge, half_box, triangle])
def test_polyhedral_domains_match_the_oracle(make):
    net = mlp((2, 6, 5, 3), seed=1)
    domain = make(2, 7)
    cx = check_against_oracle(net, domain)
    assert cx.domain is domain or make is triangle
    if make is triangle:  # enumerated in its bounding box by the bounded route
        assert cx.cone is None and np.isfinite(cx.domain.lo).all()
    if make is halfspace:
        # a region that meets the half-space keeps only its part there
        assert (cx.bounded | (cx.recession @ domain.A[0] >= -DIRECTION_TOL)).all()


def degenerate_net() -> lr.Network:
    """Two neurons on one hyperplane (same and opposite sides), two parallel ones, a dead
    neuron and an always-active one, then a second layer."""
    rng = np.random.default_rng(11)
    W = rng.standard_normal((3, 2))
    b = rng.standard_normal(3)
    W1 = np.vstack([W, 2 * W[0], -W[0], W[1], np.zeros((2, 2))])
    b1 = np.r_[b, 2 * b[0], -b[0], b[1] + 0.7, -1.0, 0.5]
    W2 = rng.standard_normal((4, 8))
    nodes = [
        Input(2),
        Affine(0, W1, b1),
        ReLU(1, 8),
        Affine(2, W2, rng.standard_normal(4)),
        ReLU(3, 4),
        Affine(4, rng.standard_normal((2, 4)), np.zeros(2)),
    ]
    return lr.Network(nodes, (2,), -np.ones(2), np.ones(2))


def test_degenerate_neurons_match_the_oracle():
    cx = check_against_oracle(degenerate_net(), lr.Space(2))
    # the parallel pair makes strips: unbounded regions whose inradius is finite
    assert (~cx.bounded & np.isfinite(cx.inradius)).any()


def maxpool_net() -> lr.Network:
    rng = np.random.default_rng(5)
    nodes = [
        Input(2),
        Affine(0, rng.standard_normal((6, 2)), rng.standard_normal(6)),
        MaxPool(1, np.array([[0, 1, 2], [3, 4, -1], [5, -1, -1]])),
        Affine(2, rng.standard_normal((3, 3)), rng.standard_normal(3)),
        ReLU(3, 3),
        Affine(4, rng.standard_normal((2, 3)), np.zeros(2)),
    ]
    return lr.Network(nodes, (2,), -np.ones(2), np.ones(2))


def test_maxpool_net_matches_the_oracle():
    check_against_oracle(maxpool_net(), lr.Space(2))


def residual_net() -> lr.Network:
    """A leaky-ReLU block with a skip connection (an Add of two branches)."""
    rng = np.random.default_rng(9)
    nodes = [
        Input(3),
        Affine(0, rng.standard_normal((5, 3)), rng.standard_normal(5)),
        ReLU(1, 5, 0.2),
        Affine(2, rng.standard_normal((5, 5)), rng.standard_normal(5)),
        Add((3, 1), 5),
        ReLU(4, 5, rng.uniform(0.0, 0.3, 5)),
        Affine(5, rng.standard_normal((2, 5)), np.zeros(2)),
    ]
    return lr.Network(nodes, (3,), -np.ones(3), np.ones(3), fuse=False)


@pytest.mark.parametrize("make", [degenerate_net, maxpool_net, residual_net])
def test_rows_from_patterns_are_the_regions_rows(make):
    net = make()
    X = np.random.default_rng(0).uniform(-1, 1, (40, net.n_inputs))
    A, b = pattern_maps(list(net.nodes), net.patterns(X).bits)
    for i, x in enumerate(X):
        r = net.region(x, on_boundary="inactive")
        np.testing.assert_allclose(A[i], r.A, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b[i], r.b, rtol=1e-12, atol=1e-12)


def test_residual_leaky_net_over_the_whole_space_keeps_its_keys():
    net = residual_net()
    cx = net.regions(lr.Space(3))
    assert net.count_regions(lr.Space(3)).n_regions == cx.n_regions
    # a dense sample of a large box finds no pattern outside the complex
    X = np.random.default_rng(1).uniform(-20, 20, (100_000, 3))
    free = cx.net
    assert set(free.patterns(X).key_ints()) <= set(cx.keys)
    assert free.patterns(cx.points).key_ints() == list(cx.keys)


def test_edges_match_shared_facets():
    net = mlp((2, 6, 5, 3), seed=0)
    cx = net.regions(lr.Space(2))
    want = oracle_regions(list(net.nodes))
    index = by_bits(net, cx)
    expect = set()
    facets = np.zeros(cx.n_regions, dtype=int)
    for r in want:
        i = index[r.bits]
        for u in range(len(r.bits)):
            if facet_shared(r.G, r.h, u):
                facets[i] += 1
                flipped = list(r.bits)
                flipped[u] = not flipped[u]
                j = index[tuple(flipped)]
                expect.add((min(i, j), max(i, j), u))
    units = {(i, j): u for (i, j), u in zip(cx.edges.tolist(), cx.edge_units.tolist())}
    layer_start = np.searchsorted(net.layout.layer, np.arange(net.n_layers))
    got = {(i, j, int(layer_start[lay]) + unit) for (i, j), (lay, unit) in units.items()}
    assert got == expect
    assert cx.n_facets.tolist() == facets.tolist()


def test_save_and_load_keep_the_unbounded_fields(tmp_path):
    net = mlp((2, 6, 5, 3), seed=1)
    cx = net.regions(lr.Space(2))
    path = tmp_path / "space.npz"
    cx.save(path)
    back = lr.Complex.load(path, net=net)
    np.testing.assert_array_equal(back.bounded, cx.bounded)
    np.testing.assert_array_equal(back.recession, cx.recession)
    np.testing.assert_array_equal(back.inradius, cx.inradius)
    assert list(back.keys) == list(cx.keys)
    assert np.isinf(back.domain.lo).all()
    # the adjacency of the loaded complex is computed on the rebuilt cone
    assert back.adjacency is None
    np.testing.assert_array_equal(back.edges, cx.edges)
    # regions far outside the input box are rebuilt
    far = int(np.argmax(np.abs(cx.points).max(axis=1)))
    assert back.region(far).key == cx.keys[far]
    bare = lr.Complex.load(path)
    assert bare.net is None and bare.bounded is not None


def test_bad_unbounded_domains_are_refused():
    net = mlp((2, 6, 5, 3), seed=0)
    with pytest.raises(lr.InvalidValueError, match="positive integer"):
        lr.Space(0)
    with pytest.raises(lr.InvalidValueError, match="positive integer"):
        lr.Space(2.5)  # type: ignore[arg-type]
    with pytest.raises(lr.ShapeError, match="3 dimensions"):
        net.regions(lr.Space(3))
    free = np.full(2, INF)
    empty = lr.Polytope([[1.0, 0.0], [-1.0, 0.0]], [-1.0, -1.0], -free, free)  # x >= 1, x <= -1
    with pytest.raises(lr.EmptyPolytopeError):
        net.regions(empty)
    flat = lr.Polytope([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0], -free, free)  # x = 0
    with pytest.raises(lr.FlatPolytopeError):
        net.count_regions(flat)
    with pytest.raises(lr.InvalidValueError, match="bounded domain"):
        net.regions(lr.Space(2)).volumes()


def test_capped_search_warns_and_is_incomplete():
    net = mlp((2, 6, 5, 3), seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cx = net.regions(lr.Space(2), max_regions=5)
    assert not cx.complete and cx.n_regions <= 5
    assert any("max_regions" in str(w.message) for w in caught)
