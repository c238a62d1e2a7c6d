"""Face posets, homology, persistence and the dual graph (linregions.topology).

Every number is checked against a route that does not share the code under test: scipy's
HalfspaceIntersection and the Rust facet method for the face counts, the Complex's own
adjacency for the dual graph, convex hulls for the facet volumes, gudhi against the duality
route for Betti numbers, and shapes whose homology and critical values are known by
construction (weights written out below).
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from scipy.spatial import ConvexHull, HalfspaceIntersection

import linregions as lr
from linregions.model.ir import Affine, Input, ReLU, random_mlp
from linregions.topology import homology as H

# -- networks with known decision regions -------------------------------------------------------


def net_from(layers, d, lo=-1.0, hi=1.0):
    """A ReLU MLP from its (weight, bias) pairs; ReLU after every layer but the last."""
    nodes: list = [Input(d)]
    for i, (W, b) in enumerate(layers):
        nodes.append(Affine(len(nodes) - 1, np.asarray(W, float), np.asarray(b, float)))
        if i < len(layers) - 1:
            nodes.append(ReLU(len(nodes) - 1, np.shape(W)[0]))
    return lr.Network(nodes, (d,), np.full(d, lo), np.full(d, hi), fuse=False)


def abs_layer(d, used=None):
    """relu(x_i), relu(-x_i) per input i in ``used``: |x_i| is the sum of the pair (two
    neurons on one hyperplane, a degenerate layer)."""
    used = range(d) if used is None else used
    W = np.zeros((2 * len(used), d))
    for k, i in enumerate(used):
        W[2 * k, i], W[2 * k + 1, i] = 1.0, -1.0
    return W, np.zeros(2 * len(used))


def annulus_net(d=2):
    """r = |x1| + |x2|; logit 0 = 0.2 - |r - 0.5|, logit 1 = 0. Class 0 is the square annulus
    0.3 <= r <= 0.7 (times [-1, 1]^(d-2))."""
    W1, b1 = abs_layer(d, used=[0, 1])
    return net_from(
        [
            (W1, b1),
            (np.array([[1.0] * 4, [-1.0] * 4]), np.array([-0.5, 0.5])),
            (np.array([[-1.0, -1.0], [0.0, 0.0]]), np.array([0.2, 0.0])),
        ],
        d,
    )


def strips_net():
    """logit 0 = |x1| - 0.5, logit 1 = 0: class 0 is two strips |x1| >= 0.5."""
    W1, b1 = abs_layer(2)
    return net_from([(W1, b1), (np.array([[1.0, 1.0, 0, 0], [0, 0, 0, 0]]), [-0.5, 0.0])], 2)


def shell_net():
    """r = |x1| + |x2| + |x3|; class 0 is the octahedral shell 0.3 <= r <= 0.7 (a cavity)."""
    W1, b1 = abs_layer(3)
    return net_from(
        [
            (W1, b1),
            (np.array([[1.0] * 6, [-1.0] * 6]), np.array([-0.5, 0.5])),
            (np.array([[-1.0, -1.0], [0.0, 0.0]]), np.array([0.2, 0.0])),
        ],
        3,
    )


def torus_net():
    """logit 0 = min(0.2 - |r - 0.5|, 0.3 - |x3|) with r = |x1| + |x2| (min(a, b) = a -
    relu(a - b)): class 0 is a solid torus, a square annulus times |x3| <= 0.3."""
    W1, b1 = abs_layer(3)
    W2 = np.array([[1, 1, 1, 1, 0, 0], [-1, -1, -1, -1, 0, 0], [0, 0, 0, 0, 1, 1]], float)
    W3 = np.array([[-1, -1, 1], [1, 0, 0], [0, 1, 0]], float)
    return net_from(
        [
            (W1, b1),
            (W2, np.array([-0.5, 0.5, 0.0])),
            (W3, np.array([-0.1, 0.0, 0.0])),
            (np.array([[-1.0, -1.0, -1.0], [0, 0, 0]]), np.array([0.2, 0.0])),
        ],
        3,
    )


def two_minima_net():
    """logit 0 = ||x1| - 0.5| + |x2|: minima 0 at (+-0.5, 0), a saddle at the origin (0.5)."""
    W1, b1 = abs_layer(2)
    W2 = np.array([[1, 1, 0, 0], [-1, -1, 0, 0], [0, 0, 1, 1]], float)
    return net_from(
        [(W1, b1), (W2, [-0.5, 0.5, 0.0]), (np.array([[1.0, 1, 1], [0, 0, 0]]), np.zeros(2))], 2
    )


def degenerate_net():
    """Coincident hyperplanes (relu(x1), relu(-x1)), three lines through the origin, a neuron
    with zero weights and a dead second-layer neuron."""
    W1 = np.array([[1, 0], [-1, 0], [0, 1], [1, 1], [0, 0]], float)
    W2 = np.array([[1, -1, 1, 0.5, 0], [0, 0, 0, 0, 0]], float)
    return net_from(
        [(W1, np.zeros(5)), (W2, np.array([-0.3, -1.0])), (np.array([[1.0, 0], [0, 1]]), [0, 0])],
        2,
    )


def random_net(d, seed, widths=None):
    widths = widths or {2: [2, 8, 8, 3], 3: [3, 6, 6, 3], 4: [4, 4, 4, 3]}[d]
    return lr.Network(random_mlp(widths, seed=seed), (d,), -np.ones(d), np.ones(d))


# -- independent routes ---------------------------------------------------------------------------


def hsi_vertices(cx, i):
    """Vertices of region i ∩ box by scipy's HalfspaceIntersection (Qhull), from the
    complex's interior point."""
    r = cx.region(i)
    d = cx.dim
    A = np.vstack([r.A, np.eye(d), -np.eye(d)])
    b = np.concatenate([r.b, -cx.domain.lo, cx.domain.hi])
    # scipy's halfspaces are [A; b] with A x + b <= 0
    hs = HalfspaceIntersection(np.column_stack([-A, -b]), cx.points[i])
    V = hs.intersections
    return V[np.unique(np.round(V, 9), axis=0, return_index=True)[1]]


