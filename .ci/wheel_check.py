"""Run inside a clean venv holding only the built wheel: import it and compute a region."""

import numpy as np

import linregions as lr
from linregions.model.ir import Affine, Input, ReLU

W1 = np.array([[1.0, -1.0], [0.5, 2.0]])
nodes = [
    Input(2),
    Affine(0, W1, np.array([0.1, -0.2])),
    ReLU(1, 2),
    Affine(2, np.array([[1.0, 1.0]]), np.zeros(1)),
]
net = lr.Network(nodes, (2,), -np.ones(2), np.ones(2))
x = np.array([0.5, 0.2])
region = net.region(x)
assert region.contains(x, tol=0.0)
expected = np.array([[1.0, -1.0], [0.5, 2.0]])  # both neurons active at x
np.testing.assert_array_equal(region.A, expected)
print("wheel OK:", lr.__version__, region.A.shape)
