"""Unbounded and half-bounded polytopes: ``lo = -inf`` and/or ``hi = inf``.

Facets are checked against scipy's HiGHS, one LP per row on the same rows (``certify``), and
against pycddlib; inradii against a scipy Chebyshev LP; interior points exactly.
"""

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

import linregions as lr
from linregions.geometry.insphere import RECESSION_TOL

from certify import assert_certified
from models import mlp

INF = np.inf


def chebyshev_lp(A, b, lo, hi):
    """max r s.t. unit rows and finite box faces >= r, by scipy (HiGHS): the radius, or
    ``inf`` when the LP is unbounded."""
    d = A.shape[1]
    n = np.linalg.norm(A, axis=1)
    G, h = [A / n[:, None]], [b / n]
    for j in range(d):
        if np.isfinite(lo[j]):
            G.append(np.eye(d)[j][None])
            h.append([-lo[j]])
        if np.isfinite(hi[j]):
            G.append(-np.eye(d)[j][None])
            h.append([hi[j]])
    G, h = np.vstack(G), np.concatenate(h)
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=np.c_[-G, np.ones(len(G))],
        b_ub=h,
        bounds=[(None, None)] * (d + 1),
        method="highs",
    )
    if res.status == 3:
        return INF
    assert res.status == 0, res.message
    return -res.fun


def strictly_inside(poly, x):
    return bool((poly.A @ x + poly.b > 0).all() and (x > poly.lo).all() and (x < poly.hi).all())


def relu_region_without_box(d, seed, widths=(16, 16, 16)):
    """The region of a random point of a random ReLU net, with the input box removed."""
    model = mlp(seed=seed, widths=(d, *widths, 3), dtype=torch.float64)
    net = lr.from_torch(model, (d,), (-1.0, 1.0))
    x = np.random.default_rng(seed).uniform(-0.5, 0.5, d)
    region = net.region(x)
    return lr.Polytope(region.A, region.b, np.full(d, -INF), np.full(d, INF)), x


def random_cone(d, n, seed):
    """{x : a_i . (x - apex) >= 0} with normals around a common axis: a pointed cone."""
    rng = np.random.default_rng(seed)
    axis = rng.standard_normal(d)
    axis /= np.linalg.norm(axis)
    A = axis + 0.6 * rng.standard_normal((n, d))
    apex = rng.uniform(-1, 1, d)
    return A, -A @ apex


