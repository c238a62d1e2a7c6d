"""Benchmark of linregions.topology: the face poset and Betti numbers of complexes of 10^3 to
10^5 regions in 2-D and 3-D, persistence on the smaller ones, and relucent side by side.

- ``test_face_poset_and_betti``: ``lr.face_poset(cx)`` (every face, with incidences) then
  the Betti numbers of the whole complex and of the closure of a third of the cells (duality
  route), on 3 x w ReLU MLPs in [-1, 1]^d (PyTorch's default initialisation, as
  ``bench_complex.py``). The complex itself (``net.regions()``, its adjacency) is built outside
  the timing and reported in ``extra_info``.
- ``test_persistence``: gudhi on the order complex, the sublevel sets of logit 0.
- ``test_vs_relucent``: relucent (``pip install relucent gurobipy``; its bundled size-limited
  Gurobi licence) on the same small net and box: its ``bfs`` + ``betti_numbers`` +
  ``persistent_homology`` against our ``regions`` + ``face_poset`` + ``betti_numbers`` +
  ``logit_persistence``. Skipped without relucent.
- ``test_whole_space_vs_relucent``: every region of all of R^d, on small torch MLPs
  (:data:`RELUCENT_NETS`): relucent's ``Complex.bfs`` with no cube (``cube_mode=
  "unrestricted"``, its default: the search crosses every supporting hyperplane of every cell,
  bounded or not, then certifies the complex) against ``net.regions(lr.Space(d))`` and its
  adjacency, one worker each. The counts (and the sets of activation patterns) must agree;
  the one-hidden-layer net is also checked against Zaslavsky's count.
- ``test_betti_vs_relucent``: the Betti numbers alone of a complex already searched, on the
  2-D nets in the box ``[-R, R]^2`` (:data:`BETTI_BOX_CASES`; relucent's search clipped to
  it): relucent's ``Complex.betti_numbers()`` (its vertex stars, meta-graph and GF(2) ranks)
  against ``lr.face_poset(cx)`` + ``betti_numbers``, the minimum of a few rounds each.
- ``test_betti_whole_space_vs_relucent``: the same for the complexes of all of R^d
  (:data:`BETTI_WHOLE_NETS`): relucent's (truncated at infinity) against ours in a box that
  holds every vertex, whose faces off the box's boundary are relucent's cells (asserted).

Run:  PYTHONPATH=python python -m pytest benches/bench_topology.py --benchmark-only \\
          -p no:logging -s --benchmark-columns=min,mean,rounds
Environment: LINREGIONS_BENCH_SMOKE=1 (or LR_BENCH_SIZE=smoke) keeps the 10^3-region sizes
and, for relucent, the 2-8-8-1 net (seconds).
"""

from __future__ import annotations

import os
import time
from math import comb

import numpy as np
import pytest
from bench_complex import _torch_twin, random_mlp

import linregions as lr
from linregions.topology import betti_numbers, logit_persistence

