"""Helpers for the ONNX tests: small graphs built with onnx.helper, onnxruntime as the oracle."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import linregions as lr


def f32(rng: np.random.Generator, *shape: int, scale: float = 0.5) -> np.ndarray:
    """Random float32 weights (exactly representable in float64)."""
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make_model(nodes, in_shape, inits=None, opset: int = 13, out: str = "y",
               in_name: str = "x", extra_inputs=()) -> onnx.ModelProto:  # fmt: skip
    """A one-input graph of ``nodes`` with float32 initializers ``inits`` (name -> array)."""
    inits = inits or {}
    tensors = []
    for k, v in inits.items():
        arr = np.asarray(v)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        tensors.append(numpy_helper.from_array(arr, k))
    inputs = [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, list(in_shape))]
    inputs += [
        helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in extra_inputs
    ]
    graph = helper.make_graph(
        nodes, "g", inputs, [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], tensors
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7 if opset < 15 else 8
    return model


def run_ort(model: onnx.ModelProto, X: np.ndarray, in_shape) -> np.ndarray:
    """onnxruntime's outputs for the flat points X (n, d), one point at a time if batch is 1."""
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    shape = [1 if not isinstance(s, int) else s for s in in_shape]
    outs = []
    for x in X:
        outs.append(sess.run(None, {name: x.reshape(shape).astype(np.float32)})[0].ravel())
    return np.array(outs, dtype=np.float64)


def check_against_ort(model, in_shape, bounds=(-1.0, 1.0), n: int = 12, seed: int = 0,
                      rtol: float = 2e-5) -> lr.Network:  # fmt: skip
    """Logits equal onnxruntime's on random float32 points in the box, and the region's
    logit map equals onnxruntime inside the region of the first point."""
    net = lr.from_onnx(model, bounds=bounds)
    rng = np.random.default_rng(seed)
    X = rng.uniform(net.lo, net.hi, size=(n, net.n_inputs)).astype(np.float32).astype(np.float64)
    want = run_ort(model, X, in_shape)
    got = net.logits(X)
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=0, atol=rtol * scale)
    check_region_map(net, model, in_shape, X[0], rng, rtol)
    return net


def check_region_map(net, model, in_shape, x, rng, rtol: float = 2e-5) -> None:
    """The region's affine logit map equals onnxruntime at points inside the region."""
    region = net.region(x)
    w, c = region.logit_map
    slack = region.A @ x + region.b
    radius = max(
        1e-6,
        float(np.min(np.abs(slack) / np.maximum(np.linalg.norm(region.A, axis=1), 1e-300)))
        if slack.size
        else 1e-2,
    )
    Y = x + rng.uniform(-1, 1, size=(8, x.size)) * min(radius / np.sqrt(x.size), 1e-2)
    Y = np.clip(Y, net.lo, net.hi).astype(np.float32).astype(np.float64)
    inside = [y for y in Y if np.all(region.A @ y + region.b >= 0)]
    assert inside, "no perturbed point stayed in the region"
    want = run_ort(model, np.array(inside), in_shape)
    local = np.array(inside) @ w.T + c
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(local, want, rtol=0, atol=rtol * scale)


def same_region(a: lr.Network, b: lr.Network, x: np.ndarray) -> None:
    """Two networks (ONNX and torch twins) have the same region at x: A, b up to row
    order, the same key and the same logit map."""
    ra, rb = a.region(x), b.region(x)
    assert ra.key == rb.key
    ma = np.column_stack([ra.A, ra.b])
    mb = np.column_stack([rb.A, rb.b])
    ma = ma[np.lexsort(ma.T[::-1])]
    mb = mb[np.lexsort(mb.T[::-1])]
    np.testing.assert_allclose(ma, mb, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ra.logit_map[0], rb.logit_map[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ra.logit_map[1], rb.logit_map[1], rtol=1e-12, atol=1e-12)


def node(op: str, inputs, outputs, **attrs):
    return helper.make_node(op, list(inputs), list(outputs), name=f"{op.lower()}_{outputs[0]}",
                            **attrs)  # fmt: skip
