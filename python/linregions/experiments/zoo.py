"""The paper's models (sec. 3.1 and table 3) and their training with early stopping.

Variants: ``vanilla``; ``bn`` (BatchNorm after every hidden pre-activation); ``dropout``
(Dropout after every hidden activation). Weights are Xavier-uniform, biases zero, Adam
(0.9, 0.999), batch 256, early stopping on validation accuracy. Checkpoints hold the
state dict, the config and the accuracies, and are written atomically.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from .files import atomic_write, write_json_atomic
from .training import FitSettings, accuracy, fit, make_mlp

VARIANTS = ("vanilla", "bn", "dropout")
#: Dropout rate of the dropout variants (the paper's figure 1 and toy study use 0.2).
DROPOUT_RATE = 0.2


@dataclass(frozen=True)
class ModelConfig:
    """What to build and how to train it. ``arch`` is ``"mlp"`` or ``"cnn"`` (table 3)."""

    name: str
    arch: str = "mlp"
    variant: str = "vanilla"
    lr: float = 1e-3
    hidden: tuple[int, ...] = (1024, 1024, 1024)
    input_shape: tuple[int, ...] = (784,)
    n_classes: int = 10
    batch_size: int = 256
    max_epochs: int = 30
    patience: int = 3
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_json(data: dict) -> ModelConfig:
        data = dict(data)
        data["hidden"] = tuple(data["hidden"])
        data["input_shape"] = tuple(data["input_shape"])
        return ModelConfig(**data)


def paper_cnn(
    variant: str,
    channels: Sequence[int] = (32, 64, 128),
    dense: int = 1024,
    input_shape: tuple[int, int, int] = (3, 32, 32),
    n_classes: int = 10,
    seed: int = 0,
) -> nn.Sequential:
    """Table 3: three unpadded 3x3 stride-2 convolutions, a dense hidden layer, logits."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    c, h, w = input_shape
    for out in channels:
        layers.append(nn.Conv2d(c, out, 3, stride=2))
        if variant == "bn":
            layers.append(nn.BatchNorm2d(out))
        layers.append(nn.ReLU())
        if variant == "dropout":
            layers.append(nn.Dropout(DROPOUT_RATE))
        c, h, w = out, (h - 3) // 2 + 1, (w - 3) // 2 + 1
    layers.append(nn.Flatten())
    layers.append(nn.Linear(c * h * w, dense))
    if variant == "bn":
        layers.append(nn.BatchNorm1d(dense))
    layers.append(nn.ReLU())
    if variant == "dropout":
        layers.append(nn.Dropout(DROPOUT_RATE))
    layers.append(nn.Linear(dense, n_classes))
    for m in layers:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


def build_model(cfg: ModelConfig) -> nn.Sequential:
    """An untrained model for ``cfg``."""
    if cfg.variant not in VARIANTS:
        raise ValueError(f"unknown variant {cfg.variant!r}; expected one of {VARIANTS}")
    if cfg.arch == "mlp":
        widths = (int(np.prod(cfg.input_shape)), *cfg.hidden, cfg.n_classes)
        return make_mlp(
            widths,
            batchnorm=cfg.variant == "bn",
            dropout=DROPOUT_RATE if cfg.variant == "dropout" else 0.0,
            seed=cfg.seed,
        )
    if cfg.arch == "cnn":
        *channels, dense = cfg.hidden
        return paper_cnn(
            cfg.variant,
            channels,
            dense,
            cfg.input_shape,  # type: ignore[arg-type]
            cfg.n_classes,
            cfg.seed,
        )
    raise ValueError(f"unknown architecture {cfg.arch!r}; expected 'mlp' or 'cnn'")


def train_early_stopping(
    model: nn.Module,
    cfg: ModelConfig,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
) -> tuple[nn.Module, int]:
    """Adam training (:func:`~linregions.experiments.training.fit`); keeps the weights of
    the best validation epoch, stops after ``cfg.patience`` epochs without improvement.
    Returns the model (eval) and epochs run."""
    Xv = val[0].reshape(-1, *cfg.input_shape)
    settings = FitSettings(
        lr=cfg.lr,
        betas=(0.9, 0.999),
        batch_size=cfg.batch_size,
        epochs=cfg.max_epochs,
        patience=cfg.patience,
        keep_best=True,
        skip_single=cfg.variant == "bn",
        seed=cfg.seed,
        label=f"training {cfg.name}",
    )
    res = fit(
        model,
        train[0].reshape(-1, *cfg.input_shape),
        train[1],
        settings,
        evaluate=lambda m: accuracy(m, Xv, val[1]),
    )
    return res.model, res.epochs


def save_checkpoint(path: str, model: nn.Module, cfg: ModelConfig, metrics: dict) -> None:
    """Writes ``path`` (state dict) and ``path + '.json'`` (config and metrics) atomically."""
    atomic_write(path, lambda f: torch.save(model.state_dict(), f), binary=True)
    write_json_atomic(path + ".json", {"config": cfg.to_json(), "metrics": metrics}, indent=2)


def load_checkpoint(path: str) -> Optional[tuple[nn.Module, ModelConfig, dict]]:
    """The model (eval), config and metrics saved at ``path``, or None if absent."""
    if not (os.path.exists(path) and os.path.exists(path + ".json")):
        return None
    with open(path + ".json") as f:
        meta = json.load(f)
    cfg = ModelConfig.from_json(meta["config"])
    model = build_model(cfg)
    model.load_state_dict(torch.load(path, map_location="cpu"))
    return model.eval(), cfg, meta["metrics"]
