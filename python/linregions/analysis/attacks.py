"""Projected gradient descent adversarial examples (Madry et al., 2018), batched, on torch.

Used for the adversarial regions of paper sec. 3.2. Each restart starts at a uniform random
point of the eps-ball (linf) or a random point of the ball (l2); the restart that ends with
the largest cross-entropy loss is kept per point, successful ones first, so more restarts
never give a worse result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidValueError


@dataclass(frozen=True, eq=False)
class PGDResult:
    """``x_adv`` ``(n, *shape)`` float64 points within ``eps`` of ``x`` (in ``norm``) and inside
    ``bounds``; ``success`` (n,) bool: the model does not give ``label``; ``loss`` (n,):
    cross-entropy at ``x_adv``; ``predicted`` (n,): the model's class at ``x_adv``.

    Examples
    --------
    >>> import torch
    >>> import linregions as lr
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2)).eval()
    >>> x = torch.rand(4, 2) * 2 - 1
    >>> label = model(x).argmax(1)
    >>> r = lr.pgd(model, x, label, eps=0.5, step=0.1, steps=5)
    >>> r.x_adv.shape, r.x_adv.dtype, bool((r.success == (r.predicted != label.numpy())).all())
    ((4, 2), dtype('float64'), True)
    """

    x_adv: np.ndarray
    success: np.ndarray
    loss: np.ndarray
    predicted: np.ndarray


def _project(delta: Any, eps: float, norm: str) -> Any:
    import torch

    if norm == "linf":
        return delta.clamp(-eps, eps)
    flat = delta.reshape(delta.shape[0], -1)
    n = flat.norm(dim=1, keepdim=True).clamp_min(1e-30)
    return (flat * torch.clamp(eps / n, max=1.0)).reshape(delta.shape)


def pgd(
    model: Any,
    x: Any,
    label: Any,
    eps: float,
    step: float,
    steps: int,
    restarts: int = 1,
    norm: str = "linf",
    bounds: tuple[float, float] = (-1.0, 1.0),
    seed: int = 0,
) -> PGDResult:
    """Untargeted projected gradient descent (PGD) on a torch model.

    ``steps`` signed-gradient (linf) or normalised-gradient (l2) ascent steps of size
    ``step`` on the cross-entropy, projected onto the ``eps``-ball around ``x`` and the box
    ``bounds``, from ``restarts`` random starts; the best (successful first, then largest
    loss) is kept.

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode.
    x : array_like, shape (n, ...)
    label : array_like, shape (n,)
    eps, step : float
    steps : int
    restarts : int, default 1
    norm : {"linf", "l2"}
    bounds : (float, float), default (-1.0, 1.0)
    seed : int, default 0

    Returns
    -------
    PGDResult

    Raises
    ------
    InvalidValueError
        Bad ``norm``, negative ``eps``, non-positive ``step`` or mismatched lengths.

    Examples
    --------
    >>> import torch
    >>> import linregions as lr
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2)).eval()
    >>> x = torch.rand(4, 2) * 2 - 1
    >>> label = model(x).argmax(1)
    >>> r = lr.pgd(model, x, label, eps=0.1, step=0.05, steps=3, norm="linf")
    >>> bool(((r.x_adv - x.double().numpy()).__abs__() <= 0.1 + 1e-7).all())
    True
    """
    import torch
    import torch.nn.functional as F

    if norm not in ("linf", "l2"):
        raise InvalidValueError(f"norm must be 'linf' or 'l2', got {norm!r}")
    if eps < 0 or step <= 0 or steps < 0 or restarts < 1:
        raise InvalidValueError(
            f"need eps >= 0, step > 0, steps >= 0, restarts >= 1 (got {eps}, {step}, "
            f"{steps}, {restarts})"
        )
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else torch.device("cpu")
    x0 = torch.as_tensor(np.asarray(x), dtype=dtype, device=device)
    y = torch.as_tensor(np.asarray(label), dtype=torch.long, device=device).reshape(-1)
    if x0.shape[0] != y.shape[0]:
        raise InvalidValueError(f"x has {x0.shape[0]} points but label has {y.shape[0]}")
    lo, hi = bounds
    gen = torch.Generator(device="cpu").manual_seed(seed)
    best = x0.clone()
    best_loss = torch.full((x0.shape[0],), -np.inf, dtype=dtype, device=device)
    best_succ = torch.zeros(x0.shape[0], dtype=torch.bool, device=device)
    for _ in range(restarts):
        noise = torch.rand(x0.shape, generator=gen, dtype=dtype).to(device) * 2 - 1
        if norm == "l2":
            noise = _project(noise * eps, eps, "l2")
        else:
            noise = noise * eps
        xa = (x0 + noise).clamp(lo, hi)
        for _ in range(steps):
            xa.requires_grad_(True)
            loss = F.cross_entropy(model(xa), y, reduction="sum")
            (g,) = torch.autograd.grad(loss, xa)
            with torch.no_grad():
                if norm == "linf":
                    xa = xa + step * g.sign()
                else:
                    gn = g.reshape(g.shape[0], -1).norm(dim=1).clamp_min(1e-30)
                    xa = xa + step * g / gn.reshape(-1, *([1] * (g.dim() - 1)))
                xa = (x0 + _project(xa - x0, eps, norm)).clamp(lo, hi)
        with torch.no_grad():
            out = model(xa)
            loss = F.cross_entropy(out, y, reduction="none")
            succ = out.argmax(1) != y
            # keep success first, then the larger loss
            better = (succ & ~best_succ) | ((succ == best_succ) & (loss > best_loss))
            best = torch.where(better.reshape(-1, *([1] * (xa.dim() - 1))), xa, best)
            best_loss = torch.where(better, loss, best_loss)
            best_succ = best_succ | succ
    with torch.no_grad():
        pred = model(best).argmax(1)
    return PGDResult(
        x_adv=best.detach().cpu().double().numpy(),
        success=(pred != y).cpu().numpy(),
        loss=best_loss.cpu().double().numpy(),
        predicted=pred.cpu().numpy(),
    )
