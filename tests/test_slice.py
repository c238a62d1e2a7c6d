"""Exact 2-D slices: tiling, keys against the forward pass, class polygons, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

import linregions as lr

from models import maxpool_cnn, mlp

#: Relative tolerance on summed areas.
AREA_RTOL = 1e-9
#: Points closer than this (in s, t units) to a polygon edge are not tested for containment.
EDGE_MARGIN = 1e-7
GRID = 500


def inside(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Smallest signed distance of each point to the edges of a CCW convex polygon."""
    a = poly
    b = np.roll(poly, -1, axis=0)
    e = b - a
    cross = e[None, :, 0] * (pts[:, None, 1] - a[None, :, 1]) - e[None, :, 1] * (
        pts[:, None, 0] - a[None, :, 0]
    )
    return (cross / np.hypot(e[:, 0], e[:, 1])[None, :]).min(axis=1)


def in_box(net: lr.Network, x: np.ndarray) -> np.ndarray:
    return ((x >= net.lo) & (x <= net.hi)).all(axis=1)


def check_slice(net: lr.Network, sl: lr.Slice, expect_area: float) -> None:
    areas = sl.areas()
    assert (areas > 0).all()
    assert abs(areas.sum() - expect_area) <= AREA_RTOL * expect_area
    keys = sl.key_ints()
    assert len(set(keys)) == sl.n_regions, "one polygon per region"
    # Each polygon's centroid has the polygon's key.
    cents = sl.centroids()
    assert net.patterns(sl.to_input(cents)).key_ints() == keys
    # Class polygons tile their regions.
    per_region = np.bincount(sl.class_parent, weights=sl.class_areas(), minlength=sl.n_regions)
    np.testing.assert_allclose(per_region, areas, rtol=0, atol=AREA_RTOL * expect_area)
    # A grid over the slice finds no key missing, every point lies in its key's polygon, and
    # the class polygons agree with the network's argmax.
    _, _, st = sl.grid(GRID)
    x = sl.to_input(st)
    keep = in_box(net, x)
    st, x = st[keep], x[keep]
    grid_keys = net.patterns(x).key_ints()
    index = {k: i for i, k in enumerate(keys)}
    missing = {k for k in grid_keys if k not in index}
    assert not missing, f"{len(missing)} grid regions missing from the partition"
    owner = np.array([index[k] for k in grid_keys])
    argmax = net.logits(x).argmax(axis=1)
    polys, cpolys = sl.polygons(), sl.class_polygons()
    checked = 0
    for p in np.unique(owner):
        pts = st[owner == p]
        assert (inside(polys[p], pts) > -EDGE_MARGIN).all(), f"points outside polygon {p}"
        cls = argmax[owner == p]
        for q in np.flatnonzero(sl.class_parent == p):
            hit = inside(cpolys[q], pts) > EDGE_MARGIN
            assert (cls[hit] == sl.class_label[q]).all(), f"class polygon {q}"
            checked += int(hit.sum())
    assert checked > 0.9 * len(st)
    # No overlaps: random points lie strictly inside at most one polygon.
    rng = np.random.default_rng(0)
    s0, s1, t0, t1 = sl.extent
    probe = np.stack([rng.uniform(s0, s1, 400), rng.uniform(t0, t1, 400)], axis=1)
    holders = sum((inside(poly, probe) > EDGE_MARGIN).astype(int) for poly in polys)
    assert holders.max() <= 1


