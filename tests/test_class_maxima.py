"""Class maxima (eq. 6-8): against cvxpy + Clarabel, an independent certificate, appendix D."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import linregions as lr

from models import mlp

cp = pytest.importorskip("cvxpy")

OBJ_TOL = 1e-6
FEAS_TOL = 1e-9


def region_of(widths, seed, point_seed=0, bounds=(-1.0, 1.0)):
    model = mlp(seed=seed, widths=widths, dtype=torch.float64)
    net = lr.from_torch(model, (widths[0],), bounds)
    x = np.random.default_rng(point_seed).uniform(bounds[0], bounds[1], widths[0]) * 0.5
    return net, net.region(x)


def reference(region, t):
    """eq. 6 through cvxpy with Clarabel on the full constraint set."""
    W, c = region.logit_map
    x = cp.Variable(region.dim)
    z = W @ x + c
    prob = cp.Problem(
        cp.Maximize(z[t] - cp.log_sum_exp(z)),
        [region.A @ x + region.b >= 0, x >= region.lo, x <= region.hi],
    )
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL
    return prob.value, x.value


def independent_bound(region, t, x, lam):
    """Re-derivation of the weak-duality bound, written apart from the library: the LP
    max_y g.y over the region is <= lam.b + max over the box of (g + A^T lam).y."""
    W, c = region.logit_map
    z = W @ x + c
    p = np.exp(z - z.max())
    p /= p.sum()
    g = W[t] - W.T @ p
    r = g + region.A.T @ np.maximum(lam, 0)
    box_max = np.sum(np.maximum(r * region.lo, r * region.hi))
    return lam @ region.b + box_max - g @ x


@pytest.mark.parametrize(
    "widths,seed", [((12, 16, 16, 4), 0), ((6, 10, 10, 3), 1), ((20, 24, 5), 2)]
)
def test_matches_clarabel_and_is_inside(widths, seed):
    net, region = region_of(widths, seed)
    cm = region.class_maxima()
    M = region.n_classes
    assert cm.points.shape == (M, region.dim)
    for t in range(M):
        ref_val, _ = reference(region, t)
        assert abs(cm.log_prob[t] - ref_val) <= OBJ_TOL
        assert region.contains(cm.points[t], tol=FEAS_TOL)
        assert cm.status[t] == "optimal"
        assert 0 <= cm.gap[t] <= lr.GAP_TOL
        # the certified gap really bounds the error against the reference optimum
        assert ref_val - cm.log_prob[t] <= cm.gap[t] + 1e-9
    # derived fields agree with the network itself
    logits = net.logits(cm.points)
    np.testing.assert_array_equal(cm.predicted, logits.argmax(1))
    np.testing.assert_array_equal(cm.at_maximum, cm.predicted == np.arange(M))
    assert np.all(cm.present[cm.at_maximum]) and cm.count == cm.present.sum()
    margins = np.array([highs_max_margin(region, t) for t in range(M)])
    np.testing.assert_array_equal(cm.present, margins > 0)
    assert cm.distortion == pytest.approx(np.linalg.norm(cm.points - region.x, axis=1).max())
    # the class of x* is always present (x* itself is in the region)
    assert cm.present[net.logits(region.x[None])[0].argmax()]


def test_certificate_checked_independently():
    """The reported gap is the weak-duality bound of the reported point and multipliers,
    re-derived here apart from the library, and it is small."""
    _, region = region_of((12, 16, 16, 4), 0)
    cm = region.class_maxima()
    for t in range(region.n_classes):
        x, lam = cm.points[t], cm.multipliers[t]
        assert (region.slack(x) >= 0).all() and (lam >= 0).all()
        assert (x >= region.lo).all() and (x <= region.hi).all()
        bound = independent_bound(region, t, x, lam)
        assert -1e-12 <= bound <= lr.GAP_TOL
        assert cm.gap[t] == pytest.approx(bound, abs=1e-9)
        assert lr.certified_gap(region, t, x, lam) == pytest.approx(bound, abs=1e-12)


def test_certificate_detects_a_bad_point():
    """A feasible but suboptimal point gets a large bound; bad multipliers never give a
    bound below the true error."""
    _, region = region_of((12, 16, 16, 4), 0)
    ref_val, _ = reference(region, 1)
    x = region.x
    W, c = region.logit_map
    z = W @ x + c
    f = z[1] - np.log(np.exp(z).sum())
    for lam in (np.zeros(region.n_rows), np.ones(region.n_rows)):
        bound = lr.certified_gap(region, 1, x, lam)
        assert bound >= ref_val - f - 1e-12
        assert bound == pytest.approx(independent_bound(region, 1, x, lam))


def test_appendix_d_maxima_on_the_boundary():
    """d >> M: every x^t has a tight row or box face (appendix D)."""
    _, region = region_of((60, 20, 20, 3), 3)
    cm = region.class_maxima()
    for t in range(region.n_classes):
        x = cm.points[t]
        dist_rows = region.hyperplane_distances(x).min()
        dist_box = min((x - region.lo).min(), (region.hi - x).min())
        assert min(dist_rows, dist_box) <= 1e-6


def test_classes_subset_and_bad_input():
    _, region = region_of((6, 10, 10, 3), 1)
    cm = region.class_maxima(classes=[2])
    assert cm.status == ("skipped", "skipped", "optimal")
    assert np.isnan(cm.points[0]).all() and cm.predicted[0] == -1
    with pytest.raises(lr.InvalidValueError):
        region.class_maxima(classes=[3])
    unbounded = lr.Region(
        A=region.A,
        b=region.b,
        lo=np.full(6, -np.inf),
        hi=region.hi,
        logit_map=region.logit_map,
        x=region.x,
    )
    with pytest.raises(lr.InvalidValueError):
        unbounded.class_maxima()


def test_iteration_limit_is_reported_not_hidden():
    _, region = region_of((12, 16, 16, 4), 0)
    cm = region.class_maxima(max_iter=3)
    assert set(cm.status) == {"limit"}
    for t in range(region.n_classes):
        assert region.contains(cm.points[t], tol=FEAS_TOL)
        assert cm.gap[t] > lr.GAP_TOL


def highs_max_margin(region, t):
    """Largest margin z_t - max_{j != t} z_j over the region, by scipy's HiGHS (written apart
    from the library's LP): max s  s.t.  (w_t - w_j).x + c_t - c_j >= s, A x + b >= 0, box."""
    from scipy.optimize import linprog

    W, c = region.logit_map
    M, d = W.shape
    others = [j for j in range(M) if j != t]
    A_ub = np.vstack(
        [
            np.hstack([-region.A, np.zeros((region.A.shape[0], 1))]),
            np.hstack([-(W[t] - W[others]), np.ones((len(others), 1))]),
        ]
    )
    b_ub = np.concatenate([region.b, c[t] - c[others]])
    bounds = list(zip(region.lo, region.hi)) + [(None, None)]
    res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert res.status == 0
    return -res.fun


