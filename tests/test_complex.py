"""The complex (net.regions): exact key sets against an independent LP oracle, the 2-D
slice and dense sampling; volumes, adjacency, degenerate networks, Dask, refusals."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import linprog

import linregions as lr
from linregions.model.ir import Add, Affine, Input, MaxPool, ReLU

from models import ir_mlp


def key_set(net: lr.Network, X: np.ndarray) -> set[int]:
    return set(net.patterns(X).key_ints())


# ---------------------------------------------------------------- independent oracle


def oracle_keys(
    weights: list[tuple[np.ndarray, np.ndarray]],
    net: lr.Network,
    lo: np.ndarray,
    hi: np.ndarray,
    min_radius: float = 1e-7,
) -> set[int]:
    """Every sign vector of a small ReLU MLP tested by a HiGHS Chebyshev LP; written with
    numpy and scipy only (the network's code is used for the key of the LP's centre)."""
    hidden = weights[:-1]
    sizes = [W.shape[0] for W, _ in hidden]
    d = lo.shape[0]
    keys = set()
    for signs in itertools.product((1.0, -1.0), repeat=sum(sizes)):
        s = np.array(signs)
        J, c = np.eye(d), np.zeros(d)
        rows, offs = [], []
        k = 0
        for W, bias in hidden:
            J, c = W @ J, W @ c + bias
            sl = s[k : k + W.shape[0]]
            rows.append(sl[:, None] * J)
            offs.append(sl * c)
            active = sl > 0
            J, c = J * active[:, None], c * active
            k += W.shape[0]
        A, b = np.vstack(rows), np.concatenate(offs)
        norms = np.linalg.norm(A, axis=1)
        # max r  s.t.  A x + b >= r |A_i|,  lo + r <= x <= hi - r
        A_ub = np.vstack(
            [
                np.column_stack([-A, norms]),
                np.column_stack([-np.eye(d), np.ones(d)]),
                np.column_stack([np.eye(d), np.ones(d)]),
            ]
        )
        b_ub = np.concatenate([b, -lo, hi])
        res = linprog(
            np.r_[np.zeros(d), -1.0],
            A_ub=A_ub,
            b_ub=b_ub,
            bounds=[(None, None)] * (d + 1),
            method="highs",
        )
        if res.status == 0 and res.x[-1] > min_radius:
            keys.add(net.patterns(res.x[:d][None]).key_ints()[0])
    return keys


#: The complex's two routes at d = 2: read off the slice ("auto"), and the search.
METHODS = ("auto", "search")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed,widths", [(0, (2, 4, 3, 2)), (1, (3, 4, 3, 2)), (2, (2, 7, 2))])
def test_key_set_equals_the_lp_oracle(seed, widths, method):
    net = ir_mlp(seed, widths)
    weights = [(n.weight, n.bias) for n in net.nodes if isinstance(n, Affine)]
    expected = oracle_keys(weights, net, net.lo, net.hi)
    cx = net.regions(method=method)
    assert cx.complete and cx.unsettled == 0
    assert set(cx.keys) == expected
    assert len(cx.keys) == len(expected)


# ---------------------------------------------------------------- against slice and sampling


@pytest.mark.parametrize("method", METHODS)
def test_d2_equals_the_slice(method):
    net = ir_mlp(3, (2, 16, 16, 3))
    cx = net.regions(method=method)
    sl = net.slice(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0)
    assert set(cx.keys) == set(sl.key_ints())
    assert nx.is_connected(cx.to_networkx())


def records(cx: lr.Complex) -> tuple[dict, set]:
    """Per key (facet count, inradius, point), and the edges as (key pair, unit) sets."""
    per_key = {
        k: (int(cx.n_facets[i]), float(cx.inradius[i]), cx.points[i]) for i, k in enumerate(cx.keys)
    }
    edges = {
        (frozenset((cx.keys[i], cx.keys[j])), tuple(u))
        for (i, j), u in zip(cx.edges.tolist(), cx.edge_units.tolist())
    }
    return per_key, edges


def leaky_residual(rng: np.random.Generator, d: int, width: int, n_out: int) -> lr.Network:
    """``x + leaky(W x + b)`` (slope 0.1), then a ReLU layer of ``width`` and ``n_out``
    logits, in ``[-1, 1]^d``."""
    nodes = [
        Input(d),
        Affine(0, rng.standard_normal((d, d)), rng.standard_normal(d) * 0.3),
        ReLU(1, d, 0.1),
        Add((0, 2), d),
        Affine(3, rng.standard_normal((width, d)), rng.standard_normal(width) * 0.3),
        ReLU(4, width),
        Affine(5, rng.standard_normal((n_out, width)), np.zeros(n_out)),
    ]
    return lr.Network(nodes, (d,), -np.ones(d), np.ones(d))


def two_input_nets() -> list[lr.Network]:
    """An MLP, a leaky MLP with a residual sum, and a max-pool net, all with two inputs."""
    rng = np.random.default_rng(21)
    leaky = leaky_residual(rng, 2, 9, 3)
    pool = [
        Input(2),
        Affine(0, rng.standard_normal((8, 2)), rng.standard_normal(8) * 0.3),
        ReLU(1, 8),
        Affine(2, rng.standard_normal((6, 8)), rng.standard_normal(6) * 0.3),
        MaxPool(3, np.array([[0, 1, 2], [3, 4, 5]])),
        Affine(4, rng.standard_normal((2, 2)), np.zeros(2)),
    ]
    return [
        ir_mlp(4, (2, 12, 12, 12, 3)),
        leaky,
        lr.Network(pool, (2,), -np.ones(2), np.ones(2)),
    ]


@pytest.mark.parametrize("which", range(3))
@pytest.mark.parametrize("domain", [None, "box"])
def test_d2_routes_give_the_same_records(which, domain):
    """The slice route and the search agree region by region: keys, facet counts, inradii
    (each certified against the region's own rows), adjacency and the unit of each edge."""
    net = two_input_nets()[which]
    dom = lr.Box([-0.7, -0.2], [0.4, 0.9]) if domain == "box" else None
    auto, search = net.regions(dom, method="auto"), net.regions(dom, method="search")
    lo, hi = auto.domain.lo, auto.domain.hi
    sampled = key_set(net, lo + (hi - lo) * (grid(2, 300, 0.0, 1.0)))
    assert auto.complete and auto.unsettled == 0 and sampled <= set(auto.keys)
    assert net.patterns(auto.points).key_ints() == list(auto.keys)
    (ka, ea), (ks, es) = records(auto), records(search)
    assert ka.keys() == ks.keys() and ea == es
    for k, (nf, r, x) in ka.items():
        assert nf == ks[k][0]
        assert r == pytest.approx(ks[k][1], rel=1e-7)
        region = net.region(x)
        d = lr.Polytope(region.A, region.b, auto.domain.lo, auto.domain.hi)
        slack = (d.A @ x + d.b) / np.linalg.norm(d.A, axis=1)
        assert min(slack.min(), (x - d.lo).min(), (d.hi - x).min()) >= r * (1 - 1e-9)


@pytest.mark.parametrize("d", [3, 4, 5, 6])
def test_dense_sample_keys_are_a_subset(d):
    net = ir_mlp(10 + d, (d, 10, 10, 3))
    cx = net.regions()
    X = np.random.default_rng(d).uniform(-1, 1, size=(20_000, d))
    assert key_set(net, X) <= set(cx.keys)
    # every point is strictly inside its region and the domain
    assert net.patterns(cx.points).key_ints() == list(cx.keys)
    assert (cx.points > -1).all() and (cx.points < 1).all() and (cx.inradius > 0).all()
    assert nx.is_connected(cx.to_networkx())
    assert (cx.predicted == np.argmax(net.logits(cx.points), axis=1)).all()


@pytest.mark.parametrize("d", [2, 3])
def test_volumes_sum_to_the_domain(d):
    net = ir_mlp(20 + d, (d, 8, 8, 2))
    cx = net.regions(lr.Box(-0.5, 0.75, dim=d))
    vol = cx.volumes()
    assert vol.exact
    assert vol.values.sum() == pytest.approx(1.25**d, rel=1e-9)
    est = cx.volumes(method="sample", n_samples=50_000)
    assert not est.exact and est.unassigned == 0
    assert est.values.sum() == pytest.approx(1.25**d, rel=1e-9)
    # binomial error of the exact share (the estimate's own stderr is 0 for empty cells)
    p = vol.values / 1.25**d
    sigma = 1.25**d * np.sqrt(p * (1 - p) / est.n_samples)
    assert (np.abs(est.values - vol.values) <= 6 * sigma + 2 * 1.25**d / est.n_samples).all()


# ---------------------------------------------------------------- degenerate networks


def grid(d: int, n: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    t = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    return np.stack(np.meshgrid(*[t] * d, indexing="ij"), axis=-1).reshape(-1, d)


def check_against_grid(net: lr.Network, cx: lr.Complex, n: int = 400, equal: bool = True) -> None:
    assert cx.complete and cx.unsettled == 0
    assert len(set(cx.keys)) == cx.n_regions
    sampled = key_set(net, grid(net.n_inputs, n))
    assert sampled == set(cx.keys) if equal else sampled <= set(cx.keys)
    assert net.patterns(cx.points).key_ints() == list(cx.keys)
    assert nx.is_connected(cx.to_networkx())


@pytest.mark.parametrize("method", METHODS)
def test_duplicate_dead_and_box_face_neurons(method):
    W = np.array([[1.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.5, -1.0]])
    b = np.array([0.2, 0.2, 0.6, 0.0, -1.0, 0.0])  # rows 0-2 coincide, 3 dead, 4 on x = 1
    nodes = [Input(2), Affine(0, W, b), ReLU(1, 6), Affine(2, np.ones((2, 6)), np.zeros(2))]
    net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    cx = net.regions(method=method)
    check_against_grid(net, cx)
    assert cx.n_regions == 4
    # the edge across x = -0.2 flips three coincident neurons at once
    assert sum(1 for e in cx.edge_units if e[0] == 0 and e[1] in (0, 1, 2)) == 2


@pytest.mark.parametrize("method", METHODS)
def test_later_layer_through_a_facet_and_maxpool_ties(method):
    # layer 2 unit = relu(h) of layer 1 again: its hyperplane lies on layer 1's; max-pool
    # windows holding equal entries (ties on whole regions) and crossing entries
    W1 = np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 1.0]])
    nodes = [
        Input(2),
        Affine(0, W1, np.array([0.1, 0.0, -0.3])),
        ReLU(1, 3),
        Affine(
            2,
            np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, -1.0], [0, 0, 1.0]]),
            np.array([0.0, 0.0, 0.0, -0.2]),
        ),
        MaxPool(3, np.array([[0, 1], [2, 3]])),
        Affine(4, np.eye(2), np.zeros(2)),
    ]
    net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    check_against_grid(net, net.regions(method=method))


