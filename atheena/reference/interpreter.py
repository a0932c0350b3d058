"""Walk an `atheena` network over a batch of samples with pluggable arithmetic.

The walk is the dialect's dataflow semantics: streams carry samples (by id),
splits copy, exit decisions decide per sample, conditional buffers drop
or forward whole samples, the exit merge puts each sample's result back in
order tagged with its exit.  What each layer computes is delegated to an
`Arithmetic` (float, or the hardware's fixed point), so both references share
exactly one definition of the control flow.

`dense=True` runs every sample through every exit instead (buffers drop
nothing); profiling uses it to get every exit's logits for every sample once,
then evaluates any choice of thresholds without running the network again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Protocol

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O


class Arithmetic(Protocol):
    fixed: bool  # the hardware's integer codes (True) or float64

    def input(self, x: np.ndarray) -> np.ndarray: ...
    def layer(self, op: ir.Operation, x: np.ndarray) -> np.ndarray: ...
    def exit_score(self, logits: np.ndarray) -> np.ndarray: ...
    def exits(self, score: np.ndarray, threshold: float, strict: bool = False) -> np.ndarray: ...


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
    strict: list[bool] = field(default_factory=list)  # per early exit: the test is max softmax > t (not >=)


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


def run(module: ir.Module, inputs: np.ndarray, arith: Arithmetic, dense: bool = False,
        observe: Callable[[ir.Operation, np.ndarray], None] | None = None) -> Result | Trace:
    """Evaluate the network in `module` on `inputs` (N, C, H, W) with `arith`; `observe(op, outputs)`, when
    given, sees every computing layer's outputs (profiling records their range)."""
    from atheena import kinds  # each layer's semantics (the kinds' modules use the references' number rules)

    (func,) = O.network_functions(module)
    n = inputs.shape[0]
    env: dict[ir.Value, Stream] = {func.regions[0].blocks[0].arguments[0]: Stream(np.arange(n), arith.input(inputs))}
    trace = Trace()
    result = None
    for op in O.body_ops(func):
        if op.name == "func.return":
            final = env[op.operands[0]]
            if dense:
                trace.logits.append(final.data)
                return trace
            return result if result is not None else _merge([final], n)
        kind = kinds.KINDS.get(op.name)
        if kind is None:
            raise ValueError(f"no reference semantics for {op.name}")
        if kind.role == "merge":
            if not dense:
                result = _merge([env[v] for v in op.operands], n)
                env[op.results[0]] = Stream(np.arange(n), result.logits)
            else:
                env[op.results[0]] = env[op.operands[-1]]
            continue
        src = env[op.operands[0]]
        if kind.role == "split":
            for r in op.results:
                env[r] = src
        elif kind.role == "decision":
            score = kind.score(src.data, arith)
            if dense:
                trace.logits.append(src.data)
                trace.scores.append(score)
                trace.thresholds.append(O.float_attr(op, "threshold"))
                trace.strict.append(kind.strict(op))
            env[op.results[0]] = Stream(src.ids, kind.decide(op, score, arith))
        elif kind.role == "buffer":
            decision = env[op.operands[1]]
            if not np.array_equal(decision.ids, src.ids):
                raise ValueError("conditional buffer: decision and data streams carry different samples")
            if dense:
                env[op.results[0]] = src
                continue
            keep = decision.data if kind.mode(op) == "forward_on_exit" else ~decision.data
            env[op.results[0]] = Stream(src.ids[keep], src.data[keep])
        else:
            env[op.results[0]] = Stream(src.ids, kind.evaluate(op, src.data, arith))
            if observe is not None:
                observe(op, env[op.results[0]].data)
    raise ValueError("network function has no return")
