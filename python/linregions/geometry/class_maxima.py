"""The most likely point of every class inside a region (paper sec. 3.4, eq. 6-8, app. D).

For class t, ``x^t = argmax log p_t(x)`` over the region (box included), where
``log p_t(x) = z_t(x) - logsumexp(z(x))`` and ``z(x) = W x + c`` is the region's logit map.
The objective is concave and depends on x only through the M logits.

Performance notes: a dense primal-dual interior-point method (Mehrotra predictor-corrector,
infeasible start) on ``G x <= h`` with G = the region's rows and the box. The Newton matrix is
``W^T (diag p - p p^T) W + A^T D A + diag(box)``: the objective adds a rank-M term only, the
box a diagonal, and rows whose weight ``D_i ||a_i||^2`` is negligible next to the largest are
left out of ``A^T D A`` (constraint reduction; they stay in the residuals and the step-length
test, so every iterate keeps all rows). Late iterations, when most rows are far from the
iterate, cost a fraction of a full ``A^T D A``; early ones form it in float32. ``A^T D A`` is
one lower-triangle GEMM in the Rust core (faer, both cores); Gondzio's centrality correctors
(one extra solve with the same factor each) cut the iterations by about a fifth. The objective
Hessian is formed as a Gram matrix so it stays PSD. End game: once complementarity is small,
a Newton step on the face of near-active rows and least-squares multipliers remove the dual
residual the ill-conditioned late Newton systems leave (:func:`_polish`). Each answer is
certified with an upper bound from LP weak duality that does not trust the solver
(:func:`certified_gap`); the iteration stops on that bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np
import scipy.linalg as sla

from .. import _core
from ..errors import InvalidValueError

if TYPE_CHECKING:
    from ..model.region import Region

#: Stop when the certified gap (an upper bound on optimum - objective) is at most this.
GAP_TOL = 1e-8
#: Rows with ``D_i ||a_i||^2`` below this fraction of the largest are left out of the
#: Newton matrix (they stay in the residuals and the step-length test).
REDUCE_TOL = 1e-12
#: Interior-point iteration limit per class.
MAX_ITER = 80
#: Fraction of the step to the boundary of the positive orthant taken by each iteration.
STEP_FRACTION = 0.99
#: While the mean complementarity ``s.z / m`` is above this, the Newton matrix is formed in
#: float32 (4x cheaper; the residuals stay float64, so only the direction is perturbed).
F32_MU = 1e-5
#: Rows with unit-norm slack (and coordinates with box slack) at most this count as active
#: when the certificate's multipliers are polished.
ACTIVE_TOL = 1e-7
#: Stop (status "limit") when the certified gap has not halved in this many iterations.
STALL_ITER = 8


@dataclass(frozen=True, eq=False)
class ClassMaxima:
    """Most likely points of each class inside a region (eq. 6-8).

    - ``points`` (M, d): ``x^t`` for each class t (rows of classes not solved are NaN).
    - ``log_prob`` (M,): ``log p_t(x^t)``.
    - ``predicted`` (M,) int: the class the network gives ``x^t`` (argmax of the logits).
    - ``present`` (M,) bool: ``predicted[t] == t``: class t's classification region meets
      the region.
    - ``count``: number of classes present; ``distortion``: ``max_t ||x^t - x*||`` (eq. 8).
    - ``gap`` (M,): certified upper bound on ``max log p_t - log_prob[t]`` (LP weak duality,
      see :func:`certified_gap`).
    - ``status`` (M,) str: ``"optimal"`` (gap <= tolerance), ``"limit"`` (iteration limit
      reached; the point is feasible and ``gap`` bounds its error), ``"skipped"``.
    - ``iterations`` (M,) int: interior-point iterations per class.
    """

    points: np.ndarray
    log_prob: np.ndarray
    predicted: np.ndarray
    present: np.ndarray
    count: int
    distortion: float
    gap: np.ndarray
    status: tuple[str, ...]
    iterations: np.ndarray


#: Gondzio centrality correctors per iteration, and how much longer a step each aims for.
MAX_CORRECTORS = 2
CORRECTOR_STRETCH = 0.3

#: BLAS threads during a solve. The Newton systems are small (d x d); a threaded BLAS
#: spins badly when the cores are shared (measured: 9 s with one thread against 130 s with
#: two on a loaded 2-core machine, same region).
BLAS_THREADS = 1


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``z - logsumexp(z)``, stable."""
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def certified_gap(region: Region, t: int, x: np.ndarray, lam: np.ndarray) -> float:
    """Upper bound on ``max_{y in region} log p_t(y) - log p_t(x)`` for a feasible ``x``.

    By concavity, ``f* <= f(x) + max_y g^T (y - x)`` with ``g = grad f(x)``, and for any
    ``lam >= 0`` (one per row) LP weak duality bounds the LP:
    ``max_y g^T y <= lam^T b + sum_i max(r_i lo_i, r_i hi_i)`` with ``r = g + A^T lam``.
    Valid for any non-negative ``lam``; tight at a KKT point. Returns ``inf`` if the box is
    unbounded in a direction where ``r`` is non-zero.
    """
    W, c = region.logit_map
    p = np.exp(log_softmax(W @ x + c))
    g = W[t] - p @ W
    lam = np.maximum(lam, 0.0)
    r = g + region.A.T @ lam
    with np.errstate(invalid="ignore"):
        box = np.where(r > 0, r * region.hi, np.where(r < 0, r * region.lo, 0.0))
    return float(lam @ region.b + box.sum() - g @ x)


