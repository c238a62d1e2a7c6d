"""The typed boundary between the Rust core and Python: frozen
result objects with named, typed fields; the package's own exceptions raised from Rust;
the version and the tolerances read from the crate; `boundary_point` as one walk."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import linregions as lr
from linregions import _core
from linregions.analysis.decision_boundary import _winning_interval
from linregions.model.ir import Affine, Input, ReLU

ROOT = Path(__file__).resolve().parents[1]


def random_net(seed: int, widths=(4, 12, 12, 3), lo=-1.0, hi=1.0) -> lr.Network:
    rng = np.random.default_rng(seed)
    nodes: list = [Input(widths[0])]
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        nodes.append(
            Affine(
                len(nodes) - 1, rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out) * 0.3
            )
        )
        if k < len(widths) - 2:
            nodes.append(ReLU(len(nodes) - 1, n_out))
    d = widths[0]
    return lr.Network(nodes, (d,), np.full(d, lo), np.full(d, hi))


def _fields(obj) -> dict:
    return {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_")}


def test_region_data_fields_dtypes_and_frozen():
    net = random_net(0)
    x = np.random.default_rng(1).uniform(-1, 1, 4)
    r = net._core.region(x)
    f = _fields(r)
    assert set(f) == {"a", "b", "layer", "unit", "bits", "key", "logit_w", "logit_c", "boundary"}
    n = net._core.n_rows
    assert f["a"].shape == (n, 4) and f["a"].dtype == np.float64
    assert f["b"].shape == (n,) and f["b"].dtype == np.float64
    assert f["layer"].dtype == np.int64 and f["unit"].dtype == np.int64
    assert f["bits"].dtype == np.uint64
    assert f["logit_w"].shape == (3, 4) and f["logit_c"].shape == (3,)
    assert isinstance(f["key"], int) and f["key"] == net.region(x).key
    assert 0 <= f["key"] < 2**128
    assert f["boundary"] == []
    with pytest.raises(AttributeError):
        r.a = np.zeros((n, 4))
    # The region agrees with its logit map at x (the fields are wired to the right arrays).
    np.testing.assert_allclose(r.logit_w @ x + r.logit_c, net.logits(x[None])[0], atol=1e-12)
    assert np.all(r.a @ x + r.b >= 0)


def test_walk_data_fields_and_breakpoint_logits():
    net = random_net(2)
    rng = np.random.default_rng(3)
    x0, x1 = rng.uniform(-1, 1, (2, 4))
    (w,) = net._core.walk(x0[None], x1[None], single=True)
    assert set(_fields(w)) == {
        "breakpoints",
        "bits",
        "keys",
        "switch_ptr",
        "switch_units",
        "logits",
    }
    k = w.keys.shape[0]
    assert w.breakpoints.shape == (k + 1,) and w.breakpoints.dtype == np.float64
    assert w.bits.dtype == np.uint64 and w.bits.shape[0] == k
    assert w.keys.dtype == np.uint64 and w.keys.shape == (k, 2)
    assert w.switch_ptr.dtype == np.int64 and w.switch_ptr.shape == (k,)
    assert w.switch_units.dtype == np.int64 and w.switch_units.shape[1] == 2
    assert w.logits.shape == (k + 1, 3)
    with pytest.raises(AttributeError):
        w.logits = None
    # Independent route: the bulk forward pass at the breakpoints.
    walk = net.walk(x0, x1)
    np.testing.assert_allclose(
        walk.logits, net.logits(walk.point(walk.breakpoints)), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_array_equal(walk.logits[-1], net.logits(x1[None])[0])


def test_slice_data_fields():
    net = random_net(4)
    rng = np.random.default_rng(5)
    o, u, v = rng.uniform(-0.3, 0.3, (3, 4))
    s = net._core.slice(o, u, v, (-1.0, 1.0, -1.0, 1.0))
    f = _fields(s)
    assert set(f) == {
        "polygons",
        "bits",
        "keys",
        "active_fraction",
        "classes",
        "logit_maps",
        "class_polygons",
        "class_parent",
        "class_label",
    }
    assert set(_fields(s.polygons)) == {"vertices", "offsets"}
    assert s.class_polygons.vertices.shape[1] == 2
    p = s.polygons.offsets.shape[0] - 1
    assert s.logit_maps.shape == (p, 3, 3)
    assert s.keys.dtype == np.uint64 and s.classes.dtype == np.int64
    with pytest.raises(AttributeError):
        s.keys = None
    # The polygons tile the rectangle (independent: the rectangle's area).
    assert np.isclose(net.slice(o, u, v, (-1.0, 1.0, -1.0, 1.0)).areas().sum(), 4.0)


def test_boundary_policy_is_an_enum():
    assert {
        p
        for p in (
            _core.BoundaryPolicy.Error,
            _core.BoundaryPolicy.Active,
            _core.BoundaryPolicy.Inactive,
        )
    } == {_core.BoundaryPolicy.Error, _core.BoundaryPolicy.Active, _core.BoundaryPolicy.Inactive}
    assert _core.BoundaryPolicy.Error != _core.BoundaryPolicy.Active
    net = random_net(0)
    with pytest.raises(lr.InvalidValueError, match="on_boundary must be"):
        net.region(np.zeros(4), on_boundary="left")


def test_errors_from_rust_are_the_package_classes():
    net = random_net(0)
    with pytest.raises(lr.ShapeError):
        net._core.region(np.zeros(5))
    with pytest.raises(lr.InvalidValueError, match="outside the input box at index 2"):
        net._core.region(np.array([0.0, 0.0, 1.5, 0.0]))
    with pytest.raises(lr.InvalidValueError, match=": x1 lies .*pass respect_box=False"):
        net._core.walk(np.zeros((1, 4)), np.full((1, 4), 2.0), single=True)
    with pytest.raises(lr.InvalidValueError, match=r": ends\[1\] lies .*pass respect_box=False"):
        net._core.walk(np.zeros((2, 4)), np.array([np.zeros(4), np.full(4, 2.0)]))
    with pytest.raises(lr.ShapeError, match="single walk takes one segment, got 2"):
        net._core.walk(np.zeros((2, 4)), np.zeros((2, 4)), single=True)
    with pytest.raises(lr.ShapeError):
        net._core.input_gradients(np.zeros((2, 4)), np.zeros((2, 5)))
    with pytest.raises(lr.InvalidValueError, match="exceeds"):
        _core.Network(np.ones(2), np.zeros(2))
    # A point on a boundary: OnBoundaryError with the units, raised by the core.
    nodes = [
        Input(2),
        Affine(0, np.eye(2), np.zeros(2)),
        ReLU(1, 2),
        Affine(2, np.ones((2, 2)), np.zeros(2)),
    ]
    tiny = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
    with pytest.raises(lr.OnBoundaryError) as info:
        tiny._core.region(np.array([0.0, 0.5]))
    assert info.value.units == [(0, 0, 0.0)]
    assert type(info.value) is lr.OnBoundaryError


def test_box_is_owned_and_read_only():
    net = random_net(0, lo=-2.0, hi=0.5)
    np.testing.assert_array_equal(net.lo, np.full(4, -2.0))
    np.testing.assert_array_equal(net._core.hi, np.full(4, 0.5))
    with pytest.raises(ValueError):
        net.lo[0] = 0.0
    with pytest.raises(lr.InvalidValueError, match="x lies outside the input box at index 0"):
        net.region(np.array([0.7, 0.0, 0.0, 0.0]))
    # Infinite boxes are allowed and contain every finite point.
    free = random_net(0, lo=-np.inf, hi=np.inf)
    assert free.region(np.full(4, 1e6)).contains(np.full(4, 1e6))


def test_version_is_the_crate_version():
    text = (ROOT / "rust" / "Cargo.toml").read_text()
    version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)
    assert lr.__version__ == version == _core.__version__
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^dynamic\s*=\s*\["version"\]', pyproject, re.M)
    assert not re.search(r"^version\s*=", pyproject, re.M)


def test_tolerances_come_from_the_core():
    assert lr.BOUNDARY_TOL == _core.BOUNDARY_TOL
    assert lr.WALK_TOL == _core.WALK_TOL
    assert lr.SLICE_TOL == _core.SLICE_TOL
    from linregions.model import tolerances

    assert tolerances.MAX_POLYGONS == _core.MAX_POLYGONS


def _boundary_point_three_calls(net, a, b, tol=lr.WALK_TOL):
    """The former route: logits of the ends, the walk, logits at its breakpoints."""
    ends = net.logits(np.stack([a, b]))
    label = int(ends[0].argmax())
    assert int(ends[1].argmax()) != label
    walk = net.walk(a, b, tol=tol)
    brk = walk.breakpoints
    logits = net.logits(walk.point(brk))
    margin = logits[:, label][:, None] - logits
    for k in range(walk.n_regions - 1, -1, -1):
        lo, hi = _winning_interval(margin[k], margin[k + 1])
        if lo <= hi:
            return float(brk[k] + hi * (brk[k + 1] - brk[k])), label, k
    raise AssertionError


@pytest.mark.parametrize("seed", range(6))
def test_boundary_point_matches_the_three_call_route(seed):
    net = random_net(10 + seed, widths=(5, 16, 16, 4))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (60, 5))
    cls = net.logits(X).argmax(1)
    pairs = [(X[i], X[j]) for i in range(30) for j in range(30, 60) if cls[i] != cls[j]][:5]
    assert pairs
    for a, b in pairs:
        alpha, label, k = _boundary_point_three_calls(net, a, b)
        bp = lr.boundary_point(net, a, b)
        assert bp.label == label
        assert abs(bp.alpha - alpha) <= 1e-9
        mid = bp.region.x
        walk = net.walk(a, b)
        assert bp.n_pieces == walk.n_regions
        assert bp.region.key == walk.keys[k]
        assert bp.region.contains(mid)


def test_settings_replace_keeps_every_field_it_is_not_given():
    from linregions import _core

    base = _core.Settings("class_maxima", rel_tol=1e-5, stall_iter=9, exact_retry=False)
    fields = [f for f in dir(base) if not f.startswith("_") and not callable(getattr(base, f))]
    assert len(fields) == 13
    new = base.replace(abs_tol=1e-6, max_iter=7)
    assert (new.abs_tol, new.max_iter) == (1e-6, 7)
    for f in fields:
        if f not in ("abs_tol", "max_iter"):
            assert getattr(new, f) == getattr(base, f), f
    with pytest.raises(lr.InvalidValueError, match="rel_tol"):
        base.replace(rel_tol=-1.0)
