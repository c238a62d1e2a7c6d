"""Small models used across the tests (torch modules and IR networks), built with fixed seeds."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import linregions as lr
from linregions.model.ir import Affine, Input, ReLU


def randomize_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Gives every BatchNorm non-trivial running statistics and affine parameters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                    m.bias.copy_(torch.rand(n, generator=g) - 0.5)
    return model


def mlp(
    seed: int = 0,
    bn: bool = False,
    dropout: bool = False,
    leaky: bool = False,
    widths=(12, 16, 16, 4),
    dtype=torch.float32,
) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            if bn:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.LeakyReLU(0.05) if leaky else nn.ReLU())
            if dropout:
                layers.append(nn.Dropout(0.2))
    return randomize_batchnorm(nn.Sequential(*layers), seed).to(dtype).eval()


class ResidualBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.conv2(y))


def cnn(seed: int = 0, dtype=torch.float32) -> nn.Module:
    """Conv with stride/padding/dilation/groups, BN2d, a residual block, avg-pool, BN after ReLU."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2),
        nn.LeakyReLU(0.1),
        nn.BatchNorm2d(4),
        ResidualBlock(4),
        nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False, padding=1),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 5),
    )
    return randomize_batchnorm(model, seed).to(dtype).eval()


def maxpool_cnn(seed: int = 0, dtype=torch.float32) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, padding_mode="reflect"),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 2),
        nn.MaxPool2d(2, stride=1, padding=1, ceil_mode=True),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )
    return model.to(dtype).eval()


def ir_mlp(
    seed: int, widths: tuple[int, ...], slope: float = 0.0, lo: float = -1.0, hi: float = 1.0
) -> lr.Network:
    """A dense MLP from IR nodes, (leaky) ReLU after every hidden layer."""
    rng = np.random.default_rng(seed)
    nodes: list = [Input(widths[0])]
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        nodes.append(
            Affine(len(nodes) - 1, rng.standard_normal((b, a)), rng.standard_normal(b) * 0.5)
        )
        if i < len(widths) - 2:
            nodes.append(ReLU(len(nodes) - 1, b, slope))
    d = widths[0]
    return lr.Network(nodes, (d,), np.full(d, lo), np.full(d, hi))
