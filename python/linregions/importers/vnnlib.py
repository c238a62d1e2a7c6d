"""Read VNN-LIB specifications (the VNN-COMP format) into input boxes and output systems.

A VNN-LIB file declares real variables ``X_0 .. X_{d-1}`` (the flattened network input)
and ``Y_0 .. Y_{m-1}`` (the outputs) and asserts linear constraints on them, combined with
``and`` / ``or``. The assertions are a conjunction; those over inputs only must describe
one box or a disjunction of boxes (e.g. ACAS Xu property 6), those over outputs only a
disjunction of linear systems ``C y <= e``. Strict inequalities are read as non-strict
(the sets are closed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

from ..errors import SpecSyntaxError

#: One atom ``sum coef[v] * v <= rhs`` over named variables.
_Atom = tuple[tuple[tuple[str, float], ...], float]
_Sexp = Union["_Tok", list]

_VAR = re.compile(r"^([XY])_(\d+)$")


@dataclass(frozen=True)
class _Tok:
    text: str
    line: int


@dataclass(frozen=True, eq=False)
class VnnlibSpec:
    """A VNN-LIB property.

    - ``boxes``: tuple of ``(lo, hi)`` flat (n_inputs,) arrays, one per disjunct of the input
      constraints (an input lies in the domain when it is in any box).
    - ``outputs``: tuple of ``(C, e)`` with C (k, n_outputs), e (k,): the output constraint
      holds when ``C @ y <= e`` for at least one system (VNN-COMP: the *unsafe* set).
    - ``n_inputs``, ``n_outputs``: numbers of declared X and Y variables.
    - ``path``: the file read, or None.
    """

    boxes: tuple[tuple[np.ndarray, np.ndarray], ...]
    outputs: tuple[tuple[np.ndarray, np.ndarray], ...]
    n_inputs: int
    n_outputs: int
    path: str | None = None

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The single input box ``(lo, hi)``, or None when there are several."""
        return self.boxes[0] if len(self.boxes) == 1 else None

    @property
    def center(self) -> np.ndarray:
        """Centre of the first box, (n_inputs,) (the test image of a VNN-COMP robustness box)."""
        lo, hi = self.boxes[0]
        return (lo + hi) / 2.0

    def output_holds(self, y: Any) -> bool:
        """Whether outputs ``y`` (n_outputs,) satisfy some system ``C y <= e``."""
        y = np.asarray(y, dtype=np.float64).ravel()
        return any(bool(np.all(c @ y <= e)) for c, e in self.outputs)


def read_vnnlib(path: Any) -> VnnlibSpec:
    """Reads a VNN-LIB file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.vnnlib`` file.

    Returns
    -------
    VnnlibSpec
        Input boxes and output systems; usable as ``bounds=`` of
        :func:`linregions.from_onnx` when it has one box.

    Raises
    ------
    SpecSyntaxError
        Malformed text, an undeclared variable, a non-linear term, an assertion mixing
        inputs and outputs, or an input without a finite lower or upper bound; the message
        names the line.

    Examples
    --------
    >>> import os, tempfile
    >>> import linregions as lr
    >>> path = os.path.join(tempfile.mkdtemp(), "prop.vnnlib")
    >>> with open(path, "w") as f:
    ...     _ = f.write("(declare-const X_0 Real) (declare-const Y_0 Real) (declare-const Y_1 Real)"
    ...                 " (assert (>= X_0 -0.5)) (assert (<= X_0 0.5)) (assert (>= Y_0 Y_1))")
    >>> spec = lr.read_vnnlib(path)
    >>> spec.box, spec.outputs[0][0].tolist()
    ((array([-0.5]), array([0.5])), [[-1.0, 1.0]])

    ``lr.from_onnx("net.onnx", bounds=spec)`` then imports a network on the spec's box.
    """
    p = Path(path)
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecSyntaxError(f"cannot read the file: {exc}", path=str(p)) from exc
    return parse_vnnlib(text, str(p))


