"""Walk an `atheena` network over a batch of samples with pluggable arithmetic.

The walk is the dialect's dataflow semantics: streams carry samples (by id),
`split` copies, `exit_decision` decides per sample, conditional buffers drop
or forward whole samples, `exit_merge` puts each sample's result back in
order tagged with its exit.  What each layer computes is delegated to an
`Arithmetic` (float, or the hardware's fixed point), so both references share
exactly one definition of the control flow.

`dense=True` runs every sample through every exit instead (buffers drop
nothing); profiling uses it to get every exit's logits for every sample once,
then evaluates any choice of thresholds without running the network again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from torch_mlir import ir

from atheena.dialects import ops as O


class Arithmetic(Protocol):
    def input(self, x: np.ndarray) -> np.ndarray: ...
    def conv2d(self, op: ir.Operation, x: np.ndarray) -> np.ndarray: ...
    def pool(self, op: ir.Operation, x: np.ndarray) -> np.ndarray: ...
    def relu(self, x: np.ndarray) -> np.ndarray: ...
    def linear(self, op: ir.Operation, x: np.ndarray) -> np.ndarray: ...
    def exit_score(self, logits: np.ndarray) -> np.ndarray: ...
    def exits(self, score: np.ndarray, threshold: float) -> np.ndarray: ...


@dataclass
class Stream:
    """The samples (by id) that travel on one stream, and their tensors."""

    ids: np.ndarray
    data: np.ndarray


@dataclass
class Result:
    """Per sample, in sample order: the logits it left with and the exit it took."""

    logits: np.ndarray
    exit: np.ndarray


@dataclass
class Trace:
    """Dense run: every exit's logits and exit score for every sample."""

    logits: list[np.ndarray] = field(default_factory=list)  # per exit, (N, classes)
    scores: list[np.ndarray] = field(default_factory=list)  # per early exit, (N,)
    thresholds: list[float] = field(default_factory=list)  # per early exit, from the IR


def _merge(streams: list[Stream], n: int) -> Result:
    logits = np.zeros((n, streams[-1].data.shape[1]), dtype=streams[-1].data.dtype)
    exits = np.full(n, -1)
    for k, s in enumerate(streams):
        if np.any(exits[s.ids] >= 0):
            raise ValueError("a sample left the network through two exits")
        logits[s.ids] = s.data
        exits[s.ids] = k
    if np.any(exits < 0):
        raise ValueError("a sample left the network through no exit")
    return Result(logits, exits)


def run(module: ir.Module, inputs: np.ndarray, arith: Arithmetic, dense: bool = False) -> Result | Trace:
    """Evaluate the network in `module` on `inputs` (N, C, H, W) with `arith`."""
    (func,) = O.network_functions(module)
    n = inputs.shape[0]
    env: dict[ir.Value, Stream] = {func.regions[0].blocks[0].arguments[0]: Stream(np.arange(n), arith.input(inputs))}
    trace = Trace()
    result = None
    for op in O.body_ops(func):
        name = op.name
        if name == "func.return":
            final = env[op.operands[0]]
            if dense:
                trace.logits.append(final.data)
                return trace
            return result if result is not None else _merge([final], n)
        if name == "atheena.exit_merge":
            if not dense:
                result = _merge([env[v] for v in op.operands], n)
                env[op.results[0]] = Stream(np.arange(n), result.logits)
            else:
                env[op.results[0]] = env[op.operands[-1]]
            continue
        src = env[op.operands[0]]
        if name == "atheena.split":
            for r in op.results:
                env[r] = src
            continue
        if name == "atheena.exit_decision":
            score = arith.exit_score(src.data)
            threshold = O.float_attr(op, "threshold")
            if dense:
                trace.logits.append(src.data)
                trace.scores.append(score)
                trace.thresholds.append(threshold)
            env[op.results[0]] = Stream(src.ids, arith.exits(score, threshold))
            continue
        if name == "atheena.conditional_buffer":
            decision = env[op.operands[1]]
            if not np.array_equal(decision.ids, src.ids):
                raise ValueError("conditional buffer: decision and data streams carry different samples")
            if dense:
                env[op.results[0]] = src
                continue
            keep = decision.data if O.str_attr(op, "mode") == "forward_on_exit" else ~decision.data
            env[op.results[0]] = Stream(src.ids[keep], src.data[keep])
            continue
        if name == "atheena.conv2d":
            out = arith.conv2d(op, src.data)
        elif name in ("atheena.max_pool2d", "atheena.avg_pool2d"):
            out = arith.pool(op, src.data)
        elif name == "atheena.relu":
            out = arith.relu(src.data)
        elif name == "atheena.flatten":
            out = src.data.reshape(src.data.shape[0], int(np.prod(src.data.shape[1:])))
        elif name == "atheena.linear":
            out = arith.linear(op, src.data)
        else:
            raise ValueError(f"no reference semantics for {name}")
        env[op.results[0]] = Stream(src.ids, out)
    raise ValueError("network function has no return")


def _params(op: ir.Operation):
    return (O.int_array(op, "kernel"), O.int_array(op, "stride"), O.int_array(op, "padding"))


def conv_sums(op: ir.Operation, x: np.ndarray, w: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Sums of products of a (grouped) convolution, without bias, computed in `dtype`.

    PyTorch's convolution is used as the multiply-accumulate engine.  With
    integer-valued float64 operands whose worst-case sum stays below 2**53
    (the fixed-point model proves this per layer) every partial sum is an
    exactly representable integer, so the result is exact in any order.
    """
    _, stride, padding = _params(op)
    out = torch.nn.functional.conv2d(torch.from_numpy(np.ascontiguousarray(x, dtype=dtype)),
                                     torch.from_numpy(np.ascontiguousarray(w, dtype=dtype)),
                                     stride=tuple(stride), padding=tuple(padding), groups=O.int_attr(op, "groups"))
    return out.numpy()


def conv_sums_int64(op: ir.Operation, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The same sums in int64 with numpy (slow; for layers whose sums could exceed 2**53)."""
    kernel, stride, padding = _params(op)
    (ph, pw), (sh, sw) = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xp, tuple(kernel), axis=(2, 3))[:, :, ::sh, ::sw]
    groups = O.int_attr(op, "groups")
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    return np.concatenate([
        np.einsum("nchwij,fcij->nfhw", win[:, g * cg : (g + 1) * cg], w[g * fg : (g + 1) * fg])
        for g in range(groups)
    ], axis=1)


def window_max(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    """Max over each pooling window; padding never wins (it is at most half a window)."""
    kernel, stride, padding = _params(op)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return torch.nn.functional.max_pool2d(t, tuple(kernel), tuple(stride), tuple(padding)).numpy()


def window_sum(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    """Sum over each pooling window, zero padding included (exact for integer codes)."""
    kernel, stride, padding = _params(op)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return torch.nn.functional.avg_pool2d(t, tuple(kernel), tuple(stride), tuple(padding),
                                          count_include_pad=True, divisor_override=1).numpy()