def test_residual_and_leaky_nets():
    net = leaky_residual(np.random.default_rng(5), 3, 5, 2)
    cx = net.regions()
    check_against_grid(net, cx, n=40, equal=False)


def test_l1_ball_and_a_neuron_on_its_facet():
    # neuron x + y - 0.5 = 0 lies on a facet of the L1 ball of radius 0.5 at the origin
    W = np.array([[1.0, 1.0], [1.0, -2.0], [0.3, 1.0]])
    nodes = [Input(2), Affine(0, W, np.array([-0.5, 0.1, 0.05])), ReLU(1, 3)]
    net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    dom = lr.Ball([0.0, 0.0], 0.5, norm="l1")
    cx = net.regions(dom)
    X = grid(2, 400)
    X = X[np.abs(X).sum(axis=1) < 0.5]
    assert key_set(net, X) == set(cx.keys)
    assert cx.volumes().values.sum() == pytest.approx(0.5, rel=1e-9)


# ---------------------------------------------------------------- API


def test_cap_save_load_index_and_classes(tmp_path):
    net = ir_mlp(7, (2, 12, 12, 3))
    with pytest.warns(RuntimeWarning, match="max_regions"):
        capped = net.regions(max_regions=5)
    assert capped.n_regions == 5 and not capped.complete
    cx = net.regions(progress=lambda found, frontier, seconds: None, workers=1)
    path = tmp_path / "cx.npz"
    cx.save(path)
    back = lr.Complex.load(path, net=net)
    assert list(back.keys) == list(cx.keys) and (back.edges == cx.edges).all()
    i = cx.n_regions // 2
    assert cx.index_of(cx.points[i]) == i
    assert cx.region(i).key == cx.keys[i]
    assert cx.predicted[i] in cx.classes(i)
    n_cls = cx.n_classes_per_region()
    assert (n_cls >= 1).all() and n_cls.max() > 1


