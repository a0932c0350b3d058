"""`atheena.exit_decision`: per sample, whether it leaves at this early exit.

The test is `max softmax(logits) >= threshold` (or `> threshold` with the
optional attribute `comparison = "gt"`, as ONNX's `Greater` in an imported
early-exit model decides; "ge" is the default), computed in hardware without
division or overflow: `sum_i exp(x_i - x_max) <= 1/threshold`, the exp from a
ROM on `x_max - x_i` (the rules are in `atheena.reference.fixed_point`; the
float reference computes the softmax itself).  The kernel
(`kernels/exit_decision.py`) takes one logit per cycle, so its interval is the
number of logits, and emits one decision (1 bit) per sample.  `exit` numbers
the early exits 0, 1, ... from the earliest.
"""

from __future__ import annotations

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.memory import _rom, memory, rom_columns
from atheena.dse.model import Estimate, _total, estimate
from atheena.kinds.base import OpKind, vector



EXP_ROM_BITS = 17  # UQ1.16 exp values
COMPARISONS = ("ge", "gt")  # exit iff max softmax >= threshold (the default), or > threshold



def decision_resources(n: int, exp_index_shift: int = 0) -> Estimate:
    """Exit decision over `n` logits: the exp ROM (UQ1.16 entries) and the ping-pong logit RAM."""
    from atheena.reference.fixed_point import FixedPointFormat, exp_rom

    table = np.append(exp_rom(FixedPointFormat(), exp_index_shift), 0)
    ibits = max(1, (n - 1).bit_length())
    rom = _rom(len(table), 1, rom_columns(table, EXP_ROM_BITS))
    ram = memory(2 << ibits, 1, 16)
    bram, lut_mem, ff_mem = _total([rom, ram])
    features = {"index_bits": ibits, "sum_bits": (n * int(table.max())).bit_length(), "memory_ff": ff_mem}
    return estimate("exit_decision", features, 0, bram, lut_mem)


class ExitDecision(OpKind):
    name = "atheena.exit_decision"
    order = 80
    role = "decision"
    decision_results = (0,)

    def check(self, op):
        from atheena.thresholds import threshold_problem

        if vector(op.operands[0]) is None:
            return "logits must be a vector"
        if op.results[0].type != O.decision_type():
            return f"result must be tensor<i1> (one decision per sample), got {op.results[0].type}"
        problem = threshold_problem(O.float_attr(op, "threshold"))
        if problem:
            return problem
        if O.int_attr(op, "exit") < 0:
            return "exit index must be >= 0"
        comparison = op.attributes["comparison"] if "comparison" in op.attributes else None
        if comparison is not None and (not isinstance(comparison, ir.StringAttr)
                                       or ir.StringAttr(comparison).value not in COMPARISONS):
            return (f"comparison {op.attributes['comparison']} must be \"ge\" (exit iff max softmax >= threshold, "
                    "the default) or \"gt\" (exit iff max softmax > threshold)")
        return None

    @staticmethod
    def strict(op) -> bool:
        """Whether the sample exits only when its confidence is strictly above the threshold."""
        return "comparison" in op.attributes and O.str_attr(op, "comparison") == "gt"

    def score(self, logits, arith):
        """Per sample, the confidence the threshold is compared with (`arith`'s definition)."""
        return arith.exit_score(logits)

    def decide(self, op, score, arith):
        return arith.exits(score, O.float_attr(op, "threshold"), self.strict(op))

    def axes(self, op):
        return {}

    def interval(self, op, folding):
        return O.shape_of(op.operands[0])[0]

    def latency(self, op, folding):
        from atheena.hardware.kernels.exit_decision import decision_latency

        return decision_latency(O.shape_of(op.operands[0])[0]) - self.interval(op, folding)

    def families(self):
        from atheena.hardware.characterise import Family

        def build(p):
            from atheena.hardware.kernels.exit_decision import exit_decision_module

            module = exit_decision_module(p["n"], p["t"])
            return module, module.__name__

        return [Family("exit_decision", "exit_decision", ("base", "index_bits", "sum_bits", "memory_ff"),
                       build, lambda p: decision_resources(p["n"]), lut_features=("base", "index_bits", "sum_bits"))]

    def hardware(self, op, folding, b, inputs):
        from atheena.hardware.plan import Channel

        n = O.shape_of(op.operands[0])[0]
        threshold, strict = O.float_attr(op, "threshold"), self.strict(op)
        src = b.lanes(inputs[0], 1)

        def module():
            from atheena.hardware.kernels.exit_decision import exit_decision_module

            return exit_decision_module(src.words, threshold, b.arith.exp_index_shift, b.arith.act, strict)

        out = Channel(1, 1, bits=1, exit=O.int_attr(op, "exit"))
        return [b.kernel([src], out, lambda: decision_resources(n), module)]


KIND = ExitDecision()
