"""Outputs of a study: the tidy results table, figures and ``report.md``."""

from __future__ import annotations

import csv
import os
from typing import Iterable, Optional

import numpy as np

from ..files import atomic_write, write_text_atomic
from ..tables import DASH, markdown_table
from ..zoo import ModelConfig
from .config import StudyConfig
from .storage import iter_point_results

#: The paper's numbers (table 1 accuracies in %, table 2 counts and distortions).
PAPER_TABLE1 = {
    "vanilla-L": 97.8,
    "bn-L": 97.9,
    "dropout-L": 97.5,
    "vanilla-S": 98.0,
    "bn-S": 98.3,
    "dropout-S": 98.2,
    "cnn-vanilla": 68.2,
    "cnn-bn": 70.1,
    "cnn-dropout": 69.2,
}
PAPER_TABLE2 = {
    "vanilla-L": (1.116, 26.35),
    "bn-L": (1.083, 14.90),
    "dropout-L": (1.012, 25.28),
    "vanilla-S": (8.766, 23.81),
    "bn-S": (2.622, 7.61),
    "dropout-S": (1.048, 25.41),
    "cnn-vanilla": (7.811, 27.08),
    "cnn-bn": (9.984, 20.85),
    "cnn-dropout": (2.901, 25.25),
}


#: Every column of the report's tables, by row key: (header, number format).
COLUMNS = {
    "model": ("model", "s"),
    "ours": ("ours (%)", ".1f"),
    "paper": ("paper (%)", ".1f"),
    "epochs": ("epochs", "d"),
    "classes": ("classes (ours)", ".4g"),
    "paper_classes": ("classes (paper)", ".4g"),
    "distortion": ("distortion (ours)", ".4g"),
    "paper_distortion": ("distortion (paper)", ".4g"),
    "hyperplanes": ("hyperplanes", ".3g"),
    "active_fraction": ("active fraction", ".3g"),
    "inradius": ("manifold inradius", ".3g"),
    "surrounding": ("unique surrounding regions", ".3g"),
    "rho": ("mean rho", ".3g"),
    "failed": ("failed points", "d"),
}
#: Why a column's values can be missing (a footnote under a table that shows a dash).
MISSING = {
    "paper": "the paper has no such model",
    "ours": "no accuracy recorded with the checkpoint",
    "epochs": "no epoch count recorded with the checkpoint",
    "classes": "class maxima not computed for this model",
    "paper_classes": "the paper has no such model",
    "hyperplanes": "manifold regions not computed for this model",
    "surrounding": "surrounding regions not computed for this model",
    "rho": "no ray left its region (rho is defined between two regions)",
}


def _table(rows: list[dict], *keys: str) -> list[str]:
    """The markdown table of ``rows`` in the columns ``keys`` of :data:`COLUMNS`."""
    return markdown_table(rows, [(k, *COLUMNS[k]) for k in keys], notes=MISSING)


def tidy_rows(out_dir: str) -> list[dict]:
    """One row per (model, point, analysis, metric) with a scalar value; errors as rows
    with metric ``error`` and the message as value."""
    rows = []
    for res in iter_point_results(out_dir):
        base = {
            "model": res["model"],
            "point": res["point"],
            "label": res["label"],
            "predicted": res.get("predicted"),
        }
        for analysis, metrics in res["analyses"].items():
            for metric, value in metrics.items():
                if isinstance(value, (int, float)) or value is None:
                    rows.append({**base, "analysis": analysis, "metric": metric, "value": value})
        for analysis, message in res["errors"].items():
            rows.append(
                {**base, "analysis": analysis, "metric": "error", "value": message.splitlines()[0]}
            )
    return rows


def write_table(rows: list[dict], path: str) -> None:
    fields = ["model", "point", "label", "predicted", "analysis", "metric", "value"]

    def write(f) -> None:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)

    atomic_write(path, write)


def metric(rows: list[dict], model: str, analysis: str, name: str) -> np.ndarray:
    vals = [
        r["value"]
        for r in rows
        if r["model"] == model
        and r["analysis"] == analysis
        and r["metric"] == name
        and r["value"] is not None
    ]
    return np.asarray(vals, dtype=np.float64)