def test_interruption_returns_the_regions_found():
    # Ctrl-C reaches the search as KeyboardInterrupt raised in the progress callback: the
    # search stops after that batch and returns true regions, marked incomplete (the slice
    # route of d = 2 has no batches: it reports once, when it is done)
    net = ir_mlp(11, (2, 24, 24, 2))
    full = net.regions()

    def interrupt(found, frontier, seconds):
        raise KeyboardInterrupt

    with pytest.warns(RuntimeWarning, match="interrupted"):
        part = net.regions(progress=interrupt, method="search")
    assert not part.complete and full.complete
    assert 0 < part.n_regions < full.n_regions
    assert set(part.keys.tolist()) <= set(full.keys.tolist())
    assert key_set(net, part.points) == set(part.keys.tolist())


def test_local_complexity_matches_regions():
    net = ir_mlp(8, (2, 10, 10, 2))
    X = np.array([[0.1, 0.2], [-0.5, 0.4], [0.95, 0.95]])
    lc = lr.local_complexity(net, X, 0.1)
    for x, n in zip(X, lc.counts):
        box = lr.Box(np.maximum(x - 0.1, -1), np.minimum(x + 0.1, 1))
        assert n == net.regions(box).n_regions
        pts = np.random.default_rng(0).uniform(box.lo, box.hi, size=(5000, 2))
        assert len(key_set(net, pts)) <= n
    assert lc.complete.all()
    l1 = lr.local_complexity(net, X, 0.1, norm="l1")
    assert (l1.counts <= lc.counts).all()


