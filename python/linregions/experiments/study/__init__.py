"""The paper's study: train the models, analyse many test points, tables, figures, report."""

from .config import StudyConfig, paper_models
from .runner import run_study

__all__ = ["StudyConfig", "paper_models", "run_study"]
