"""Polytope engine: facets (auto / naive / cdd), insphere, interior point, vertices,
angles, and typed outcomes, on degenerate polytopes and network regions."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import linregions as lr

from certify import (
    assert_certified,
    certified_linprog,
    certified_radius,
    dual_bound,
    linprog_radius,
)
from models import cnn, mlp

METHODS = ["auto", "naive", "cdd"]


def square_with_cuts():
    # box [0, 2]^2; rows: x + y <= 3 (dup of row 2), x + y <= 4 (touches a vertex),
    # 2x + 2y <= 6 (kept), x <= 5 (box-implied), y <= 1.9 (facet), y <= 1.95 (redundant)
    A = np.array([[-1.0, -1], [-1, -1], [-2, -2], [-1, 0], [0, -1], [0, -1]])
    b = np.array([3.0, 4, 6, 5, 1.9, 1.95])
    return lr.Polytope(A, b, [0, 0], [2, 2])


def random_polytope(seed, n=30, d=4, scale_spread=False):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    b = rng.uniform(0.2, 1.5, n)
    if scale_spread:
        s = 10.0 ** rng.uniform(-6, 6, n)
        A, b = A * s[:, None], b * s
    return lr.Polytope(A, b, -np.ones(d), np.ones(d))


@pytest.mark.parametrize("method", METHODS)
def test_degenerate_square(method):
    poly = square_with_cuts()
    facets = poly.nonredundant(method=method)
    np.testing.assert_array_equal(facets, [2, 4])
    assert_certified(poly, facets)


@pytest.mark.parametrize("seed", range(4))
def test_methods_agree_and_certify(seed):
    poly = random_polytope(seed, scale_spread=seed % 2 == 1)
    got = {m: poly.nonredundant(method=m) for m in METHODS}
    np.testing.assert_array_equal(got["auto"], got["naive"])
    np.testing.assert_array_equal(got["auto"], got["cdd"])
    assert_certified(poly, got["auto"])


def test_scaled_and_exact_duplicates_keep_one():
    base = random_polytope(7, n=12, d=3)
    A = np.vstack([base.A, base.A[:3] * 1e6, base.A[:3]])
    b = np.concatenate([base.b, base.b[:3] * 1e6, base.b[:3]])
    poly = lr.Polytope(A, b, base.lo, base.hi)
    auto = poly.nonredundant()
    np.testing.assert_array_equal(auto, poly.nonredundant(method="naive"))
    # of each group of equal rows only the last survives
    for i in range(3):
        assert i not in auto and 12 + i not in auto
    facets0 = base.nonredundant()
    np.testing.assert_array_equal(auto[auto < 12], facets0[facets0 >= 3])
    assert_certified(poly, auto)


def test_row_touching_a_single_vertex_is_redundant():
    # triangle x >= 0, y >= 0 (box), x + y <= 1; plus x - y <= 1 touching at (1, 0) only
    A = np.array([[-1.0, -1.0], [-1.0, 1.0]])
    b = np.array([1.0, 1.0])
    poly = lr.Polytope(A, b, [0, 0], [5, 5])
    for m in METHODS:
        np.testing.assert_array_equal(poly.nonredundant(method=m), [0])


def test_flat_polytope():
    # 0 <= x <= 0 via rows inside a 2-D box: no interior
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    b = np.array([0.0, 0.0, 0.5])
    poly = lr.Polytope(A, b, [-1, -1], [1, 1])
    center, radius = poly.insphere()
    assert radius == 0.0
    with pytest.raises(lr.FlatPolytopeError):
        poly.interior_point()
    facets = poly.nonredundant()
    np.testing.assert_array_equal(facets, poly.nonredundant(method="naive"))
    assert 0 in facets and 1 in facets


def test_empty_polytope_is_typed():
    poly = lr.Polytope(np.array([[1.0], [-1.0]]), np.array([-1.5, 0.5]), [0.0], [2.0])
    for call in (
        poly.insphere,
        poly.interior_point,
        poly.nonredundant,
        lambda: poly.nonredundant(method="naive"),
    ):
        with pytest.raises(lr.EmptyPolytopeError) as e:
            call()
        assert e.value.status == "empty"
    assert isinstance(e.value, lr.PolytopeError) and isinstance(e.value, ValueError)
    zero = lr.Polytope(np.zeros((1, 2)), np.array([-1.0]), [0, 0], [1, 1])
    with pytest.raises(lr.EmptyPolytopeError):
        zero.insphere()


def test_unbounded_and_limits_are_typed():
    half = lr.Polytope(np.array([[1.0, 0.0]]), np.array([0.0]), [-np.inf] * 2, [np.inf] * 2)
    ins = half.insphere()  # arbitrarily large balls: an answer, not an error
    assert ins.radius == np.inf and ins.status == "unbounded" and ins.center[0] >= 1.0
    strip = lr.Polytope(
        np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1.0, 1.0]), [-np.inf] * 2, [np.inf] * 2
    )
    assert abs(strip.insphere().radius - 1.0) < 1e-9
    with pytest.raises(lr.UnboundedPolytopeError):
        strip.vertices()
    with pytest.raises(lr.SolverLimitError) as e:
        random_polytope(3).insphere(max_iter=1, fallback=False)
    assert e.value.status == "iteration_limit"


def test_construction_refuses_nan_and_inf():
    with pytest.raises(ValueError):
        lr.Polytope(np.array([[np.nan]]), np.array([0.0]), [0.0], [1.0])
    with pytest.raises(ValueError):
        lr.Polytope(np.array([[1.0]]), np.array([np.inf]), [0.0], [1.0])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 25), d=st.integers(1, 5), spread=st.booleans())
def test_insphere_matches_linprog(seed, n, d, spread):
    poly = random_polytope(seed, n=n, d=d, scale_spread=spread)
    ins = poly.insphere()
    ref = linprog_radius(poly)
    assert abs(ins.radius - ref) <= 1e-7 * abs(ref)
    assert ins.upper_bound >= ref - 1e-12
    dist = np.concatenate(
        [poly.hyperplane_distances(ins.center), ins.center - poly.lo, poly.hi - ins.center]
    )
    assert dist.min() >= ins.radius * (1 - 1e-12)
    assert poly.contains(poly.interior_point(), tol=0.0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), spread=st.booleans())
def test_auto_matches_naive_property(seed, spread):
    poly = random_polytope(seed, n=20, d=3, scale_spread=spread)
    np.testing.assert_array_equal(poly.nonredundant(), poly.nonredundant(method="naive"))


REGIONS = {
    "mlp": (lambda: mlp(seed=1), (12,)),
    "mlp-bn": (lambda: mlp(seed=2, bn=True, dropout=True), (12,)),
    "cnn": (lambda: cnn(seed=4), (2, 8, 8)),
}


@pytest.mark.parametrize("case", sorted(REGIONS))
def test_network_regions_certified(case):
    make, shape = REGIONS[case]
    net = lr.from_torch(make(), shape, (-1.0, 1.0))
    x = np.random.default_rng(3).uniform(-0.5, 0.5, int(np.prod(shape)))
    region = net.region(x)
    auto = region.nonredundant()
    assert_certified(region, auto)
    if region.dim <= 12:
        np.testing.assert_array_equal(auto, region.nonredundant(method="naive"))
        np.testing.assert_array_equal(auto, region.nonredundant(method="cdd"))
    ins = region.insphere()
    assert abs(ins.radius - linprog_radius(region)) <= 1e-7 * ins.radius
    assert region.contains(ins.center)


def test_vertices_of_square_with_cuts():
    v = square_with_cuts().vertices()
    want = {(0.0, 0.0), (0.0, 1.9), (2.0, 0.0), (1.1, 1.9), (2.0, 1.0)}
    assert {tuple(np.round(p, 9)) for p in v} == want
    empty = lr.Polytope(np.array([[1.0], [-1.0]]), np.array([-1.5, 0.5]), [0.0], [2.0])
    assert empty.vertices().shape == (0, 1)
    with pytest.raises(ValueError):
        lr.Polytope(np.zeros((1, 20)), np.ones(1), -np.ones(20), np.ones(20)).vertices()


def test_angles_and_plot():
    net = lr.from_torch(mlp(seed=1), (12,), (-1.0, 1.0))
    region = net.region(np.zeros(12) + 0.1)
    rows = region.nonredundant()
    ang = region.angles(rows)
    assert ang.shape == (rows.size, rows.size)
    np.testing.assert_allclose(ang, ang.T)
    assert (ang >= 0).all() and (ang <= np.pi).all() and (np.diag(ang) == 0).all()
    i, j = rows[0], rows[1]
    a, c = region.A[i], region.A[j]
    want = np.arccos(a @ c / np.linalg.norm(a) / np.linalg.norm(c))
    assert abs(ang[0, 1] - want) < 1e-12
    pytest.importorskip("matplotlib")
    from linregions.plotting.angles import plot_angles

    fig = plot_angles(region, rows)
    lines = fig.axes[0].get_lines()
    n_layers = len(np.unique(region.layer[rows]))
    assert len(lines) == 2 * (n_layers - 1)


def test_dual_bound_certifies_the_inradius_from_any_multipliers():
    """The oracles of tests/certify.py: weak duality from any multipliers, and HiGHS's
    certified insphere, agree with the core's radius."""
    rng = np.random.default_rng(7)
    A = rng.standard_normal((30, 6))
    poly = lr.Polytope(A, np.ones(30), -np.ones(6), np.ones(6))
    _, radius = poly.insphere()
    for _ in range(20):  # any non-negative multipliers give a bound >= the optimum
        assert dual_bound(poly, rng.uniform(0, 1, 30)) >= radius - 1e-12
    center, r_h, upper = certified_linprog(poly)
    assert abs(r_h - radius) <= 1e-9 * radius
    assert r_h <= upper and radius <= upper + 1e-12
    assert upper - r_h < 1e-9


