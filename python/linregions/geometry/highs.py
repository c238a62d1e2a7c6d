"""Linear programs over polytopes, solved by HiGHS (through scipy), with outcomes as data.

Every LP here has the form ``min c . x  s.t.  A x + b >= 0,  lo <= x <= hi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy.optimize import linprog

from ..errors import EmptyPolytopeError, SolverLimitError, UnboundedPolytopeError

#: scipy's ``linprog`` status codes, by name.
_STATUS = {0: "optimal", 1: "iteration_limit", 2: "infeasible", 3: "unbounded", 4: "solver_error"}


@dataclass(frozen=True)
class LPResult:
    """Outcome of one LP: ``status`` is ``"optimal"``, ``"infeasible"``, ``"unbounded"``,
    ``"iteration_limit"`` or ``"solver_error"``; ``x`` and ``value`` are set when optimal."""

    status: str
    x: Optional[np.ndarray]
    value: float
    message: str
    #: Multipliers (>= 0) of the rows ``A x + b >= 0`` when optimal.
    duals: Optional[np.ndarray] = None


def minimize(
    c: np.ndarray,
    A: np.ndarray,
    b: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    method: str = "highs",
) -> LPResult:
    """``min c . x`` over ``{A x + b >= 0, lo <= x <= hi}`` (``lo``/``hi`` may be infinite)."""
    bounds = np.column_stack(
        [np.where(np.isfinite(lo), lo, np.nan), np.where(np.isfinite(hi), hi, np.nan)]
    )
    bounds_list = [
        (None if np.isnan(lv) else lv, None if np.isnan(hv) else hv) for lv, hv in bounds
    ]
    res = linprog(
        c,
        A_ub=-A if A.shape[0] else None,
        b_ub=b if A.shape[0] else None,
        bounds=bounds_list,
        method=method,
    )
    status = _STATUS.get(res.status, "solver_error")
    if status == "optimal":
        duals = -np.asarray(res.ineqlin.marginals) if A.shape[0] else np.zeros(0)
        return LPResult(status, np.asarray(res.x), float(res.fun), str(res.message), duals)
    return LPResult(status, None, float("nan"), str(res.message))


def raise_for(result: LPResult, what: str) -> None:
    """Raises the typed exception for a non-optimal ``result`` of the LP named ``what``."""
    if result.status == "optimal":
        return
    msg = f"{what}: {result.status} ({result.message})"
    if result.status == "infeasible":
        raise EmptyPolytopeError(msg)
    if result.status == "unbounded":
        raise UnboundedPolytopeError(msg)
    raise SolverLimitError(msg, status=result.status)