def box_facets(cx, i):
    """How many of region i ∩ box's facets lie on the box (the Rust facet method)."""
    r = cx.region(i)
    d = cx.dim
    poly = lr.Polytope(
        np.vstack([r.A, np.eye(d), -np.eye(d)]),
        np.concatenate([r.b, -cx.domain.lo, cx.domain.hi]),
        np.full(d, -np.inf),
        np.full(d, np.inf),
    )
    return int((poly.nonredundant() >= r.A.shape[0]).sum())


def lp_classes(cx, i, tol=1e-9):
    """The classes that win on a full-dimensional part of region i ∩ box: the largest s with
    logit_c - logit_j >= s (all j != c) in the region is positive (scipy's linprog)."""
    from scipy.optimize import linprog

    r = cx.region(i)
    W, c = r.logit_map
    d = cx.dim
    out = []
    for k in range(len(c)):
        others = np.arange(len(c)) != k
        A_ub = np.vstack(
            [
                np.column_stack([-r.A, np.zeros(len(r.b))]),
                np.column_stack([-(W[k] - W[others]), np.ones(others.sum())]),
            ]
        )
        b_ub = np.concatenate([r.b, c[k] - c[others]])
        bounds = [(lo, hi) for lo, hi in zip(cx.domain.lo, cx.domain.hi)] + [(None, 1.0)]
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A_ub, b_ub=b_ub, bounds=bounds)
        if res.status == 0 and -res.fun > tol:
            out.append(k)
    return out


# -- the face poset -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d, seed", [(2, 0), (2, 1), (2, 2), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1)]
)
def test_euler_characteristic_of_random_nets(d, seed):
    cx = random_net(d, seed).regions()
    for refine in (None, "argmax"):
        P = lr.face_poset(cx, refine=refine)
        assert P.face_to_face and P.euler_characteristic == 1
        assert P.f_vector[d] >= cx.n_regions
        assert len(P.facet_labels) == P.f_vector[d - 1]
        # every k-face has k + 1 or more vertices, every edge two
        assert (np.diff(P.face_vertices[1].indptr) == 2).all()
        for k in range(1, d + 1):
            assert (np.diff(P.face_vertices[k].indptr) >= k + 1).all()
    assert (np.bincount(P.cell_region, minlength=cx.n_regions) >= 1).all()


