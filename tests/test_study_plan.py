"""`linregions study` says what it will do and how long it should take before it starts;
its progress line names the command that writes the report early."""

from __future__ import annotations

import io
import sys

import pytest
from test_study import config

from linregions import _progress
from linregions.experiments.study import run_study
from linregions.experiments.study.config import load_study_data
from linregions.experiments.study.plan import (
    POINT_FIXED_S,
    plan_study,
    report_only_command,
)
from linregions.experiments.study.storage import load_study_config


@pytest.mark.slow  # runs a study: trains three tiny models
def test_plan_before_and_after_a_run(tmp_path):
    cfg = config(tmp_path, analyses=("manifold",), n_points=2)
    models = cfg.models
    (Xtr, _), _, (Xte, _) = load_study_data(cfg)
    before = plan_study(cfg, models, len(Xtr), len(Xte))
    assert [m.points_todo for m in before.models] == [2, 2, 2]
    assert all(m.train and not m.measured and m.train_s > 0 for m in before.models)
    # reference estimate: fixed cost scaled by the share of analyses selected
    assert 0 < before.models[0].point_s < POINT_FIXED_S
    text = before.describe()
    assert "3 models" in text and "estimate:" in text and "--report-only" in text
    announced: list[str] = []
    run_study(cfg, announce=announced.append)
    assert announced == [text]  # said before any work, and nothing was done before
    after = plan_study(cfg, models, len(Xtr), len(Xte))
    assert all(
        not m.train and m.points_todo == 0 and m.points_done == 2 and m.measured
        for m in after.models
    )
    assert after.total_s == 0.0
    saved = load_study_config(str(tmp_path))
    assert saved == cfg


def test_progress_line_carries_the_hint(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(_progress, "SHOW_AFTER", 0.0)
    hint = report_only_command("out")
    assert list(_progress.progress(range(3), 3, "points", hint)) == [0, 1, 2]
    lines = err.getvalue().splitlines()
    assert hint in lines[0] and "linregions study --out out --report-only" in lines[0]
    assert lines[-1].startswith("points done: 3/3")
    assert "\r" not in err.getvalue() and "\x1b" not in err.getvalue()  # not a terminal


@pytest.mark.slow  # runs a study: trains three tiny models
def test_cli_report_only_uses_the_saved_settings(tmp_path, capsys):
    from linregions.cli import main

    cfg = config(tmp_path, analyses=("manifold",), n_points=1)
    run_study(cfg)
    # Only --out is given: the models (hidden 8, 8) and analyses come from study.json.
    assert main(["study", "--out", str(tmp_path), "--report-only"]) == 0
    out = capsys.readouterr().out
    assert "computed 0 points" in out
    with open(tmp_path / "report.md") as f:
        assert "vanilla-L" in f.read()


def test_cli_interrupt_names_the_report_only_command(tmp_path, capsys, monkeypatch):
    from linregions import cli
    from linregions.experiments import study

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_study", interrupted)
    assert cli.main(["study", "--out", str(tmp_path), "--scale", "tiny"]) == 130
    assert report_only_command(str(tmp_path)) in capsys.readouterr().err


@pytest.mark.parametrize("seconds, text", [(30, "30 s"), (600, "10 min"), (7200, "2.0 h")])
def test_durations_read_well(seconds, text):
    from linregions.experiments.study.plan import _duration

    assert _duration(seconds) == text
