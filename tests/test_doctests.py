"""The Examples sections of the public API run as doctests (each builds a tiny network).

As in numpy's docstrings, the examples assume ``import numpy as np`` and ``import linregions
as lr`` (the Sphinx doctest builder runs the same two lines first: ``doctest_global_setup``).
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import linregions as lr

# Modules whose docstrings hold the examples of the public names in `linregions.__all__`.
MODULES = [
    "linregions",
    "linregions.errors",
    "linregions.model.ir",
    "linregions.model.network",
    "linregions.model.patterns",
    "linregions.model.region",
    "linregions.model.walk",
    "linregions.model.line_walk",
    "linregions.model.slice",
    "linregions.analysis.slice_through",
    "linregions.geometry.polytope",
    "linregions.geometry.insphere",
    "linregions.geometry.redundancy",
    "linregions.analysis.decision_boundary",
    "linregions.analysis.surroundings",
    "linregions.analysis.categories",
    "linregions.analysis.attacks",
    "linregions.analysis.local_complexity",
    "linregions.model.complex",
    "linregions.model.complex_stream",
    "linregions.importers.from_torch",
    "linregions.importers.onnx",
    "linregions.importers.vnnlib",
    "linregions.geometry.class_maxima",
    "linregions.geometry.domains",
    "linregions.geometry.recession",
    "linregions.model.homogenise",
    "linregions.model.affine_slice",
    "linregions.model.pattern_maps",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(
        module, extraglobs={"np": np, "lr": lr}, optionflags=flags, verbose=False, report=True
    )
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