@pytest.mark.parametrize("make", [degenerate_net, annulus_net, strips_net])
def test_euler_characteristic_of_degenerate_nets(make):
    cx = make().regions()
    for refine in (None, "argmax", "top2"):
        P = lr.face_poset(cx, refine=refine)
        assert P.face_to_face and P.euler_characteristic == 1
        assert H.betti_numbers(P).tolist() == [1, 0, 0]


def test_degenerate_vertex_of_three_lines():
    P = lr.face_poset(degenerate_net().regions())
    origin = np.flatnonzero(np.linalg.norm(P.vertices, axis=1) < 1e-12)
    assert len(origin) == 1
    edges_at_origin = P.incidence[1][origin[0]].nnz
    assert edges_at_origin == 6  # three lines through one point


@pytest.mark.parametrize("d, seed", [(2, 1), (2, 3), (3, 2)])
def test_face_counts_against_halfspace_intersection(d, seed):
    cx = random_net(d, seed).regions()
    P = lr.face_poset(cx)
    per_cell = np.diff(P.face_vertices[d].indptr)
    all_v = []
    for i in range(cx.n_regions):
        V = hsi_vertices(cx, i)
        assert len(V) == per_cell[i]
        all_v.append(V)
    f0 = len(np.unique(np.round(np.vstack(all_v), 7), axis=0))
    boundary = sum(box_facets(cx, i) for i in range(cx.n_regions))
    f_top = cx.n_regions
    f_facets = len(cx.edges) + boundary  # interior facets from the Rust adjacency
    assert P.f_vector[0] == f0
    assert P.f_vector[d - 1] == f_facets
    assert P.f_vector[d] == f_top
    assert int(P.on_boundary[d - 1].sum()) == boundary
    if d == 2:
        assert f0 - f_facets + f_top == 1  # V - E + F, all three counted without the poset


@pytest.mark.parametrize("d", [2, 3])
def test_polytope_domain(d):
    """An L1 ball of radius 0.8 as the domain: its rows bound the cells, and the faces on its
    boundary add up to its boundary measure (2-D: 4 sqrt(2) r; 3-D: 4 sqrt(3) r^2)."""
    cx = random_net(d, 2).regions(lr.Ball(np.zeros(d), 0.8, norm="l1"))
    P = lr.face_poset(cx)
    assert P.face_to_face and P.euler_characteristic == 1
    assert H.betti_numbers(P).tolist() == [1] + [0] * d
    assert np.abs(P.vertices).sum(axis=1).max() <= 0.8 + 1e-12
    boundary = lr.topology.facet_volumes(P)[P.on_boundary[d - 1]].sum()
    expected = 4 * np.sqrt(2) * 0.8 if d == 2 else 4 * np.sqrt(3) * 0.8**2
    assert boundary == pytest.approx(expected, rel=1e-9)


def test_face_poset_of_a_cube_split_in_two():
    halves = [lr.Box([0, 0, 0], [1, 1, 1]), lr.Box([1, 0, 0], [2, 1, 1])]
    P = lr.topology.face_poset_of_polytopes(halves, lr.Box([0, 0, 0], [2, 1, 1]))
    assert P.f_vector.tolist() == [12, 20, 11, 2]
    assert P.on_boundary[2].sum() == 10 and P.on_boundary[0].all()
    shared = np.flatnonzero(~P.on_boundary[2])
    assert len(shared) == 1 and sorted(P.incidence[3][shared[0]].indices) == [0, 1]


def test_t_junction_is_reported():
    cells = [lr.Box([0, 0], [1, 2]), lr.Box([1, 0], [2, 1]), lr.Box([1, 1], [2, 2])]
    dom = lr.Box([0, 0], [2, 2])
    with pytest.raises(lr.NotFaceToFaceError, match="face to face") as e:
        lr.topology.face_poset_of_polytopes(cells, dom)
    P = lr.topology.face_poset_of_polytopes(cells, dom, strict=False)
    assert not P.face_to_face
    bad = P.face_vertices[1][P.mismatched]
    segments = {
        tuple(sorted(map(tuple, P.vertices[bad[j].indices].tolist()))) for j in range(bad.shape[0])
    }
    # cell 0's edge x = 1 from y = 0 to 2, and the halves of cells 1 and 2
    assert segments == {((1, 0), (1, 2)), ((1, 0), (1, 1)), ((1, 1), (1, 2))}
    assert len(P.mismatched) == len(e.value.mismatched) == 3
    with pytest.raises(lr.NotFaceToFaceError):
        H.betti_numbers(P)


