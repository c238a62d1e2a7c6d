"""from_torch's piecewise-linear layers against torch, and their ONNX twins (same region)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import linregions as lr  # noqa: E402

from onnx_graphs import check_against_ort, make_model, node, same_region  # noqa: E402


def torch_net(model: nn.Module, shape, bounds=(-1.0, 1.0), seed: int = 0) -> lr.Network:
    """from_torch; logits equal torch's (float64) on random points and inside the region."""
    model = model.eval()
    net = lr.from_torch(model, input_shape=shape, bounds=bounds)
    ref = model.double()
    rng = np.random.default_rng(seed)
    X = rng.uniform(net.lo, net.hi, size=(10, net.n_inputs))

    def oracle(P):
        with torch.no_grad():
            return ref(torch.from_numpy(P.reshape(-1, *shape))).reshape(len(P), -1).numpy()

    np.testing.assert_allclose(net.logits(X), oracle(X), rtol=1e-10, atol=1e-10)
    region = net.region(X[0])
    w, c = region.logit_map
    Y = X[0] + rng.uniform(-1e-7, 1e-7, size=(6, net.n_inputs))
    Y = np.clip(Y, net.lo, net.hi)
    Y = np.array([y for y in Y if np.all(region.A @ y + region.b >= 0)])
    assert len(Y)
    np.testing.assert_allclose(Y @ w.T + c, oracle(Y), rtol=1e-9, atol=1e-9)
    return net


def w32(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy()


def test_prelu_and_onnx_twin():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 2), nn.PReLU(3), nn.Flatten(), nn.Linear(27, 4),
                          nn.PReLU())  # fmt: skip
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([0.1, -0.5, 0.3]))
    net = torch_net(model, (2, 4, 4))
    conv, prelu, _, lin, prelu2 = model
    nodes = [
        node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[2, 2]),
        node("PRelu", ["c", "s"], ["p"]),
        node("Flatten", ["p"], ["f"]),
        node("Gemm", ["f", "lw", "lb"], ["g"], transB=1),
        node("PRelu", ["g", "s2"], ["y"]),
    ]
    inits = {"w": w32(conv.weight), "b": w32(conv.bias), "s": w32(prelu.weight).reshape(3, 1, 1),
             "lw": w32(lin.weight), "lb": w32(lin.bias), "s2": w32(prelu2.weight)}  # fmt: skip
    onnx_net = check_against_ort(make_model(nodes, ["N", 2, 4, 4], inits), ["N", 2, 4, 4])
    same_region(net, onnx_net, np.random.default_rng(1).uniform(-1, 1, 32))


class Clamps(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 6)
        self.relu6 = nn.ReLU6()
        self.hard = nn.Hardtanh(-0.5, 0.7)
        self.out = nn.Linear(24, 3)

    def forward(self, x):
        h = self.lin(x) * 4.0
        parts = [self.relu6(h), self.hard(h), F.hardtanh(h, -0.2, 0.2), torch.clamp(h, min=0.3)]
        return self.out(torch.cat(parts, dim=1))


def test_relu6_hardtanh_clamp_cat():
    torch.manual_seed(1)
    net = torch_net(Clamps(), (4,))
    assert net.n_neurons == 6 * (2 + 2 + 2 + 1)  # two ReLU rows per clipped unit


def test_clip_twin_has_two_rows_per_unit():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 5), nn.Hardtanh(-0.25, 0.375), nn.Linear(5, 2))
    net = torch_net(model, (3,))
    a, _, b = model
    nodes = [node("Gemm", ["x", "aw", "ab"], ["h"], transB=1),
             node("Clip", ["h", "lo", "hi"], ["c"]), node("Gemm", ["c", "bw", "bb"], ["y"],
                                                         transB=1)]  # fmt: skip
    inits = {"aw": w32(a.weight), "ab": w32(a.bias), "bw": w32(b.weight), "bb": w32(b.bias),
             "lo": np.float32(-0.25), "hi": np.float32(0.375)}  # fmt: skip
    onnx_net = check_against_ort(make_model(nodes, ["N", 3], inits), ["N", 3])
    x = np.random.default_rng(3).uniform(-1, 1, 3)
    same_region(net, onnx_net, x)
    region = net.region(x)
    np.testing.assert_array_equal(region.unit, np.arange(10))
    h = a(torch.from_numpy(x)[None]).detach().numpy().ravel()
    want = np.ravel(np.column_stack([h > -0.25, h > 0.375]))
    np.testing.assert_array_equal(region.pattern, want)


