"""from_onnx against onnxruntime on graphs built with onnx.helper, every op and attribute."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402

import linregions as lr  # noqa: E402
from linregions.model.ir import ReLU  # noqa: E402

from onnx_graphs import check_against_ort, f32, make_model, node  # noqa: E402

RNG = np.random.default_rng


@pytest.mark.parametrize("opset", [8, 11, 13, 17])
def test_gemm_mlp_every_opset(opset):
    rng = RNG(opset)
    nodes = [
        node("Gemm", ["x", "w1", "b1"], ["h"], transB=1, alpha=0.7, beta=1.5),
        node("Relu", ["h"], ["r"]),
        node("Gemm", ["r", "w2", "b2"], ["y"]),
    ]
    inits = {"w1": f32(rng, 7, 4), "b1": f32(rng, 7), "w2": f32(rng, 7, 3), "b2": f32(rng, 1, 3)}
    check_against_ort(make_model(nodes, ["N", 4], inits, opset), ["N", 4])


def test_matmul_normalisation_leaky_and_residual():
    rng = RNG(1)
    nodes = [
        node("Sub", ["x", "mean"], ["s"]),
        node("Div", ["s", "std"], ["n"]),
        node("Mul", ["n", "gain"], ["m"]),
        node("Flatten", ["m"], ["f"]),
        node("MatMul", ["f", "w1"], ["h"]),
        node("Add", ["h", "b1"], ["hb"]),
        node("LeakyRelu", ["hb"], ["r"], alpha=0.1),
        node("MatMul", ["r", "w2"], ["h2"]),
        node("Relu", ["h2"], ["r2"]),
        node("Add", ["r2", "r"], ["res"]),  # residual addition of two branches
        node("Sub", ["res", "hb"], ["d"]),
        node("Identity", ["d"], ["i"]),
        node("Dropout", ["i"], ["dr"]),
        node("MatMul", ["dr", "w3"], ["y"]),
    ]
    inits = {"mean": f32(rng, 1, 2, 1, 1), "std": np.array([[[[0.5]], [[2.0]]]], np.float32),
             "gain": np.float32(1.5), "w1": f32(rng, 6, 5), "b1": f32(rng, 5),
             "w2": f32(rng, 5, 5), "w3": f32(rng, 5, 3)}  # fmt: skip
    check_against_ort(make_model(nodes, ["N", 2, 1, 3], inits), ["N", 2, 1, 3])


CONV_CASES = [
    dict(strides=[1, 1], pads=[0, 0, 0, 0]),
    dict(strides=[2, 1], pads=[1, 0, 2, 1]),
    dict(strides=[1, 2], pads=[1, 1, 1, 1], dilations=[2, 1]),
    dict(auto_pad="SAME_UPPER", strides=[2, 2]),
    dict(auto_pad="SAME_LOWER", strides=[2, 2]),
    dict(auto_pad="VALID", strides=[1, 2]),
    dict(group=2, pads=[1, 1, 1, 1]),
]


@pytest.mark.parametrize("attrs", CONV_CASES)
def test_conv2d_attributes(attrs):
    rng = RNG(2)
    group = attrs.get("group", 1)
    nodes = [
        node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 2], **attrs),
        node("BatchNormalization", ["c", "g", "be", "mu", "var"], ["bn"], epsilon=1e-3),
        node("Relu", ["bn"], ["r"]),
        node("Flatten", ["r"], ["y"]),
    ]
    model = make_model(nodes, ["N", 2, 6, 5], {
        "w": f32(rng, 4, 2 // group, 3, 2), "b": f32(rng, 4), "g": f32(rng, 4), "be": f32(rng, 4),
        "mu": f32(rng, 4), "var": np.abs(f32(rng, 4)) + 0.5,
    })  # fmt: skip
    check_against_ort(model, ["N", 2, 6, 5])


@pytest.mark.parametrize(
    "attrs",
    [
        dict(),
        dict(strides=[2], pads=[1, 2], dilations=[2]),
        dict(auto_pad="SAME_UPPER", strides=[3]),
    ],
)
def test_conv1d(attrs):
    rng = RNG(3)
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[3], **attrs), node("Relu", ["c"], ["y"])]
    check_against_ort(make_model(nodes, ["N", 2, 9], {"w": f32(rng, 3, 2, 3)}), ["N", 2, 9])


@pytest.mark.parametrize("attrs", [
    dict(strides=[2, 2]),
    dict(strides=[2, 1], pads=[1, 0, 0, 1], output_padding=[1, 0]),
    dict(strides=[1, 2], dilations=[2, 1], group=2),
    dict(strides=[2, 2], output_shape=[7, 8]),
    dict(strides=[2, 2], auto_pad="SAME_UPPER"),
    dict(strides=[2, 2], auto_pad="SAME_LOWER"),
])  # fmt: skip
def test_conv_transpose(attrs):
    rng = RNG(4)
    g = attrs.get("group", 1)
    nodes = [node("ConvTranspose", ["x", "w", "b"], ["c"], kernel_shape=[3, 2], **attrs),
             node("Relu", ["c"], ["y"])]  # fmt: skip
    inits = {"w": f32(rng, 2, 3 // g if g == 1 else 2, 3, 2), "b": f32(rng, 3 if g == 1 else 4)}
    check_against_ort(make_model(nodes, ["N", 2, 3, 4], inits), ["N", 2, 3, 4])


def test_conv_transpose_1d():
    rng = RNG(5)
    nodes = [node("ConvTranspose", ["x", "w"], ["c"], strides=[2], pads=[1, 0]),
             node("Relu", ["c"], ["y"])]  # fmt: skip
    check_against_ort(make_model(nodes, ["N", 2, 5], {"w": f32(rng, 2, 3, 3)}), ["N", 2, 5])


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", dict(kernel_shape=[2, 2])),
    ("MaxPool", dict(kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 1])),
    ("MaxPool", dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)),
    ("MaxPool", dict(kernel_shape=[2, 2], dilations=[2, 1])),
    ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")),
    ("AveragePool", dict(kernel_shape=[2, 2])),
    ("AveragePool", dict(kernel_shape=[3, 2], pads=[1, 1, 1, 0], count_include_pad=1)),
    ("AveragePool", dict(kernel_shape=[3, 2], pads=[1, 1, 1, 0], count_include_pad=0)),
    ("AveragePool", dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)),
    ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")),
])  # fmt: skip
def test_pooling(op, attrs):
    rng = RNG(6)
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]), node(op, ["c"], ["p"], **attrs),
             node("Relu", ["p"], ["y"])]  # fmt: skip
    check_against_ort(make_model(nodes, ["N", 2, 5, 5], {"w": f32(rng, 2, 2, 1, 1)}),
                      ["N", 2, 5, 5])  # fmt: skip


def test_pooling_1d_and_global_average():
    rng = RNG(7)
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[1]),
             node("MaxPool", ["c"], ["p"], kernel_shape=[3], strides=[2], pads=[1, 1]),
             node("AveragePool", ["p"], ["a"], kernel_shape=[2]),
             node("Relu", ["a"], ["r"]), node("Unsqueeze", ["r", "ax"], ["u"]),
             node("GlobalAveragePool", ["u"], ["y"])]  # fmt: skip
    inits = {"w": f32(rng, 3, 2, 1), "ax": np.array([3], np.int64)}
    check_against_ort(make_model(nodes, ["N", 2, 9], inits), ["N", 2, 9])


def test_prelu_per_channel():
    rng = RNG(8)
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[2, 2]),
             node("PRelu", ["c", "s"], ["p"]), node("Flatten", ["p"], ["y"])]  # fmt: skip
    inits = {"w": f32(rng, 3, 2, 2, 2), "s": np.array([[[0.1]], [[-0.5]], [[0.3]]], np.float32)}
    net = check_against_ort(make_model(nodes, ["N", 2, 4, 4], inits), ["N", 2, 4, 4])
    relu = [n for n in net.nodes if isinstance(n, ReLU)][0]
    assert np.ndim(relu.slope) == 1 and set(np.unique(relu.slope)) == {
        np.float32(0.1).item(),
        -0.5,
        np.float32(0.3).item(),
    }


@pytest.mark.parametrize("opset,lo,hi", [(8, 0.0, 6.0), (8, -1.0, None), (13, -0.5, 0.5),
                                         (13, None, 0.2), (13, 0.1, None)])  # fmt: skip
def test_clip(opset, lo, hi):
    rng = RNG(9)
    inits = {"w": f32(rng, 4, 6, scale=2.0)}
    if opset < 11:
        kw = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
        clip = node("Clip", ["h"], ["c"], **kw)
    else:
        ins = ["h", "lo" if lo is not None else "", "hi" if hi is not None else ""]
        inits.update({k: np.float32(v) for k, v in (("lo", lo), ("hi", hi)) if v is not None})
        clip = node("Clip", ins, ["c"])
    nodes = [node("MatMul", ["x", "w"], ["h"]), clip, node("MatMul", ["c", "w2"], ["y"])]
    inits["w2"] = f32(rng, 6, 2)
    net = check_against_ort(make_model(nodes, ["N", 4], inits, opset), ["N", 4], bounds=(-2, 2))
    two_rows = lo is not None and hi is not None
    assert net.n_neurons == (12 if two_rows else 6)


def test_nhwc_transposes_reshape_squeeze():
    rng = RNG(10)
    nodes = [
        node("Transpose", ["x"], ["t"], perm=[0, 3, 1, 2]),
        node("Conv", ["t", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Relu", ["c"], ["r"]),
        node("Transpose", ["r"], ["t2"], perm=[0, 2, 3, 1]),
        node("Reshape", ["t2", "shape"], ["f"]),
        node("MatMul", ["f", "w2"], ["m"]),
        node("Unsqueeze", ["m"], ["u"], axes=[1]),
        node("Squeeze", ["u"], ["y"], axes=[1]),
    ]
    inits = {"w": f32(rng, 3, 2, 3, 3), "b": f32(rng, 3), "shape": np.array([0, -1], np.int64),
             "w2": f32(rng, 4 * 5 * 3, 4)}  # fmt: skip
    check_against_ort(make_model(nodes, ["N", 4, 5, 2], inits, opset=11), ["N", 4, 5, 2])


def test_squeeze_unsqueeze_opset13_and_flatten_axis():
    rng = RNG(11)
    nodes = [
        node("Unsqueeze", ["x", "a1"], ["u"]),
        node("Squeeze", ["u", "a1"], ["s"]),
        node("Flatten", ["s"], ["f"], axis=2),
        node("Relu", ["f"], ["r"]),
        node("Reshape", ["r", "shape"], ["y"]),
    ]
    inits = {"a1": np.array([2], np.int64), "shape": np.array([1, -1], np.int64)}
    del rng
    check_against_ort(make_model(nodes, [1, 2, 3, 2], inits), [1, 2, 3, 2])


def test_concat_of_branches_and_constants():
    rng = RNG(12)
    nodes = [
        node("Conv", ["x", "w1"], ["a"], kernel_shape=[1, 1]),
        node("Conv", ["x", "w2"], ["b"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Concat", ["a", "k", "b"], ["c"], axis=1),
        node("Relu", ["c"], ["r"]),
        node("Concat", ["r", "r"], ["y"], axis=-1),
    ]
    inits = {"w1": f32(rng, 2, 2, 1, 1), "w2": f32(rng, 1, 2, 3, 3), "k": f32(rng, 1, 1, 3, 3)}
    check_against_ort(make_model(nodes, [1, 2, 3, 3], inits), [1, 2, 3, 3])


@pytest.mark.parametrize("opset,mode", [(8, "constant"), (13, "constant"), (13, "reflect"),
                                        (13, "edge")])  # fmt: skip
def test_pad(opset, mode):
    rng = RNG(13)
    pads = [0, 0, 1, 2, 0, 0, 2, 1]
    if opset < 11:
        pad = node("Pad", ["c"], ["p"], pads=pads, value=0.7, mode=mode)
        inits = {}
    else:
        pad = node("Pad", ["c", "pads", "v"], ["p"], mode=mode)
        inits = {"pads": np.array(pads, np.int64), "v": np.float32(-0.3)}
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]), pad,
             node("Relu", ["p"], ["y"])]  # fmt: skip
    inits["w"] = f32(rng, 2, 2, 1, 1)
    check_against_ort(make_model(nodes, [1, 2, 3, 3], inits, opset), [1, 2, 3, 3])


@pytest.mark.parametrize("opset,attrs,use_sizes", [
    (11, dict(coordinate_transformation_mode="asymmetric", nearest_mode="floor"), False),
    (11, dict(), False),
    (13, dict(coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil"),
     True),
    (13, dict(coordinate_transformation_mode="align_corners", nearest_mode="round_prefer_floor"),
     True),
    (13, dict(coordinate_transformation_mode="pytorch_half_pixel", nearest_mode="ceil"), False),
])  # fmt: skip
def test_resize_nearest(opset, attrs, use_sizes):
    rng = RNG(14)
    inits = {"w": f32(rng, 2, 2, 1, 1), "roi": np.zeros(0, np.float32)}
    if use_sizes:
        inits["sizes"] = np.array([1, 2, 5, 7], np.int64)
        ins = ["c", "roi", "", "sizes"]
    else:
        inits["scales"] = np.array([1, 1, 2, 1.5], np.float32)
        ins = ["c", "roi", "scales"]
    nodes = [
        node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
        node("Resize", ins, ["z"], mode="nearest", **attrs),
        node("Relu", ["z"], ["y"]),
    ]
    check_against_ort(make_model(nodes, [1, 2, 3, 4], inits, opset), [1, 2, 3, 4])


@pytest.mark.parametrize("opset", [8, 9, 10])
def test_upsample_and_resize_opset10(opset):
    rng = RNG(15)
    scales = np.array([1, 1, 2, 3], np.float32)
    inits = {"w": f32(rng, 2, 2, 1, 1)}
    if opset == 8:
        up = node("Upsample", ["c"], ["z"], mode="nearest", scales=scales.tolist())
    else:
        inits["scales"] = scales
        up = node("Upsample" if opset == 9 else "Resize", ["c", "scales"], ["z"], mode="nearest")
    nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]), up, node("Relu", ["z"], ["y"])]
    check_against_ort(make_model(nodes, [1, 2, 2, 3], inits, opset), [1, 2, 2, 3])


def test_constant_node_and_shape_subgraph():
    """torch's dynamic flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    rng = RNG(16)
    w = f32(rng, 12, 3)
    nodes = [
        helper.make_node(
            "Constant",
            [],
            ["w"],
            value=helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.ravel().tolist()),
        ),
        node("Relu", ["x"], ["r"]),
        node("Shape", ["r"], ["s"]),
        node("Gather", ["s", "zero"], ["n"], axis=0),
        node("Unsqueeze", ["n", "ax"], ["nu"]),
        node("Concat", ["nu", "minus1"], ["shape"], axis=0),
        node("Reshape", ["r", "shape"], ["f"]),
        node("MatMul", ["f", "w"], ["y"]),
    ]
    inits = {"zero": np.array(0, np.int64), "ax": np.array([0], np.int64),
             "minus1": np.array([-1], np.int64)}  # fmt: skip
    check_against_ort(make_model(nodes, ["N", 3, 2, 2], inits), ["N", 3, 2, 2])


