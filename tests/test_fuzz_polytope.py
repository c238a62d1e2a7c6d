"""Fuzz of the polytope engine's inputs.

Every call on a generated polytope either returns an answer that passes a certificate
written here (scipy's HiGHS on the row-normalised system, or exact evaluation), or raises
the package's typed error (:class:`linregions.errors.LinregionsError`). Generated: random
polytopes around a known interior point, mutated by rows scaled by 1e-12 / 1e12,
duplicate and anti-parallel rows, zero rows with any sign of b, empty, flat and unbounded
(lo = -inf / hi = inf) cases, d = 1, 0 rows; passed as float32 / float16 / int,
Fortran-order and non-contiguous arrays. NaN/inf entries must be refused by name.

Profiles (tests/conftest.py): ``fast`` (CI, derandomised, fixed budget) and ``slow`` (by
hand: ``HYPOTHESIS_PROFILE=slow``); counts in benches/RESULTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

import linregions as lr
from linregions.errors import (
    EmptyPolytopeError,
    FlatPolytopeError,
    InvalidValueError,
    LinregionsError,
    UnboundedPolytopeError,
)

#: Certificate tolerances on the row-normalised system (distances).
RADIUS_TOL = 1e-6
FACET_TOL = 1e-7
#: Normalised rows closer than this are copies of each other for the facet certificate.
DUP_TOL = 1e-6


@dataclass
class Case:
    A: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    kind: str


def _normalised(A, b):
    n = np.linalg.norm(A, axis=1)
    keep = n > 0
    return A[keep] / n[keep, None], b[keep] / n[keep], keep


def _box_rows(lo, hi, dense=True):
    """The finite box faces as rows ``e_j x - lo_j >= 0`` and ``-e_j x + hi_j >= 0``."""
    d = len(lo)
    fl, fh = np.flatnonzero(np.isfinite(lo)), np.flatnonzero(np.isfinite(hi))
    n = len(fl) + len(fh)
    rows = sparse.csr_matrix(
        (np.r_[np.ones(len(fl)), -np.ones(len(fh))], (np.arange(n), np.r_[fl, fh])), shape=(n, d)
    )
    offs = np.r_[-lo[fl], hi[fh]]
    return (rows.toarray() if dense else rows), offs


def lp_inradius(A, b, lo, hi):
    """max r s.t. U x + v >= r (all rows and box faces, normalised); +inf if unbounded,
    None if the polytope is empty (some zero row with b < 0)."""
    zero = np.linalg.norm(A, axis=1) == 0
    if (b[zero] < 0).any():
        return None
    U, v, _ = _normalised(A, b)
    Bx, bb = _box_rows(lo, hi, dense=False)
    d = A.shape[1]
    if len(U) + Bx.shape[0] == 0:
        return np.inf
    # variables (x, r): maximise r, -(G x) + r <= h; sparse, so d = 2000 stays small
    G = sparse.vstack([sparse.csr_matrix(U.reshape(-1, d)), Bx])
    h = np.concatenate([v, bb])
    lhs = sparse.hstack([-G, sparse.csr_matrix(np.ones((len(h), 1)))]).tocsr()
    res = linprog(
        np.r_[np.zeros(d), -1.0], A_ub=lhs, b_ub=h, bounds=[(None, None)] * (d + 1), method="highs"
    )
    if res.status == 3:
        return np.inf
    assert res.status == 0, res.message
    return -res.fun


def lp_facet_margin(A, b, lo, hi, i):
    """max t s.t. row i tight, every other (non-duplicate) row and box face slack >= t
    (normalised): > 0 iff row i is a facet."""
    U, v, keep = _normalised(A, b)
    idx = np.flatnonzero(keep)
    k = int(np.flatnonzero(idx == i)[0])
    # rows equal to row i up to DUP_TOL (float32 inputs round 3 * row differently) count as
    # copies of it: the package keeps one of them
    dup = (U @ U[k] > 1 - DUP_TOL) & (np.abs(v - v[k]) < DUP_TOL)
    others = ~dup
    Bx, bb = _box_rows(lo, hi)
    G, h = np.vstack([U[others], Bx]), np.concatenate([v[others], bb])
    d = A.shape[1]
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=np.c_[-G, np.ones(len(G))],
        b_ub=h,
        A_eq=np.r_[U[k], 0.0][None],
        b_eq=[-v[k]],
        bounds=[(None, None)] * d + [(None, 1.0)],
        method="highs",
    )
    if res.status == 2:
        return -np.inf
    assert res.status == 0, res.message
    return -res.fun


def lp_implied(A, b, lo, hi, i, facets):
    """min of row i's normalised slack over {facets, box, slack of row i >= -1}: >= -tol iff
    row i is implied (the floor keeps the LP bounded when the box is not)."""
    U, v, keep = _normalised(A, b)
    idx = np.flatnonzero(keep)
    k = int(np.flatnonzero(idx == i)[0])
    rows = [int(np.flatnonzero(idx == f)[0]) for f in facets]
    Bx, bb = _box_rows(lo, hi)
    G = np.vstack([U[rows].reshape(-1, A.shape[1]), Bx, U[k][None]])
    h = np.concatenate([v[rows], bb, [v[k] + 1.0]])
    res = linprog(U[k], A_ub=-G, b_ub=h, bounds=[(None, None)] * A.shape[1], method="highs")
    assert res.status == 0, res.message
    return res.fun + v[k]


def call(fn, *args, **kwargs):
    """``fn(...)``; a crash (a Rust panic is a BaseException, not an Exception) or an
    untyped exception becomes a test failure that hypothesis can shrink and report."""
    try:
        return fn(*args, **kwargs)
    except LinregionsError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - the point of the fuzz
        raise AssertionError(f"untyped failure {type(exc).__name__}: {exc}") from exc


@st.composite
def cases(draw, max_d: int = 5):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(0, 8))
    A = rng.standard_normal((n, d))
    b = rng.uniform(0.1, 1.0, n)  # the origin is strictly inside
    lo, hi = -np.ones(d), np.ones(d)
    kind = draw(
        st.sampled_from(
            [
                "random",
                "scaled",
                "duplicate",
                "antiparallel",
                "zero_row",
                "empty",
                "flat",
                "unbounded",
                "half_bounded",
            ]
        )
    )
    if kind == "scaled" and n:
        rows = rng.random(n) < 0.5
        A[rows] *= 1e-12
        b[rows] *= 1e-12
        A[~rows] *= 1e12
        b[~rows] *= 1e12
    elif kind == "duplicate" and n:
        A = np.vstack([A, A[:1], 3.0 * A[:1]])
        b = np.r_[b, b[:1], 3.0 * b[:1]]
    elif kind == "antiparallel" and n:
        A = np.vstack([A, -A[:1]])
        b = np.r_[b, rng.uniform(0.1, 1.0)]  # a slab of positive width
    elif kind == "zero_row":
        sign = draw(st.sampled_from([-1.0, 0.0, 1.0]))
        A = np.vstack([A, np.zeros((1, d))])
        b = np.r_[b, sign * 0.5]
        kind = "empty" if sign < 0 else "zero_row"
    elif kind == "empty":
        A = np.vstack([A, np.eye(d)[:1], -np.eye(d)[:1]])
        b = np.r_[b, -0.5, -0.5]  # x0 >= 0.5 and x0 <= -0.5
    elif kind == "flat":
        a = np.round(rng.standard_normal(d) * 4)
        a[0] = 1.0
        A = np.vstack([A, a, -a])
        b = np.r_[b, 0.0, 0.0]  # a x = 0 through the origin
    elif kind in ("unbounded", "half_bounded"):
        lo = np.full(d, -np.inf)
        hi = np.full(d, np.inf) if kind == "unbounded" else np.ones(d)
    # any kind may also lose some box sides (unbounded and half-bounded variants)
    sides = draw(st.sampled_from(["all", "all", "none", "some"]))
    if sides == "none":
        lo, hi = np.full(d, -np.inf), np.full(d, np.inf)
        kind += "+unbounded"
    elif sides == "some":
        lo = np.where(rng.random(d) < 0.5, -np.inf, lo)
        hi = np.where(rng.random(d) < 0.5, np.inf, hi)
        kind += "+half"
    return Case(A, b, lo, hi, kind)


def layouts(draw, a: np.ndarray) -> np.ndarray:
    """The same values as another dtype / memory layout (exactly representable ones)."""
    how = draw(st.sampled_from(["c", "fortran", "strided", "float32", "float16", "int"]))
    if how == "fortran":
        return np.asfortranarray(a)
    if how == "strided":
        big = np.zeros((2 * a.shape[0],) + a.shape[1:])
        big[::2] = a
        return big[::2]
    if how in ("float32", "float16"):
        with np.errstate(over="ignore"):
            low = a.astype(how)
        return low if np.isfinite(low).all() else a  # overflow is refused: tested below
    if how == "int" and np.array_equal(a, np.round(a)) and np.abs(a).max(initial=0) < 2**31:
        return a.astype(np.int64)
    return a


def build(case: Case, draw=None):
    A, b = case.A, case.b
    if draw is not None:
        A, b = layouts(draw, A), layouts(draw, b)
    return lr.Polytope(A, b, case.lo, case.hi)


@st.composite
def polytopes(draw):
    case = draw(cases())
    poly = build(case, draw)
    # the certificates use what the polytope holds (after dtype conversion)
    return Case(poly.A, poly.b, poly.lo, poly.hi, case.kind), poly


FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(polytopes())
def test_insphere_is_certified_or_refused(cp):
    case, poly = cp
    r_lp = lp_inradius(case.A, case.b, case.lo, case.hi)
    try:
        center, radius = call(poly.insphere)
    except EmptyPolytopeError:
        assert r_lp is None or r_lp < RADIUS_TOL, (case.kind, r_lp)
        return
    except UnboundedPolytopeError:
        assert r_lp == np.inf, (case.kind, r_lp)
        return
    except FlatPolytopeError:
        assert r_lp is not None and abs(r_lp) < RADIUS_TOL
        return
    assert r_lp is not None and r_lp >= -RADIUS_TOL, (case.kind, r_lp, radius)
    if r_lp == np.inf:
        assert radius == np.inf
        return
    assert abs(radius - r_lp) <= RADIUS_TOL * max(1.0, r_lp), (case.kind, radius, r_lp)
    U, v, _ = _normalised(case.A, case.b)
    assert (U @ center + v >= radius - RADIUS_TOL).all()
    assert (center - case.lo >= radius - RADIUS_TOL).all()
    assert (case.hi - center >= radius - RADIUS_TOL).all()


def _answer_or_refusal(case: Case, method):
    """``method()`` of the case's polytope, or None when it refused and the LP agrees: empty
    or flat (no ball of radius RADIUS_TOL) or unbounded."""
    try:
        return call(method)
    except (EmptyPolytopeError, FlatPolytopeError, UnboundedPolytopeError) as e:
        r_lp = lp_inradius(case.A, case.b, case.lo, case.hi)
        if isinstance(e, UnboundedPolytopeError):
            assert r_lp == np.inf
        else:
            assert r_lp is None or r_lp < RADIUS_TOL, (case.kind, r_lp)
        return None


@FUZZ
@given(polytopes())
def test_interior_point_is_strictly_inside_or_refused(cp):
    case, poly = cp
    x = _answer_or_refusal(case, poly.interior_point)
    if x is None:
        return
    # exact evaluation: every nonzero row and box face strictly satisfied (a zero row with
    # b = 0 holds with equality everywhere)
    zero = np.linalg.norm(case.A, axis=1) == 0
    assert (case.A[~zero] @ x + case.b[~zero] > 0).all(), case.kind
    assert (case.b[zero] >= 0).all()
    assert (x > case.lo).all() and (x < case.hi).all()


@FUZZ
@given(polytopes())
def test_facets_are_certified_or_refused(cp):
    case, poly = cp
    facets = _answer_or_refusal(case, poly.nonredundant)
    if facets is None:
        return
    facets = np.asarray(facets)
    assert (np.diff(facets) > 0).all()
    norms = np.linalg.norm(case.A, axis=1)
    assert (norms[facets] > 0).all(), "a zero row reported as a facet"
    flat = lp_inradius(case.A, case.b, case.lo, case.hi) < RADIUS_TOL
    for i in facets if not flat else ():  # a flat polytope's facets touch each other
        assert lp_facet_margin(case.A, case.b, case.lo, case.hi, int(i)) > FACET_TOL, (
            case.kind,
            int(i),
        )
    for i in np.setdiff1d(np.flatnonzero(norms > 0), facets):  # unbounded boxes too
        assert lp_implied(case.A, case.b, case.lo, case.hi, int(i), facets) >= -FACET_TOL


@FUZZ
@given(polytopes(), st.integers(0, 2**16))
def test_samples_are_inside_or_refused(cp, seed):
    case, poly = cp
    try:
        X = call(poly.sample, 5, seed=seed, burn_in=5, thin=2)
    except (EmptyPolytopeError, FlatPolytopeError, UnboundedPolytopeError):
        return
    U, v, _ = _normalised(case.A, case.b)
    assert X.shape == (5, case.A.shape[1]) and np.isfinite(X).all()
    assert (X @ U.T + v >= -1e-9).all()
    assert (X >= case.lo - 1e-9).all() and (X <= case.hi + 1e-9).all()


@FUZZ
@given(cases(max_d=4), st.integers(0, 2**16))
def test_points_on_a_facet_or_a_vertex_are_contained(case, seed):
    rng = np.random.default_rng(seed)
    d = case.A.shape[1]
    poly = lr.Polytope(case.A, case.b, np.full(d, -1.0), np.ones(d))
    vertex = rng.choice([-1.0, 1.0], d)  # a vertex of the box
    on_face = rng.uniform(-1, 1, d)
    on_face[0] = 1.0
    for p in (vertex, on_face):
        inside = bool((case.A @ p + case.b >= 0).all())
        assert poly.contains(p) == inside
        assert poly.contains(p, tol=0.0) == inside


@pytest.mark.parametrize("where", ["A", "b", "lo", "hi"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_entries_are_refused_by_name(where, bad):
    parts = {"A": np.eye(2), "b": np.ones(2), "lo": -np.ones(2), "hi": np.ones(2)}
    parts[where] = parts[where].copy()
    parts[where].flat[1] = bad
    if where in ("lo", "hi") and not np.isnan(bad):
        if (where, bad) in (("lo", -np.inf), ("hi", np.inf)):
            lr.Polytope(**parts)  # an unbounded box is allowed
            return
    with pytest.raises(InvalidValueError, match=where):
        lr.Polytope(**parts)


@pytest.mark.parametrize("method", ["insphere", "interior_point", "nonredundant"])
def test_flat_polytope(method):
    """{x = 0} in [-1, 1]: no interior. A radius of 0 (within tolerance), a
    FlatPolytopeError, or the two rows as facets; never a crash."""
    poly = lr.Polytope([[1.0], [-1.0]], [0.0, 0.0], [-1.0], [1.0])
    try:
        out = call(getattr(poly, method))
    except FlatPolytopeError:
        return
    if method == "insphere":
        assert abs(out.radius) < RADIUS_TOL
    elif method == "nonredundant":
        assert list(out) == [0, 1]
    else:
        raise AssertionError(f"interior point {out} of a flat polytope")


@pytest.mark.parametrize("method", ["insphere", "interior_point", "sample"])
def test_empty_slab(method):
    poly = lr.Polytope([[1.0, 0.0], [-1.0, 0.0]], [-0.5, -0.5], [-1.0, -1.0], [1.0, 1.0])
    with pytest.raises(EmptyPolytopeError):
        call(getattr(poly, method), *([3] if method == "sample" else []))


def test_float16_overflow_is_refused_by_name():
    with np.errstate(over="ignore"):
        A = np.array([[1e12, 0.0]]).astype(np.float32).astype(np.float16)
    with pytest.raises(InvalidValueError, match="A"):
        lr.Polytope(A, [1.0], [-1, -1], [1, 1])


def test_int_and_float16_entries_are_accepted():
    A = np.array([[1, 0], [0, 1], [-1, -1]])
    b = np.array([1, 1, 1])
    p = lr.Polytope(A, b, np.array([-2, -2]), np.array([2, 2]))
    q = lr.Polytope(A.astype(np.float16), b.astype(np.float16), [-2, -2], [2, 2])
    for poly in (p, q):
        assert poly.A.dtype == np.float64
        np.testing.assert_array_equal(poly.nonredundant(), [0, 1, 2])
        r = lp_inradius(A.astype(float), b.astype(float), -2 * np.ones(2), 2 * np.ones(2))
        assert abs(poly.insphere().radius - r) < RADIUS_TOL


def test_zero_rows_and_empty_and_one_dimensional():
    # 0 rows: the box itself
    p = lr.Polytope(np.zeros((0, 3)), np.zeros(0), -np.ones(3), np.ones(3))
    assert list(p.nonredundant()) == [] and abs(p.insphere().radius - 1.0) < RADIUS_TOL
    # d = 1: [-1, 0.5]
    q = lr.Polytope([[-2.0]], [1.0], [-1.0], [1.0])
    np.testing.assert_array_equal(q.nonredundant(), [0])
    assert abs(q.insphere().radius - 0.75) < RADIUS_TOL
    assert q.contains([0.5], tol=0.0) and not q.contains([0.5 + 1e-6], tol=0.0)


def test_high_dimension_few_rows():
    d = 2000
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, d))
    b = np.ones(3)
    poly = lr.Polytope(A, b, -np.ones(d), np.ones(d))
    x = poly.interior_point()
    assert (A @ x + b > 0).all() and (np.abs(x) < 1).all()
    r = lp_inradius(A, b, -np.ones(d), np.ones(d))
    assert abs(poly.insphere().radius - r) <= RADIUS_TOL * max(1, r)


def test_typed_errors_are_the_only_exceptions():
    """Everything the fuzz accepts as a refusal is a LinregionsError (and a ValueError)."""
    for err in (EmptyPolytopeError, FlatPolytopeError, UnboundedPolytopeError, InvalidValueError):
        assert issubclass(err, LinregionsError) and issubclass(err, ValueError)


@st.composite
def nets_and_points(draw):
    import torch

    seed = draw(st.integers(0, 2**16))
    torch.manual_seed(seed)
    d = draw(st.integers(1, 4))
    widths = [d, *draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)), 3]
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).eval()
    x = np.random.default_rng(seed).uniform(-1, 1, d)
    return model, draw(st.sampled_from(["float64", "float32", "fortran", "strided", "int"])), x


@FUZZ
@given(nets_and_points())
def test_region_of_any_input_layout_is_exact_or_refused(mp):
    model, how, x = mp
    net = lr.from_torch(model, (len(x),), bounds=(-1.0, 1.0))
    if how == "float32":
        x = x.astype(np.float32)
    elif how == "int":
        x = np.round(x).astype(np.int64)  # box corners and the origin: often on a boundary
    elif how == "strided":
        x = np.repeat(x, 2)[::2]
    try:
        region = call(net.region, x, on_boundary="error")
    except lr.errors.OnBoundaryError:
        region = call(net.region, x, on_boundary="active")
    xf = np.asarray(x, dtype=np.float64)
    assert region.contains(xf)
    W, c = region.logit_map
    np.testing.assert_allclose(W @ xf + c, net.logits(xf[None])[0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_region_refuses_non_finite_points_by_name(bad):
    import torch

    net = lr.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2)).eval(), (2,))
    with pytest.raises(InvalidValueError, match="x"):
        net.region(np.array([0.0, bad]))
    model = torch.nn.Sequential(torch.nn.Linear(2, 2)).eval()
    with torch.no_grad():
        model[0].weight[0, 0] = bad
    with pytest.raises(LinregionsError):
        lr.from_torch(model, (2,))
