"""The experiments' shared pieces: the one training loop, atomic files (``files``), tables
(``tables``)."""

from __future__ import annotations

import doctest
import json
import os

import numpy as np
import pytest
import torch

from linregions.experiments import tables
from linregions.experiments.files import atomic_write, write_json_atomic
from linregions.experiments.tables import DASH, markdown_table, text_table
from linregions.experiments.training import FitSettings, fit, fold_input_affine, make_mlp


def _blobs(seed: int = 0, n: int = 200):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 4)) + 3.0 * np.eye(3, 4)[y]
    return X, y


def test_fit_by_epochs_and_by_steps_learns_separable_blobs() -> None:
    X, y = _blobs()
    for settings in (
        FitSettings(epochs=20, batch_size=32, lr=1e-2),
        FitSettings(steps=300, batch_size=32, lr=1e-2),
    ):
        res = fit(make_mlp((4, 16, 3), seed=1), X, y, settings)
        with torch.no_grad():
            acc = res.model(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy() == y
        assert acc.mean() > 0.9 and not res.model.training
        assert res.steps == (300 if settings.steps else 20 * 7)


def test_fit_target_stops_and_patience_keeps_the_best_weights() -> None:
    X, y = _blobs()
    scores: list[float] = []

    def evaluate(model) -> float:
        # A score that rises then falls: the weights of the third evaluation must be kept.
        k = len(scores)
        scores.append([0.1, 0.2, 0.9, 0.5, 0.4, 0.3][k])
        if k == 2:
            evaluate.best = {n: p.detach().clone() for n, p in model.state_dict().items()}
        return scores[-1]

    res = fit(
        make_mlp((4, 8, 3)),
        X,
        y,
        FitSettings(epochs=50, patience=3, keep_best=True),
        evaluate=evaluate,
    )
    assert len(scores) == 6 and res.epochs == 6 and res.best_score == 0.9
    for name, p in res.model.state_dict().items():
        torch.testing.assert_close(p, evaluate.best[name])
    res = fit(
        make_mlp((4, 8, 3)),
        X,
        y,
        FitSettings(steps=1000, eval_every=5, target=0.0),
        evaluate=lambda m: 0.0,
    )
    assert res.steps == 5
    with pytest.raises(ValueError, match="evaluate"):
        fit(make_mlp((4, 8, 3)), X, y, FitSettings(patience=2))


def test_fold_input_affine_is_exact() -> None:
    model = make_mlp((5, 7, 3), batchnorm=True, seed=2).eval()
    x = torch.rand(10, 5, dtype=torch.float32) * 2 - 1
    with torch.no_grad():
        before = model(0.5 * x + 0.5)
        after = fold_input_affine(model, 0.5, 0.5)(x)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="ReLU"):
        fold_input_affine(torch.nn.Sequential(torch.nn.ReLU()), 0.5, 0.5)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path) -> None:
    path = str(tmp_path / "sub" / "a.json")
    write_json_atomic(path, {"x": float("nan"), "y": [float("inf"), 1.0]})
    with open(path) as f:
        assert json.load(f) == {"x": None, "y": ["inf", 1.0]}

    def broken(f) -> None:
        f.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    with open(path) as f:
        assert json.load(f)["x"] is None
    assert os.listdir(tmp_path / "sub") == ["a.json"]


def test_tables_show_a_dash_and_a_footnote_never_nan() -> None:
    rows = [{"m": "a", "v": 0.25, "w": 1}, {"m": "b", "v": float("nan"), "w": None}]
    cols = [("m", "model", "s"), ("v", "v", ".2f"), ("w", "w", "d")]
    md = markdown_table(rows, cols, notes={"v": "no ray left", "w": "not computed"})
    assert md[3] == f"| b | {DASH}\\* | {DASH}† |"
    assert md[-2:] == ["\\* no ray left", "† not computed"]
    assert "nan" not in "\n".join(md).lower()
    assert markdown_table(rows[:1], cols, notes={"v": "no ray left"})[-1] == "| a | 0.25 | 1 |"
    text = text_table(rows, cols, notes={"v": "no ray left"})
    assert "nan" not in text.lower() and "* no ray left" in text


def test_the_table_examples_run() -> None:
    assert doctest.testmod(tables, raise_on_error=True).attempted >= 1