def test_rank1_input_and_spec_bounds(tmp_path):
    rng = RNG(17)
    nodes = [node("MatMul", ["x", "w"], ["h"]), node("Relu", ["h"], ["y"])]
    model = make_model(nodes, [3], {"w": f32(rng, 3, 4)})
    spec = tmp_path / "p.vnnlib"
    spec.write_text(
        "(declare-const X_0 Real)(declare-const X_1 Real)(declare-const X_2 Real)\n"
        "(assert (<= X_0 0.5))(assert (>= X_0 0.25))(assert (<= X_1 1))"
        "(assert (>= X_1 -1))(assert (<= X_2 0))(assert (>= X_2 -0.5))\n"
    )
    net = check_against_ort(model, [3], bounds=lr.read_vnnlib(spec))
    np.testing.assert_array_equal(net.lo, [0.25, -1, -0.5])
    np.testing.assert_array_equal(net.hi, [0.5, 1, 0])
    assert net.input_shape == (3,)


def test_matmul_constant_on_the_left_and_vector():
    rng = RNG(18)
    nodes = [node("MatMul", ["w", "x"], ["h"]), node("Relu", ["h"], ["r"]),
             node("MatMul", ["r", "v"], ["y"])]  # fmt: skip
    inits = {"w": f32(rng, 4, 3), "v": f32(rng, 2)}
    check_against_ort(make_model(nodes, [1, 3, 2], inits), [1, 3, 2])