def test_a_gap_is_reported():
    cells = [lr.Box([0, 0], [1, 1]), lr.Box([1, 0], [2, 1])]
    with pytest.raises(lr.NotFaceToFaceError):
        lr.topology.face_poset_of_polytopes(cells, lr.Box([0, 0], [3, 1]))


def test_vertices_of_a_thin_cell():
    """A sliver of a 3-D complex (about 1e-6 thick) on which pycddlib's floating-point double
    description drops a vertex: the enumeration finds the six that Qhull finds."""
    from linregions.topology.cells import cell_vertices

    rows = np.array(
        [
            [-0.5952689562747779, 0.29942369523134216, -0.7456542901570035, -1.058443122144066],
            [-0.2903308410052467, 0.7275362276163106, -0.6216100387437561, -0.28311535605556376],
            [0.8598813385504053, -0.34718172153793964, -0.37425784673499574, 0.2116350420318312],
            [0.6152603310560595, -0.599381884699073, 0.5120508581414301, 0.6075178424700561],
        ]
    )
    A = np.vstack([rows[:, :3], np.eye(3), -np.eye(3)])
    b = np.concatenate([rows[:, 3], np.ones(6)])
    V = cell_vertices(A, b, 1e-9)
    V = V[np.unique(np.round(V, 9), axis=0, return_index=True)[1]]
    inside = V.mean(axis=0)
    hs = HalfspaceIntersection(np.column_stack([-A, -b]), inside).intersections
    assert len(V) == 6
    assert np.abs(np.sort(V, axis=0) - np.sort(hs, axis=0)).max() < 1e-9


def test_regions_whose_adjacency_misses_a_facet(monkeypatch):
    from linregions.topology import cells

    cx = random_net(3, 2).regions()
    P = lr.face_poset(cx)
    assert P.fallbacks == 0
    empty = ([np.zeros(0, dtype=np.int64)] * cx.n_regions, 1)
    monkeypatch.setattr(cells, "_facet_codes", lambda cx: empty)
    Q = lr.face_poset(cx)  # every region then needs all its rows
    assert Q.fallbacks == cx.n_regions
    assert Q.f_vector.tolist() == P.f_vector.tolist()


def test_equal_logits_go_to_the_smaller_class():
    W1, b1 = abs_layer(2)
    out = np.array([[1.0, 1, 0, 0], [0, 0, 1, 1], [1.0, 1, 0, 0]])  # logit 2 == logit 0
    net = net_from([(W1, b1), (out, np.zeros(3))], 2)
    for refine in ("argmax", "top2"):
        P = lr.face_poset(net.regions(), refine=refine)
        assert P.face_to_face and P.euler_characteristic == 1
        assert sorted(set(P.cell_class.tolist())) == [0, 1]
        # |x1| >= |x2| and |x2| >= |x1|: two bow ties, each connected through the origin
        assert H.decision_region_betti(P).tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]


def test_refinements_follow_the_logits():
    net = random_net(2, 1)
    cx = net.regions()
    P = lr.face_poset(cx, refine="argmax")
    pts = P.cell_points()
    assert (net.logits(pts).argmax(axis=1) == P.cell_class).all()
    assert (net.patterns(pts).key_ints() == cx.keys[P.cell_region]).all()
    # the classes of each region: one LP per region and class (scipy's HiGHS)
    s = lr.topology.dual_summary(cx, P)
    for i in range(cx.n_regions):
        have = sorted(set(P.cell_class[P.cell_region == i].tolist()))
        assert have == lp_classes(cx, i)
        assert s.boundary_regions[i] == (len(have) > 1)
    # top2: every margin is affine on every cell (its mean over the vertices is its value at
    # the mean of the vertices)
    T = lr.face_poset(cx, refine="top2")
    L = net.logits(T.cell_points())
    fv = T.face_vertices[2]
    for c in range(3):
        m_v = H.margin_values(T, c)
        mean_v = np.asarray(fv @ m_v) / np.diff(fv.indptr)
        m_pt = L[:, c] - np.delete(L, c, axis=1).max(axis=1)
        np.testing.assert_allclose(mean_v, m_pt, atol=1e-9)