def test_conv1d_pools_1d_and_onnx_twin():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2),
                          nn.ReLU(), nn.MaxPool1d(3, stride=2, padding=1),
                          nn.AvgPool1d(2, ceil_mode=True), nn.Flatten())  # fmt: skip
    net = torch_net(model, (2, 11))
    conv = model[0]
    nodes = [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3], strides=[2], pads=[1, 1],
                  dilations=[2], group=2), node("Relu", ["c"], ["r"]),
             node("MaxPool", ["r"], ["m"], kernel_shape=[3], strides=[2], pads=[1, 1]),
             node("AveragePool", ["m"], ["a"], kernel_shape=[2], strides=[2], ceil_mode=1),
             node("Flatten", ["a"], ["y"])]  # fmt: skip
    onnx_net = check_against_ort(
        make_model(nodes, ["N", 2, 11], {"w": w32(conv.weight), "b": w32(conv.bias)}),
        ["N", 2, 11])  # fmt: skip
    same_region(net, onnx_net, np.random.default_rng(4).uniform(-1, 1, 22))


def test_conv_transpose2d_and_onnx_twin():
    torch.manual_seed(4)
    ct = nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                            groups=2, dilation=(1, 2))  # fmt: skip
    model = nn.Sequential(ct, nn.ReLU(), nn.Flatten())
    net = torch_net(model, (4, 3, 3))
    nodes = [node("ConvTranspose", ["x", "w", "b"], ["c"], kernel_shape=[3, 2], strides=[2, 1],
                  pads=[1, 0, 1, 0], output_padding=[1, 0], group=2, dilations=[1, 2]),
             node("Relu", ["c"], ["r"]), node("Flatten", ["r"], ["y"])]  # fmt: skip
    onnx_net = check_against_ort(
        make_model(nodes, ["N", 4, 3, 3], {"w": w32(ct.weight), "b": w32(ct.bias)}),
        ["N", 4, 3, 3])  # fmt: skip
    same_region(net, onnx_net, np.random.default_rng(5).uniform(-1, 1, 36))


@pytest.mark.parametrize("out", [(2, 3), (1, 1), (5, 7), (3, 2)])
def test_adaptive_avg_pool(out):
    torch.manual_seed(5)
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(out), nn.Flatten(),
                          nn.Linear(2 * out[0] * out[1], 3))  # fmt: skip
    torch_net(model, (2, 5, 7))


class Upsampling(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)
        self.up = nn.Upsample(scale_factor=2, mode=mode)
        self.mode = mode

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return torch.flatten(self.up(h) + F.interpolate(h, size=(6, 8), mode=self.mode), 1)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_upsample_and_interpolate_nearest(mode):
    torch.manual_seed(6)
    torch_net(Upsampling(mode), (2, 3, 4))


def test_upsample_onnx_twin():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU(), nn.Upsample(scale_factor=(2, 3)),
                          nn.Flatten())  # fmt: skip
    net = torch_net(model, (2, 2, 3))
    conv = model[0]
    nodes = [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[1, 1]), node("Relu", ["c"], ["r"]),
             node("Resize", ["r", "", "s"], ["u"], mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
             node("Flatten", ["u"], ["y"])]  # fmt: skip
    inits = {"w": w32(conv.weight), "b": w32(conv.bias), "s": np.array([1, 1, 2, 3], np.float32)}
    onnx_net = check_against_ort(make_model(nodes, ["N", 2, 2, 3], inits), ["N", 2, 2, 3])
    same_region(net, onnx_net, np.random.default_rng(8).uniform(-1, 1, 12))


def test_padding_modules_and_onnx_twin():
    torch.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ZeroPad2d((1, 2, 0, 1)), nn.ReLU(),
                          nn.ConstantPad2d(1, 0.5), nn.ReflectionPad2d(1), nn.MaxPool2d(2),
                          nn.Flatten())  # fmt: skip
    net = torch_net(model, (2, 3, 3))
    conv = model[0]
    nodes = [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[1, 1]),
             node("Pad", ["c", "p1"], ["z"]), node("Relu", ["z"], ["r"]),
             node("Pad", ["r", "p2", "v"], ["q"]), node("Pad", ["q", "p2"], ["f"], mode="reflect"),
             node("MaxPool", ["f"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
             node("Flatten", ["m"], ["y"])]  # fmt: skip
    inits = {"w": w32(conv.weight), "b": w32(conv.bias), "v": np.float32(0.5),
             "p1": np.array([0, 0, 0, 1, 0, 0, 1, 2], np.int64),
             "p2": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)}  # fmt: skip
    onnx_net = check_against_ort(make_model(nodes, ["N", 2, 3, 3], inits), ["N", 2, 3, 3])
    same_region(net, onnx_net, np.random.default_rng(9).uniform(-1, 1, 18))


def test_unsupported_torch_layers_are_refused():
    with pytest.raises(lr.UnsupportedModelError, match="interpolation mode 'bilinear'"):
        lr.from_torch(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear")).eval(),
                      input_shape=(1, 2, 2))  # fmt: skip
    with pytest.raises(lr.UnsupportedModelError, match="concatenates along the batch"):

        class BatchCat(nn.Module):
            def forward(self, x):
                return torch.cat([x, x], dim=0)

        lr.from_torch(BatchCat().eval(), input_shape=(3,))
