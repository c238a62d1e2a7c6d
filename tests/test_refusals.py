"""Bad models and bad inputs get clear package exceptions that name the problem."""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import linregions as lr

from models import mlp


@pytest.mark.parametrize("act", [nn.Sigmoid(), nn.Tanh(), nn.GELU(), nn.SiLU(), nn.Softmax(dim=1)])
def test_non_piecewise_linear_modules_are_refused(act):
    model = nn.Sequential(nn.Linear(4, 4), act, nn.Linear(4, 2)).eval()
    with pytest.raises(lr.NotPiecewiseLinearError, match=type(act).__name__):
        lr.from_torch(model, (4,), (-1, 1))


class Functional(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.fc(x))


@pytest.mark.parametrize("fn", [torch.sigmoid, torch.tanh, F.gelu, lambda x: F.softmax(x, 1)])
def test_non_piecewise_linear_functions_are_refused(fn):
    with pytest.raises(lr.NotPiecewiseLinearError):
        lr.from_torch(Functional(fn).eval(), (4,), (-1, 1))


def test_training_mode_is_refused_naming_the_module():
    model = mlp(seed=0, bn=True)
    model[1].train()
    with pytest.raises(lr.TrainingModeError, match="BatchNorm1d"):
        lr.from_torch(model, (12,), (-1, 1))


def test_unsupported_module_is_refused():
    model = nn.Sequential(nn.Conv2d(4, 4, 1), nn.PixelShuffle(2), nn.Flatten()).eval()
    with pytest.raises(lr.UnsupportedModelError, match="PixelShuffle"):
        lr.from_torch(model, (4, 2, 2), (-1, 1))
    with pytest.raises(TypeError):
        lr.from_torch(object(), (4,), (-1, 1))


def test_batchnorm_without_running_stats_is_refused():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4, track_running_stats=False)).eval()
    with pytest.raises(lr.UnsupportedModelError, match="running statistics"):
        lr.from_torch(model, (4,), (-1, 1))


def test_wrong_input_shape_for_the_model():
    with pytest.raises(lr.ShapeError, match="input_shape"):
        lr.from_torch(mlp(seed=0), (13,), (-1, 1))


def test_non_finite_weight_names_the_module():
    model = mlp(seed=0)
    with torch.no_grad():
        model[2].weight[0, 0] = float("nan")
    with pytest.raises(lr.InvalidValueError, match="2 \\(Linear\\)"):
        lr.from_torch(model, (12,), (-1, 1))


def test_bad_points():
    net = lr.from_torch(mlp(seed=0), (12,), (-1, 1))
    with pytest.raises(lr.ShapeError, match="shape"):
        net.logits(np.zeros((3, 11)))
    with pytest.raises(lr.ShapeError):
        net.region(np.zeros(11))
    bad = np.zeros((2, 12))
    bad[1, 3] = np.inf
    with pytest.raises(lr.InvalidValueError, match="non-finite"):
        net.patterns(bad)
    with pytest.raises(lr.InvalidValueError, match="NaN|non-finite"):
        net.region(np.full(12, np.nan))
    with pytest.raises(lr.InvalidValueError, match="outside the input box at index 5"):
        x = np.zeros(12)
        x[5] = 1.5
        net.region(x)


def test_bad_bounds():
    with pytest.raises(lr.ShapeError, match="bounds"):
        lr.from_torch(mlp(seed=0), (12,), (np.zeros(3), 1.0))
    with pytest.raises(lr.InvalidValueError, match="exceeds"):
        lr.from_torch(mlp(seed=0), (12,), (1.0, -1.0))
    with pytest.raises(lr.ShapeError):
        lr.from_torch(mlp(seed=0), (12,), 1.0)


def test_bounds_as_arrays_shaped_like_the_input():
    lo = -np.ones((1, 4, 4))
    hi = np.linspace(0.5, 1, 16).reshape(1, 4, 4)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    net = lr.from_torch(model, (1, 4, 4), (lo, hi))
    np.testing.assert_array_equal(net.hi, hi.ravel())


def test_polytope_construction_checks():
    with pytest.raises(lr.ShapeError):
        lr.Polytope(np.zeros((3, 2)), np.zeros(2), -np.ones(2), np.ones(2))
    with pytest.raises(lr.InvalidValueError):
        lr.Polytope(np.array([[np.nan, 0.0]]), np.zeros(1), -np.ones(2), np.ones(2))
    with pytest.raises(lr.ShapeError):
        lr.Polytope(np.zeros((1, 2)), np.zeros(1), -np.ones(3), np.ones(2))
