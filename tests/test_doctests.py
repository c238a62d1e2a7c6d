"""The Examples sections of the public API run as doctests (each builds a tiny network)."""

from __future__ import annotations

import doctest
import importlib

import pytest

# Modules whose docstrings hold the examples of the public names in `linregions.__all__`.
MODULES = [
    "linregions",
    "linregions.errors",
    "linregions.model.network",
    "linregions.model.region",
    "linregions.model.walk",
    "linregions.model.slice",
    "linregions.geometry.polytope",
    "linregions.analysis.decision_boundary",
    "linregions.analysis.surroundings",
    "linregions.analysis.categories",
    "linregions.analysis.attacks",
    "linregions.importers.from_torch",
    "linregions.importers.onnx",
    "linregions.importers.vnnlib",
    "linregions.geometry.class_maxima",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
