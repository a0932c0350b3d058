"""`size-buffers`: choose every conditional buffer's depth (in samples).

Method: simulation of the exit process (`atheena.dse.buffers`).  For each
early exit, the backbone's buffer (`drop_on_exit`) gets the smallest depth
at which a fixed-seed Bernoulli stream of hard samples (the profiled
continue probability) loses at most `max_loss` throughput against an
unbounded buffer, given the design's interval, the slowest layer after the
exit, and the exit branch's latency (bounded by the sum of its layers'
intervals).  The exit's own result buffer (`forward_on_exit`) waits only for
the decision kernel, a few cycles behind the logits: it gets the minimum of
2 samples.  Any depth >= 1 is deadlock-free (see `atheena.dse.buffers`).

Needs the `fold` pass first (`interval` on every op, `atheena.design` on the
function) and reach probabilities (`annotate-exit-probabilities`, or `fold`
with `exit_probabilities`).  Writes `depth` (i64) on every conditional
buffer, `atheena.buffers` on the function (per exit: depth and simulated
loss), and adds the buffers' extra memory to the resources in `atheena.design`.

Options: `max_loss` (default 0.02, i.e. 2%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.buffers import MIN_DEPTH, buffer_depth
from atheena.dse.model import buffer_resources, coefficients
from atheena.pass_base import ModulePass, PassFailure


def _i64(v: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))


def _float(op: ir.Operation, name: str) -> float:
    return ir.FloatAttr(op.attributes[name]).value


def _users(value: ir.Value, ops: list[ir.Operation]) -> list[ir.Operation]:
    return [op for op in ops if any(operand == value for operand in op.operands)]


def _branch(start: ir.Value, ops: list[ir.Operation], stop: str) -> list[ir.Operation]:
    """Ops from the consumer of `start` up to (and including) the first op named `stop`."""
    out, frontier = [], [start]
    while frontier:
        value = frontier.pop()
        for op in _users(value, ops):
            out.append(op)
            if op.name != stop:
                frontier.extend(op.results)
    return out


@dataclass(frozen=True)
class SizeBuffers(ModulePass):
    """Conditional buffer depths from a simulation of the exit process (throughput loss <= max_loss)."""

    name = "size-buffers"
    max_loss: float = 0.02

    def apply(self, module: ir.Operation) -> None:
        if not 0.0 < self.max_loss < 1.0:
            raise PassFailure(module, f"max_loss {self.max_loss} must be in (0, 1), e.g. 0.02 for 2%")
        (func,) = O.network_functions(module)
        ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
        missing = [op for op in ops if "interval" not in op.attributes or "reach_probability" not in op.attributes]
        if missing or "atheena.design" not in func.attributes:
            raise PassFailure(func, "size-buffers needs a folded network with reach probabilities: run "
                              "annotate-exit-probabilities (or fold with exit_probabilities) and fold first")
        design = ir.DictAttr(func.attributes["atheena.design"])
        interval = ir.FloatAttr(design["cycles_per_sample"]).value
        summary = {}
        extra = [0, 0, 0, 0]  # resources beyond what `fold` counted (it assumed the default depth)

        def set_depth(op, depth: int) -> None:
            c, *hw = O.shape_of(op.operands[0])
            words = c * (hw[0] * hw[1] if hw else 1)
            lanes = ir.IntegerAttr(ir.DictAttr(op.attributes["folding"])["coarse"]).value
            before = O.int_attr(op, "depth") if "depth" in op.attributes else coefficients()[
                "conditional_buffer_depth_samples"]
            for k, (new, old) in enumerate(zip(buffer_resources(words, depth, lanes).resources,
                                               buffer_resources(words, before, lanes).resources)):
                extra[k] += new - old
            op.attributes["depth"] = _i64(depth)

        for op in ops:
            if op.name != "atheena.conditional_buffer":
                continue
            exit_index = O.int_attr(op, "exit")
            if O.str_attr(op, "mode") == "forward_on_exit":
                set_depth(op, MIN_DEPTH)
                continue
            q_here = _float(op, "reach_probability")
            after = _branch(op.results[0], ops, "atheena.exit_decision")
            q_next = min((_float(o, "reach_probability") for o in _users(op.results[0], ops)), default=0.0)
            section = [o for o in after if math.isclose(_float(o, "reach_probability"), q_next, rel_tol=1e-9)
                       and o.name != "atheena.exit_merge"]
            service = max((O.int_attr(o, "interval") for o in section), default=0)  # cycles per continuing sample
            # the exit branch: from the split that feeds this buffer to its decision
            split = op.operands[0].owner
            branch = _branch(split.results[0], ops, "atheena.exit_decision")
            latency = sum(O.int_attr(o, "interval") for o in branch)
            cont = q_next / q_here if q_here > 0 else 0.0
            depth, loss = buffer_depth(cont, interval, float(service), float(latency), self.max_loss)
            set_depth(op, depth)
            summary[f"exit{exit_index}"] = ir.DictAttr.get({"depth": _i64(depth), "loss": ir.FloatAttr.get_f64(loss)})
        func.attributes["atheena.buffers"] = ir.DictAttr.get(summary)
        entries = {design[i].name: design[i].attr for i in range(len(design))}
        for k, kind in enumerate(("dsp", "bram18", "lut", "ff")):
            entries[kind] = _i64(ir.IntegerAttr(entries[kind]).value + extra[k])
        func.attributes["atheena.design"] = ir.DictAttr.get(entries)
