"""Pictures of the complex: exact polygons that tile the domain, 3-D points, histograms."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import linregions as lr  # noqa: E402
from linregions.model.ir import Affine, Input, ReLU  # noqa: E402
from linregions.plotting import plot_complex, plot_complex_histograms  # noqa: E402
from linregions.plotting.complex import (  # noqa: E402
    activation_rates,
    clip_polygon,
    complex_polygons,
    polygon_area,
)


def ir_mlp(seed: int, widths: tuple[int, ...]) -> lr.Network:
    rng = np.random.default_rng(seed)
    nodes: list = [Input(widths[0])]
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        nodes.append(
            Affine(len(nodes) - 1, rng.standard_normal((b, a)), rng.standard_normal(b) * 0.5)
        )
        if i < len(widths) - 2:
            nodes.append(ReLU(len(nodes) - 1, b))
    d = widths[0]
    return lr.Network(nodes, (d,), -np.ones(d), np.ones(d))


def test_clip_polygon_against_hand_computed_cases():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    half = clip_polygon(square, np.array([-1.0, 0.0]), 0.5)  # x <= 0.5
    assert polygon_area(half) == pytest.approx(0.5, abs=1e-15)
    tri = clip_polygon(square, np.array([-1.0, -1.0]), 1.0)  # x + y <= 1
    assert polygon_area(tri) == pytest.approx(0.5, abs=1e-15) and len(tri) == 3
    assert clip_polygon(square, np.array([1.0, 0.0]), -2.0).shape == (0, 2)
    assert clip_polygon(square, np.array([1.0, 0.0]), 2.0) is square


@pytest.mark.parametrize(
    "seed,widths,domain",
    [
        (0, (2, 8, 8, 3), None),
        (1, (2, 12, 6, 4), lr.Box([-0.3, -0.8], [0.9, 0.4])),
        (2, (2, 6, 6, 2), lr.Ball([0.1, -0.2], 0.6, norm="l1")),
    ],
)
def test_polygons_tile_the_domain_and_hold_their_points(seed, widths, domain):
    net = ir_mlp(seed, widths)
    cx = net.regions(domain)
    polys = complex_polygons(cx)
    areas = np.array([polygon_area(p) for p in polys])
    dom = cx.domain
    dom_area = polygon_area(complex_polygons_of_domain(dom))
    assert areas.sum() == pytest.approx(dom_area, abs=1e-9)
    assert (areas > 0).all()
    # each polygon holds its region's point (strictly: inside every edge's halfplane)
    for p, x in zip(polys, cx.points):
        edges = np.roll(p, -1, axis=0) - p
        cross = edges[:, 0] * (x[1] - p[:, 1]) - edges[:, 1] * (x[0] - p[:, 0])
        real = np.linalg.norm(edges, axis=1) > 1e-12  # numerically repeated vertices aside
        assert (cross[real] > 0).all()  # counter-clockwise and x strictly inside
    # independent: the areas are the shares of a dense uniform sample of the box, by key
    X = np.random.default_rng(seed).uniform(dom.lo, dom.hi, size=(200_000, 2))
    X = X[(X @ dom.A.T + dom.b >= 0).all(axis=1)] if dom.n_rows else X
    keys = net.patterns(X).key_ints()
    index = {k: i for i, k in enumerate(cx.keys)}
    share = np.bincount([index[k] for k in keys], minlength=cx.n_regions) / len(X)
    assert np.abs(share * dom_area - areas).max() < 0.01


def complex_polygons_of_domain(dom: lr.Polytope) -> np.ndarray:
    (x0, y0), (x1, y1) = dom.lo, dom.hi
    poly = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    for a, b in zip(dom.A, dom.b):
        poly = clip_polygon(poly, a, b)
    return poly


def test_plot_complex_2d_and_3d(tmp_path):
    net = ir_mlp(3, (2, 8, 8, 3))
    cx = net.regions()
    fig = plot_complex(cx, color="activation", path=tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 0
    ax = fig.axes[0]
    assert len(ax.collections[0].get_paths()) == cx.n_regions
    assert len(ax.collections[1].get_segments()) == len(cx.edges)
    rates = activation_rates(cx)
    for i in (0, cx.n_regions - 1):
        assert rates[i] == pytest.approx(cx.region(i).active_fraction)
    fig = plot_complex(cx, color="class", edges=False)
    assert len(fig.axes[0].collections) == 1
    net3 = ir_mlp(4, (3, 6, 4, 2))
    cx3 = net3.regions()
    fig3 = plot_complex(cx3, color="class")
    assert hasattr(fig3.axes[0], "zaxis")
    assert fig3.axes[0].collections[0].get_offsets().shape[0] == cx3.n_regions


def test_histograms_any_dimension(tmp_path):
    net = ir_mlp(5, (2, 8, 3))
    cx = net.regions()
    fig = plot_complex_histograms(cx, path=tmp_path / "h.png")
    assert len(fig.axes) == 3 and fig.axes[2].get_xlabel() == "area (exact)"
    assert sum(p.get_height() for p in fig.axes[0].patches) == cx.n_regions
    net5 = ir_mlp(6, (5, 6, 3))
    cx5 = net5.regions()
    fig5 = plot_complex_histograms(cx5)
    assert len(fig5.axes) == 2
    assert sum(p.get_height() for p in fig5.axes[1].patches) == cx5.n_regions
    vols = cx5.volumes(method="sample", n_samples=20_000)
    fig5v = plot_complex_histograms(cx5, volumes=vols)
    assert fig5v.axes[2].get_xlabel() == "volume (estimated)"


def test_refusals(tmp_path):
    cx5 = ir_mlp(7, (5, 4, 2)).regions()
    with pytest.raises(lr.InvalidValueError, match="d = 5"):
        plot_complex(cx5)
    cx = ir_mlp(8, (2, 5, 2)).regions()
    with pytest.raises(lr.InvalidValueError, match="color"):
        plot_complex(cx, color="rainbow")
    cx.save(tmp_path / "cx.npz")
    loaded = lr.Complex.load(tmp_path / "cx.npz")
    with pytest.raises(lr.InvalidValueError, match="pass net="):
        plot_complex(loaded)
    assert plot_complex(loaded, color="class", net=cx.net) is not None
    cx3 = ir_mlp(9, (3, 4, 2)).regions()
    from linregions.plotting._figure import new_figure

    with pytest.raises(lr.InvalidValueError, match="3-D axes"):
        plot_complex(cx3, ax=new_figure((3, 3)).subplots())
    with pytest.raises(lr.InvalidValueError, match="bins"):
        plot_complex_histograms(cx, bins=0)