SMOKE = (
    os.environ.get("LINREGIONS_BENCH_SMOKE", "0") == "1"
    or os.environ.get("LR_BENCH_SIZE") == "smoke"
)
#: (d, hidden width): about 10^3, 10^4 and 10^5 regions in [-1, 1]^d.
CASES = [(2, 32), (3, 16)] if SMOKE else [(2, 32), (2, 96), (2, 256), (3, 16), (3, 28), (3, 56)]
#: Persistence (gudhi on the order complex) on the complexes up to about 10^4 regions.
PERSISTENCE_CASES = [(2, 32), (3, 16)] if SMOKE else [(2, 32), (2, 96), (3, 16), (3, 28)]
#: The small torch MLPs (widths, ``torch.manual_seed(0)``, PyTorch's default initialisation)
#: whose regions of all of R^d relucent and linregions both enumerate, relucent's search from
#: 2 s to about a minute (4-16-16-1, 41,280 regions, ran over 6 minutes and was left out).
#: ``(3, 12, 1)`` has one hidden layer: Zaslavsky's count.
RELUCENT_NETS = (
    [(2, 8, 8, 1)]
    if SMOKE
    else [
        (3, 12, 1),
        (2, 8, 8, 1),
        (2, 16, 16, 1),
        (2, 32, 32, 1),
        (3, 8, 8, 1),
        (3, 16, 16, 1),
        (4, 8, 8, 1),
    ]
)
#: (widths, R): Betti numbers of the complexes of the box ``[-R, R]^d``, relucent's search
#: clipped to it. Only 2-D: in 3-D and 4-D relucent's ``betti_numbers`` of a clipped complex
#: raises (``AmbiguousGeometryError``, ``CubicalConsistencyError``: 3-8-8-1 at R = 1, 1.5, 2,
#: 3, 4, 8; on 4-8-8-1 its search clipped to R = 1 raises already), and in 2-D on 2-8-8-1
#: from R = 16 on.
BETTI_BOX_CASES = (
    [((2, 8, 8, 1), 8.0)]
    if SMOKE
    else [((2, 8, 8, 1), 8.0), ((2, 16, 16, 1), 8.0), ((2, 32, 32, 1), 8.0)]
)
#: Betti numbers of the complexes of all of R^d: relucent's (its default truncation at
#: infinity) against ours in a box that holds every vertex, the same complex (checked).
#: 3-8-8-1 and 3-16-16-1 are left out: the box that meets every region is R = 2^23 and at
#: least 2^12, and ``lr.face_poset`` raises ``NotFaceToFaceError`` there (3-8-8-1 at R = 2^16
#: but not 2^10, 3-16-16-1 from R = 2^8 on).
BETTI_WHOLE_NETS = (
    [(2, 8, 8, 1)]
    if SMOKE
    else [(3, 12, 1), (2, 8, 8, 1), (2, 16, 16, 1), (2, 32, 32, 1), (4, 8, 8, 1)]
)
#: Rounds of each Betti-number computation (the minimum is reported).
BETTI_ROUNDS = 3


def _complex(d: int, width: int) -> tuple[lr.Network, lr.Complex, float]:
    net = random_mlp(d, width)
    t0 = time.perf_counter()
    cx = net.regions()
    _ = cx.edges
    return net, cx, time.perf_counter() - t0


@pytest.mark.parametrize("d, width", CASES)
def test_face_poset_and_betti(benchmark, d, width):
    net, cx, t_regions = _complex(d, width)
    third = np.arange(cx.n_regions) % 3 == 0
    times = {}

    def run():
        t0 = time.perf_counter()
        P = lr.face_poset(cx)
        t1 = time.perf_counter()
        whole = betti_numbers(P)
        part = betti_numbers(P, P.closure(third))
        times.update(poset=t1 - t0, betti=time.perf_counter() - t1)
        return P, whole, part

    P, whole, part = benchmark.pedantic(run, rounds=1, iterations=1)
    assert P.euler_characteristic == 1 and whole.tolist() == [1] + [0] * d
    benchmark.extra_info.update(
        regions=cx.n_regions,
        f_vector=P.f_vector.tolist(),
        seconds_regions_and_adjacency=round(t_regions, 3),
        seconds_face_poset=round(times["poset"], 3),
        seconds_betti=round(times["betti"], 4),
        us_per_region=round(1e6 * times["poset"] / cx.n_regions, 1),
        betti_of_a_third=part.tolist(),
    )
    print(
        f"\nd={d} w={width}: {cx.n_regions} regions (regions + adjacency {t_regions:.1f} s), "
        f"face poset {times['poset']:.1f} s, f = {P.f_vector.tolist()}, "
        f"Betti numbers {1e3 * times['betti']:.1f} ms"
    )


@pytest.mark.parametrize("d, width", PERSISTENCE_CASES)
def test_persistence(benchmark, d, width):
    net, cx, _ = _complex(d, width)
    P = lr.face_poset(cx)
    h = benchmark.pedantic(logit_persistence, args=(P, 0), rounds=1, iterations=1)
    assert (h.betti(np.inf) == [1] + [0] * d).all()
    benchmark.extra_info.update(regions=cx.n_regions, intervals=[len(iv) for iv in h.intervals])
    print(f"\nd={d} w={width}: persistence of logit 0 over {cx.n_regions} regions: {h}")


