"""Real VNN-COMP networks against onnxruntime at their specs' centres: the small ones from
tests/data (always run), the larger ones from ../shared/nets (skipped when it is absent)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import linregions as lr  # noqa: E402

from onnx_graphs import check_region_map, run_ort  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"  # small public nets, in every clone
NETS = Path(__file__).resolve().parents[1].parent / "shared" / "nets"  # the larger ones, optional

CASES = [
    ("ACASXU_run2a_1_1_batch_2000.onnx", "acasxu_prop_1.vnnlib", 300),
    ("ACASXU_run2a_2_1_batch_2000.onnx", "acasxu_prop_4.vnnlib", 300),
    ("mnist-net_256x2.onnx", None, 512),
    ("cifar10_small.onnx", "networkcifar10_small_index1189_eps0.012_target1_orig0.vnnlib", 2568),
    ("resnet_2b.onnx", "resnet2b_prop_0_eps_0.008.vnnlib", 6244),
    ("test_small.onnx", None, 4),
]


# The nets copied into tests/data (with their specs): these never skip.
SMALL = {"ACASXU_run2a_1_1_batch_2000.onnx", "mnist-net_256x2.onnx", "test_small.onnx"}


def net_dir(net_file: str) -> Path:
    """tests/data for the small nets; ../shared/nets for the others, skipping when it is absent."""
    if net_file in SMALL:
        return DATA
    if not (NETS / net_file).is_file():
        pytest.skip(f"{net_file} is not in tests/data and {NETS} is absent (optional)")
    return NETS


@pytest.mark.parametrize("net_file,spec_file,n_relu", CASES, ids=[c[0] for c in CASES])
def test_real_network_matches_onnxruntime(net_file, spec_file, n_relu):
    folder = net_dir(net_file)
    path = folder / net_file
    import onnx

    model = onnx.load(str(path))
    in_shape = [d.dim_value or "N" for d in model.graph.input[0].type.tensor_type.shape.dim]
    if spec_file is not None:
        spec = lr.read_vnnlib(folder / spec_file)
        net = lr.from_onnx(path, bounds=spec)
        x = spec.center
    else:
        net = lr.from_onnx(path, bounds=(0.0, 1.0))
        x = np.random.default_rng(0).uniform(0.0, 1.0, net.n_inputs)
    assert net.n_neurons == n_relu
    x = x.astype(np.float32).astype(np.float64)
    want = run_ort(model, x[None], in_shape)
    got = net.logits(x[None])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * max(1.0, np.abs(want).max()))
    check_region_map(net, model, in_shape, x, np.random.default_rng(1), rtol=1e-4)


def test_acasxu_property_spec_reads_box_and_outputs():
    spec = lr.read_vnnlib(DATA / "acasxu_prop_1.vnnlib")
    assert spec.n_inputs == 5 and spec.n_outputs == 5 and len(spec.boxes) == 1
    lo, hi = spec.box
    assert lo[0] == 0.6 and hi[0] == 0.679857769
    ((c, e),) = spec.outputs
    np.testing.assert_array_equal(c, [[-1, 0, 0, 0, 0]])  # Y_0 >= 3.9911256459
    np.testing.assert_array_equal(e, [-3.991125645861615])


def test_data_files_are_the_documented_copies():
    """Every file in tests/data is listed, with its SHA-256, in tests/data/README.md."""
    readme = (DATA / "README.md").read_text()
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)}
    present = {p.name for p in DATA.iterdir() if p.name != "README.md"}
    assert present == set(listed) and SMALL <= present
    for name, digest in listed.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