def random_slab(d, n, seed):
    """Rows whose normals lie in a 2-D subspace (a polygon times R^(d-2)), some redundant."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((d, 2)))[0]
    ang = rng.uniform(0, 2 * np.pi, n)
    A = np.c_[np.cos(ang), np.sin(ang)] @ Q.T
    b = rng.uniform(0.5, 2.0, n)
    return A, b


def boxes(d, kind, rng):
    if kind == "none":
        return np.full(d, -INF), np.full(d, INF)
    lo = np.where(rng.random(d) < 0.5, -INF, rng.uniform(-3, -1, d))
    hi = np.where(rng.random(d) < 0.5, INF, rng.uniform(1, 3, d))
    return lo, hi


CASES = [
    (kind, d, seed, box)
    for kind in ("cone", "slab", "relu")
    for d in (2, 5)
    for seed in range(3)
    for box in ("none", "half")
]


def make(kind, d, seed, box):
    rng = np.random.default_rng(100 + seed)
    if kind == "relu":
        poly, _ = relu_region_without_box(d, seed)
        A, b = poly.A, poly.b
    elif kind == "cone":
        A, b = random_cone(d, 4 * d, seed)
    else:
        A, b = random_slab(d, 12, seed)
    lo, hi = boxes(d, box, rng)
    return lr.Polytope(A, b, lo, hi)


@pytest.mark.parametrize("kind,d,seed,box", CASES)
def test_facets_match_per_row_lps_and_cdd(kind, d, seed, box):
    poly = make(kind, d, seed, box)
    rep = poly.redundancy_report()
    assert_certified(poly, rep.facets)
    cdd = pytest.importorskip("cdd")
    assert cdd is not None
    assert rep.facets.tolist() == poly.nonredundant(method="cdd").tolist()


@pytest.mark.parametrize("kind,d,seed,box", CASES)
def test_insphere_matches_chebyshev_lp(kind, d, seed, box):
    poly = make(kind, d, seed, box)
    ins = poly.insphere()
    ref = chebyshev_lp(poly.A, poly.b, poly.lo, poly.hi)
    if ref == INF:
        assert ins.radius == INF and ins.upper_bound == INF and ins.status == "unbounded"
    else:
        assert ins.status == "optimal"
        assert abs(ins.radius - ref) <= 1e-7 * max(1.0, ref), (ins, ref)
        assert ins.upper_bound >= ins.radius - 1e-12 * max(1.0, ref)
    x = poly.interior_point()
    assert strictly_inside(poly, x)
    assert poly.contains(x)


@pytest.mark.parametrize("d", [2, 5, 20])
@pytest.mark.parametrize("scale", [1.0, 1e3, 1e6, 1e8])
def test_insphere_in_wide_boxes_matches_chebyshev_lp(d, scale):
    """A finite box far wider than the polytope (1e6 around a unit-size polytope) once left
    the bound short of the tolerance: each far side closing a rounding residual added
    ``residual * |side|``. The answer is certified and equals HiGHS's; below 16 dimensions
    the active-set method answers, above it the interior-point method."""
    rng = np.random.default_rng(d)
    A, b = rng.standard_normal((5 * d, d)), rng.uniform(0.5, 1.5, 5 * d)
    lo, hi = np.full(d, -scale), np.full(d, scale)
    poly = lr.Polytope(A, b, lo, hi)
    ins = poly.insphere(fallback=False)
    ref = chebyshev_lp(A, b, lo, hi)
    assert ins.method == ("active-set" if d < 16 else "ipm")
    assert ins.status == "optimal"
    assert abs(ins.radius - ref) <= 1e-9 * ref, (ins, ref)
    assert ins.radius <= ins.upper_bound <= ins.radius + 1e-9 * ins.radius + 1e-12
    assert strictly_inside(poly, ins.center)


def test_no_box_region_facets_are_fast_path():
    """The benchmark's case: a 2-D region of a ReLU net with no box decides its rows by the
    Rust witnesses and interior-point LPs (no HiGHS call), certified by the per-row LPs."""
    poly, x = relu_region_without_box(2, 0, widths=(32, 32, 32))
    assert poly.n_rows == 96
    rep = poly.redundancy_report()
    assert_certified(poly, rep.facets)
    assert rep.by_straight_rays + rep.by_bent_rays + rep.by_lp_facet == rep.facets.size
    assert (
        rep.by_lp_redundant + rep.by_box + rep.by_duplicate + rep.by_bounds == 96 - rep.facets.size
    )
    assert rep.by_bounds > 0  # d = 2: the facets' bounding box is computed and decides rows


def test_cone_inradius_is_unbounded_with_a_certified_direction():
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])  # x >= 0, y >= 0, x >= y
    poly = lr.Polytope(A, np.zeros(3), [-INF, -INF], [INF, INF])
    unit = A / np.linalg.norm(A, axis=1, keepdims=True)
    ins = poly.insphere()
    assert ins.radius == INF and ins.status == "unbounded"
    assert (unit @ ins.center >= 1.0).all()
    # the center lies on the certified ray: along it every row moves away, so the balls
    # around center + s u grow without bound (apex at 0 here)
    u = ins.center / np.abs(ins.center).max()
    assert (unit @ u > RECESSION_TOL).all()
    s = 1e6
    assert (unit @ (ins.center + s * u)).min() >= (1.0 + s * (unit @ u).min()) * (1 - 1e-12)
    assert poly.nonredundant().tolist() == [1, 2]  # x >= 0 is implied by x >= y >= 0


def test_half_strip_and_slab_have_finite_radii():
    strip = lr.Polytope([[0.0, 1.0], [0.0, -1.0]], [1.0, 1.0], [0.0, -INF], [INF, INF])
    ins = strip.insphere()  # -1 <= y <= 1, x >= 0: radius 1, centers (x >= 1, 0)
    assert abs(ins.radius - 1.0) < 1e-9 and ins.status == "optimal"
    assert ins.center[0] >= 1.0 - 1e-9
    assert strip.nonredundant().tolist() == [0, 1]
    slab = lr.Polytope([[1.0, 1.0], [-1.0, -1.0]], [0.5, 0.5], [-INF] * 2, [INF] * 2)
    assert abs(slab.insphere().radius - 0.5 / np.sqrt(2)) < 1e-9


def test_half_plane_cut_by_a_finite_lower_bound():
    # y >= 0 and x >= 2 (the box), x <= 5 would make it a strip: here only the box side
    poly = lr.Polytope([[0.0, 1.0], [0.0, 1.0]], [0.0, 1.0], [2.0, -INF], [INF, INF])
    assert poly.insphere().radius == INF
    assert poly.nonredundant().tolist() == [0]  # y >= -1 is implied by y >= 0
    x = poly.interior_point()
    assert strictly_inside(poly, x)


def test_empty_and_flat_unbounded_polytopes_are_refused():
    empty = lr.Polytope([[1.0, 0.0], [-1.0, 0.0]], [-1.0, -1.0], [-INF] * 2, [INF] * 2)
    for call in (empty.insphere, empty.interior_point, empty.nonredundant):
        with pytest.raises(lr.EmptyPolytopeError):
            call()
    zero = lr.Polytope([[0.0, 0.0], [1.0, 0.0]], [-1.0, 0.0], [-INF] * 2, [INF] * 2)
    with pytest.raises(lr.EmptyPolytopeError):
        zero.insphere()
    flat = lr.Polytope([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0], [-INF] * 2, [INF] * 2)
    assert abs(flat.insphere().radius) <= 1e-9
    with pytest.raises(lr.FlatPolytopeError):
        flat.interior_point()


@pytest.mark.parametrize("where,value", [("lo", INF), ("hi", -INF)])
def test_impossible_infinite_bounds_are_refused(where, value):
    parts = {"lo": np.full(2, -INF), "hi": np.full(2, INF)}
    parts[where][1] = value
    with pytest.raises(lr.InvalidValueError, match=where):
        lr.Polytope(np.eye(2), np.ones(2), **parts)


def test_no_rows_and_no_box():
    poly = lr.Polytope(np.zeros((0, 3)), np.zeros(0), [-INF] * 3, [INF] * 3)
    assert poly.insphere().radius == INF
    assert poly.nonredundant().size == 0
    assert strictly_inside(poly, poly.interior_point())


@pytest.mark.parametrize("seed", [3, 4, 6])
@pytest.mark.parametrize("boxed", [False, True])
def test_bent_rays_after_the_bounding_box_certify_facets(seed, boxed):
    """An elongated polytope: the bounding box of the straight rays' facets decides some
    rows, then bent rays among the rows left (not among all rows) certify facets whose
    perpendicular foot is blocked; checked with one scipy LP per row."""
    rng = np.random.default_rng(seed)
    d = 2 + seed % 3
    normals = rng.standard_normal((40, d))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    scale = np.ones(d)
    scale[0] = 8.0
    b = np.sqrt(((normals * scale) ** 2).sum(1)) * rng.uniform(1.0, 2.5, 40)
    lo, hi = (
        (-30 * np.ones(d), 30 * np.ones(d)) if boxed else (np.full(d, -np.inf), np.full(d, np.inf))
    )
    poly = lr.Polytope(normals, b, lo, hi)
    rep = poly.redundancy_report()
    assert rep.by_bounds > 0 and rep.by_bent_rays > 0, rep
    assert_certified(poly, rep.facets)
    assert (
        rep.by_box + rep.by_duplicate + rep.by_bounds + rep.by_lp_redundant
        == poly.n_rows - rep.facets.size
    )
    assert rep.by_straight_rays + rep.by_bent_rays + rep.by_lp_facet == rep.facets.size


@pytest.mark.parametrize("sides", ["none", "half", "box"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_facets_bounding_box_decides_rows_soundly(seed, sides):
    """Many rows in low dimension: the bounding box of the facets the rays found decides
    most rows (``by_bounds``); the facets agree with one scipy LP per row, with no box,
    half of its sides, or a finite one. Parallel rows 2 further out and one only 1e-6
    further out than its twin are among them."""
    rng = np.random.default_rng(seed)
    d = 3
    normals = rng.standard_normal((60, d))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    offsets = rng.uniform(0.5, 3.0, 60)  # a_i x + b_i >= 0 holds at 0 with room
    A = np.vstack([normals, normals[:3], normals[4:5]])
    b = np.concatenate([offsets, offsets[:3] + 2.0, offsets[4:5] + 1e-6])
    lo, hi = {
        "none": (np.full(d, -np.inf), np.full(d, np.inf)),
        "half": (np.array([-np.inf, -2.0, -np.inf]), np.array([1.5, np.inf, np.inf])),
        "box": (-2 * np.ones(d), 2 * np.ones(d)),
    }[sides]
    poly = lr.Polytope(A, b, lo, hi)
    rep = poly.redundancy_report()
    assert rep.by_bounds > 0, rep
    assert_certified(poly, rep.facets)
    assert (
        rep.by_box + rep.by_duplicate + rep.by_bounds + rep.by_lp_redundant
        == poly.n_rows - rep.facets.size
    )


def test_rows_that_bound_an_infinite_box_give_the_boxed_insphere():
    # a triangle and a pentagon given by rows alone (every box side infinite): the same
    # ball as with a finite box that holds them, checked against scipy's Chebyshev LP
    rng = np.random.default_rng(5)
    for k in (3, 5):
        t = 2 * np.pi * np.arange(k) / k + rng.uniform(-0.2, 0.2, k)
        A = -np.c_[np.cos(t), np.sin(t)]
        b = rng.uniform(0.5, 1.5, k)
        free = lr.Polytope(A, b, np.full(2, -INF), np.full(2, INF))
        s = free.insphere()
        expected = chebyshev_lp(A, b, np.full(2, -INF), np.full(2, INF))
        assert np.isfinite(s.radius) and abs(s.radius - expected) <= 1e-7 * (1 + expected)
        boxed = lr.Polytope(A, b, np.full(2, -100.0), np.full(2, 100.0)).insphere()
        assert abs(s.radius - boxed.radius) <= 1e-7 * (1 + expected)
