"""Independent reference for regions: autograd on the original torch model (paper eq. 2-3).

The pre-activation of every (leaky) ReLU is captured by running the fx-traced model with an
interpreter; each neuron's gradient comes from ``torch.autograd.functional.jacobian``. This
shares no code with linregions' lowering to the IR.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

RELU_MODULES = (nn.ReLU, nn.LeakyReLU)
RELU_FUNCTIONS = {F.relu, torch.relu, F.leaky_relu}


def relu_inputs(model: nn.Module, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Pre-activations (each flattened) of every ReLU/LeakyReLU, and the logits, for one x."""
    gm = torch.fx.symbolic_trace(model)
    modules = dict(gm.named_modules())
    captured: list[torch.Tensor] = []

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            is_relu = (
                (n.op == "call_module" and isinstance(modules[n.target], RELU_MODULES))
                or (n.op == "call_function" and n.target in RELU_FUNCTIONS)
                or (n.op == "call_method" and n.target == "relu")
            )
            if is_relu:
                args, _ = self.fetch_args_kwargs_from_env(n)
                captured.append(args[0].reshape(-1))
            return super().run_node(n)

    out = Recorder(gm).run(x.unsqueeze(0))
    return captured, out.reshape(-1)


def autograd_region(model: nn.Module, x: np.ndarray, input_shape) -> dict[str, np.ndarray]:
    """A, b, pattern and the logit map of the region of x, by autograd in float64."""
    model = model.double().cpu()
    xt = torch.tensor(x, dtype=torch.float64).reshape(input_shape)

    def pre(xx):
        hs, _ = relu_inputs(model, xx)
        return torch.cat(hs)

    def logits(xx):
        return relu_inputs(model, xx)[1]

    h = pre(xt).detach().numpy()
    J = torch.autograd.functional.jacobian(pre, xt).reshape(h.size, -1).numpy()
    z = logits(xt).detach().numpy()
    W = torch.autograd.functional.jacobian(logits, xt).reshape(z.size, -1).numpy()
    xf = xt.reshape(-1).numpy()
    sign = np.where(h > 0, 1.0, -1.0)
    return {
        "A": sign[:, None] * J,
        "b": sign * (h - J @ xf),
        "pattern": h > 0,
        "h": h,
        "W": W,
        "c": z - W @ xf,
    }