def test_dask_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    net = ir_mlp(9, (3, 8, 8, 2))
    serial = net.regions()
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        tiled = net.regions(scheduler=client, tiles=2)
    assert set(tiled.keys) == set(serial.keys)
    assert tiled.n_regions == serial.n_regions and tiled.complete
    pos = {k: i for i, k in enumerate(serial.keys)}
    perm = np.array([pos[k] for k in tiled.keys])
    np.testing.assert_allclose(tiled.points, serial.points[perm], atol=1e-9)
    np.testing.assert_array_equal(tiled.n_facets, serial.n_facets[perm])
    as_serial = {tuple(sorted((int(perm[i]), int(perm[j])))) for i, j in tiled.edges}
    assert as_serial == {tuple(e) for e in serial.edges.tolist()}


# ---------------------------------------------------------------- refusals


def test_refusals():
    net = ir_mlp(0, (2, 4, 2))
    # an unbounded domain is enumerated as it is (tests/test_whole_space.py), not refused
    half = lr.Polytope(np.zeros((0, 2)), np.zeros(0), -np.ones(2), np.array([1, np.inf]))
    assert net.regions(half).bounded is not None
    with pytest.raises(lr.EmptyPolytopeError):
        net.regions(
            lr.Polytope(
                np.array([[1.0, 0], [-1.0, 0]]), np.array([-0.5, 0.2]), -np.ones(2), np.ones(2)
            )
        )
    with pytest.raises(lr.FlatPolytopeError):
        net.regions(lr.Box([0.0, 0.0], [0.0, 0.0]))
    with pytest.raises(lr.FlatPolytopeError):
        flat = lr.Polytope(
            np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2), -np.ones(2), np.ones(2)
        )
        net.regions(flat)
    with pytest.raises(lr.InvalidValueError, match="l2"):
        lr.Ball([0.0, 0.0], 0.1, norm="l2")
    with pytest.raises(lr.InvalidValueError, match="NaN"):
        lr.Ball([np.nan, 0.0], 0.1)
    with pytest.raises(lr.InvalidValueError, match="radius"):
        lr.Ball([0.0, 0.0], -1.0)
    with pytest.raises(lr.ShapeError):
        net.regions(lr.Box(-1.0, 1.0, dim=3))
    with pytest.raises(lr.ShapeError):
        lr.Box(-1.0, 1.0)
    with pytest.raises(lr.InvalidValueError):
        net.regions(max_regions=0)
    with pytest.raises(lr.InvalidValueError, match="method"):
        net.regions(method="slice")
    with pytest.raises(lr.InvalidValueError):
        net.regions(lr.Box([2.0, 2.0], [3.0, 3.0]))  # misses the input box
    with pytest.raises(lr.InvalidValueError, match="12"):
        lr.Ball(np.zeros(13), 0.1, norm="l1")
    with pytest.raises(lr.ShapeError):
        lr.local_complexity(net, np.zeros((2, 3)), 0.1)
    with pytest.raises(lr.InvalidValueError):
        lr.local_complexity(net, np.array([[np.nan, 0.0]]), 0.1)