def class_maxima(
    region: Region,
    classes: Optional[Sequence[int]] = None,
    gap_tol: float = GAP_TOL,
    max_iter: int = MAX_ITER,
    reduce_tol: float = REDUCE_TOL,
    f32_mu: float = F32_MU,
    active_tol: float = ACTIVE_TOL,
    stall_iter: int = STALL_ITER,
    blas_threads: Optional[int] = BLAS_THREADS,
) -> ClassMaxima:
    """Solves eq. 6 for every class (or those in ``classes``) of ``region``; see
    :class:`ClassMaxima`. The box must be finite. ``blas_threads`` caps the BLAS pool during
    the solve (None: leave it as it is)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _class_maxima(region, classes, gap_tol, max_iter, reduce_tol, f32_mu,
                             active_tol, stall_iter)


def _class_maxima(
    region: Region,
    classes: Optional[Sequence[int]],
    gap_tol: float,
    max_iter: int,
    reduce_tol: float,
    f32_mu: float,
    active_tol: float,
    stall_iter: int,
) -> ClassMaxima:
    if not (np.isfinite(region.lo).all() and np.isfinite(region.hi).all()):
        raise InvalidValueError("class_maxima needs a finite input box (lo, hi)")
    W, c = region.logit_map
    M, d = W.shape
    todo = range(M) if classes is None else [int(t) for t in classes]
    for t in todo:
        if not 0 <= t < M:
            raise InvalidValueError(f"class {t} out of range [0, {M})")
    points = np.full((M, d), np.nan)
    log_prob = np.full(M, np.nan)
    gap = np.full(M, np.inf)
    status = ["skipped"] * M
    iters = np.zeros(M, dtype=np.int64)
    for t in todo:
        x, lam, k = _solve(
            region, t, gap_tol, max_iter, reduce_tol, f32_mu, active_tol, stall_iter
        )
        x = _make_feasible(region, x)
        points[t] = x
        log_prob[t] = log_softmax(W @ x + c)[t]
        gap[t] = certified_gap(region, t, x, lam)
        status[t] = "optimal" if gap[t] <= gap_tol else "limit"
        iters[t] = k
    solved = np.isfinite(log_prob)
    predicted = np.full(M, -1, dtype=np.int64)
    predicted[solved] = np.argmax(points[solved] @ W.T + c, axis=1)
    present = predicted == np.arange(M)
    dist = np.linalg.norm(points[solved] - region.x, axis=1)
    for a in (points, log_prob, predicted, present, gap, iters):
        a.setflags(write=False)
    return ClassMaxima(
        points=points,
        log_prob=log_prob,
        predicted=predicted,
        present=present,
        count=int(present.sum()),
        distortion=float(dist.max()) if dist.size else float("nan"),
        gap=gap,
        status=tuple(status),
        iterations=iters,
    )


def _make_feasible(region: Region, x: np.ndarray) -> np.ndarray:
    """Clips ``x`` to the box and, if a row is still violated, moves it toward the region's
    own point (feasible by construction) just far enough."""
    x = np.clip(x, region.lo, region.hi)
    s = region.slack(x)
    if (s >= 0).all():
        return x
    s0 = region.slack(region.x)
    bad = s < 0
    theta = float(np.max(-s[bad] / (s0[bad] - s[bad])))
    return (1.0 - theta) * x + theta * region.x


def _solve(
    region: Region,
    t: int,
    gap_tol: float,
    max_iter: int,
    reduce_tol: float,
    f32_mu: float = F32_MU,
    active_tol: float = ACTIVE_TOL,
    stall_iter: int = STALL_ITER,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Primal-dual interior point for ``min lse(Wx+c) - (Wx+c)_t`` s.t. ``G x <= h``.

    G stacks ``-A`` (rows), ``I`` (x <= hi) and ``-I`` (-x <= -lo). Returns x, the row
    multipliers and the iteration count. Stops as soon as the certified gap of the current
    iterate (with polished multipliers, :func:`_polish`) is at most ``gap_tol``; returns the
    best certified iterate seen.
    """
    W, c = region.logit_map
    lo, hi = region.lo, region.hi
    # rows scaled to unit norm (multipliers are scaled back on return)
    norms = np.linalg.norm(region.A, axis=1)
    scale = np.where(norms > 0, norms, 1.0)
    A = region.A / scale[:, None]
    b = region.b / scale
    n, d = A.shape
    h = np.concatenate([b, hi, -lo])
    row_sq = np.einsum("ij,ij->i", A, A)

    def G(v: np.ndarray) -> np.ndarray:
        return np.concatenate([-(A @ v), v, -v])

    def GT(u: np.ndarray) -> np.ndarray:
        return -(A.T @ u[:n]) + u[n : n + d] - u[n + d :]

    # start: the region's point pulled slightly into the box; slacks floored at 1
    width = hi - lo
    x = np.clip(region.x, lo + 0.05 * width, hi - 0.05 * width)
    s = np.maximum(h - G(x), 0.1)
    z = 1.0 / s
    m = s.size
    best = (np.inf, x, z[:n] / scale)
    since_best = 0
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        zl = W @ x + c
        p = np.exp(log_softmax(zl))
        grad = W.T @ p - W[t]
        r_d = grad + GT(z)
        r_p = G(x) + s - h
        mu = float(s @ z) / m
        if mu * m <= 1e3 * gap_tol:
            xf, lam = _polish(region, t, _make_feasible(region, x), z[:n] / scale, active_tol,
                              norms)
            cg = certified_gap(region, t, xf, lam)
            since_best += 1
            if cg < 0.5 * best[0]:
                since_best = 0
            if cg < best[0]:
                best = (cg, xf, lam)
            if cg <= gap_tol or since_best >= stall_iter:
                break
        D = z / s
        # Newton matrix: H_f + A_S^T D_S A_S + diag(D_hi + D_lo)
        wa = D[:n] * row_sq
        keep = wa >= reduce_tol * wa.max()
        # early: rounding in K only perturbs the direction, not the residuals. Only the lower
        # triangle of K is filled and read.
        K = _core.weighted_gram(A, D[:n], np.flatnonzero(keep), mu > f32_mu)
        # objective Hessian W^T (diag p - p p^T) W, written as a Gram matrix (stays PSD)
        Wc = (W - p @ W) * np.sqrt(p)[:, None]
        K += Wc.T @ Wc
        K[np.diag_indices(d)] += D[n : n + d] + D[n + d :]
        fac = _cholesky(K)

        def direction(r_c: np.ndarray, fac=fac, D=D, s=s, r_d=r_d, r_p=r_p):
            rhs = -r_d - GT(D * r_p - r_c / s)
            dx = sla.cho_solve(fac, rhs, check_finite=False)
            gdx = G(dx)
            return dx, -r_p - gdx, D * (gdx + r_p) - r_c / s

        # predictor
        dx, ds, dz = direction(s * z)
        a_p, a_d = min(1.0, _max_step(s, ds)), min(1.0, _max_step(z, dz))
        mu_aff = float((s + a_p * ds) @ (z + a_d * dz)) / m
        sigma = min(1.0, (mu_aff / mu) ** 3)
        # corrector
        r_c = s * z + ds * dz - sigma * mu
        dx, ds, dz = direction(r_c)
        # Gondzio's centrality correctors: aim a longer step at a point whose products
        # s_i z_i lie in [0.1, 10] sigma mu; each costs one solve with the same factor
        alpha = min(_max_step(s, ds), _max_step(z, dz))
        for _ in range(MAX_CORRECTORS):
            if alpha >= 1.0:
                break
            target = min(1.0, alpha + CORRECTOR_STRETCH)
            v = (s + target * ds) * (z + target * dz)
            lo_v, hi_v = 0.1 * sigma * mu, 10.0 * sigma * mu
            corr = np.maximum(np.clip(v, lo_v, hi_v) - v, -hi_v)
            # direction() takes the complementarity residual: the target enters negated
            r_c2 = r_c - corr
            dx2, ds2, dz2 = direction(r_c2)
            alpha2 = min(_max_step(s, ds2), _max_step(z, dz2))
            if not alpha2 >= alpha + 0.1 * CORRECTOR_STRETCH:
                break
            r_c, dx, ds, dz, alpha = r_c2, dx2, ds2, dz2, alpha2
        # one step length for x, s and z: the dual residual is nonlinear in x
        a_p = a_d = min(1.0, STEP_FRACTION * alpha)
        x = x + a_p * dx
        s = s + a_p * ds
        z = z + a_d * dz
    else:
        xf, lam = _polish(region, t, _make_feasible(region, x), z[:n] / scale, active_tol,
                          norms)
        cg = certified_gap(region, t, xf, lam)
        if cg < best[0]:
            best = (cg, xf, lam)
    return best[1], best[2], k


