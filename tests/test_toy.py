"""The appendix-A toy study and the slice pictures."""

from __future__ import annotations

import numpy as np
import pytest

import linregions as lr
from linregions.experiments.toy import TOY_KINDS, run_toy_study, two_spirals
from linregions.model.slice import _areas
from linregions.plotting.slices import plot_slices, project, save_slice_arrays

from models import mlp


def test_two_spirals_are_separated_and_in_the_square() -> None:
    X, y = two_spirals(200, seed=3)
    assert X.shape == (400, 2) and np.abs(X).max() < 1.0
    np.testing.assert_allclose(X[y == 1], -X[y == 0])
    # Nearest point of the other class is far away relative to the spacing along a spiral.
    d = np.linalg.norm(X[y == 0][:, None] - X[y == 1][None], axis=2)
    assert d.min() > 0.1


@pytest.mark.slow  # trains the toy models
def test_toy_study_reaches_full_accuracy_and_partitions_the_square(tmp_path) -> None:
    out = run_toy_study(tmp_path, seed=0)
    assert set(out["models"]) == set(TOY_KINDS)
    for kind, m in out["models"].items():
        assert m["test_accuracy"] == 1.0, kind
        assert m["n_regions"] >= 10 and m["n_class_polygons"] >= m["n_regions"]
        assert m["complex_complete"] and m["complex_equals_slice"], kind
        assert m["complex_regions"] == m["n_regions"] and m["complex_edges"] >= m["n_regions"] - 1
    arrays = np.load(out["arrays"])
    for kind in TOY_KINDS:
        areas = _areas(arrays[f"{kind}/vertices"], arrays[f"{kind}/offsets"])
        assert len(areas) == out["models"][kind]["n_regions"]
        assert areas.sum() == pytest.approx(4.0, rel=1e-9)
    for path in out["figures"].values():
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_slices_and_arrays(tmp_path) -> None:
    nets = [lr.from_torch(mlp(seed=s, widths=(2, 8, 8, 3)), (2,)) for s in (0, 1)]
    slices = [n.slice([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=1.0) for n in nets]
    X = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    pts = project(slices[0], X)
    np.testing.assert_allclose(pts, X, atol=1e-12)
    fig = plot_slices(
        slices,
        titles=["a", "b"],
        points=[pts, None],
        point_labels=[np.arange(20) % 3, None],
        path=tmp_path / "s.png",
    )
    assert len(fig.axes) == 5  # 2 x 2 panels and the colorbar
    assert (tmp_path / "s.png").stat().st_size > 1000
    path = save_slice_arrays(tmp_path / "s.npz", slices, ["a", "b"])
    with np.load(path) as z:
        np.testing.assert_array_equal(z["b/class_label"], slices[1].class_label)