# -- homology -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["duality", "gudhi"])
def test_betti_numbers_of_constructed_shapes(method):
    P = lr.face_poset(annulus_net().regions(), refine="argmax")
    assert H.decision_region_betti(P, method=method).tolist() == [[1, 1, 0], [2, 1, 0]]
    assert H.decision_boundary_betti(P, method=method).tolist() == [2, 2, 0]
    P = lr.face_poset(strips_net().regions(), refine="argmax")
    assert H.decision_region_betti(P, method=method).tolist() == [[2, 0, 0], [1, 0, 0]]
    assert H.decision_boundary_betti(P, method=method).tolist() == [2, 0, 0]
    P = lr.face_poset(shell_net().regions(), refine="argmax")
    assert H.decision_region_betti(P, method=method).tolist() == [[1, 0, 1, 0], [2, 0, 1, 0]]
    assert H.decision_boundary_betti(P, method=method).tolist() == [2, 0, 2, 0]
    P = lr.face_poset(torus_net().regions(), refine="argmax")
    assert H.decision_region_betti(P, method=method).tolist() == [[1, 1, 0, 0], [1, 1, 1, 0]]
    assert H.decision_boundary_betti(P, method=method).tolist() == [1, 2, 1, 0]


def test_betti_numbers_in_four_dimensions():
    P = lr.face_poset(annulus_net(d=4).regions(), refine="argmax")
    assert P.euler_characteristic == 1
    assert H.betti_numbers(P).tolist() == [1, 0, 0, 0, 0]
    assert H.decision_region_betti(P)[0].tolist() == [1, 1, 0, 0, 0]  # annulus x square
    with pytest.raises(lr.InvalidValueError, match="d <= 3"):
        H.betti_numbers(P, method="duality")


@pytest.mark.parametrize("d, seed", [(2, 1), (2, 2), (3, 0), (3, 2)])
def test_duality_route_agrees_with_gudhi(d, seed):
    P = lr.face_poset(random_net(d, seed).regions())
    rng = np.random.default_rng(seed)
    for share in (0.2, 0.5, 0.8):
        K = P.closure(rng.random(P.n_cells) < share)
        assert (H.betti_numbers(P, K) == H.betti_numbers(P, K, method="gudhi")).all()
    empty = P.closure(np.zeros(P.n_cells, dtype=bool))
    assert H.betti_numbers(P, empty).tolist() == [0] * (d + 1)


def test_margin_sublevel_sets_of_the_annulus():
    P = lr.face_poset(annulus_net().regions(), refine="argmax")
    got = H.margin_sublevel_betti(P, 0, [-0.35, -0.1, 0.0, 0.25])
    # four box corners; the inner square and the outer ring; the whole box
    assert got.tolist() == [[4, 0, 0], [2, 1, 0], [2, 1, 0], [1, 0, 0]]
    assert H.margin_sublevel_betti(P, 0, 0.0).tolist() == [2, 1, 0]


# -- persistence --------------------------------------------------------------------------------


def test_persistence_with_known_critical_values():
    P = lr.face_poset(two_minima_net().regions())
    h = H.logit_persistence(P, 0)
    np.testing.assert_allclose(h.intervals[0], [[0.0, 0.5], [0.0, np.inf]], atol=1e-12)
    assert len(h.intervals[1]) == len(h.intervals[2]) == 0
    # margin of the annulus: four corners born at -1.3, three die when the ring closes at
    # -0.3, where the centre is born and the ring's hole opens; both die at the crest 0.2
    P = lr.face_poset(annulus_net().regions(), refine="argmax")
    h = H.margin_persistence(P, 0)
    np.testing.assert_allclose(
        h.intervals[0], [[-1.3, -0.3]] * 3 + [[-1.3, np.inf], [-0.3, 0.2]], atol=1e-12
    )
    np.testing.assert_allclose(h.intervals[1], [[-0.3, 0.2]], atol=1e-12)
    for t in (-1.0, -0.3, 0.0, 0.19, 0.3):
        assert (h.betti(t) == H.margin_sublevel_betti(P, 0, t)).all()
    assert h.diagram().shape == (6, 3)


