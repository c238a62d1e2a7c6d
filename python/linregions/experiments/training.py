"""Model building and the one training loop of the experiments (torch, CPU-friendly).

Every model the experiments train goes through :func:`fit`: Adam and cross-entropy on
minibatches, either shuffled passes over the data (``epochs``) or draws with replacement
(``steps``), with an optional evaluation schedule that can keep the best weights, stop
early after ``patience`` evaluations without improvement, or stop as soon as a target score
is reached. The demo's plain training, the model zoo's early stopping and the toy study's
"train until 100 %" are three settings of this loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, TypeVar, Union

import numpy as np
import torch
import torch.nn as nn

from .._progress import progress

_Model = TypeVar("_Model", bound=nn.Module)


def make_mlp(
    widths: Sequence[int], batchnorm: bool = False, dropout: float = 0.0, seed: int = 0
) -> nn.Sequential:
    """ReLU MLP ``widths[0] -> ... -> widths[-1]``, Xavier-uniform weights, zero biases.

    ``batchnorm`` puts BatchNorm1d after each hidden pre-activation; ``dropout`` > 0 puts
    Dropout after each hidden activation (the paper's variants).
    """
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        lin = nn.Linear(a, b)
        nn.init.xavier_uniform_(lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(widths) - 2:
            if batchnorm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class FitSettings:
    """How :func:`fit` trains.

    Attributes
    ----------
    lr, betas : Adam's learning rate and moment decays.
    batch_size : minibatch size.
    epochs : shuffled passes over the data (used when ``steps`` is None).
    steps : if set, train this many steps on minibatches drawn with replacement instead.
    eval_every : steps between evaluations; None evaluates after every epoch.
    patience : stop after this many evaluations without improvement (None: never).
    target : stop as soon as an evaluation reaches this score (None: never).
    keep_best : restore the weights of the best evaluation at the end.
    skip_single : skip minibatches of one sample (BatchNorm cannot train on them).
    seed : seed of the batch order.
    threads : torch threads while training (None: unchanged); tiny models run fastest
        on one.
    label : progress-bar label (None: no bar).
    """

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    batch_size: int = 64
    epochs: int = 10
    steps: Optional[int] = None
    eval_every: Optional[int] = None
    patience: Optional[int] = None
    target: Optional[float] = None
    keep_best: bool = False
    skip_single: bool = False
    seed: int = 0
    threads: Optional[int] = None
    label: Optional[str] = None


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` did: the model (eval mode, best weights if kept), the epochs
    started (0 when training by steps), the optimiser steps taken, the last and the best
    evaluation score (NaN without an evaluation)."""

    model: nn.Module
    epochs: int
    steps: int
    last_score: float
    best_score: float


def _batches(n: int, s: FitSettings, gen: torch.Generator):
    """``(epoch, indices, ends_epoch)`` for every minibatch of the schedule."""
    if s.steps is not None:
        for _ in range(s.steps):
            yield 0, torch.randint(0, n, (s.batch_size,), generator=gen), False
        return
    for epoch in range(1, s.epochs + 1):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, s.batch_size):
            yield epoch, order[start : start + s.batch_size], start + s.batch_size >= n


def fit(
    model: nn.Module,
    X: Union[np.ndarray, torch.Tensor],
    y: Union[np.ndarray, torch.Tensor],
    settings: FitSettings = FitSettings(),
    evaluate: Optional[Callable[[nn.Module], float]] = None,
) -> FitResult:
    """Trains ``model`` with Adam and cross-entropy on ``(X, y)``.

    Parameters
    ----------
    model : torch module mapping a batch of ``X`` to logits.
    X : (n, ...) inputs, already in the model's input shape.
    y : (n,) integer labels.
    settings : the schedule (:class:`FitSettings`).
    evaluate : score of the model in eval mode (higher is better), called on the schedule
        of ``settings.eval_every``; needed for ``patience``, ``target`` and ``keep_best``.

    Returns
    -------
    FitResult
        The model in eval mode and the counts.

    Raises
    ------
    ValueError
        If the settings ask for early stopping, a target or the best weights without an
        ``evaluate`` function, or ``X`` and ``y`` differ in length.
    """
    s = settings
    if evaluate is None and (s.patience is not None or s.target is not None or s.keep_best):
        raise ValueError("patience, target and keep_best need an evaluate function")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    Xt = torch.as_tensor(X, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    gen = torch.Generator().manual_seed(s.seed)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr, betas=s.betas)
    loss_fn = nn.CrossEntropyLoss()
    threads = torch.get_num_threads()
    if s.threads is not None:
        torch.set_num_threads(s.threads)
    best, last, best_state, waited = -np.inf, float("nan"), None, 0
    epoch = step = 0
    total = s.steps if s.steps is not None else s.epochs * -(-len(Xt) // s.batch_size)
    batches = _batches(len(Xt), s, gen)
    if s.label is not None:
        batches = progress(batches, total, s.label)
    try:
        for ep, idx, ends_epoch in batches:
            epoch = ep
            if not (s.skip_single and len(idx) < 2):
                model.train()
                opt.zero_grad()
                loss_fn(model(Xt[idx]), yt[idx]).backward()
                opt.step()
            step += 1
            due = ends_epoch if s.eval_every is None else step % s.eval_every == 0
            if evaluate is None or not due:
                continue
            model.eval()
            with torch.no_grad():
                last = float(evaluate(model))
            if last > best:
                best, waited = last, 0
                if s.keep_best:
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                waited += 1
            if (s.target is not None and last >= s.target) or (
                s.patience is not None and waited >= s.patience
            ):
                break
    finally:
        if s.threads is not None:
            torch.set_num_threads(threads)
    if best_state is not None:
        model.load_state_dict(best_state)
    return FitResult(model.eval(), epoch, step, last, float(best) if evaluate else float("nan"))


def train_classifier(
    model: _Model,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    label: Optional[str] = None,
    threads: Optional[int] = None,
) -> _Model:
    """Trains with Adam and cross-entropy for ``epochs`` shuffled passes (:func:`fit`);
    returns the model in eval mode. ``label``: progress-bar label; ``threads``: torch
    threads while training (small models train fastest on one)."""
    settings = FitSettings(
        lr=lr, batch_size=batch_size, epochs=epochs, seed=seed, label=label, threads=threads
    )
    fit(model, X, y, settings)
    return model  # fit trains it in place and returns this same model, in eval mode


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``X`` classified as ``y`` (the model is called as it is, in eval mode
    if the caller put it there)."""
    with torch.no_grad():
        pred = model(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy()
    return float((pred == np.asarray(y)).mean())


def fold_input_affine(model: nn.Sequential, scale: float, shift: float) -> nn.Sequential:
    """Rewrites the first ``nn.Linear`` of ``model`` in place so that the new model maps
    ``x`` to what the old one maps ``scale * x + shift`` to (the function, its linear
    regions and the architecture are unchanged up to that change of coordinates).

    Used to train on inputs in [0, 1] and analyse in [-1, 1] (``scale = shift = 0.5``).

    Raises
    ------
    ValueError
        If the first module of ``model`` is not ``nn.Linear``.
    """
    first = model[0]
    if not isinstance(first, nn.Linear):
        raise ValueError(f"the first module must be nn.Linear, got {type(first).__name__}")
    with torch.no_grad():
        first.bias.add_(shift * first.weight.sum(dim=1))
        first.weight.mul_(scale)
    return model
