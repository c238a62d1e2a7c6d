"""``linregions inspect``: layers, box and the region of the spec's centre or a given point."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import linregions as lr  # noqa: E402
from linregions.cli import main  # noqa: E402

from onnx_graphs import f32, make_model, node  # noqa: E402


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(0)
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h"], transB=1), node("Relu", ["h"], ["r"]),
             node("Gemm", ["r", "w2", "b2"], ["y"], transB=1)]  # fmt: skip
    inits = {"w1": f32(rng, 12, 3), "b1": f32(rng, 12), "w2": f32(rng, 4, 12), "b2": f32(rng, 4)}
    net_path = tmp_path / "net.onnx"
    net_path.write_bytes(make_model(nodes, ["N", 3], inits).SerializeToString())
    spec = tmp_path / "p.vnnlib"
    spec.write_text("".join(f"(declare-const X_{i} Real)\n" for i in range(3))
                    + "".join(f"(declare-const Y_{i} Real)\n" for i in range(4))
                    + "".join(f"(assert (>= X_{i} -0.5))\n(assert (<= X_{i} {0.5 + i}))\n"
                              for i in range(3))
                    + "(assert (<= Y_0 Y_1))\n")  # fmt: skip
    return net_path, spec


def test_inspect_reports_the_centre_region(files, capsys):
    net_path, spec = files
    assert main(["inspect", str(net_path), "--vnnlib", str(spec)]) == 0
    out = capsys.readouterr().out
    net = lr.from_onnx(net_path, bounds=lr.read_vnnlib(spec))
    region = net.region((net.lo + net.hi) / 2)
    assert f"{net.n_neurons} neurons" in out and "relu 12" in out
    assert "lo [-0.5 -0.5 -0.5], hi [0.5 1.5 2.5]" in out
    assert f"region: {region.A.shape[0]} rows" in out
    assert f"active fraction {region.active_fraction:.4f}" in out
    i, dist = region.nearest_hyperplane()
    assert f"nearest hyperplane: row {i} " in out
    assert f"facets: {len(region.nonredundant())} of 12 rows" in out
    radius = float(re.search(r"insphere: radius (\S+)", out).group(1))
    assert radius == pytest.approx(region.insphere().radius, rel=1e-5)
    cm = region.class_maxima()
    assert f"classes inside the region: {cm.count} {np.flatnonzero(cm.present).tolist()}" in out
    logits = net.logits(((net.lo + net.hi) / 2)[None])[0]
    assert f"holds: {bool(logits[0] <= logits[1])}" in out


def test_inspect_point_file_and_skip(files, tmp_path, capsys):
    net_path, _ = files
    x = np.array([0.1, -0.2, 0.3])
    np.save(tmp_path / "x.npy", x)
    code = main(["inspect", str(net_path), "--point", str(tmp_path / "x.npy"),
                 "--skip", "facets,classes"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    region = lr.from_onnx(net_path).region(x)
    assert "point: x.npy" in out and f"region: {region.A.shape[0]} rows" in out
    assert "facets:" not in out and "classes inside" not in out and "insphere:" in out


def test_inspect_bad_inputs(files, tmp_path, capsys):
    net_path, _ = files
    bad = tmp_path / "bad.onnx"
    bad.write_text("not onnx")
    assert main(["inspect", str(bad)]) == 2
    assert "not a readable ONNX model" in capsys.readouterr().err
    np.save(tmp_path / "short.npy", np.zeros(2))
    assert main(["inspect", str(net_path), "--point", str(tmp_path / "short.npy")]) == 2
    assert "has 2 values" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["inspect", str(net_path), "--skip", "everything"])