def test_insphere_falls_back_to_the_default_settings_when_the_ipm_stops_early():
    rng = np.random.default_rng(8)
    poly = lr.Polytope(rng.standard_normal((40, 8)), np.ones(40), -np.ones(8), np.ones(8))
    exact = poly.insphere()
    limited = poly.insphere(max_iter=2)  # neither method certifies in 2 iterations
    assert limited.method.endswith("+retry")
    assert abs(limited.radius - exact.radius) <= 1e-9 * exact.radius
    assert limited.upper_bound >= limited.radius


@pytest.mark.parametrize("seed", range(3))
def test_interior_point_lp_against_highs(seed):
    """`_core.lp_minimize` (the LPs of "auto"): the optimum of random objectives agrees with
    HiGHS, its point is feasible, its bound is a lower bound; the early exits stop with a
    certified answer on the right side of their thresholds."""
    from linregions import _core

    rng = np.random.default_rng(seed)
    poly = random_polytope(seed, n=80, d=12)
    A = poly.A / np.linalg.norm(poly.A, axis=1)[:, None]
    b = poly.b / np.linalg.norm(poly.A, axis=1)
    x0 = poly.insphere().center
    st = _core.Settings("lp", rel_tol=1e-10)
    core_poly = _core.Polytope(A, b, poly.lo, poly.hi)
    for _ in range(3):
        c = rng.standard_normal(poly.dim)
        ref = linprog(c, A_ub=-A, b_ub=b, bounds=list(zip(poly.lo, poly.hi)), method="highs")
        res = _core.lp_minimize(core_poly, c, 0.5, x0, st)
        x, value = res.x, res.value
        assert res.status == _core.Status.OPTIMAL and res.status.label == "optimal"
        assert abs(value - (ref.fun + 0.5)) < 1e-8 * max(1.0, abs(ref.fun))
        assert res.lower_bound <= ref.fun + 0.5 + 1e-9
        assert (A @ x + b >= 0).all() and (x >= poly.lo).all() and (x <= poly.hi).all()
        assert abs(c @ x + 0.5 - value) < 1e-12
        opt = ref.fun + 0.5
        res = _core.lp_minimize(core_poly, c, 0.5, x0, st, stop_above=opt - 0.05)
        assert res.status == _core.Status.BOUND_ABOVE
        assert opt - 0.05 <= res.lower_bound <= opt + 1e-9
        res = _core.lp_minimize(core_poly, c, 0.5, x0, st, stop_below=opt + 0.05)
        assert res.status == _core.Status.POINT_BELOW and res.value < opt + 0.05
        assert (A @ res.x + b >= 0).all() and abs(c @ res.x + 0.5 - res.value) < 1e-12
    with pytest.raises(ValueError, match="strictly"):
        _core.lp_minimize(core_poly, c, 0.0, poly.hi.copy(), st)


