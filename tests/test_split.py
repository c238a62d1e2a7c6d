"""The splitting route against independent ones: the search route's key sets and adjacency,
dense sampling, the exact 2-D slice of a box that fixes inputs, and nnenum's published
counts on real ACAS Xu boxes."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import torch

import linregions as lr
from linregions.model.complex import keys_to_ints
from linregions.model.ir import Affine, Input, MaxPool, ReLU, random_mlp

DATA = os.path.join(os.path.dirname(__file__), "data")


def mlp_net(widths: list[int], seed: int, lo: float = -1.0, hi: float = 1.0) -> lr.Network:
    d = widths[0]
    return lr.Network(random_mlp(widths, seed=seed), (d,), np.full(d, lo), np.full(d, hi))


def key_set(cx: lr.Complex) -> set[int]:
    return set(cx.keys.tolist())


def edge_keys(cx: lr.Complex) -> set[tuple[int, int]]:
    return {
        (min(cx.keys[i], cx.keys[j]), max(cx.keys[i], cx.keys[j])) for i, j in cx.edges.tolist()
    }


@pytest.mark.parametrize(("d", "seed"), [(3, 0), (4, 1), (5, 2)])
def test_split_equals_search_on_random_mlps(d: int, seed: int) -> None:
    net = mlp_net([d, 12, 12, 3], seed)
    a = net.regions(method="search")
    b = net.regions(method="split")
    assert a.complete and b.complete and a.unsettled == 0 and b.unsettled == 0
    assert key_set(a) == key_set(b)
    ia = dict(zip(a.keys.tolist(), a.inradius))
    for k, r in zip(b.keys.tolist(), b.inradius):
        assert r == pytest.approx(ia[k], rel=1e-7, abs=1e-9)
    # the adjacency computed on first access equals the search's
    assert b.adjacency is None
    assert edge_keys(a) == edge_keys(b)
    nf = dict(zip(a.keys.tolist(), a.n_facets))
    assert all(nf[k] == f for k, f in zip(b.keys.tolist(), b.n_facets))
    # every sampled point's region is found, and its center lies in it
    X = np.random.default_rng(seed).uniform(-1, 1, (20_000, d))
    assert set(net.patterns(X).key_ints()) <= key_set(b)
    assert net.patterns(b.points).key_ints() == b.keys.tolist()


def test_count_regions_equals_the_complex_and_respects_the_cap() -> None:
    net = mlp_net([3, 10, 10, 2], 5)
    cx = net.regions()
    c = net.count_regions()
    assert c.n_regions == cx.n_regions and c.complete and c.unsettled == 0
    assert 0 < c.unstable <= net.n_neurons
    with pytest.warns(RuntimeWarning, match="max_regions"):
        capped = net.count_regions(max_regions=cx.n_regions - 1)
    assert capped.n_regions == cx.n_regions - 1 and not capped.complete
    exact = net.count_regions(max_regions=cx.n_regions)
    assert exact.complete and exact.n_regions == cx.n_regions
    with pytest.raises(lr.InvalidValueError):
        net.count_regions(max_regions=0)


def test_torch_residual_leaky_net_in_a_ball() -> None:
    torch.manual_seed(0)

    class Block(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Linear(4, 4)
            self.b = torch.nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.b(torch.nn.functional.leaky_relu(self.a(x), 0.05))

    model = (
        torch.nn.Sequential(
            torch.nn.Linear(4, 4), torch.nn.ReLU(), Block(), torch.nn.ReLU(), torch.nn.Linear(4, 3)
        )
        .double()
        .eval()
    )
    net = lr.from_torch(model, input_shape=(4,), bounds=(-1.0, 1.0))
    for dom in (lr.Ball(np.full(4, 0.1), 0.5), lr.Ball(np.zeros(4), 0.6, norm="l1")):
        a = net.regions(dom, method="search")
        b = net.regions(dom, method="split")
        assert key_set(a) == key_set(b) and b.complete
        assert all(dom.contains(p) for p in b.points)


def test_masked_carrier_on_a_small_cnn_equals_the_search() -> None:
    # a convolutional net (sparse weights) whose carrier is masks, not dense maps: the keys
    # and inradii equal the facet-following search's, and the dense carrier's count
    torch.manual_seed(1)
    model = (
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 3, 3),
            torch.nn.ReLU(),
            torch.nn.Conv2d(3, 2, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(2 * 4 * 4, 6),
            torch.nn.ReLU(),
            torch.nn.Linear(6, 3),
        )
        .double()
        .eval()
    )
    net = lr.from_torch(model, input_shape=(1, 6, 6), bounds=(0.0, 1.0))
    x = np.random.default_rng(4).uniform(0.3, 0.7, 36)
    r = 0.1
    dom = lr.Box(np.maximum(x - r, 0.0), np.minimum(x + r, 1.0))
    a = net.regions(dom, method="search")
    core = net._search_args(np.zeros((0, 36)), np.zeros(0), dom.lo, dom.hi, 10**6, None)
    masked = lr._core.complex_split(*core, None, "masked")
    dense = lr._core.count_split(*core, None, None, "dense")
    assert a.complete and masked.complete and 100 < a.n_regions == dense.regions
    assert sorted(keys_to_ints(masked.keys)) == sorted(key_set(a))
    inradius = dict(zip(keys_to_ints(masked.keys), masked.inradius))
    for k, r in zip(a.keys.tolist(), a.inradius):
        assert abs(inradius[k] - r) <= 1e-7 * (1.0 + r)


def test_stable_neurons_never_lose_a_region() -> None:
    # a small ball: most neurons never switch inside it, and the count equals the search's
    net = mlp_net([8, 40, 40, 40, 4], 7)
    x = np.random.default_rng(3).uniform(-0.5, 0.5, 8)
    dom = lr.Ball(x, 0.08)
    c = net.count_regions(dom)
    assert c.unstable < net.n_neurons // 4
    assert c.n_regions == net.regions(dom, method="search").n_regions


def test_a_box_that_fixes_an_input_is_its_slice() -> None:
    # d = 3 with x_2 fixed: the regions are those of the exact 2-D slice through the plane
    net = mlp_net([3, 10, 10, 2], 11)
    box = lr.Box([-1.0, -1.0, 0.3], [1.0, 1.0, 0.3])
    cx = net.regions(box)
    assert cx.fixed_inputs is not None and cx.dim == 2
    full = cx.fixed_inputs.to_input_space(cx.points)
    np.testing.assert_array_equal(full[:, 2], 0.3)
    # same keys as the full network's at the same inputs
    assert net.patterns(full).key_ints() == cx.keys.tolist()
    sl = net.slice([0.0, 0.0, 0.3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], extent=1.0)
    assert set(keys_to_ints(sl.keys).tolist()) == key_set(cx)
    assert net.count_regions(box).n_regions == cx.n_regions
    with pytest.raises(lr.FlatPolytopeError):
        net.regions(lr.Box([0.3] * 3, [0.3] * 3))


def test_max_pool_networks_take_the_search_route() -> None:
    nodes = [Input(2), Affine(0, np.eye(2), np.zeros(2)), ReLU(1, 2)]
    net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    assert not net.has_max_pool
    pooled = lr.Network([*nodes, MaxPool(2, np.array([[0, 1]]))], (2,), -np.ones(2), np.ones(2))
    assert pooled.has_max_pool
    with pytest.raises(lr.InvalidValueError, match="max-pool"):
        pooled.regions(method="split")
    assert pooled.count_regions().n_regions == pooled.regions().n_regions


def test_progress_callback_can_stop_the_split() -> None:
    net = mlp_net([4, 32, 32, 2], 13)
    calls = []

    def stop(found: int, frontier: int, seconds: float) -> None:
        calls.append(found)
        raise KeyboardInterrupt

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cx = net.regions(lr.Box(-np.ones(4), np.ones(4)), progress=stop)
    assert calls and not cx.complete
    assert any("interrupted" in str(w.message) for w in caught)
    every = key_set(net.regions(method="split"))
    assert key_set(cx) <= every


# nnenum (Bak et al., CAV 2020) in exact mode with no property, float64 inputs, 2 processes,
# on ACAS Xu network 1_1 (VNN-COMP 2021, tests/data): total_stars of enumerate_network over
# each property's input box. Property 4 fixes input 2 (nnenum folds it into the bias).
NNENUM_ACAS_1_1 = {1: 39_835, 3: 71_930, 4: 19_143}


@pytest.mark.parametrize("prop", sorted(NNENUM_ACAS_1_1))
def test_acas_xu_counts_equal_nnenum(prop: int) -> None:
    spec = lr.read_vnnlib(os.path.join(DATA, f"acasxu_prop_{prop}.vnnlib"))
    net = lr.from_onnx(os.path.join(DATA, "ACASXU_run2a_1_1_batch_2000.onnx"), bounds=spec)
    c = net.count_regions()
    assert c.complete and c.unsettled == 0
    assert c.n_regions == NNENUM_ACAS_1_1[prop]


@pytest.mark.slow
def test_local_complexity_on_a_cluster_equals_serial() -> None:
    distributed = pytest.importorskip("distributed")
    net = mlp_net([6, 16, 16, 3], 17)
    X = np.random.default_rng(5).uniform(-0.6, 0.6, (6, 6))
    serial = lr.local_complexity(net, X, 0.2)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        spread = lr.local_complexity(net, X, 0.2, scheduler=client)
    np.testing.assert_array_equal(spread.counts, serial.counts)
    np.testing.assert_array_equal(spread.unstable, serial.unstable)
    assert spread.complete.all() and (serial.counts > 1).any()
    # each count equals the size of the complex of its ball
    for x, n in zip(X, serial.counts):
        assert net.regions(lr.Ball(x, 0.2), method="search").n_regions == n


def test_regions_meeting_an_output_constraint_equal_a_per_region_check() -> None:
    # y_0 - y_1 >= q or y_2 <= q' (q, q' quantiles of the sampled outputs): checked region
    # by region on the complex with the polytope engine (the region's rows, the box and the
    # constraint's rows: a positive radius)
    net = mlp_net([3, 8, 8, 3], 23)
    Y = net.logits(np.random.default_rng(0).uniform(-1, 1, (5000, 3)))
    q0, q2 = np.quantile(Y[:, 0] - Y[:, 1], 0.8), np.quantile(Y[:, 2], 0.1)
    systems = [
        (np.array([[-1.0, 1.0, 0.0]]), np.array([-q0])),
        (np.array([[0.0, 0.0, 1.0]]), np.array([q2])),
    ]
    c = net.count_regions(outputs=systems)
    cx = net.regions()
    expected = 0
    for i in range(cx.n_regions):
        r = cx.region(i)
        W, w0 = r.logit_map
        for C, e in systems:
            poly = lr.Polytope(
                np.vstack([r.A, -C @ W]), np.concatenate([r.b, e - C @ w0]), r.lo, r.hi
            )
            try:
                radius = poly.insphere().radius
            except lr.EmptyPolytopeError:
                continue
            if radius > 1e-9:
                expected += 1
                break
    assert 0 < c.meeting < c.n_regions
    assert c.meeting == expected
    assert net.count_regions().meeting == -1
    with pytest.raises(lr.ShapeError):
        net.count_regions(outputs=[(np.ones((1, 2)), np.zeros(1))])
