"""An independent oracle for the regions of a sequential network on a polyhedron, no box.

Patterns are enumerated unit by unit in network order; each partial pattern keeps the
affine map of the current layer on its cell, and a choice survives when its cell is strictly
feasible: ``max t  s.t.  row_i(x) >= t, t <= 1`` (x free) has ``t > 0`` (scipy's HiGHS).
Nothing of linregions is used but the IR node classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from linregions.model.ir import Affine, Input, MaxPool, ReLU

#: An LP optimum above this counts as strictly feasible / a non-zero recession direction.
FEASIBLE_TOL = 1e-9


@dataclass
class OracleRegion:
    """One region: ``bits`` (n_bits,) bool in the network's layout, ``G x + h >= 0`` its
    rows (the domain's, then the units'), ``x`` a strictly interior point, ``W x + c`` the
    outputs there."""

    bits: tuple[bool, ...]
    G: np.ndarray
    h: np.ndarray
    x: np.ndarray
    W: np.ndarray
    c: np.ndarray


def strict_point(G: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """A point with ``G x + h >= t > FEASIBLE_TOL`` (t as large as allowed up to 1), or None."""
    d = G.shape[1]
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=np.c_[-G, np.ones(len(G))],
        b_ub=h,
        bounds=[(None, None)] * d + [(None, 1.0)],
        method="highs",
    )
    assert res.status in (0, 2), res.message
    if res.status != 0 or -res.fun <= FEASIBLE_TOL:
        return None
    return res.x[:d]


def oracle_regions(nodes, G0=None, h0=None) -> list[OracleRegion]:
    """Every full-dimensional region of the chain ``nodes`` (Input, Affine, ReLU, MaxPool,
    each reading the previous node) on ``{G0 x + h0 >= 0}`` (default: all of R^d)."""
    assert isinstance(nodes[0], Input)
    for k, node in enumerate(nodes[1:], start=1):
        assert node.input == k - 1, "the oracle takes chains only"
    d = nodes[0].size
    G = np.zeros((0, d)) if G0 is None else np.asarray(G0, dtype=float)
    h = np.zeros(0) if h0 is None else np.asarray(h0, dtype=float)
    out: list[OracleRegion] = []

    def visit(k, J, c, bits, G, h):
        if k == len(nodes):
            x = strict_point(G, h)
            assert x is not None
            out.append(OracleRegion(tuple(bits), G, h, x, J, c))
            return
        node = nodes[k]
        if isinstance(node, Affine):
            W = node.weight.toarray() if hasattr(node.weight, "toarray") else node.weight
            visit(k + 1, W @ J, W @ c + node.bias, bits, G, h)
        elif isinstance(node, ReLU):
            slope = np.broadcast_to(np.asarray(node.slope, dtype=float), (node.size,))

            def unit(u, bits, G, h, gains):
                if u == node.size:
                    g = np.array(gains)
                    visit(k + 1, g[:, None] * J, g * c, bits, G, h)
                    return
                for sign in (1.0, -1.0):
                    G2, h2 = np.vstack([G, sign * J[u]]), np.r_[h, sign * c[u]]
                    if strict_point(G2, h2) is not None:
                        gain = 1.0 if sign > 0 else slope[u]
                        unit(u + 1, [*bits, sign > 0], G2, h2, [*gains, gain])

            unit(0, bits, G, h, [])
        elif isinstance(node, MaxPool):

            def window(w, bits, G, h, picks):
                if w == node.size:
                    visit(k + 1, J[picks], c[picks], bits, G, h)
                    return
                entries = [int(e) for e in node.windows[w] if e >= 0]
                for j in entries:
                    others = [e for e in entries if e != j]
                    G2 = np.vstack([G, J[j] - J[others]])
                    h2 = np.r_[h, c[j] - c[others]]
                    if strict_point(G2, h2) is not None:
                        new_bits = [e == j for e in entries]
                        window(w + 1, [*bits, *new_bits], G2, h2, [*picks, j])

            window(0, bits, G, h, [])
        else:
            raise TypeError(node)

    visit(1, np.eye(d), np.zeros(d), [], G, h)
    return out


def is_unbounded(G: np.ndarray) -> bool:
    """Whether ``{r : G r >= 0}`` holds a non-zero r: ``max +-r_j`` over it within the unit
    box, 2d LPs."""
    d = G.shape[1]
    for j in range(d):
        for sign in (1.0, -1.0):
            c = np.zeros(d)
            c[j] = -sign
            res = linprog(
                c, A_ub=-G, b_ub=np.zeros(len(G)), bounds=[(-1.0, 1.0)] * d, method="highs"
            )
            assert res.status == 0, res.message
            if -res.fun > FEASIBLE_TOL:
                return True
    return False


def chebyshev_radius(G: np.ndarray, h: np.ndarray) -> float:
    """``max r  s.t.  unit rows >= r`` (x free) by HiGHS: the inradius, ``inf`` when the LP is
    unbounded."""
    d = G.shape[1]
    n = np.linalg.norm(G, axis=1)
    keep = n > 0
    Gu, hu = G[keep] / n[keep, None], h[keep] / n[keep]
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=np.c_[-Gu, np.ones(len(Gu))],
        b_ub=hu,
        bounds=[(None, None)] * (d + 1),
        method="highs",
    )
    if res.status == 3:
        return np.inf
    assert res.status == 0, res.message
    return float(-res.fun)


def facet_shared(G: np.ndarray, h: np.ndarray, row: int) -> bool:
    """Whether row ``row`` of ``{G x + h >= 0}`` carries a (d-1)-dimensional facet: the other
    rows hold strictly somewhere on its hyperplane."""
    d = G.shape[1]
    others = np.delete(np.arange(len(G)), row)
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=np.c_[-G[others], np.ones(len(others))],
        b_ub=h[others],
        A_eq=np.c_[G[row][None], [[0.0]]],
        b_eq=[-h[row]],
        bounds=[(None, None)] * d + [(None, 1.0)],
        method="highs",
    )
    return res.status == 0 and -res.fun > FEASIBLE_TOL


def unpack(bits: np.ndarray, n_bits: int) -> np.ndarray:
    """Packed uint64 pattern words (n, words) as (n, n_bits) bools."""
    as_bytes = np.ascontiguousarray(bits).astype("<u8").view(np.uint8).reshape(len(bits), -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :n_bits].astype(bool)