def test_vs_relucent(benchmark):
    """relucent's complex, Betti numbers and persistence of logit 0 against ours on the same
    net and box. Both give the Betti numbers of the box. The diagrams are recorded, not
    compared: relucent's filtration evaluates the logit at one representative point of each
    cell of its (truncated) complex of R^2, and its lowest birth lies below the minimum of the
    logit over the box, which ours starts from."""
    relucent = pytest.importorskip("relucent")
    pytest.importorskip("gurobipy")
    from relucent.topology.filtration import LogitSublevelFiltration

    net = random_mlp(2, 8)
    t0 = time.perf_counter()
    cx = net.regions()
    P = lr.face_poset(cx)
    ours_betti = betti_numbers(P)
    ours_h = logit_persistence(P, 0)
    ours = time.perf_counter() - t0

    def run():
        t0 = time.perf_counter()
        c = relucent.Complex(_torch_twin(net))
        c.bfs(cube_radius=1.0, cube_mode="clipped", nworkers=1, verbose=0)
        b = c.betti_numbers(verbose=0)
        pd = c.persistent_homology(LogitSublevelFiltration(row=0), verbose=0)
        return c, b, pd, time.perf_counter() - t0

    c, theirs_betti, pd, theirs = benchmark.pedantic(run, rounds=1, iterations=1)
    finite = [p for p in pd.pairs if p.death > p.birth]
    births = [p.birth for p in pd.pairs]
    benchmark.extra_info.update(
        regions_ours=cx.n_regions,
        cells_relucent=len(c.index2poly),
        betti_ours=ours_betti.tolist(),
        betti_relucent=theirs_betti,
        seconds_ours=round(ours, 3),
        seconds_relucent=round(theirs, 3),
        intervals_ours=[len(iv) for iv in ours_h.intervals],
        intervals_relucent=len(finite),
        lowest_birth_ours=float(ours_h.intervals[0][:, 0].min()),
        lowest_birth_relucent=float(min(births)) if births else None,
    )
    print(
        f"\nours: {cx.n_regions} regions, Betti {ours_betti.tolist()}, {ours_h} in {ours:.2f} s; "
        f"relucent: {len(c.index2poly)} cells, Betti {theirs_betti}, {len(finite)} intervals "
        f"of positive length in {theirs:.2f} s"
    )
    assert cx.n_regions == len(c.index2poly)
    assert ours_betti.tolist() == [theirs_betti.get(k, 0) for k in range(3)]


def _net_id(widths) -> str:
    return "-".join(map(str, widths))


def _torch_mlp(widths, seed: int = 0):
    """A float64 torch ReLU MLP of the given widths, PyTorch's default initialisation."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    layers: list = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).double().eval()


def _patterns(net: lr.Network, cx: lr.Complex) -> set[bytes]:
    """Our activation patterns, one bool per hidden neuron (packed), as a set."""
    words = np.ascontiguousarray(cx.bits).astype("<u8").view(np.uint8).reshape(len(cx.bits), -1)
    bits = np.unpackbits(words, axis=1, bitorder="little")[:, : net.n_neurons]
    return {np.packbits(row).tobytes() for row in bits}


def _relucent_patterns(c) -> set[bytes]:
    """relucent's sign sequences (+-1 per hidden neuron, in layer order) as the same set."""
    return {np.packbits(np.asarray(p.ss_np).ravel() > 0).tobytes() for p in c}


#: relucent's complexes of all of R^d by widths, searched once and reused by the Betti test.
_WHOLE_SPACE: dict = {}


def _relucent_whole_space(relucent, widths):
    """relucent's search of all of R^d: ``Complex.bfs()`` with no cube, one worker; the
    complex, the search's result and its seconds."""
    if widths not in _WHOLE_SPACE:
        model = _torch_mlp(widths)
        t0 = time.perf_counter()
        c = relucent.Complex(model)
        res = c.bfs(nworkers=1, verbose=0)
        _WHOLE_SPACE[widths] = (c, res, time.perf_counter() - t0)
    return _WHOLE_SPACE[widths]


