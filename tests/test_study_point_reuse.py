"""The study's per-point analyses with shared work (``PointContext(reuse=True)``: regions and
inradii shared, walks on restricted networks, blockwise angles) give the results of each
analysis run on its own (``reuse=False``); the restricted walks cross the regions that the
full network's walks cross, and those of the points' patterns."""

import numpy as np
import pytest

import linregions as lr
from linregions.analysis.categories import decision_targets
from linregions.analysis.decision_boundary import boundary_point
from linregions.experiments.study import analyses
from linregions.experiments.study.analyses import ANALYSES, PointContext, angle_deviations, angles
from linregions.experiments.training import make_mlp
from linregions.model.ir import Affine, Input, ReLU, random_mlp
from linregions.model.line_walk import walk_line, walk_rays

D, M = 12, 4
NAMES = ("manifold", "surroundings", "angles", "class_maxima", "decision", "adversarial")


@pytest.fixture(scope="module")
def setup():
    model = make_mlp((D, 24, 24, 24, M), seed=0).eval()
    net = lr.from_torch(model, (D,), (-1.0, 1.0))
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, D))
    found, _ = decision_targets(net, X, net.logits(X).argmax(1), label=-1, seed=0)
    targets = np.full((M, D), np.nan)
    for j, _, point in found:
        targets[j] = point
    return model, net, targets, rng.uniform(-1, 1, (3, D))


def run(setup, x, seed, reuse):
    model, net, targets, _ = setup
    ctx = PointContext(net, model, x, targets, 16, 0.3, seed, reuse=reuse)
    return {name: ANALYSES[name](ctx) for name in NAMES}


@pytest.mark.parametrize("i", range(3))
def test_shared_and_separate_analyses_agree(setup, i):
    x = setup[3][i]
    old, new = run(setup, x, i, reuse=False), run(setup, x, i, reuse=True)
    for name in NAMES:
        assert old[name].keys() == new[name].keys(), name
        for key, a in old[name].items():
            b = new[name][key]
            if isinstance(a, int):  # counts, classes, pieces, success
                assert a == b, (name, key)
            elif key == "inradius":
                np.testing.assert_allclose(b, a, rtol=1e-7, err_msg=name)
            else:
                np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=f"{name} {key}")
    assert old["class_maxima"]["count"] == new["class_maxima"]["count"]


def test_shared_inradius_is_solved_once_per_region(setup, monkeypatch):
    model, net, targets, X = setup
    calls = []
    real = analyses.certified_inradius
    monkeypatch.setattr(analyses, "certified_inradius", lambda r: calls.append(r) or real(r))
    ctx = PointContext(net, model, X[0], targets, 8, 0.3, 0)
    region = ctx.manifold_region()
    assert ctx.inradius(region) == ctx.inradius(net.region(X[0])) == real(region)
    assert len(calls) == 1


def test_boundary_point_takes_a_known_region():
    nodes = [
        Input(1),
        Affine(0, np.array([[1.0]]), np.zeros(1)),
        ReLU(1, 1),
        Affine(2, np.array([[1.0], [0.0]]), np.array([0.0, 0.25])),
    ]
    net = lr.Network(nodes, (1,), lo=-np.ones(1), hi=np.ones(1))  # logits relu(x), 1/4
    known = net.region([0.5])  # the region of the boundary piece, x > 0
    bp = boundary_point(net, [-1.0], [1.0], sliced=True, regions={known.key: known})
    assert bp.region is known and bp.alpha == 0.625
    other = boundary_point(net, [-1.0], [1.0], regions={net.region([-0.5]).key: known})
    assert other.region is not known and other.region.key == known.key


def test_walk_line_crosses_the_regions_of_the_full_walk():
    net = lr.Network(random_mlp([6, 20, 20, 3], seed=1), (6,), -np.ones(6), np.ones(6))
    rng = np.random.default_rng(1)
    for _ in range(5):
        a, b = rng.uniform(-1, 1, (2, 6))
        full, line = net.walk(a, b), walk_line(net, a, b)
        assert line.keys == full.keys
        np.testing.assert_allclose(line.breakpoints, full.breakpoints, atol=1e-12)
        np.testing.assert_allclose(line.logits, full.logits, atol=1e-12)
        # independent route: the pattern of each piece's midpoint
        assert list(net.patterns(line.midpoints()).key_ints()) == list(line.keys)


def test_walk_line_refuses_ends_outside_the_box():
    net = lr.Network(random_mlp([3, 5, 2]), (3,), -np.ones(3), np.ones(3))
    with pytest.raises(lr.InvalidValueError, match="x1 lies outside the input box"):
        walk_line(net, np.zeros(3), [0.0, 2.0, 0.0])


def test_walk_rays_crosses_the_regions_of_the_full_walks():
    net = lr.Network(random_mlp([8, 20, 20, 3], seed=2), (8,), -np.ones(8), np.ones(8))
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 8)
    for n in (3, 8):  # fewer rays than inputs (restricted), as many (full network)
        dirs = rng.standard_normal((n, 8))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        lengths = rng.uniform(0.5, 1.5, n)
        full = net.walk_many(
            np.repeat(x[None], n, 0), x + lengths[:, None] * dirs, respect_box=False
        )
        rays = walk_rays(net, x, dirs, lengths)
        assert [w.keys for w in rays] == [w.keys for w in full]
        for w, f in zip(rays, full):
            np.testing.assert_array_equal(w.x1, f.x1)
            np.testing.assert_allclose(w.breakpoints, f.breakpoints, atol=1e-12)


def test_blockwise_angles_match_the_full_angle_matrix(setup, monkeypatch):
    model, net, targets, X = setup
    region = net.region(X[1])
    rows = np.flatnonzero(np.linalg.norm(region.A, axis=1) > 0)
    # small blocks, so that blocks straddle layers
    monkeypatch.setattr("linregions.experiments.study.analyses.ANGLE_BLOCK", 7)
    fast = angle_deviations(region.A[rows], region.layer[rows])
    full = angles(PointContext(net, model, X[1], targets, 8, 0.3, 0, reuse=False))
    assert fast.keys() == full.keys()
    for key in full:
        np.testing.assert_allclose(fast[key], full[key], rtol=1e-12)
