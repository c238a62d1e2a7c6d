"""``linregions demo``: train a small ReLU MLP on real digits and inspect its regions."""

from __future__ import annotations

import time

import numpy as np

from .datasets import load_mnist_5k, stratified_split
from .progress import progress

#: Architecture of the demo MLP (input, hidden..., classes).
DEMO_WIDTHS = (784, 128, 128, 10)


def run_demo(n_points: int = 20, seed: int = 0, epochs: int = 8) -> list[dict]:
    """Trains the demo MLP on MNIST-5k and prints a table of region statistics.

    For ``n_points`` held-out digits: the number of hyperplanes of the point's region, the
    fraction of active neurons, and the distance to the nearest hyperplane. Returns the rows.
    """
    import linregions as lr

    from .training import accuracy, make_mlp, train_classifier

    X, y = load_mnist_5k()
    train, test = stratified_split(y, (0.9, 0.1), seed=seed)
    print(f"MNIST-5k: {len(train)} training and {len(test)} held-out real digits, "
          f"pixels in [-1, 1]")
    t0 = time.perf_counter()
    model = train_classifier(make_mlp(DEMO_WIDTHS, seed=seed), X[train], y[train],
                             epochs=epochs, seed=seed)
    print(f"trained MLP {'-'.join(map(str, DEMO_WIDTHS))} in {time.perf_counter() - t0:.1f}s, "
          f"held-out accuracy {accuracy(model, X[test], y[test]):.3f}")
    net = lr.from_torch(model, input_shape=(784,), bounds=(-1.0, 1.0))
    chosen = np.random.default_rng(seed).permutation(test)[:n_points]
    pts = X[chosen]
    labels = y[chosen]
    predicted = net.logits(pts).argmax(1)
    rows = []
    t0 = time.perf_counter()
    for i in progress(range(len(pts)), len(pts), "regions"):
        region = net.region(pts[i], on_boundary="active")
        _, dist = region.nearest_hyperplane()
        rows.append({
            "point": int(chosen[i]),
            "on_boundary": len(region.boundary),
            "label": int(labels[i]),
            "predicted": int(predicted[i]),
            "hyperplanes": region.n_rows,
            "active": region.active_fraction,
            "nearest": dist,
        })
    elapsed = time.perf_counter() - t0
    print()
    print(f"{'point':>6} {'label':>5} {'pred':>4} {'hyperplanes':>11} {'active':>7} "
          f"{'nearest hyperplane':>18}")
    for r in rows:
        print(f"{r['point']:>6} {r['label']:>5} {r['predicted']:>4} {r['hyperplanes']:>11} "
              f"{r['active']:>7.3f} {r['nearest']:>18.3e}")
    pats = net.patterns(X[test])
    print()
    n_boundary = sum(r["on_boundary"] for r in rows)
    if n_boundary:
        print(f"{n_boundary} neurons lay on a boundary and were taken as active")
    print(f"{len(rows)} regions assembled in {elapsed:.2f}s; the {len(test)} held-out digits lie "
          f"in {pats.n_unique} distinct linear regions")
    return rows
