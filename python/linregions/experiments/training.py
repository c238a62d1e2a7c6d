"""Small training helpers for the demo and examples (torch, CPU-friendly)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn as nn


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


def train_classifier(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> nn.Module:
    """Trains with Adam and cross-entropy; returns the model in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    return model.eval()


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``X`` classified as ``y``."""
    with torch.no_grad():
        pred = model(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy()
    return float((pred == y).mean())