def _relucent_betti(benchmark, c, d: int) -> tuple[list[int], float]:
    """relucent's Betti numbers of the searched complex ``c`` (``Complex.betti_numbers()``,
    its cache cleared each round) and the least of :data:`BETTI_ROUNDS` times."""
    times = []

    def run():
        c._betti_cache.clear()  # Complex.betti_numbers caches its result per complex
        t0 = time.perf_counter()
        b = c.betti_numbers(verbose=0)
        times.append(time.perf_counter() - t0)
        return b

    b = benchmark.pedantic(run, rounds=BETTI_ROUNDS, iterations=1)
    return [b.get(k, 0) for k in range(d + 1)], min(times)


def _our_betti(cx: lr.Complex):
    """``lr.face_poset(cx)`` + ``betti_numbers``: the poset, the Betti numbers and the least
    of :data:`BETTI_ROUNDS` times of the two together, of the poset and of the homology."""
    total, poset, homology = [], [], []
    for _ in range(BETTI_ROUNDS):
        t0 = time.perf_counter()
        P = lr.face_poset(cx)
        t1 = time.perf_counter()
        b = betti_numbers(P)
        t2 = time.perf_counter()
        total.append(t2 - t0)
        poset.append(t1 - t0)
        homology.append(t2 - t1)
    return P, b.tolist(), min(total), min(poset), min(homology)


@pytest.mark.parametrize("widths", RELUCENT_NETS, ids=_net_id)
def test_whole_space_vs_relucent(benchmark, widths):
    """Every region of R^d: relucent's ``Complex.bfs()`` with no cube against
    ``net.regions(lr.Space(d))`` and its adjacency, one worker each; the counts and the sets
    of activation patterns must agree."""
    relucent = pytest.importorskip("relucent")
    pytest.importorskip("gurobipy")
    d = widths[0]
    net = lr.from_torch(_torch_mlp(widths), (d,))
    t0 = time.perf_counter()
    cx = net.regions(lr.Space(d), workers=1)
    _ = cx.edges
    ours = time.perf_counter() - t0

    def run():
        _WHOLE_SPACE.pop(widths, None)
        return _relucent_whole_space(relucent, widths)

    c, res, theirs = benchmark.pedantic(run, rounds=1, iterations=1)
    n = len(c)
    bounded = int(np.count_nonzero(cx.bounded))
    benchmark.extra_info.update(
        regions_ours=cx.n_regions,
        regions_relucent=n,
        bounded_ours=bounded,
        adjacent_pairs_ours=len(cx.edges),
        seconds_ours=round(ours, 4),
        seconds_relucent=round(theirs, 3),
        ratio=round(theirs / ours, 1),
    )
    print(
        f"\nR^{d}, {_net_id(widths)}: ours {cx.n_regions} regions ({bounded} bounded) in "
        f"{ours:.3f} s; relucent {n} cells in {theirs:.2f} s: {theirs / ours:.0f}x"
    )
    assert cx.complete and res.complete and res.verified
    assert n == cx.n_regions
    assert _relucent_patterns(c) == _patterns(net, cx)
    if len(widths) == 3:  # one hidden layer in general position: Zaslavsky
        assert cx.n_regions == sum(comb(widths[1], k) for k in range(d + 1))


