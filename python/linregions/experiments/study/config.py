"""Study configuration: which data, which models, how many points, which analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..datasets import (
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    load_mnist_5k,
    stratified_split,
)
from ..zoo import VARIANTS, ModelConfig

DATASETS = ("mnist5k", "mnist", "fashion", "cifar10")
#: Model sizes: the paper's, and reduced ones for quick runs and CI.
SCALES = {
    "paper": {"mlp": (1024, 1024, 1024), "cnn": (32, 64, 128, 1024)},
    "small": {"mlp": (128, 128, 128), "cnn": (8, 16, 32, 128)},
    "tiny": {"mlp": (16, 16, 16), "cnn": (4, 4, 8, 16)},
}
LEARNING_RATES = {"L": 1e-3, "S": 1e-4}


@dataclass(frozen=True)
class StudyConfig:
    """Everything a study run needs; ``out_dir`` holds checkpoints, points and the report."""

    out_dir: str
    dataset: str = "mnist5k"
    data_dir: Optional[str] = None
    models: tuple[ModelConfig, ...] = ()
    n_points: int = 20
    seed: int = 0
    workers: int = 0  # 0: all local cores
    scheduler: Optional[str] = None  # "tcp://host:port" of a Dask scheduler
    analyses: tuple[str, ...] = ("manifold", "surroundings")
    n_directions: int = 100
    eps: float = 0.2
    extra: dict = field(default_factory=dict)


def paper_models(
    dataset: str = "mnist5k",
    scale: str = "paper",
    max_epochs: int = 30,
    patience: int = 3,
    seed: int = 0,
    arch: str = "auto",
) -> tuple[ModelConfig, ...]:
    """The paper's models. ``arch="mlp"``: the MLP in three variants at two learning rates
    (names ``vanilla-L`` ... ``dropout-S``); ``arch="cnn"``: the table-3 CNN in three
    variants at 1e-3 (appendix E; names ``cnn-vanilla`` ...), on 3 x 32 x 32 CIFAR-10 or
    1 x 28 x 28 MNIST-like images. ``"auto"``: the CNN for CIFAR-10, the MLP otherwise."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}")
    if arch == "auto":
        arch = "cnn" if dataset == "cifar10" else "mlp"
    if arch not in ("mlp", "cnn"):
        raise ValueError(f"unknown architecture {arch!r}; expected 'auto', 'mlp' or 'cnn'")
    if arch == "cnn":
        shape = (3, 32, 32) if dataset == "cifar10" else (1, 28, 28)
        return tuple(
            ModelConfig(
                name=f"cnn-{v}",
                arch="cnn",
                variant=v,
                lr=1e-3,
                hidden=SCALES[scale]["cnn"],
                input_shape=shape,
                max_epochs=max_epochs,
                patience=patience,
                seed=seed,
            )
            for v in VARIANTS
        )
    if dataset == "cifar10":
        raise ValueError("the paper's MLP takes 784 inputs; use arch='cnn' for CIFAR-10")
    return tuple(
        ModelConfig(
            name=f"{v}-{tag}",
            arch="mlp",
            variant=v,
            lr=lr,
            hidden=SCALES[scale]["mlp"],
            input_shape=(784,),
            max_epochs=max_epochs,
            patience=patience,
            seed=seed,
        )
        for tag, lr in LEARNING_RATES.items()
        for v in VARIANTS
    )


Split = tuple[np.ndarray, np.ndarray]


def load_study_data(cfg: StudyConfig) -> tuple[Split, Split, Split]:
    """(train, validation, test) splits; validation is a stratified 10% of the training set
    (MNIST-5k: 80/10/10 stratified)."""
    if cfg.dataset == "mnist5k":
        X, y = load_mnist_5k()
        tr, va, te = stratified_split(y, (0.8, 0.1, 0.1), seed=cfg.seed)
        return (X[tr], y[tr]), (X[va], y[va]), (X[te], y[te])
    if cfg.dataset == "mnist":
        if not cfg.data_dir:
            raise ValueError("dataset 'mnist' needs data_dir, the folder of the IDX files")
        data = load_mnist(cfg.data_dir)
    elif cfg.dataset == "fashion":
        data = load_fashion_mnist(cfg.data_dir) if cfg.data_dir else load_fashion_mnist()
    elif cfg.dataset == "cifar10":
        if not cfg.data_dir:
            raise ValueError("dataset 'cifar10' needs data_dir, the folder of the pickles")
        data = load_cifar10(cfg.data_dir)
    else:
        raise ValueError(f"unknown dataset {cfg.dataset!r}; expected one of {DATASETS}")
    X, y = data["train"]
    tr, va = stratified_split(y, (0.9, 0.1), seed=cfg.seed)
    return (X[tr], y[tr]), (X[va], y[va]), data["test"]
