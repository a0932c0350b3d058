"""Float semantics of the `atheena` layers (float64, no rounding).

Tests use it to check that `convert-torch-to-atheena` preserves what the
PyTorch model computes; the exit test is PyTorch's `max softmax >= threshold`.
"""

from __future__ import annotations

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.reference import interpreter
from atheena.reference.interpreter import Result, conv_sums, window_max, window_sum


def max_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e.max(axis=1) / e.sum(axis=1)


class FloatArithmetic:
    """Layers in float64."""

    def input(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.float64)

    def conv2d(self, op: ir.Operation, x: np.ndarray) -> np.ndarray:
        w = O.dense(op, "weights")
        return conv_sums(op, x, w) + O.dense(op, "bias").astype(np.float64)[None, :, None, None]

    def pool(self, op: ir.Operation, x: np.ndarray) -> np.ndarray:
        if op.name == "atheena.max_pool2d":
            return window_max(op, x)
        kh, kw = O.int_array(op, "kernel")
        return window_sum(op, x) / (kh * kw)

    def relu(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)

    def linear(self, op: ir.Operation, x: np.ndarray) -> np.ndarray:
        return x @ O.dense(op, "weights").astype(np.float64).T + O.dense(op, "bias").astype(np.float64)

    def exit_score(self, logits: np.ndarray) -> np.ndarray:
        return max_softmax(logits)

    def exits(self, score: np.ndarray, threshold: float) -> np.ndarray:
        return score >= threshold


def run(module: ir.Module, inputs: np.ndarray) -> Result:
    """Evaluate the network in `module` on a batch `inputs` of shape (N, C, H, W)."""
    return interpreter.run(module, inputs, FloatArithmetic())
