"""`atheena.relu`: `max(x, 0)`, element by element.

Folding: `coarse` channel lanes (divides C); one word per lane per cycle.
"""

from __future__ import annotations

import numpy as np

from atheena.kinds.base import OpKind


class Relu(OpKind):
    name = "atheena.relu"
    order = 30
    torch_ops = ("torch.aten.relu", "torch.aten.relu_")
    torch_layers = "ReLU"

    def from_torch(self, b, op):
        b.add(op, self.name, b.stream(op))

    def check(self, op):
        if op.results[0].type != op.operands[0].type:
            return f"result type {op.results[0].type} must equal the input type {op.operands[0].type}"
        return None

    def evaluate(self, op, x, arith):
        return np.maximum(x, 0) if arith.fixed else np.maximum(x, 0.0)

    def hardware(self, op, folding, b, inputs):
        from atheena.dse.model import elementwise_resources
        from atheena.hardware.kernels.relu import relu_module
        from atheena.hardware.plan import Channel

        lanes = folding["coarse"]
        src = b.lanes(inputs[0], lanes)
        return [b.kernel([src], Channel(lanes, src.words), lambda: elementwise_resources("relu", lanes),
                         lambda: relu_module(lanes))]


KIND = Relu()