@pytest.mark.parametrize("op", ["Sigmoid", "Tanh", "Softmax", "Exp", "Gelu"])
def test_non_piecewise_linear_ops_are_refused_by_node_and_op(op):
    rng = RNG(19)
    nodes = [node("MatMul", ["x", "w"], ["h"]), helper.make_node(op, ["h"], ["s"], name="act1"),
             node("MatMul", ["s", "w2"], ["y"])]  # fmt: skip
    model = make_model(nodes, ["N", 3], {"w": f32(rng, 3, 4), "w2": f32(rng, 4, 2)}, opset=20)
    with pytest.raises(lr.NotPiecewiseLinearError, match=rf"'act1' \({op}\)"):
        lr.from_onnx(model)


def test_product_of_two_input_values_is_refused():
    nodes = [node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["x", "r"], ["y"], name="sq")]
    with pytest.raises(lr.NotPiecewiseLinearError, match=r"'sq' \(Mul\)"):
        lr.from_onnx(make_model(nodes, ["N", 3]))
    nodes = [helper.make_node("Div", ["one", "x"], ["y"], name="inv")]
    with pytest.raises(lr.NotPiecewiseLinearError, match=r"'inv' \(Div\)"):
        lr.from_onnx(make_model(nodes, ["N", 3], {"one": np.float32(1.0)}))


