"""read_vnnlib: boxes, disjunctions (ACAS Xu property 6 style), output systems, errors."""

from __future__ import annotations

import numpy as np
import pytest

import linregions as lr
from linregions.importers.vnnlib import parse_vnnlib

HEADER = "".join(f"(declare-const X_{i} Real)\n" for i in range(3)) + "".join(
    f"(declare-const Y_{i} Real)\n" for i in range(4)
)


def box_text(lo, hi):
    return "".join(f"(assert (>= X_{i} {a}))\n(assert (<= X_{i} {b}))\n"
                   for i, (a, b) in enumerate(zip(lo, hi)))  # fmt: skip


def test_box_and_output_conjunction(tmp_path):
    text = (
        HEADER
        + "; a comment\n"
        + box_text([0, -1, 0.25], [1, 1, 0.5])
        + ("(assert (<= Y_0 Y_1))\n(assert (>= Y_2 3.5))\n")
    )
    path = tmp_path / "p.vnnlib"
    path.write_text(text)
    spec = lr.read_vnnlib(path)
    assert isinstance(spec, lr.VnnlibSpec)
    assert (spec.n_inputs, spec.n_outputs) == (3, 4)
    lo, hi = spec.box
    np.testing.assert_array_equal(lo, [0, -1, 0.25])
    np.testing.assert_array_equal(hi, [1, 1, 0.5])
    np.testing.assert_array_equal(spec.center, [0.5, 0, 0.375])
    ((c, e),) = spec.outputs
    np.testing.assert_array_equal(c, [[1, -1, 0, 0], [0, 0, -1, 0]])
    np.testing.assert_array_equal(e, [0, -3.5])
    assert spec.output_holds([0, 1, 4, 0]) and not spec.output_holds([2, 1, 4, 0])


def test_acasxu_property_6_style_disjunction_of_boxes():
    text = HEADER + (
        "(assert (or\n"
        "  (and (>= X_0 0) (<= X_0 1) (>= X_1 0) (<= X_1 1) (>= X_2 0) (<= X_2 1))\n"
        "  (and (>= X_0 2) (<= X_0 3) (>= X_1 0) (<= X_1 1) (>= X_2 0) (<= X_2 1))\n"
        "))\n(assert (or (and (>= Y_0 Y_1)) (and (>= Y_0 Y_2) (<= Y_3 1))))\n"
    )
    spec = parse_vnnlib(text)
    assert len(spec.boxes) == 2 and spec.box is None
    np.testing.assert_array_equal(spec.boxes[1][0], [2, 0, 0])
    np.testing.assert_array_equal(spec.boxes[1][1], [3, 1, 1])
    assert len(spec.outputs) == 2
    np.testing.assert_array_equal(spec.outputs[0][0], [[-1, 1, 0, 0]])
    np.testing.assert_array_equal(spec.outputs[1][0], [[-1, 0, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(spec.outputs[1][1], [0, 1])


def test_disjunctions_multiply_out():
    # (A or B) and (C or D) on outputs: four systems
    text = (
        HEADER
        + box_text([0] * 3, [1] * 3)
        + ("(assert (or (<= Y_0 0) (<= Y_1 0)))\n(assert (or (<= Y_2 0) (<= Y_3 0)))\n")
    )
    spec = parse_vnnlib(text)
    rows = sorted(tuple(np.flatnonzero(c[:, :].any(axis=0))) for c, _ in spec.outputs)
    assert rows == [(0, 2), (0, 3), (1, 2), (1, 3)]


def test_linear_terms_and_strict_inequalities():
    text = (
        HEADER + box_text([0] * 3, [1] * 3) + ("(assert (< (+ Y_0 (* -2 Y_1) 1.5) (- Y_2 Y_3)))\n")
    )
    ((c, e),) = parse_vnnlib(text).outputs
    np.testing.assert_array_equal(c, [[1, -2, -1, 1]])
    np.testing.assert_array_equal(e, [-1.5])


@pytest.mark.parametrize("body,line,match", [
    ("(assert (<= X_0 1)\n", 8, "unclosed"),
    ("(assert (<= X_0 1)))\n", 8, "unbalanced"),
    ("(assert (<= X_9 1))\n", 8, "X_9 is not declared"),
    ("(assert (<= X_0 one))\n", 8, "expected a number"),
    ("(assert (=> X_0 1))\n", 8, "unknown formula"),
    ("(check-sat)\n(assert (<= X_0 1))\n(frobnicate)\n", 8, "unknown command"),
    ("\n\n(assert (<= (* X_0 X_1) 1))\n", 10, "not linear"),
    ("(assert (or (<= X_0 1) (<= Y_0 1)))\n", 8, "mixes input and output"),
    ("(declare-const Z_0 Real)\n", 8, "cannot declare Z_0"),
])  # fmt: skip
def test_syntax_errors_name_the_line(tmp_path, body, line, match):
    path = tmp_path / "bad.vnnlib"
    path.write_text(HEADER + body)
    with pytest.raises(lr.SpecSyntaxError, match=match) as info:
        lr.read_vnnlib(path)
    assert info.value.line == line
    assert f"line {line}" in str(info.value) and str(path) in str(info.value)


def test_missing_bounds_and_non_box_inputs_are_refused():
    with pytest.raises(lr.SpecSyntaxError, match="X_2 has no finite lower and upper bound"):
        parse_vnnlib(HEADER + box_text([0, 0], [1, 1]))
    with pytest.raises(lr.SpecSyntaxError, match="not a bound of one variable"):
        parse_vnnlib(HEADER + box_text([0] * 3, [1] * 3) + "(assert (<= (+ X_0 X_1) 1))\n")
    with pytest.raises(lr.SpecSyntaxError, match="cannot read"):
        lr.read_vnnlib("/nonexistent/p.vnnlib")