def parse_vnnlib(text: str, path: str | None = None) -> VnnlibSpec:
    """Parses VNN-LIB ``text`` (see :func:`read_vnnlib`)."""
    exprs = _parse(_tokenize(text, path), path)
    declared: dict[str, int] = {"X": 0, "Y": 0}
    names: set[str] = set()
    inputs: list[list[list[_Atom]]] = []
    outputs: list[list[list[_Atom]]] = []
    for e in exprs:
        line = _line(e)
        if not isinstance(e, list) or not e or not isinstance(e[0], _Tok):
            raise SpecSyntaxError("expected a command such as (declare-const ...)", line, path)
        head = e[0].text
        if head == "declare-const":
            if len(e) != 3 or not isinstance(e[1], _Tok) or not isinstance(e[2], _Tok):
                raise SpecSyntaxError("expected (declare-const NAME Real)", line, path)
            m = _VAR.match(e[1].text)
            if m is None or e[2].text != "Real":
                raise SpecSyntaxError(f"cannot declare {e[1].text} {e[2].text}: expected X_i or "
                                      "Y_i of sort Real", line, path)  # fmt: skip
            names.add(e[1].text)
            declared[m.group(1)] = max(declared[m.group(1)], int(m.group(2)) + 1)
        elif head == "assert":
            if len(e) != 2:
                raise SpecSyntaxError("expected (assert FORMULA)", line, path)
            dnf = _dnf(e[1], names, path)
            kinds = {v[0] for d in dnf for atom in d for v, _ in atom[0]}
            if kinds == {"X", "Y"}:
                raise SpecSyntaxError("an assertion mixes input and output variables", line, path)
            (outputs if kinds == {"Y"} else inputs).append(dnf)
        else:
            raise SpecSyntaxError(f"unknown command {head!r}", line, path)
    d, n_out = declared["X"], declared["Y"]
    if d == 0:
        raise SpecSyntaxError("no input variables X_i are declared", None, path)
    boxes = []
    for k, conj in enumerate(_conjoin(inputs)):
        boxes.append(_box(conj, d, k, path))
    unique: list[tuple[np.ndarray, np.ndarray]] = []
    for lo, hi in boxes:
        if not any(np.array_equal(lo, a) and np.array_equal(hi, b) for a, b in unique):
            unique.append((lo, hi))
    systems = []
    if outputs:
        for conj in _conjoin(outputs):
            c = np.zeros((len(conj), n_out))
            e = np.zeros(len(conj))
            for r, (terms, rhs) in enumerate(conj):
                for v, coef in terms:
                    c[r, int(v[2:])] += coef
                e[r] = rhs
            systems.append((c, e))
    return VnnlibSpec(tuple(unique), tuple(systems), d, n_out, path)


# -- s-expressions ----------------------------------------------------------------------
def _tokenize(text: str, path: str | None) -> list[_Tok]:
    toks = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0]
        for t in re.findall(r"\(|\)|[^\s()]+", line):
            toks.append(_Tok(t, n))
    return toks


def _parse(toks: list[_Tok], path: str | None) -> list:
    stack: list[list] = [[]]
    opened: list[_Tok] = []
    for t in toks:
        if t.text == "(":
            stack.append([])
            opened.append(t)
        elif t.text == ")":
            if len(stack) == 1:
                raise SpecSyntaxError("unbalanced ')'", t.line, path)
            done = stack.pop()
            opened.pop()
            stack[-1].append(done if done else [t])
        else:
            if len(stack) == 1:
                raise SpecSyntaxError(f"unexpected {t.text!r} outside parentheses", t.line, path)
            stack[-1].append(t)
    if opened:
        raise SpecSyntaxError("unclosed '(' (the file ends inside it)", opened[-1].line, path)
    return stack[0]


def _line(e: _Sexp) -> int | None:
    if isinstance(e, _Tok):
        return e.line
    for x in e:
        ln = _line(x)
        if ln is not None:
            return ln
    return None


