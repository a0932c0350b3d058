"""`atheena.linear`: a fully connected layer, `x W^T + b`.

Folding: `coarse_in` input lanes (divides N) and `coarse_out` output lanes
(divides M); the kernel (`kernels/linear.py`) has `coarse_in * coarse_out`
multipliers and takes `max(N/ci, N*M/(ci*co), M/co)` cycles per sample.
After a flatten its weight columns are permuted to the stream's HWC order.
"""

from __future__ import annotations

import itertools

import numpy as np

from atheena.dialects import ops as O
from atheena.kinds.base import OpKind, check_dense, divisors, vector


def hwc_columns(weights: np.ndarray, chw: tuple[int, int, int] | None) -> np.ndarray:
    """Permute a linear layer's weight columns from PyTorch's CHW flattening to the stream's HWC order."""
    if chw is None:
        return weights
    c, h, w = chw
    return weights.reshape(weights.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(weights.shape[0], -1)


class Linear(OpKind):
    name = "atheena.linear"
    order = 40
    torch_ops = ("torch.aten.linear",)
    torch_layers = "Linear"

    def from_torch(self, b, op):
        source = b.stream(op)
        weights = b.const(op, 1)
        bias = b.const(op, 2)
        if len(source.shape) != 1:
            b.fail(op, f"linear layer input must be flattened first, got shape {list(source.shape)}")
        if not isinstance(weights, np.ndarray) or weights.ndim != 2:
            b.fail(op, "linear weights must be a constant matrix")
        bias = np.zeros(weights.shape[0], np.float32) if bias is None else bias
        b.add(op, self.name, source, weights=weights, bias=bias)

    def check(self, op):
        (n_in,) = vector(op.operands[0]) or (None,)
        (n_out,) = vector(op.results[0]) or (None,)
        if n_in is None or n_out is None:
            return "input and result must be vectors (flatten feature maps first)"
        return check_dense(op, "weights", (n_out, n_in)) or check_dense(op, "bias", (n_out,))

    def macs(self, op):
        return O.shape_of(op.operands[0])[0] * O.shape_of(op.results[0])[0]

    def evaluate(self, op, x, arith):
        if not arith.fixed:
            return x @ O.dense(op, "weights").astype(np.float64).T + O.dense(op, "bias").astype(np.float64)
        w, b = arith.parameters(op)
        if arith.exactly_in_float64(op):
            acc = np.rint(x.astype(np.float64) @ w.T.astype(np.float64)).astype(np.int64)
        else:
            acc = x @ w.T
        return arith.requantize(acc + b)

    def axes(self, op):
        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        return {"coarse_in": divisors(n), "coarse_out": divisors(m)}

    def interval(self, op, folding):
        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        ci, co = folding["coarse_in"], folding["coarse_out"]
        return max(n / ci, n * m / (ci * co), m / co)

    def foldings(self, op):
        axes = self.axes(op)
        return [(f, self.interval(op, f)) for ci, co in itertools.product(axes["coarse_in"], axes["coarse_out"])
                for f in [{"coarse_in": ci, "coarse_out": co}]]

    def hardware(self, op, folding, b, inputs):
        from atheena.dse.model import linear_resources
        from atheena.hardware.plan import Channel

        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        ci, co = folding["coarse_in"], folding["coarse_out"]
        chw = inputs[0].chw

        def cost():
            weights, bias = b.codes(op)
            return linear_resources(n, m, ci, co, weights=weights, bias=bias)

        def module():
            from atheena.hardware.kernels.linear import linear_module

            weights, bias = b.arith.parameters(op)
            return linear_module(hwc_columns(weights, chw), bias, ci, co, b.arith)

        src = b.lanes(inputs[0], ci)
        return [b.kernel([src], Channel(co, m), cost, module)]


KIND = Linear()