@pytest.mark.parametrize("bn, leaky", [(False, False), (True, True)])
def test_whole_square_of_2d_net(bn: bool, leaky: bool) -> None:
    net = lr.from_torch(mlp(seed=3, bn=bn, leaky=leaky, widths=(2, 16, 16, 16, 3)), (2,))
    sl = net.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=1.0)
    assert sl.n_regions > 30
    check_slice(net, sl, 4.0)
    # The predicted class of a region is one of its class polygons' labels.
    for p in range(sl.n_regions):
        assert sl.classes[p] in sl.class_label[sl.class_parent == p]
    # Activation rates match the regions assembled at the centroids.
    for p in range(0, sl.n_regions, 7):
        region = net.region(sl.to_input(sl.centroids()[p])[0])
        assert region.key == sl.key_ints()[p]
        assert region.active_fraction == pytest.approx(sl.active_fraction[p])
        W, c = region.logit_map
        s, t = sl.centroids()[p]
        L = sl.logit_maps[p]
        np.testing.assert_allclose(s * L[0] + t * L[1] + L[2], region.local_logits(region.x))
        np.testing.assert_allclose(L[0], W @ sl.u, atol=1e-12)


def test_oblique_slice_is_clipped_to_the_box() -> None:
    net = lr.from_torch(mlp(seed=1, widths=(12, 16, 16, 4)), (12,), bounds=(-1.0, 1.0))
    rng = np.random.default_rng(1)
    o = rng.uniform(-0.3, 0.3, 12)
    u, v = rng.normal(size=12), rng.normal(size=12)
    sl = net.slice(o, u, v, extent=(-2.0, 2.0, -1.5, 1.5))
    # Area of the clipped rectangle, counted on a fine grid (the box is convex).
    _, _, st = sl.grid(1000)
    frac = in_box(net, sl.to_input(st)).mean()
    assert 0.05 < frac < 1.0
    assert sl.areas().sum() == pytest.approx(frac * 12.0, rel=1e-2)
    check_slice(net, sl, float(sl.areas().sum()))


def test_maxpool_cnn_slice_through_three_points() -> None:
    net = lr.from_torch(maxpool_cnn(seed=5), (1, 8, 8), bounds=(-1.0, 1.0))
    rng = np.random.default_rng(2)
    a = rng.uniform(-0.5, 0.5, (1, 8, 8))
    b, c = (a + 0.05 * rng.normal(size=(1, 8, 8)) for _ in range(2))
    sl = lr.slice_through(net, a, b, c, margin=0.1)
    np.testing.assert_allclose(sl.to_input(sl.marks), [p.ravel() for p in (a, b, c)], atol=1e-12)
    assert sl.n_regions > 5
    check_slice(net, sl, float(sl.areas().sum()))


def test_dead_units_and_duplicate_lines() -> None:
    # Two identical neurons, a negated copy, and a dead neuron (zero weights and bias).
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    w = [[1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]]
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(w))
        model[0].bias.zero_()
    net = lr.from_torch(model.eval(), (2,))
    sl = net.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=1.0)
    assert sl.n_regions == 2
    np.testing.assert_allclose(sl.areas(), [2.0, 2.0], rtol=1e-12)
    assert sorted(sl.active_fraction) == [0.25, 0.5]


def test_plane_through_and_errors() -> None:
    p = lr.plane_through([0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], margin=0.0)
    assert np.linalg.norm(p.u) == pytest.approx(1.0) and abs(p.u @ p.v) < 1e-15
    np.testing.assert_allclose(p.extent[1] - p.extent[0], 2.0)
    with pytest.raises(lr.InvalidValueError, match="collinear"):
        lr.plane_through([0.0, 0.0], [1.0, 1.0], [2.0, 2.0])
    net = lr.from_torch(mlp(seed=0, widths=(2, 8, 2)), (2,))
    with pytest.raises(lr.InvalidValueError, match="extent"):
        net.slice([0, 0], [1, 0], [0, 1], extent=(1.0, -1.0, 0.0, 1.0))
    with pytest.raises(lr.InvalidValueError, match="input box"):
        net.slice([5, 5], [1, 0], [0, 1], extent=1.0)
    with pytest.raises(lr.InvalidValueError, match="max_polygons"):
        net.slice([0, 0], [1, 0], [0, 1], extent=1.0, max_polygons=2)
    with pytest.raises(lr.ShapeError):
        net.slice([0, 0, 0], [1, 0], [0, 1])