def test_persistence_of_a_neuron_and_of_the_shell():
    P = lr.face_poset(annulus_net().regions())
    v = H.neuron_values(P, 1, 0)  # r - 0.5
    np.testing.assert_allclose(v, np.abs(P.vertices).sum(axis=1) - 0.5, atol=1e-12)
    h = H.neuron_persistence(P, 1, 0)
    np.testing.assert_allclose(h.intervals[0], [[-0.5, np.inf]], atol=1e-12)
    with pytest.raises(lr.InvalidValueError, match="no neuron"):
        H.neuron_values(P, 5, 0)
    P = lr.face_poset(shell_net().regions(), refine="argmax")
    h = H.margin_persistence(P, 0)
    np.testing.assert_allclose(h.intervals[2], [[-0.3, 0.2]], atol=1e-12)  # the cavity


def test_lower_star_persistence_is_the_order_complex_of_the_face_values():
    P = lr.face_poset(random_net(2, 1).regions())
    vals = np.random.default_rng(0).standard_normal(len(P.vertices))
    h = H.lower_star_persistence(P, vals)
    for t in np.quantile(vals, [0.1, 0.4, 0.7, 1.0]):
        K = tuple(fv <= t for fv in P.face_values(vals))
        assert (h.betti(t) == H.betti_numbers(P, K)).all()
    chains = H.maximal_chains(P)
    assert chains.shape[1] == 3 and len(np.unique(chains, axis=0)) == len(chains)


# -- the dual graph -----------------------------------------------------------------------------


@pytest.mark.parametrize("d, seed", [(2, 1), (3, 2)])
def test_dual_graph_against_the_complex_adjacency_and_hulls(d, seed):
    cx = random_net(d, seed).regions()
    P = lr.face_poset(cx)
    g = lr.topology.dual_graph(cx, P)
    assert sorted(g.edges) == sorted(map(tuple, cx.edges.tolist()))
    for (i, j), (layer, unit) in zip(cx.edges.tolist(), cx.edge_units.tolist()):
        assert (g.edges[i, j]["layer"], g.edges[i, j]["unit"]) == (layer, unit)
    s = lr.topology.dual_summary(cx, P, g)
    assert (s.neuron_facets_per_region == cx.n_facets).all()
    assert (s.degree == np.bincount(cx.edges.ravel(), minlength=cx.n_regions)).all()
    # facet volumes: every region's boundary measure (Qhull) is its shared facets plus its
    # facets on the box; the box's boundary is 8 (d = 2) or 24 (d = 3)
    vols = lr.topology.facet_volumes(P)
    on_box = P.on_boundary[d - 1]
    assert vols[on_box].sum() == pytest.approx(2 * d * 2 ** (d - 1))
    hull = sum(ConvexHull(hsi_vertices(cx, i)).area for i in range(cx.n_regions))
    shared = sum(e["volume"] for _, _, e in g.edges(data=True))
    assert hull == pytest.approx(2 * shared + vols[on_box].sum(), rel=1e-9)
    assert (s.bounded == [g.nodes[i]["bounded"] for i in range(cx.n_regions)]).all()
    assert (s.facets_per_region >= s.neuron_facets_per_region).all()
    assert ((s.facets_per_region > s.neuron_facets_per_region) == ~s.bounded).all()