def test_auto_with_few_bends_decides_rows_by_lps_and_agrees():
    """With no bent rays, more rows reach the interior-point LPs of "auto": same facets as
    the appendix-C loop, certified."""
    net = lr.from_torch(mlp(seed=3), (12,), (-1.0, 1.0))
    region = net.region(np.random.default_rng(3).uniform(-0.5, 0.5, 12))
    rep = region.redundancy_report("auto", max_bends=0)
    assert rep.n_lps > 0
    np.testing.assert_array_equal(rep.facets, region.nonredundant(method="naive"))
    assert_certified(region, rep.facets)


def test_solver_limit_carries_the_certified_interval():
    """An uncertified insphere raises with the interval it did certify: the lower end is
    the exact radius of the returned center, the upper end bounds the optimum."""
    poly = random_polytope(5, n=40, d=6)
    exact = poly.insphere()
    # one iteration: the active-set finish certifies this polytope from the second one on
    with pytest.raises(lr.errors.SolverLimitError) as info:
        poly.insphere(max_iter=1, fallback=False)
    lo, hi = info.value.bounds
    assert lo <= exact.radius + 1e-12 and hi >= exact.radius - 1e-12
    assert abs(certified_radius(poly, info.value.center) - lo) < 1e-12


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("LINREGIONS_SLOW_TESTS"),
    reason="trains a 1-epoch tiny CNN and certifies 3 degenerate regions (about 4 min); "
    "LINREGIONS_SLOW_TESTS=1 runs it",
)
def test_degenerate_cnn_regions_certify_at_the_default_tolerance(tmp_path):
    """The 1-epoch tiny table-3 CNNs (dropout variant, fixed seed) give manifold regions
    whose inscribed ball touches hundreds of rows and box faces at once (683 on the benchmark's
    region); the interior point alone stalls near 1e-8, the active-set finish certifies
    them to the default 1e-9 without HiGHS, and the answer is no worse than HiGHS's."""
    from linregions.experiments.study import StudyConfig
    from linregions.experiments.study.config import load_study_data, paper_models
    from linregions.experiments.study.runner import _network, prepare_models
    from linregions.experiments.zoo import ModelConfig

    models = tuple(
        ModelConfig(**{**m.__dict__, "max_epochs": 1, "patience": 1})
        for m in paper_models("mnist5k", "tiny", arch="cnn")
        if m.name == "cnn-dropout"
    )
    cfg = StudyConfig(
        out_dir=str(tmp_path),
        dataset="mnist5k",
        models=models,
        n_points=3,
        seed=0,
        workers=1,
        analyses=("manifold",),
    )
    data = load_study_data(cfg)
    prepare_models(cfg, models, data)
    _, net = _network(str(tmp_path), "cnn-dropout", (-1.0, 1.0))
    (_, _, (Xte, _)) = data
    most_tied = 0
    for idx in np.random.default_rng(0).permutation(len(Xte))[:3]:
        region = net.region(Xte[idx].reshape(-1), on_boundary="active")
        ins = region.insphere(fallback=False)  # raises SolverLimitError if uncertified
        assert ins.method == "ipm"
        assert ins.upper_bound - ins.radius <= 1e-9 * ins.upper_bound + 1e-12
        # the radius is the exact distance of the center, up to rounding: the core takes it
        # on unit rows, certified_radius divides A x + b by the norms (a few ulps apart)
        assert abs(certified_radius(region, ins.center) - ins.radius) <= 1e-12 * ins.radius
        norms = np.linalg.norm(region.A, axis=1)
        dist = np.concatenate(
            [
                (region.A @ ins.center + region.b) / norms,
                ins.center - region.lo,
                region.hi - ins.center,
            ]
        )
        most_tied = max(most_tied, int((dist <= ins.radius * (1 + 1e-9)).sum()))
        _, r_highs, up_highs = certified_linprog(region)
        assert ins.radius >= r_highs - 1e-9 * r_highs and ins.radius <= up_highs
    assert most_tied >= 500