def test_unknown_op_is_refused_by_node_and_op():
    nodes = [helper.make_node("TopK", ["x", "k"], ["y", "i"], name="top")]
    with pytest.raises(lr.UnsupportedModelError, match=r"'top' \(TopK\)"):
        lr.from_onnx(make_model(nodes, ["N", 5], {"k": np.array([2], np.int64)}))


def test_two_graph_inputs_are_refused():
    nodes = [node("Add", ["x", "z"], ["y"])]
    model = make_model(nodes, ["N", 3], extra_inputs=[("z", ["N", 3])])
    with pytest.raises(lr.UnsupportedModelError, match="exactly one input.*'x', 'z'"):
        lr.from_onnx(model)


def test_unreadable_files_are_refused(tmp_path):
    text = tmp_path / "net.onnx"
    text.write_text("this is not an ONNX file\n" * 20)
    with pytest.raises(lr.InvalidValueError, match="not a readable ONNX model"):
        lr.from_onnx(text)
    rng = RNG(20)
    nodes = [node("MatMul", ["x", "w"], ["y"])]
    data = make_model(nodes, ["N", 30], {"w": f32(rng, 30, 40)}).SerializeToString()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(lr.InvalidValueError, match="not a readable ONNX model"):
        lr.from_onnx(cut)
    with pytest.raises(lr.InvalidValueError, match="does not exist"):
        lr.from_onnx(tmp_path / "missing.onnx")
    with pytest.raises(lr.UnsupportedModelError, match="path or an onnx.ModelProto"):
        lr.from_onnx(42)