def sliver_region(k=10):
    """One input in [-1, 1], 2 + k classes: class 0 (logit 0) wins only on (-0.025, 0);
    its own most likely point lies near x = 0.98, where class 1 (logit x) wins; class 2
    (logit -2 x - 0.05) wins left of -0.025 and the k - 1 classes below it nowhere."""
    W = np.r_[[[0.0], [1.0]], np.full((k, 1), -2.0)]
    c = np.r_[0.0, 0.0, -0.05 - 0.001 * np.arange(k)]
    return lr.Region(
        A=np.zeros((0, 1)), b=np.zeros(0), lo=[-1.0], hi=[1.0], logit_map=(W, c), x=[0.5]
    )


def test_presence_finds_a_class_that_loses_at_its_own_maximum():
    cm = sliver_region().class_maxima()
    assert not cm.at_maximum[0] and cm.predicted[0] == 1
    assert cm.present[0] and cm.presence_by[0] in ("sharpened", "lp")
    assert cm.count == cm.count_at_maximum + 1
    # dense sampling sees class 0 win on (-0.025, 0)
    xs = np.linspace(-1, 1, 200_001)[:, None]
    W, c = sliver_region().logit_map
    winners = set(np.argmax(xs @ W.T + c, axis=1).tolist())
    assert set(np.flatnonzero(cm.present).tolist()) == winners


@pytest.mark.parametrize("seed", range(6))
def test_presence_equals_the_margin_lp_on_random_regions(seed):
    net, region = region_of((3, 8, 8, 6), seed, point_seed=seed, bounds=(-2.0, 2.0))
    cm = region.class_maxima()
    margins = np.array([highs_max_margin(region, t) for t in range(region.n_classes)])
    decided = np.abs(margins) > 1e-7
    assert np.array_equal(cm.present[decided], margins[decided] > 0)
    assert np.all(cm.present[cm.at_maximum])
    assert cm.count == int(cm.present.sum()) and cm.count >= cm.count_at_maximum
    assert set(cm.presence_by) <= {"maximum", "bound", "sharpened", "lp"}


def test_presence_of_tied_classes_is_absent():
    """Two classes with the same logit map never strictly win anywhere."""
    W = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    region = lr.Region(
        A=np.zeros((0, 2)),
        b=np.zeros(0),
        lo=-np.ones(2),
        hi=np.ones(2),
        logit_map=(W, np.zeros(3)),
        x=np.zeros(2),
    )
    cm = region.class_maxima()
    assert cm.present.tolist() == [False, False, True]


def test_presence_unchecked_on_request():
    """exact_presence=False skips the margin LPs: the sliver class is then unchecked and
    left out of present, the classes settled without an LP are unchanged."""
    exact = sliver_region().class_maxima()
    quick = sliver_region().class_maxima(exact_presence=False)
    assert quick.presence_by[0] == "unchecked" and not quick.present[0]
    assert exact.present[0]
    keep = [t for t, by in enumerate(exact.presence_by) if by != "lp"]
    assert np.array_equal(quick.present[keep], exact.present[keep])
    assert quick.count <= exact.count


@pytest.mark.parametrize("seed", range(4))
def test_presence_by_the_margin_lp_alone_agrees(seed, monkeypatch):
    """Without the sharpened maxima every open class goes to the margin LP: same answer."""
    import linregions.geometry.class_maxima as cmod

    net, region = region_of((3, 8, 8, 6), seed, point_seed=seed, bounds=(-2.0, 2.0))
    both = region.class_maxima()
    monkeypatch.setattr(cmod, "SHARPENING", ())
    lp_only = region.class_maxima()
    assert np.array_equal(both.present, lp_only.present)
    assert "sharpened" not in lp_only.presence_by