def _cholesky(K: np.ndarray):
    """Lower Cholesky factor of K (only its lower triangle is read); near the optimum K has
    eigenvalues from about mu to 1/mu and rounding can make it indefinite: then a growing
    multiple of the largest diagonal entry (from 1e-15 of it) is added until the
    factorisation succeeds."""
    try:
        return sla.cho_factor(K, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        pass
    d = K.shape[0]
    reg = 1e-15 * float(np.abs(np.diag(K)).max())
    while True:
        K[np.diag_indices(d)] += reg
        try:
            return sla.cho_factor(K, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            reg *= 100.0


def _polish(
    region: Region, t: int, x: np.ndarray, lam: np.ndarray, active_tol: float,
    norms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_refine` with active sets from ``active_tol`` and ``1e3 * active_tol`` (a row
    that is active at the optimum can still have a slack of ~1e-5 when the rest are ~1e-9);
    returns the pair that certifies the smallest gap."""
    best = (certified_gap(region, t, x, lam), x, lam)
    for tol in (active_tol, 1e3 * active_tol):
        x2, lam2 = _refine(region, t, x, lam, tol, norms)
        cg = certified_gap(region, t, x2, lam2)
        if cg < best[0]:
            best = (cg, x2, lam2)
    return best[1], best[2]


def _refine(
    region: Region, t: int, x: np.ndarray, lam: np.ndarray, active_tol: float,
    norms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """End game at a feasible, nearly optimal ``x``: with the rows (unit-norm slack) and box
    faces within ``active_tol`` of ``x`` taken as equalities, one Newton step on the
    equality-constrained problem (proximally regularised: the maximiser is not unique in x)
    moves x onto that face and to its optimum; then least squares for multipliers with
    ``g + A^T lam = 0`` on the coordinates inside the box, clipped at 0. Returns whichever
    (point, multipliers) pair, the given one or the refined one, certifies the smaller gap
    (the certificate is valid for any feasible point and any ``lam >= 0``). The IPM's own
    iterates keep a dual residual of ~1e-9 that the ill-conditioned late Newton systems
    cannot remove, and summed over ~800 coordinates it is a gap of ~1e-7; this removes it."""
    W, c = region.logit_map
    A, b, lo, hi = region.A, region.b, region.lo, region.hi
    d = x.size
    norms = np.maximum(norms, 1e-300)
    rows = np.flatnonzero(region.slack(x) <= active_tol * norms)
    at_lo = x - lo <= active_tol
    at_hi = (hi - x <= active_tol) & ~at_lo
    inside = ~(at_lo | at_hi)
    if rows.size == 0 or rows.size >= inside.sum():
        return x, lam
    # coordinates at a box face move onto it; the Newton system is solved for the others
    # (the box faces' multipliers only enter the rows of fixed coordinates, dropped here)
    C = A[rows] / norms[rows, None]
    e = -b[rows] / norms[rows]
    fixed = ~inside
    step = np.zeros(d)
    step[fixed] = np.where(at_lo, lo, hi)[fixed] - x[fixed]
    p = np.exp(log_softmax(W @ x + c))
    g = W[t] - p @ W
    Wc = (W - p @ W) * np.sqrt(p)[:, None]
    H = Wc.T @ Wc
    H[np.diag_indices(d)] += 1e-10 * max(1.0, float(np.abs(np.diag(H)).max()))
    ni, q = int(inside.sum()), rows.size
    KKT = np.zeros((ni + q, ni + q))
    KKT[:ni, :ni] = H[np.ix_(inside, inside)]
    CI = C[:, inside]
    KKT[:ni, ni:] = CI.T
    KKT[ni:, :ni] = CI
    rhs = np.concatenate([g[inside] - H[np.ix_(inside, fixed)] @ step[fixed],
                          e - C @ x - C[:, fixed] @ step[fixed]])
    try:
        step[inside] = np.linalg.solve(KKT, rhs)[:ni]
    except np.linalg.LinAlgError:
        return x, lam
    x2 = _make_feasible(region, x + step)
    p2 = np.exp(log_softmax(W @ x2 + c))
    g2 = W[t] - p2 @ W
    sol = np.linalg.lstsq(A[rows][:, inside].T, -g2[inside], rcond=None)[0]
    lam2 = np.zeros_like(lam)
    lam2[rows] = np.maximum(sol, 0.0)
    if certified_gap(region, t, x2, lam2) < certified_gap(region, t, x, lam):
        return x2, lam2
    return x, lam


def _small(r_p: np.ndarray, tol: float) -> bool:
    return bool(np.abs(r_p).max() <= tol)


def _max_step(v: np.ndarray, dv: np.ndarray) -> float:
    """Largest a with ``v + a dv >= 0`` (inf if dv >= 0)."""
    neg = dv < 0
    if not neg.any():
        return np.inf
    return float(np.min(-v[neg] / dv[neg]))