def lists(out_dir: str, model: str, analysis: str, name: str) -> np.ndarray:
    out: list[float] = []
    for res in iter_point_results(out_dir):
        if res["model"] == model and analysis in res["analyses"]:
            out.extend(v for v in res["analyses"][analysis].get(name, []) if v is not None)
    return np.asarray(out, dtype=np.float64)


def _plot_inradius(rows: list[dict], names: list[str], path: str) -> Optional[str]:
    from ...plotting._figure import new_figure

    cats = [
        c
        for c in ("manifold", "decision", "adversarial")
        if any(metric(rows, n, c, "inradius").size for n in names)
    ]
    if not cats:
        return None
    axes = new_figure((4.5 * len(cats), 3.6)).subplots(1, len(cats), squeeze=False)
    fig = axes[0][0].figure
    for ax, cat in zip(axes[0], cats):
        logs = {
            n: np.log10(r[r > 0]) for n in names if (r := metric(rows, n, cat, "inradius")).size
        }
        edges = np.histogram_bin_edges(np.concatenate(list(logs.values())), bins=25)
        for n, lg in logs.items():
            if lg.size:
                ax.hist(lg, bins=edges, histtype="step", density=True, label=n, linewidth=1.4)
        ax.set_xlabel(r"$\log_{10}$ inradius")
        ax.set_title(f"{cat} regions")
    axes[0][0].set_ylabel("density")
    if axes[0][-1].get_legend_handles_labels()[0]:
        axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _first_point_regions(cfg: StudyConfig, names: list[str]) -> dict:
    """``{model: (config, manifold region of the study's first test point)}`` for the models
    with a checkpoint; shared by figures 4 and 5 (the data is loaded once)."""
    import linregions as lr

    from ..zoo import load_checkpoint
    from .config import load_study_data
    from .storage import checkpoint_path

    (_, _, (Xte, _)) = load_study_data(cfg)
    first = int(np.random.default_rng(cfg.seed).permutation(len(Xte))[0])
    out = {}
    for name in names:
        loaded = load_checkpoint(checkpoint_path(cfg.out_dir, name))
        if loaded is None:
            continue
        model, mc, _ = loaded
        out[name] = (
            mc,
            lr.from_torch(model, mc.input_shape, (-1.0, 1.0)).region(
                Xte[first].reshape(-1), on_boundary="active"
            ),
        )
    return out