def test_dual_graph_of_a_refined_poset():
    net = annulus_net()
    cx = net.regions()
    P = lr.face_poset(cx, refine="argmax")
    g = lr.topology.dual_graph(cx, P)
    assert sorted(g.edges) == sorted(map(tuple, cx.edges.tolist()))
    s = lr.topology.dual_summary(cx, P)
    assert s.n_boundary_regions == int((cx.n_classes_per_region() > 1).sum())
    assert s.regions_meeting_class.tolist() == [
        sum(c in g.nodes[i]["classes"] for i in g.nodes) for c in range(2)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("d, width", [(2, 96), (3, 28)])
def test_complexes_of_ten_thousand_regions(d, width):
    """About 10^4 regions (a 3 x width MLP, PyTorch's initialisation): the face poset tiles
    the box, its dual graph is the complex's adjacency, and the routes agree."""
    rng = np.random.default_rng(0)
    nodes: list = [Input(d)]
    sizes = (d, width, width, width, 2)
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        s = 1 / np.sqrt(a)
        nodes.append(Affine(len(nodes) - 1, rng.uniform(-s, s, (b, a)), rng.uniform(-s, s, b)))
        if i < 3:
            nodes.append(ReLU(len(nodes) - 1, b))
    cx = lr.Network(nodes, (d,), -np.ones(d), np.ones(d)).regions()
    assert cx.n_regions > 5000
    P = lr.face_poset(cx)
    assert P.face_to_face and P.euler_characteristic == 1 and P.fallbacks == 0
    g = lr.topology.dual_graph(cx, P)
    assert sorted(g.edges) == sorted(map(tuple, cx.edges.tolist()))
    K = P.closure(rng.random(P.n_cells) < 0.3)
    assert (H.betti_numbers(P, K) == H.betti_numbers(P, K, method="gudhi")).all()


# -- refusals and plots -------------------------------------------------------------------------


def test_bad_input_is_refused(tmp_path):
    cx = random_net(2, 1).regions()
    with pytest.raises(lr.InvalidValueError, match="refine"):
        lr.face_poset(cx, refine="classes")
    net5 = lr.Network(random_mlp([5, 3, 2], seed=0), (5,), -np.ones(5), np.ones(5))
    with pytest.raises(lr.InvalidValueError, match="d <= 4"):
        lr.face_poset(net5.regions())
    with pytest.warns(RuntimeWarning, match="max_regions"):
        capped = random_net(2, 1).regions(max_regions=3)
    with pytest.raises(lr.InvalidValueError, match="incomplete"):
        lr.face_poset(capped)
    cx.save(tmp_path / "cx.npz")
    with pytest.raises(lr.InvalidValueError, match="network"):
        lr.face_poset(lr.Complex.load(tmp_path / "cx.npz"))
    P = lr.face_poset(cx)
    with pytest.raises(lr.InvalidValueError, match="refined"):
        H.decision_region_betti(P)
    with pytest.raises(lr.InvalidValueError, match="top2"):
        H.margin_persistence(P, 0)
    with pytest.raises(lr.InvalidValueError, match="class 3"):
        H.logit_persistence(P, 3)
    with pytest.raises(lr.InvalidValueError, match="not closed"):
        cells = np.zeros(P.n_cells, dtype=bool)
        K = list(P.closure(cells))
        K[1] = np.ones_like(K[1])
        H.betti_numbers(P, K)
    with pytest.raises(lr.InvalidValueError, match="masks"):
        H.betti_numbers(P, (np.ones(3, bool),))
    with pytest.raises(lr.InvalidValueError, match="method"):
        H.betti_numbers(P, method="rank")
    with pytest.raises(lr.InvalidValueError, match="shape"):
        P.face_values(np.zeros(3))


def test_plots_draw_the_intervals(tmp_path):
    from linregions.plotting import plot_barcode, plot_persistence_diagram

    P = lr.face_poset(annulus_net().regions(), refine="argmax")
    h = H.margin_persistence(P, 0)
    fig = plot_barcode(h, path=tmp_path / "bars.png")
    assert len(fig.axes[0].lines) == 6 + 1  # six bars and the "inf" line
    fig = plot_persistence_diagram(h, dims=[1], path=tmp_path / "diagram.png")
    assert len(fig.axes[0].collections) == 1
    assert (tmp_path / "bars.png").stat().st_size > 0
    with pytest.raises(lr.InvalidValueError, match="dimension 3"):
        plot_barcode(h, dims=[3])


@pytest.mark.parametrize(
    "name",
    [
        "linregions.topology.faces",
        "linregions.topology.homology",
        "linregions.topology.dual",
        "linregions.plotting.topology",
    ],
)
def test_examples_run(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, extraglobs={"np": np, "lr": lr}, optionflags=flags)
    assert result.attempted > 0 and result.failed == 0
