"""Float evaluation of an `atheena` network with numpy, exit control included.

This is the dialect's executable semantics in floating point: it runs each op
on a batch of samples, lets `exit_decision` compare the largest softmax
probability with the threshold (`>=`), drops and forwards samples in the
conditional buffers, and merges results tagged with the exit each sample
took.  Tests use it to check that `convert-torch-to-atheena` preserves what
the PyTorch model computes; the fixed-point reference follows the same
structure with integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O


@dataclass
class Stream:
    """The samples (by id) that travel on one stream, and their tensors."""

    ids: np.ndarray  # (n,) sample ids, in stream order
    data: np.ndarray  # (n, ...) one tensor per sample


@dataclass
class Result:
    logits: np.ndarray  # (N, classes), in sample order
    exit: np.ndarray  # (N,) index of the exit each sample took


def _windows(x: np.ndarray, kernel, stride, padding, pad_value=0.0) -> np.ndarray:
    """(n, C, Ho, Wo, kh, kw) sliding windows of a (n, C, H, W) batch."""
    (ph, pw), (sh, sw) = padding, stride
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    win = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=(2, 3))
    return win[:, :, ::sh, ::sw]


def conv2d(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    w, b = O.dense(op, "weights").astype(np.float64), O.dense(op, "bias").astype(np.float64)
    groups = O.int_attr(op, "groups")
    win = _windows(x, O.int_array(op, "kernel"), O.int_array(op, "stride"), O.int_array(op, "padding"))
    n, c = x.shape[:2]
    f = w.shape[0]
    cg, fg = c // groups, f // groups
    outs = []
    for g in range(groups):
        wg = w[g * fg : (g + 1) * fg]  # (fg, cg, kh, kw)
        outs.append(np.einsum("nchwij,fcij->nfhw", win[:, g * cg : (g + 1) * cg], wg, optimize=True))
    return np.concatenate(outs, axis=1) + b[None, :, None, None]


def pool(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    kernel = O.int_array(op, "kernel")
    if op.name == "atheena.max_pool2d":
        win = _windows(x, kernel, O.int_array(op, "stride"), O.int_array(op, "padding"), -np.inf)
        return win.max(axis=(4, 5))
    win = _windows(x, kernel, O.int_array(op, "stride"), O.int_array(op, "padding"))
    return win.sum(axis=(4, 5)) / (kernel[0] * kernel[1])


def max_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e.max(axis=1) / e.sum(axis=1)


def run(module: ir.Module, inputs: np.ndarray) -> Result:
    """Evaluate the network in `module` on a batch `inputs` of shape (N, C, H, W)."""
    (func,) = O.network_functions(module)
    n = inputs.shape[0]
    env: dict[ir.Value, Stream] = {}
    env[func.regions[0].blocks[0].arguments[0]] = Stream(np.arange(n), inputs.astype(np.float64))
    result = None
    for op in O.body_ops(func):
        name = op.name
        if name == "func.return":
            if result is None:  # a network without exits
                result = _merge([env[op.operands[0]]], n)
            break
        if name == "atheena.exit_merge":
            result = _merge([env[v] for v in op.operands], n)
            env[op.results[0]] = Stream(np.arange(n), result.logits)
            continue
        src = env[op.operands[0]]
        if name == "atheena.split":
            for r in op.results:
                env[r] = src
        elif name == "atheena.conv2d":
            env[op.results[0]] = Stream(src.ids, conv2d(op, src.data))
        elif name in ("atheena.max_pool2d", "atheena.avg_pool2d"):
            env[op.results[0]] = Stream(src.ids, pool(op, src.data))
        elif name == "atheena.relu":
            env[op.results[0]] = Stream(src.ids, np.maximum(src.data, 0.0))
        elif name == "atheena.flatten":
            env[op.results[0]] = Stream(src.ids, src.data.reshape(src.data.shape[0], -1))
        elif name == "atheena.linear":
            w, b = O.dense(op, "weights").astype(np.float64), O.dense(op, "bias").astype(np.float64)
            env[op.results[0]] = Stream(src.ids, src.data @ w.T + b)
        elif name == "atheena.exit_decision":
            env[op.results[0]] = Stream(src.ids, max_softmax(src.data) >= O.float_attr(op, "threshold"))
        elif name == "atheena.conditional_buffer":
            decision = env[op.operands[1]]
            if not np.array_equal(decision.ids, src.ids):
                raise ValueError("conditional buffer: decision and data streams carry different samples")
            keep = decision.data if O.str_attr(op, "mode") == "forward_on_exit" else ~decision.data
            env[op.results[0]] = Stream(src.ids[keep], src.data[keep])
        else:
            raise ValueError(f"no float semantics for {name}")
    return result


def _merge(streams: list[Stream], n: int) -> Result:
    """Put each exit's results back in sample order, recording the exit taken."""
    classes = streams[-1].data.shape[1]
    logits = np.full((n, classes), np.nan)
    exits = np.full(n, -1)
    for k, s in enumerate(streams):
        if np.any(exits[s.ids] >= 0):
            raise ValueError("a sample left the network through two exits")
        logits[s.ids] = s.data
        exits[s.ids] = k
    if np.any(exits < 0):
        raise ValueError("a sample left the network through no exit")
    return Result(logits, exits)
