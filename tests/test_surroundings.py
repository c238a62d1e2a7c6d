"""Nullspace directions and surrounding regions (eq. 10-13) against independent routes."""

import numpy as np
import pytest
import torch

import linregions as lr

from models import maxpool_cnn, mlp


def test_nullspace_directions_are_orthogonal_unit_vectors():
    net = lr.from_torch(mlp(seed=41, widths=(12, 20, 20, 4)), (12,), (-1, 1))
    region = net.region(np.random.default_rng(0).uniform(-1, 1, 12))
    E = lr.nullspace_directions(region, 50, seed=1)
    W = region.logit_map[0]
    assert E.shape == (50, 12)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-12)
    assert np.abs(E @ W.T).max() < 1e-10
    # spread over the whole nullspace (dimension 12 - 4), not a subspace of it
    assert np.linalg.matrix_rank(E, tol=1e-8) == 12 - np.linalg.matrix_rank(W)
    np.testing.assert_array_equal(E, lr.nullspace_directions(region, 50, seed=1))


def test_nullspace_of_full_rank_gradients_is_refused():
    with pytest.raises(lr.InvalidValueError, match="no nullspace"):
        lr.nullspace_directions(np.eye(3), 4, seed=0)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: mlp(seed=42, widths=(12, 24, 24, 4)), (12,)),
        (lambda: maxpool_cnn(seed=43), (1, 8, 8)),
    ],
)
def test_surrounding_regions_against_sampling_and_autograd(make, shape):
    model = make()
    net = lr.from_torch(model, shape, (-1, 1))
    x = np.random.default_rng(1).uniform(-0.5, 0.5, int(np.prod(shape)))
    s = lr.surrounding_regions(net, x, n_directions=12, eps=0.5, seed=2)
    assert s.n_unique == len(set(s.keys)) >= 1
    assert s.is_origin.sum() == 1 and s.keys[int(np.argmax(s.is_origin))] == net.region(x).key
    # sampling each ray densely never finds a region the walks missed
    betas = np.linspace(0, 1, 2000)[:, None]
    for e, length in zip(s.directions, s.ray_lengths):
        pts = x + betas * length * e
        assert set(net.patterns(pts).key_ints()) <= set(s.keys)
    # representatives lie in their regions; decision directions equal autograd's
    assert net.patterns(s.representatives).key_ints() == list(s.keys)
    m = model.double()
    for rep, g in zip(s.representatives[:5], s.decision_directions[:5]):
        xt = torch.tensor(rep.reshape(shape), requires_grad=True)
        z = m(xt[None])[0]
        k1, k2 = torch.topk(z, 2).indices.tolist()
        (ref,) = torch.autograd.grad(z[k1] - z[k2], xt)
        np.testing.assert_allclose(g, ref.numpy().ravel(), atol=1e-10)
    np.testing.assert_allclose(s.rho[s.is_origin], 1.0, atol=1e-12)
    assert np.all(np.abs(s.rho) <= 1 + 1e-12)


def test_rays_can_be_kept_in_the_box():
    net = lr.from_torch(mlp(seed=44), (12,), (-1, 1))
    x = np.zeros(12)
    x[:4] = -1.0  # on the box boundary, like MNIST background pixels
    s = lr.surrounding_regions(net, x, n_directions=10, eps=0.2, seed=3, respect_box=True)
    ends = x + s.ray_lengths[:, None] * s.directions
    assert np.all(ends >= -1 - 1e-12) and np.all(ends <= 1 + 1e-12)
    free = lr.surrounding_regions(net, x, n_directions=10, eps=0.2, seed=3)
    np.testing.assert_allclose(free.ray_lengths, 0.2)


def test_figure_6_is_drawn(tmp_path):
    nets = {name: lr.from_torch(mlp(seed=s), (12,), (-1, 1)) for name, s in (("a", 45), ("b", 46))}
    X = np.random.default_rng(4).uniform(-0.5, 0.5, (3, 12))
    results = {
        name: [lr.surrounding_regions(n, x, 6, 0.5, seed=5) for x in X] for name, n in nets.items()
    }
    from linregions.plotting.surroundings import plot_surroundings, surroundings_arrays

    arrays = surroundings_arrays(results)
    assert arrays["a"]["n_unique"].tolist() == [s.n_unique for s in results["a"]]
    path = tmp_path / "fig6.png"
    plot_surroundings(results, path=str(path))
    assert path.stat().st_size > 5000