def _plot_angles(firsts: dict, names: list[str], path: str) -> Optional[str]:
    """Figure 4: the angle matrix of the first test point's manifold region, per model."""
    from ...plotting._figure import new_figure
    from ...plotting.angles import plot_angles

    axes = new_figure((4.2 * len(names), 3.8)).subplots(1, len(names), squeeze=False)
    fig = axes[0][0].figure
    for ax, name in zip(axes[0], names):
        if name not in firsts:
            continue
        region = firsts[name][1]
        rows = np.flatnonzero(np.linalg.norm(region.A, axis=1) > 0)
        plot_angles(region, rows, ax=ax)
        ax.set_title(name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def _image_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """How an input is drawn: square grey images for flat inputs, (H, W) for one channel."""
    if len(input_shape) == 1:
        side = int(round(np.sqrt(input_shape[0])))
        return (side, side) if side * side == input_shape[0] else (1, input_shape[0])
    if len(input_shape) == 3 and input_shape[0] == 1:
        return tuple(input_shape[1:])
    return tuple(input_shape)


def _plot_class_maxima(firsts: dict, names: list[str], path: str) -> Optional[str]:
    """Figure 5: x^t of every class for the first test point's manifold region, one row per
    model (recomputed here, like figure 4, so the per-point results stay small)."""
    from ...plotting.class_maxima import plot_class_maxima

    rows = [(n, firsts[n][1].class_maxima()) for n in names if n in firsts]
    if not rows:
        return None
    shape = _image_shape(tuple(firsts[rows[-1][0]][0].input_shape))
    fig = plot_class_maxima(rows, image_shape=shape)
    fig.savefig(path, dpi=100)
    return path


def _fmt(v: float, digits: int = 3) -> str:
    return DASH if v is None or not np.isfinite(v) else f"{v:.{digits}g}"


def findings(rows: list[dict], out_dir: str, names: list[str]) -> list[str]:
    """The paper's four headline findings (sec. 1) next to our numbers."""
    lines = []

    def reduce(f, v: np.ndarray) -> float:
        return float(f(v)) if v.size else float("nan")

    def med(model, cat, name):
        return reduce(np.median, metric(rows, model, cat, name))

    def verdict(ok: Optional[bool]) -> str:
        return (
            "not measured in this run"
            if ok is None
            else ("reproduces" if ok else "does not reproduce")
        )

    groups = [
        (f"lr {tag}", f"vanilla-{tag}", f"bn-{tag}", f"dropout-{tag}") for tag in ("L", "S")
    ] + [("CNN", "cnn-vanilla", "cnn-bn", "cnn-dropout")]
    for lr_tag, v, b, d in groups:
        if not {v, b, d} <= set(names):
            continue
        mv, mb = med(v, "manifold", "inradius"), med(b, "manifold", "inradius")
        dv, dd = med(v, "decision", "inradius"), med(d, "decision", "inradius")
        ok1 = None if not np.isfinite(mv * mb) else bool(mb < mv)
        ok1b = None if not np.isfinite(dv * dd) else bool(dd < dv)
        lines.append(
            f"1. *BN partitions the input space into smaller regions; dropout narrows "
            f"the regions around decision boundaries* ({lr_tag}): median manifold "
            f"inradius vanilla {_fmt(mv)}, BN {_fmt(mb)}: {verdict(ok1)}; median "
            f"decision inradius vanilla {_fmt(dv)}, dropout {_fmt(dd)}: {verdict(ok1b)}."
        )
        av, ab, ad = (med(m, "angles", "mean_abs_deviation_deg") for m in (v, b, d))
        ok2 = None if not np.isfinite(av * ab * ad) else bool(ab < av < ad)
        lines.append(
            f"2. *BN makes hyperplane normals orthogonal, dropout the opposite* "
            f"({lr_tag}): mean |angle - 90 deg| vanilla {_fmt(av)}, BN {_fmt(ab)}, "
            f"dropout {_fmt(ad)}: {verdict(ok2)}."
        )
        cv, cd = (reduce(np.mean, metric(rows, m, "class_maxima", "count")) for m in (v, d))
        ok3 = None if not np.isfinite(cv * cd) else bool(cd <= cv)
        lines.append(
            f"3. *Dropout makes manifold regions less likely to contain decision "
            f"boundaries* ({lr_tag}): mean classes per manifold region vanilla "
            f"{_fmt(cv)}, dropout {_fmt(cd)}: {verdict(ok3)}."
        )
        rv, rb = (reduce(np.nanmean, lists(out_dir, m, "surroundings", "rho")) for m in (v, b))
        ok4 = None if not np.isfinite(rv * rb) else bool(rv > 0.5 and rb < rv)
        lines.append(
            f"4. *Surrounding regions are highly relevant; BN slightly reduces the "
            f"relevance* ({lr_tag}): mean rho vanilla {_fmt(rv)}, BN {_fmt(rb)}: "
            f"{verdict(ok4)}."
        )
    return lines


def write_outputs(cfg: StudyConfig, models: Iterable[ModelConfig], metrics: dict) -> dict:
    """Writes ``results.csv``, the figures and ``report.md`` into ``cfg.out_dir``."""
    from ...plotting.surroundings import plot_surroundings

    names = [m.name for m in models]
    rows = tidy_rows(cfg.out_dir)
    table = os.path.join(cfg.out_dir, "results.csv")
    write_table(rows, table)
    figures: dict[str, str] = {}
    fig3 = _plot_inradius(rows, names, os.path.join(cfg.out_dir, "fig3_inradius.png"))
    if fig3:
        figures["inradius distributions (fig. 3)"] = fig3
    wanted = {"angles", "class_maxima"} & set(cfg.analyses)
    firsts = _first_point_regions(cfg, names) if wanted else {}
    if "angles" in wanted:
        fig4 = _plot_angles(firsts, names, os.path.join(cfg.out_dir, "fig4_angles.png"))
        if fig4:
            figures["angles between hyperplanes of one manifold region (fig. 4)"] = fig4
    fig5 = (
        _plot_class_maxima(firsts, names, os.path.join(cfg.out_dir, "fig5_class_maxima.png"))
        if "class_maxima" in wanted
        else None
    )
    if fig5:
        figures[
            "class maxima x^t of one manifold region, green where class t is present (fig. 5)"
        ] = fig5
    surround = {
        n: {
            "n_unique": metric(rows, n, "surroundings", "n_unique"),
            "rho": lists(cfg.out_dir, n, "surroundings", "rho"),
        }
        for n in names
    }
    if any(s["n_unique"].size for s in surround.values()):
        path = os.path.join(cfg.out_dir, "fig6_surroundings.png")
        plot_surroundings(surround, path)
        figures["surrounding regions (fig. 6)"] = path
    lines = [
        f"# linregions study: {cfg.dataset}",
        "",
        "Test points analysed per model: "
        + ", ".join(f"{n} {len({r['point'] for r in rows if r['model'] == n})}" for n in names)
        + f"; analyses: {', '.join(cfg.analyses)}.",
        "",
        "## Test accuracy (table 1)",
        "",
    ]

    def mean(v: np.ndarray) -> Optional[float]:
        return float(v.mean()) if v.size else None

    def median(v: np.ndarray) -> Optional[float]:
        return float(np.median(v)) if v.size else None

    acc_rows = [
        {
            "model": n,
            "ours": 100 * metrics.get(n, {}).get("test_accuracy", np.nan),
            "paper": PAPER_TABLE1.get(n),
            "epochs": metrics.get(n, {}).get("epochs"),
        }
        for n in names
    ]
    lines += _table(acc_rows, "model", "ours", "paper", "epochs")
    lines += [
        "",
        f"The paper's figures are for MNIST (MLPs) and CIFAR-10 (CNNs); this run: {cfg.dataset}.",
    ]
    lines += ["", "## Classification regions in a manifold region (table 2)", ""]
    t2 = [
        {
            "model": n,
            "classes": mean(metric(rows, n, "class_maxima", "count")),
            "paper_classes": PAPER_TABLE2.get(n, (None, None))[0],
            "distortion": mean(metric(rows, n, "class_maxima", "distortion")),
            "paper_distortion": PAPER_TABLE2.get(n, (None, None))[1],
        }
        for n in names
    ]
    lines += _table(t2, "model", "classes", "paper_classes", "distortion", "paper_distortion")
    lines += [
        "",
        "`classes` counts a class when its most likely point is classified as it (the "
        "paper's criterion, a lower bound: a class can win on part of a region and lose at "
        "its own most likely point; `Region.class_maxima()` decides presence exactly).",
    ]
    lines += ["", "## Per-model medians", ""]
    med_rows = []
    for n in names:
        rho = lists(cfg.out_dir, n, "surroundings", "rho")
        rho = rho[np.isfinite(rho)]
        med_rows.append(
            {
                "model": n,
                "failed": len(
                    {r["point"] for r in rows if r["model"] == n and r["metric"] == "error"}
                ),
                **{
                    k: median(metric(rows, n, "manifold", k))
                    for k in ("hyperplanes", "active_fraction", "inradius")
                },
                "surrounding": median(metric(rows, n, "surroundings", "n_unique")),
                "rho": mean(rho),
            }
        )
    lines += _table(
        med_rows,
        "model",
        "hyperplanes",
        "active_fraction",
        "inradius",
        "surrounding",
        "rho",
        "failed",
    )
    lines += ["", "## The paper's headline findings (sec. 1) and ours", ""]
    lines += findings(rows, cfg.out_dir, names) or ["(not enough models to compare)"]
    lines += ["", "## Figures", ""]
    lines += [f"![{k}]({os.path.basename(v)})" for k, v in figures.items()]
    lines += [
        "",
        f"Tidy results: `{os.path.basename(table)}` (one row per point, analysis and metric).",
    ]
    report = os.path.join(cfg.out_dir, "report.md")
    write_text_atomic(report, "\n".join(lines) + "\n")
    return {"table": table, "report": report, "figures": figures}