# -- formulas ---------------------------------------------------------------------------
def _dnf(e: _Sexp, names: set[str], path: str | None) -> list[list[_Atom]]:
    """``e`` in disjunctive normal form: a list of conjunctions of atoms."""
    line = _line(e)
    if not isinstance(e, list) or not e or not isinstance(e[0], _Tok):
        raise SpecSyntaxError("expected a formula (<= a b), (and ...) or (or ...)", line, path)
    op = e[0].text
    if op == "and":
        return _conjoin([_dnf(x, names, path) for x in e[1:]])
    if op == "or":
        return [conj for x in e[1:] for conj in _dnf(x, names, path)]
    if op in ("<=", ">=", "<", ">"):
        if len(e) != 3:
            raise SpecSyntaxError(f"({op} ...) takes two terms, got {len(e) - 1}", line, path)
        a, ca = _linear(e[1], names, path)
        b, cb = _linear(e[2], names, path)
        if op in (">=", ">"):
            a, ca, b, cb = b, cb, a, ca
        terms = dict(a)
        for v, c in b.items():
            terms[v] = terms.get(v, 0.0) - c
        return [[(tuple((v, c) for v, c in sorted(terms.items()) if c != 0.0), cb - ca)]]
    raise SpecSyntaxError(f"unknown formula {op!r}", line, path)


def _linear(e: _Sexp, names: set[str], path: str | None) -> tuple[dict[str, float], float]:
    """A linear term as (coefficients, constant)."""
    if isinstance(e, _Tok):
        if e.text in names:
            return {e.text: 1.0}, 0.0
        if _VAR.match(e.text):
            raise SpecSyntaxError(f"variable {e.text} is not declared", e.line, path)
        try:
            return {}, float(e.text)
        except ValueError:
            raise SpecSyntaxError(f"expected a number or variable, got {e.text!r}", e.line,
                                  path) from None  # fmt: skip
    line = _line(e)
    if not e or not isinstance(e[0], _Tok) or e[0].text not in ("+", "-", "*"):
        raise SpecSyntaxError("expected a term (+ ...), (- ...) or (* ...)", line, path)
    op = e[0].text
    parts = [_linear(x, names, path) for x in e[1:]]
    if not parts:
        raise SpecSyntaxError(f"({op}) has no operands", line, path)
    if op == "*":
        scale, var_part = 1.0, None
        for t, c in parts:
            if t and var_part is not None:
                raise SpecSyntaxError("a product of two variables is not linear", line, path)
            if t:
                var_part = (t, c)
            else:
                scale *= c
        if var_part is None:
            return {}, scale
        return {v: a * scale for v, a in var_part[0].items()}, var_part[1] * scale
    sign = [1.0] + [(-1.0 if op == "-" else 1.0)] * (len(parts) - 1)
    if op == "-" and len(parts) == 1:
        sign = [-1.0]
    out: dict[str, float] = {}
    total = 0.0
    for s, (t, c) in zip(sign, parts):
        for v, a in t.items():
            out[v] = out.get(v, 0.0) + s * a
        total += s * c
    return out, total


def _conjoin(dnfs: list[list[list[_Atom]]]) -> list[list[_Atom]]:
    out: list[list[_Atom]] = [[]]
    for d in dnfs:
        if len(d) == 1:
            for conj in out:
                conj.extend(d[0])
        else:
            out = [a + b for a in out for b in d]
    return out


def _box(conj: list[_Atom], d: int, k: int, path: str | None) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    for terms, rhs in conj:
        if len(terms) != 1:
            text = " + ".join(f"{c:g} {v}" for v, c in terms) or "0"
            raise SpecSyntaxError(f"input constraint {text} <= {rhs:g} is not a bound of one "
                                  "variable; only boxes are supported", None, path)  # fmt: skip
        v, c = terms[0]
        i = int(v[2:])
        if c > 0:
            hi[i] = min(hi[i], rhs / c)
        else:
            lo[i] = max(lo[i], rhs / c)
    missing = np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi)))
    if missing.size:
        raise SpecSyntaxError(f"input X_{missing[0]} has no finite lower and upper bound "
                              f"(input disjunct {k})", None, path)  # fmt: skip
    return lo, hi
