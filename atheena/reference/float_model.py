"""Float semantics of the `atheena` layers (float64, no rounding).

Tests use it to check that `convert-torch-to-atheena` preserves what the
PyTorch model computes; the exit test is `max softmax >= threshold` (PyTorch's usual test), or `>` for an
exit whose `comparison` is "gt" (ONNX's `Greater`).
"""

from __future__ import annotations

import numpy as np
from torch_mlir import ir

from atheena.reference import interpreter
from atheena.reference.interpreter import Result


def max_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e.max(axis=1) / e.sum(axis=1)


class FloatArithmetic:
    """Layers in float64."""

    fixed = False

    def input(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.float64)

    def layer(self, op: ir.Operation, x: np.ndarray) -> np.ndarray:
        """The output of layer `op` for a batch `x` (its kind's semantics, in float64)."""
        from atheena import kinds

        return kinds.of(op).evaluate(op, x, self)

    def exit_score(self, logits: np.ndarray) -> np.ndarray:
        return max_softmax(logits)

    def exits(self, score: np.ndarray, threshold: float, strict: bool = False) -> np.ndarray:
        return score > threshold if strict else score >= threshold


def run(module: ir.Module, inputs: np.ndarray) -> Result:
    """Evaluate the network in `module` on a batch `inputs` of shape (N, C, H, W)."""
    return interpreter.run(module, inputs, FloatArithmetic())
