"""``linregions regions``: exact counts of an ONNX network's box(es), against the complex
computed directly and the independent 2-D slice; disjunctive specs, caps and refusals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

import linregions as lr  # noqa: E402
from linregions.cli import main  # noqa: E402

from onnx_graphs import f32, make_model, node  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"  # small public VNN-COMP nets, see its README


def write_net(path: Path, d: int, seed: int = 0, width: int = 10, classes: int = 3) -> Path:
    """A d-width-width-classes ReLU MLP as an ONNX file built with onnx.helper."""
    rng = np.random.default_rng(seed)
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h1"], transB=1), node("Relu", ["h1"], ["r1"]),
             node("Gemm", ["r1", "w2", "b2"], ["h2"], transB=1), node("Relu", ["h2"], ["r2"]),
             node("Gemm", ["r2", "w3", "b3"], ["y"], transB=1)]  # fmt: skip
    inits = {"w1": f32(rng, width, d, scale=1.0), "b1": f32(rng, width),
             "w2": f32(rng, width, width), "b2": f32(rng, width),
             "w3": f32(rng, classes, width), "b3": f32(rng, classes)}  # fmt: skip
    path.write_bytes(make_model(nodes, ["N", d], inits).SerializeToString())
    return path


def write_spec(path: Path, boxes: list[tuple[list[float], list[float]]], n_out: int = 3) -> Path:
    """A VNN-LIB file: one box, or a disjunction of boxes, and an output constraint."""
    d = len(boxes[0][0])
    decl = "".join(f"(declare-const X_{i} Real)\n" for i in range(d))
    decl += "".join(f"(declare-const Y_{i} Real)\n" for i in range(n_out))

    def conj(lo, hi):
        return " ".join(f"(>= X_{i} {lo[i]}) (<= X_{i} {hi[i]})" for i in range(d))

    if len(boxes) == 1:
        body = "".join(
            f"(assert (>= X_{i} {boxes[0][0][i]}))\n(assert (<= X_{i} {boxes[0][1][i]}))\n"
            for i in range(d)
        )
    else:
        body = "(assert (or " + " ".join(f"(and {conj(lo, hi)})" for lo, hi in boxes) + "))\n"
    path.write_text(decl + body + "(assert (<= Y_0 Y_1))\n")
    return path


def reported(out: str) -> list[tuple[int, str]]:
    """(count, state) of every box block printed."""
    return [(int(n), s) for n, s in re.findall(r"regions: (\d+) \((complete|CAPPED)", out)]


def test_d2_count_equals_the_complex_and_the_slice(tmp_path, capsys):
    net_path = write_net(tmp_path / "net.onnx", d=2)
    lo, hi = [-0.7, -0.4], [0.5, 0.9]
    spec = write_spec(tmp_path / "p.vnnlib", [(lo, hi)])
    cx_path = tmp_path / "cx.npz"
    assert main(["regions", str(net_path), "--vnnlib", str(spec), "--out", str(cx_path)]) == 0
    out = capsys.readouterr().out
    net = lr.from_onnx(net_path, bounds=lr.read_vnnlib(spec))
    direct = net.regions(lr.Box(np.array(lo), np.array(hi)))
    assert reported(out) == [(direct.n_regions, "complete")]
    assert f"edges: {len(direct.edges)};" in out
    counts = np.bincount(direct.predicted, minlength=3)
    assert "at the region points: " + ", ".join(f"{c}: {n}" for c, n in enumerate(counts)) in out
    saved = lr.Complex.load(cx_path, net)
    # independent route: the exact 2-D slice of the same box
    sl = net.slice(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]),
                   extent=(lo[0], hi[0], lo[1], hi[1]))  # fmt: skip
    assert set(saved.keys) == set(sl.key_ints())
    assert saved.n_regions == sl.n_regions == direct.n_regions > 10


def test_two_disjunct_spec_is_reported_per_box(tmp_path, capsys):
    net_path = write_net(tmp_path / "net.onnx", d=2, seed=1)
    boxes = [([-1.0, -1.0], [0.0, 0.0]), ([0.2, -0.5], [0.8, 1.0])]
    spec = write_spec(tmp_path / "or.vnnlib", boxes)
    assert main(["regions", str(net_path), "--vnnlib", str(spec), "--out",
                 str(tmp_path / "cx.npz")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "2 input box(es)" in out and "box 2 of 2" in out
    net = lr.from_onnx(net_path, bounds=(-1.0, 1.0))
    want = []
    for k, (lo, hi) in enumerate(boxes):
        sl = net.slice(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]),
                       extent=(lo[0], hi[0], lo[1], hi[1]))  # fmt: skip
        saved = lr.Complex.load(tmp_path / f"cx.box{k + 1}.npz")
        assert set(saved.keys) == set(sl.key_ints())
        want.append((sl.n_regions, "complete"))
    assert reported(out) == want


def test_a_fixed_input_enumerates_the_slice_of_the_others(tmp_path, capsys):
    """ACAS Xu property 4 fixes inputs (lo = hi): the regions of the remaining box are those
    of the exact 2-D slice of the network at the fixed value, with the same keys."""
    net_path = write_net(tmp_path / "net3.onnx", d=3, seed=4)
    lo, hi = [-0.6, 0.25, -0.8], [0.7, 0.25, 0.5]
    spec = write_spec(tmp_path / "fixed.vnnlib", [(lo, hi)])
    cx_path = tmp_path / "cx.npz"
    assert main(["regions", str(net_path), "--vnnlib", str(spec), "--out", str(cx_path)]) == 0
    out = capsys.readouterr().out
    assert "inputs [1] are fixed" in out
    net = lr.from_onnx(net_path, bounds=(-1.0, 1.0))
    sl = net.slice(np.array([0.0, 0.25, 0.0]), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]),
                   extent=(lo[0], hi[0], lo[2], hi[2]))  # fmt: skip
    saved = lr.Complex.load(cx_path)
    assert reported(out) == [(sl.n_regions, "complete")] and sl.n_regions > 10
    assert set(saved.keys) == set(sl.key_ints())
    X = np.column_stack([saved.points[:, 0], np.full(saved.n_regions, 0.25), saved.points[:, 1]])
    assert net.patterns(X).key_ints() == list(saved.keys)


def test_box_option_and_cap_in_d3(tmp_path, capsys):
    net_path = write_net(tmp_path / "net3.onnx", d=3, seed=2)
    assert main(["regions", str(net_path), "--box=-0.5,0.5"]) == 0
    out = capsys.readouterr().out
    net = lr.from_onnx(net_path, bounds=(-0.5, 0.5))
    full = net.regions()
    assert reported(out) == [(full.n_regions, "complete")]
    X = np.random.default_rng(0).uniform(-0.5, 0.5, size=(5000, 3))
    assert set(net.patterns(X).key_ints()) <= set(full.keys)
    cap = full.n_regions // 2
    assert main(["regions", str(net_path), "--box=-0.5,0.5", "--max-regions", str(cap)]) == 0
    out = capsys.readouterr().out
    assert reported(out) == [(cap, "CAPPED")]
    assert "more regions exist" in out


def test_refusals(tmp_path, capsys):
    net_path = write_net(tmp_path / "net.onnx", d=2)
    bad = tmp_path / "bad.onnx"
    bad.write_text("not onnx")
    cases = [
        (["regions", str(bad)], "not a readable ONNX model"),
        (["regions", str(tmp_path / "missing.onnx")], "missing.onnx"),
        (["regions", str(net_path), "--box=1,0"], "need finite LO < HI"),
        (["regions", str(net_path), "--box=a,b"], "expected two numbers"),
        (["regions", str(net_path), "--max-regions", "0"], "must be >= 1"),
        (["regions", str(net_path), "--out", str(tmp_path / "no" / "cx.npz")], "does not exist"),
    ]
    spec3 = write_spec(tmp_path / "d3.vnnlib", [([0.0] * 3, [1.0] * 3)])
    cases.append((["regions", str(net_path), "--vnnlib", str(spec3)], "3 inputs"))
    broken = tmp_path / "broken.vnnlib"
    broken.write_text("(declare-const X_0 Real)\n(assert (>= X_0 ")
    cases.append((["regions", str(net_path), "--vnnlib", str(broken)], "broken.vnnlib"))
    point = write_spec(tmp_path / "point.vnnlib", [([0.1, 0.2], [0.1, 0.2])])
    cases.append((["regions", str(net_path), "--vnnlib", str(point)], "single point"))
    empty = write_spec(tmp_path / "empty.vnnlib", [([0.0, 0.3], [1.0, 0.2])])
    cases.append((["regions", str(net_path), "--vnnlib", str(empty)], "exceeds hi[1]"))
    wide = write_net(tmp_path / "wide.onnx", d=12, width=4)
    cases.append((["regions", str(wide)], "pass --max-regions N"))
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("linregions regions: ") and message in err, (argv, err)
        assert err.count("\n") == 1, err
    # a wide box with a cap runs, and says it was capped
    assert main(["regions", str(wide), "--max-regions", "5"]) == 0
    assert reported(capsys.readouterr().out) == [(5, "CAPPED")]
    with pytest.raises(SystemExit):
        main(["regions", str(net_path), "--box=0,1", "--vnnlib", str(point)])


def test_acasxu_property_box_capped(capsys):
    net_path, spec = DATA / "ACASXU_run2a_1_1_batch_2000.onnx", DATA / "acasxu_prop_3.vnnlib"
    assert main(["regions", str(net_path), "--vnnlib", str(spec), "--max-regions", "150"]) == 0
    out = capsys.readouterr().out
    assert "5 inputs, 300 neurons, 5 outputs" in out
    assert reported(out) == [(150, "CAPPED")]


@pytest.mark.slow  # interrupts a subprocess
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_long_enumeration(tmp_path):
    """Ctrl-C stops the Rust search after its current batch: the CLI prints the regions
    found so far, marked INTERRUPTED, and exits with status 130."""
    net_path = write_net(tmp_path / "big.onnx", d=6, width=60)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    code = "import sys; from linregions.cli import main; sys.exit(main(sys.argv[1:]))"
    with subprocess.Popen(
        [sys.executable, "-c", code, "regions", str(net_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
        # a shell's background job ignores SIGINT, and its children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().startswith("network big.onnx")
            assert proc.stdout.readline().startswith("box 1 of 1")
            time.sleep(1.0)
            assert proc.poll() is None, "the enumeration finished too soon to test Ctrl-C"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 130
            rest = proc.stdout.read()
            assert "INTERRUPTED (Ctrl-C)" in rest, rest
        finally:
            if proc.poll() is None:
                proc.kill()