@pytest.mark.parametrize(
    "widths, radius",
    BETTI_BOX_CASES,
    ids=[f"{_net_id(w)}-box{r:g}" for w, r in BETTI_BOX_CASES],
)
def test_betti_vs_relucent(benchmark, widths, radius):
    """The Betti numbers alone of a complex already searched in ``[-R, R]^d``: relucent's
    ``Complex.betti_numbers()`` (search clipped to the box) against ``lr.face_poset(cx)`` +
    ``betti_numbers``, the least of a few rounds each."""
    relucent = pytest.importorskip("relucent")
    pytest.importorskip("gurobipy")
    d = widths[0]
    model = _torch_mlp(widths)
    cx = lr.from_torch(model, (d,), bounds=(-radius, radius)).regions(workers=1)
    c = relucent.Complex(model)
    c.bfs(cube_radius=radius, cube_mode="clipped", nworkers=1, verbose=0)
    assert len(c) == cx.n_regions

    P, b_ours, ours, poset, homology = _our_betti(cx)
    b_theirs, theirs = _relucent_betti(benchmark, c, d)
    benchmark.extra_info.update(
        radius=radius,
        regions_ours=cx.n_regions,
        cells_relucent=len(c),
        f_vector=P.f_vector.tolist(),
        betti_ours=b_ours,
        betti_relucent=b_theirs,
        seconds_ours=round(ours, 5),
        seconds_ours_face_poset=round(poset, 5),
        seconds_ours_homology=round(homology, 5),
        seconds_relucent=round(theirs, 4),
        ratio=round(theirs / ours, 1),
    )
    print(
        f"\n[-{radius:g}, {radius:g}]^{d}, {_net_id(widths)}: {cx.n_regions} regions, "
        f"f = {P.f_vector.tolist()}; Betti numbers: ours {1e3 * ours:.1f} ms "
        f"(face poset {1e3 * poset:.1f}), relucent {1e3 * theirs:.1f} ms: {theirs / ours:.1f}x"
    )
    assert b_ours == b_theirs == [1] + [0] * d


@pytest.mark.parametrize("widths", BETTI_WHOLE_NETS, ids=_net_id)
def test_betti_whole_space_vs_relucent(benchmark, widths):
    """The Betti numbers alone of the complex of all of R^d, already searched: relucent's
    ``Complex.betti_numbers()`` (unbounded cells truncated at infinity, its default) against
    ``lr.face_poset`` + ``betti_numbers`` of the same net in ``[-R, R]^d``, R the first power
    of two whose box holds every vertex: then the faces off the box's boundary are relucent's
    cells, dimension by dimension (asserted, from relucent's meta-graph)."""
    relucent = pytest.importorskip("relucent")
    pytest.importorskip("gurobipy")
    d = widths[0]
    model = _torch_mlp(widths)
    c, _, _ = _relucent_whole_space(relucent, widths)
    n = lr.from_torch(model, (d,)).count_regions(lr.Space(d), workers=1).n_regions
    assert len(c) == n
    t0 = time.perf_counter()
    meta = c.meta_graph(verbose=0)
    seconds_meta = time.perf_counter() - t0
    cells = np.bincount([data["dim"] for _, data in meta.nodes(data=True)], minlength=d + 1)
    radius = 1.0
    while True:
        assert radius < 2.0**30, "no box holds every vertex"
        cx = lr.from_torch(model, (d,), bounds=(-radius, radius)).regions(workers=1)
        if cx.n_regions == n:
            P = lr.face_poset(cx)
            inner = [int(np.count_nonzero(~b)) for b in P.on_boundary]
            if inner == cells.tolist():
                break
        radius *= 2

    P, b_ours, ours, poset, homology = _our_betti(cx)
    b_theirs, theirs = _relucent_betti(benchmark, c, d)
    benchmark.extra_info.update(
        radius=radius,
        regions_ours=cx.n_regions,
        cells_relucent=len(c),
        f_vector_off_box=inner,
        f_vector_relucent=cells.tolist(),
        betti_ours=b_ours,
        betti_relucent=b_theirs,
        seconds_ours=round(ours, 5),
        seconds_ours_face_poset=round(poset, 5),
        seconds_ours_homology=round(homology, 5),
        seconds_relucent=round(theirs, 4),
        seconds_relucent_meta_graph=round(seconds_meta, 4),
        ratio=round(theirs / ours, 1),
    )
    print(
        f"\nR^{d} (box {radius:g}), {_net_id(widths)}: {cx.n_regions} regions, cells "
        f"{cells.tolist()}; Betti numbers: ours {1e3 * ours:.1f} ms (face poset "
        f"{1e3 * poset:.1f}), relucent {1e3 * theirs:.1f} ms: {theirs / ours:.1f}x"
    )
    assert b_ours == b_theirs == [1] + [0] * d
