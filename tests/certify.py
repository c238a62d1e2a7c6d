"""Independent LP certificates (scipy's HiGHS on the original, unnormalised rows)."""

import numpy as np
from scipy.optimize import linprog


def reach_past(A, b, lo, hi, i, rows):
    """min over {rows, box, A_i x + b_i >= -|A_i|} of the distance-scaled slack of row i."""
    n = np.linalg.norm(A[i])
    Ar = np.vstack([A[rows], A[i]])
    br = np.append(b[rows], b[i] + n)
    res = linprog(A[i], A_ub=-Ar, b_ub=br, bounds=list(zip(lo, hi)), method="highs")
    assert res.status == 0, res.message
    return (res.fun + b[i]) / n


def assert_certified(poly, facets, tol=1e-9, slack=1e-7):
    """Every kept row is not implied by all other rows (reaches past by > tol); every
    removed row is implied by the kept rows and the box (reaches at most tol past)."""
    A, b, lo, hi = poly.A, poly.b, poly.lo, poly.hi
    facets = np.asarray(facets)
    n = A.shape[0]
    for i in facets:
        others = np.setdiff1d(np.arange(n), [i])
        # duplicates of i would hide it: drop rows parallel with the same offset
        u = A / np.linalg.norm(A, axis=1, keepdims=True)
        v = b / np.linalg.norm(A, axis=1)
        dup = (u[others] @ u[i] > 1 - 1e-12) & (np.abs(v[others] - v[i]) < 1e-9)
        assert reach_past(A, b, lo, hi, i, others[~dup]) < -tol + slack, f"row {i} is redundant"
    for i in np.setdiff1d(np.arange(n), facets):
        if np.linalg.norm(A[i]) == 0:
            continue
        assert reach_past(A, b, lo, hi, i, facets) >= -tol - slack, f"row {i} is a facet"


def linprog_radius(poly):
    """The inradius of a bounded polytope (box included) by one HiGHS LP over (x, r):
    maximise r with every row and box face at distance >= r from x."""
    d = poly.dim
    nrm = np.linalg.norm(poly.A, axis=1)
    G = np.vstack(
        [
            np.hstack([-poly.A, nrm[:, None]]),
            np.hstack([-np.eye(d), np.ones((d, 1))]),
            np.hstack([np.eye(d), np.ones((d, 1))]),
        ]
    )
    h = np.concatenate([poly.b, -poly.lo, poly.hi])
    c = np.zeros(d + 1)
    c[-1] = -1
    res = linprog(c, A_ub=G, b_ub=h, bounds=[(None, None)] * (d + 1), method="highs")
    assert res.status == 0
    return -res.fun


def certified_radius(poly, center):
    """Distance from ``center`` to the nearest row hyperplane or box face, negative when a
    row or box face is violated (zero rows count as ``b`` itself)."""
    norms = np.linalg.norm(poly.A, axis=1)
    slack = poly.A @ center + poly.b
    nz = norms > 0
    dist = np.concatenate(
        [
            slack[nz] / norms[nz],
            np.where(slack[~nz] >= 0, np.inf, -np.inf),
            center - poly.lo,
            poly.hi - center,
        ]
    )
    return float(dist.min(initial=np.inf))


def dual_bound(poly, lam):
    """Upper bound on the inradius from any multipliers ``lam`` (N,) of the rows (weak
    duality; the box multipliers are chosen to cancel the x-terms exactly)."""
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    a = poly.A.T @ lam
    mu, nu = np.maximum(-a, 0.0), np.maximum(a, 0.0)
    scale = lam @ np.linalg.norm(poly.A, axis=1) + mu.sum() + nu.sum()
    if scale <= 0:
        return float("inf")
    return float((lam @ poly.b - mu @ poly.lo + nu @ poly.hi) / scale)


def certified_linprog(poly):
    """HiGHS's insphere of a bounded polytope with certified bounds: (center, exact radius
    of that center, weak-duality upper bound from HiGHS's multipliers of the rows)."""
    d, n = poly.dim, poly.n_rows
    nrm = np.linalg.norm(poly.A, axis=1)
    G = np.vstack(
        [
            np.hstack([-poly.A, nrm[:, None]]),
            np.hstack([-np.eye(d), np.ones((d, 1))]),
            np.hstack([np.eye(d), np.ones((d, 1))]),
        ]
    )
    h = np.concatenate([poly.b, -poly.lo, poly.hi])
    c = np.zeros(d + 1)
    c[-1] = -1
    res = linprog(c, A_ub=G, b_ub=h, bounds=[(None, None)] * (d + 1), method="highs")
    assert res.status == 0, res.message
    center = res.x[:d]
    duals = -np.asarray(res.ineqlin.marginals)[:n]
    return center, certified_radius(poly, center), dual_bound(poly, duals)
