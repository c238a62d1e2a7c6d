"""Points on region boundaries are reported, never resolved silently."""

import numpy as np
import pytest
import torch
import torch.nn as nn

import linregions as lr


def net_with_zero_preactivation():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double().eval()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]))
        model[0].bias.copy_(torch.tensor([0.0, -0.5, 0.25, 0.1]))
    return model, lr.from_torch(model, (3,), (-1, 1))


def test_on_boundary_raises_and_lists_units():
    _, net = net_with_zero_preactivation()
    x = np.array([0.0, 0.3, 0.2])  # neuron 0 has pre-activation exactly 0
    with pytest.raises(lr.OnBoundaryError) as info:
        net.region(x)
    assert info.value.units == [(0, 0, 0.0)]
    assert isinstance(info.value, ValueError)
    assert "layer 0, unit 0" in str(info.value)


@pytest.mark.parametrize("side", ["active", "inactive"])
def test_on_boundary_choice(side):
    _, net = net_with_zero_preactivation()
    x = np.array([0.0, 0.3, 0.2])
    region = net.region(x, on_boundary=side)
    assert region.pattern[0] == (side == "active")
    expected = [1.0, 0, 0] if side == "active" else [-1.0, 0, 0]
    np.testing.assert_array_equal(region.A[0], expected)
    assert region.boundary == ((0, 0, 0.0),)
    # the chosen side's region contains points just on that side of the hyperplane
    step = 1e-3 if side == "active" else -1e-3
    assert region.contains(x + np.array([step, 0, 0]), tol=0.0)


def test_boundary_tolerance_is_a_named_keyword():
    _, net = net_with_zero_preactivation()
    x = np.array([1e-9, 0.3, 0.2])
    assert net.region(x).pattern[0]
    with pytest.raises(lr.OnBoundaryError):
        net.region(x, boundary_tol=1e-8)
    with pytest.raises(ValueError, match="on_boundary"):
        net.region(x, on_boundary="maybe")


def test_maxpool_tie_is_a_boundary():
    model = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 1)).double().eval()
    net = lr.from_torch(model, (1, 2, 2), (-1, 1))
    x = np.array([0.5, 0.5, 0.1, 0.2])
    with pytest.raises(lr.OnBoundaryError):
        net.region(x)
    region = net.region(x, on_boundary="active")
    assert region.pattern.tolist() == [True, False, False, False]
    assert region.contains(x, tol=0.0)


def test_dead_units_tying_in_a_maxpool_are_not_a_boundary():
    model = (
        nn.Sequential(nn.Conv2d(1, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 2))
        .double()
        .eval()
    )
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.fill_(0.0)
    net = lr.from_torch(model, (1, 2, 2), (-1, 1))
    region = net.region(np.array([-0.5, -0.4, -0.3, -0.2]))  # every ReLU dead
    assert region.boundary == ()
    assert not region.pattern[:4].any()
