"""Small networks for the figures of the documentation, trained at build time in seconds.

The figures of the pages (``.. plot::`` blocks) draw these: the three appendix-A toy models
(2-10-10-10-2 ReLU MLPs: vanilla, BatchNorm, dropout) trained for a few hundred Adam steps on a
small two-spiral set. That is far shorter than the demo's "until 100 % test accuracy" (about a
minute), enough for pictures, and each is trained once per build (cached).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

#: Two-spiral points per class, Adam steps, learning rate and seed of the figure models.
POINTS_PER_CLASS = 200
STEPS = 400
LR = 1e-2
SEED = 0


@cache
def spirals() -> tuple[np.ndarray, np.ndarray]:
    """The two-spiral training set ``(X (n, 2), y (n,))`` of appendix A, figure 7."""
    from linregions.experiments.toy import two_spirals

    return two_spirals(n_per_class=POINTS_PER_CLASS, seed=SEED)


@cache
def toy_model(kind: str = "vanilla") -> Any:
    """A toy model of ``kind`` ("vanilla", "bn", "dropout") trained briefly, in eval mode."""
    import torch

    from linregions.experiments.toy import toy_model as fresh_model
    from linregions.experiments.training import FitSettings, fit

    X, y = spirals()
    settings = FitSettings(lr=LR, batch_size=128, steps=STEPS, seed=SEED, threads=1)
    res = fit(fresh_model(kind, SEED), torch.as_tensor(X).float(), torch.as_tensor(y), settings)
    return res.model.eval()


@cache
def toy_network(kind: str = "vanilla") -> Any:
    """:func:`toy_model` imported as a :class:`linregions.Network` on the box [-1, 1]^2."""
    import linregions as lr

    return lr.from_torch(toy_model(kind), input_shape=(2,), bounds=(-1.0, 1.0))