def test_unsupported_attributes_are_refused():
    rng = RNG(21)
    nodes = [
        node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
        helper.make_node("Resize", ["c", "", "s"], ["y"], name="rz", mode="linear"),
    ]
    inits = {"w": f32(rng, 1, 1, 1, 1), "s": np.array([1, 1, 2, 2], np.float32)}
    with pytest.raises(lr.UnsupportedModelError, match=r"'rz' \(Resize\).*'linear'"):
        lr.from_onnx(make_model(nodes, [1, 1, 2, 2], inits))
    nodes = [helper.make_node("Gemm", ["x", "w"], ["y"], name="gt", transA=1)]
    with pytest.raises(lr.UnsupportedModelError, match=r"'gt' \(Gemm\)"):
        lr.from_onnx(make_model(nodes, [1, 3], {"w": f32(rng, 1, 2)}))


def test_bounds_with_several_boxes_are_refused(tmp_path):
    spec = tmp_path / "two.vnnlib"
    spec.write_text(
        "(declare-const X_0 Real)\n(assert (or (and (>= X_0 0) (<= X_0 1))\n"
        "(and (>= X_0 2) (<= X_0 3))))\n"
    )
    nodes = [node("Relu", ["x"], ["y"])]
    with pytest.raises(lr.InvalidValueError, match="2 input boxes"):
        lr.from_onnx(make_model(nodes, ["N", 1]), bounds=lr.read_vnnlib(spec))


def test_bad_bounds_and_input_shapes_are_refused():
    model = make_model([node("Relu", ["x"], ["y"])], ["N", 3])
    with pytest.raises(lr.ShapeError, match=r"bounds lo has shape \(4,\)"):
        lr.from_onnx(model, bounds=(np.zeros(4), np.ones(4)))
    with pytest.raises(lr.InvalidValueError, match="exceeds"):
        lr.from_onnx(model, bounds=(1.0, 0.0))
    with pytest.raises(lr.ShapeError, match="symbolic or empty dimensions"):
        lr.from_onnx(make_model([node("Relu", ["x"], ["y"])], ["N", "K"]))
    with pytest.raises(lr.ShapeError, match="batch size 2"):
        lr.from_onnx(make_model([node("Relu", ["x"], ["y"])], [2, 3]))


def test_clip_with_crossed_bounds_is_refused():
    inits = {"lo": np.float32(1.0), "hi": np.float32(-1.0)}
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="cl")]
    with pytest.raises(lr.InvalidValueError, match=r"'cl' \(Clip\): clip bounds"):
        lr.from_onnx(make_model(nodes, ["N", 2], inits))
