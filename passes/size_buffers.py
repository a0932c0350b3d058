"""`size-buffers`: choose every conditional buffer's depth (in samples) within the budget.

Method: simulation of the exit process (`atheena.dse.buffers`).  For each
early exit, the backbone's buffer (`drop_on_exit`) gets the smallest depth
at which a fixed-seed Bernoulli stream of hard samples (the profiled
continue probability) loses at most `max_loss` throughput against an
unbounded buffer.  Samples arrive at the rate of the section before the exit
(its slowest layer, exit branch included), a continuing sample occupies the
section after it for that section's slowest interval, and the decision comes
after the exit branch's latency (bounded by the sum of its layers'
intervals).  The exit's own result buffer (`forward_on_exit`) waits only for
the decision kernel, a few cycles behind the logits: it gets the minimum of
2 samples.  Any depth >= 1 is deadlock-free (see `atheena.dse.buffers`).

Budget: the buffers' memory counts against the same budget `fold` used.
When the chosen depths do not fit, the pass shortens the buffer that loses
the least throughput per resource freed, one sample at a time, and says so
on stderr; if even the minimum depths do not fit it fails and names the
resource.  Prediction: `atheena.design`'s `cycles_per_sample` and
`throughput_sps` become the simulated rate at the chosen depths (never
faster than `fold`'s rate-balanced figure, kept as
`balanced_cycles_per_sample`), because hard samples arrive in bursts and
the RTL shows it.  The depths assume independent samples at the profiled
rate; the prediction replays the profiled exit sequence in order when
`annotate-exit-probabilities` recorded it (`pattern = "profiled"`), else the
same Bernoulli stream (`pattern = "bernoulli"`).

Needs the `fold` pass first (`interval` on every op, `atheena.design` on the
function) and reach probabilities (`annotate-exit-probabilities`, or `fold`
with `exit_probabilities`).  Writes `depth` (i64) on every conditional
buffer, `atheena.buffers` on the function (per exit: depth, simulated loss
against an unbounded buffer, simulated cycles per sample and the pattern
simulated, and the cycles per sample of independent samples at the same
rate), and adds the
buffers' extra memory to the resources in `atheena.design`.

Options: `max_loss` (default 0.02, i.e. 2%), `board` (default: the board
`fold` named; give the .json path for a board of your own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse import boards
from atheena.dse.boards import RESOURCES
from atheena.dse.buffers import MIN_DEPTH, ExitQueue, buffer_depth
from atheena.hardware.plan import build as build_plan
from atheena.kinds.conditional_buffer import KIND as BUFFER
from atheena.errors import AtheenaError
from atheena.pass_base import ModulePass, PassFailure
from atheena.passes.annotate_exit_probabilities import read_exit_trace


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


@dataclass
class _Buffer:
    """A backbone buffer being sized: its op, queue, storage shape and depth."""

    op: ir.Operation
    exit: int
    queue: ExitQueue | None  # Bernoulli at the profiled rate; None: the exit's own result buffer (MIN_DEPTH)
    words: int
    lanes: int
    depth: int
    observed: ExitQueue | None = None  # the profiled exit sequence replayed, when the IR has it

    def resources(self, depth: int | None = None) -> list[int]:
        # the kernel, the queue of decisions in front of it (depth + 2 slots) and the buffer behind it
        return BUFFER.resources_at(self.op, self.lanes, self.depth if depth is None else depth)


def _stderr(message: str) -> None:
    import sys

    print(f"size-buffers: {message}", file=sys.stderr)


@dataclass(frozen=True)
class SizeBuffers(ModulePass):
    """Conditional buffer depths from a simulation of the exit process (throughput loss <= max_loss)."""

    name = "size-buffers"
    max_loss: float = 0.02
    board: str = ""

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
        entries = {design[i].name: design[i].attr for i in range(len(design))}
        board = self._board(func, ir.StringAttr(entries["board"]).value)
        budget = ir.FloatAttr(entries["budget"]).value
        trace = read_exit_trace(func)
        buffers = [self._buffer(op, ops, trace) for op in ops if op.name == "atheena.conditional_buffer"]

        # what fold counted (every buffer at the default depth) -> the chosen depths
        used = [ir.IntegerAttr(entries[kind]).value for kind in RESOURCES]
        base = [u - sum(b.resources(BUFFER.depth(b.op))[k] for b in buffers) for k, u in enumerate(used)]
        limit = [budget * board.capacity(kind) for kind in RESOURCES]
        self._fit(func, buffers, base, limit, board.name, budget)

        summary = {}
        cycles = balanced = ir.FloatAttr(entries.get("balanced_cycles_per_sample",
                                                     entries["cycles_per_sample"])).value
        for b in buffers:
            b.op.attributes["depth"] = _i64(b.depth)
            if b.queue is None:
                continue
            simulated = (b.observed or b.queue).cycles_per_sample(b.depth)
            cycles = max(cycles, simulated)
            summary[f"exit{b.exit}"] = ir.DictAttr.get({
                "depth": _i64(b.depth), "loss": ir.FloatAttr.get_f64(b.queue.loss(b.depth)),
                "cycles_per_sample": ir.FloatAttr.get_f64(simulated),
                "independent_cycles_per_sample": ir.FloatAttr.get_f64(b.queue.cycles_per_sample(b.depth)),
                "pattern": ir.StringAttr.get("profiled" if b.observed else "bernoulli")})
        func.attributes["atheena.buffers"] = ir.DictAttr.get(summary)
        # the whole design at the chosen depths (the exit merge's id FIFOs grow with them too)
        for kind, total in build_plan(func).resources().items():
            entries[kind] = _i64(total)
        clock = ir.FloatAttr(entries["clock_mhz"]).value
        entries["balanced_cycles_per_sample"] = ir.FloatAttr.get_f64(balanced)
        entries["cycles_per_sample"] = ir.FloatAttr.get_f64(cycles)
        entries["throughput_sps"] = ir.FloatAttr.get_f64(clock * 1e6 / cycles)
        func.attributes["atheena.design"] = ir.DictAttr.get(entries)

    def _board(self, func: ir.Operation, named: str):
        try:
            return boards.load(self.board or named)
        except AtheenaError as err:
            raise PassFailure(func, f"size-buffers needs the board the network was folded for to keep the "
                              f"buffers within its budget: {err} (size-buffers{{board=path/to/board.json}})") from None

    def _buffer(self, op: ir.Operation, ops: list[ir.Operation], trace: list[int] | None) -> _Buffer:
        c, *hw = O.shape_of(op.operands[0])
        words = c * (hw[0] * hw[1] if hw else 1)
        lanes = ir.IntegerAttr(ir.DictAttr(op.attributes["folding"])["coarse"]).value
        exit_index = O.int_attr(op, "exit")
        if O.str_attr(op, "mode") == "forward_on_exit":
            return _Buffer(op, exit_index, None, words, lanes, MIN_DEPTH)
        q_here = _float(op, "reach_probability")
        after = _branch(op.results[0], ops, "atheena.exit_decision")
        q_next = min((_float(o, "reach_probability") for o in _users(op.results[0], ops)), default=0.0)
        section = [o for o in after if math.isclose(_float(o, "reach_probability"), q_next, rel_tol=1e-9)
                   and o.name != "atheena.exit_merge"]
        service = max((O.int_attr(o, "interval") for o in section), default=0)  # cycles per continuing sample
        # the section that feeds this buffer, exit branch included: it sets the fastest arrival rate
        feeding = [o for o in ops if math.isclose(_float(o, "reach_probability"), q_here, rel_tol=1e-9)
                   and o.name != "atheena.exit_merge"]
        interval = max(O.int_attr(o, "interval") for o in feeding)
        # the exit branch: from the split that feeds this buffer to its decision
        split = op.operands[0].owner
        branch = _branch(split.results[0], ops, "atheena.exit_decision")
        latency = sum(O.int_attr(o, "interval") for o in branch)
        queue = ExitQueue(q_next / q_here if q_here > 0 else 0.0, float(interval), float(service), float(latency),
                          reach=q_here)
        depth, _ = buffer_depth(queue, self.max_loss)
        observed = None
        if trace:  # the samples that reach this exit, in order: do they go on?
            observed = ExitQueue.replay([t > exit_index for t in trace if t >= exit_index],
                                        float(interval), float(service), float(latency), reach=q_here)
        return _Buffer(op, exit_index, queue, words, lanes, depth, observed)

    def _fit(self, func, buffers: list[_Buffer], base: list[int], limit: list[float], board: str,
             budget: float) -> None:
        """Shorten backbone buffers until every resource is within the budget (or fail)."""
        def over() -> list[float]:
            for b in buffers:  # the whole design at these depths: the exit merge's id FIFOs grow with them too
                b.op.attributes["depth"] = _i64(b.depth)
            total = build_plan(func).resources()
            return [total[kind] - limit[k] for k, kind in enumerate(RESOURCES)]

        wanted = {id(b): b.depth for b in buffers}
        while any(x > 0 for x in over()):
            excess = over()
            best, best_depth, best_cost = None, 0, math.inf
            for b in buffers:
                if b.queue is None:
                    continue
                # the next shorter depth that frees any over-budget resource (memory comes in steps)
                for shorter in range(b.depth - 1, MIN_DEPTH - 1, -1):
                    freed = [x - y for x, y in zip(b.resources(), b.resources(shorter))]
                    relief = sum(f / max(limit[k], 1.0) for k, f in enumerate(freed) if excess[k] > 0)
                    if relief > 0:
                        lost = b.queue.cycles_per_sample(shorter) - b.queue.cycles_per_sample(b.depth)
                        if lost / relief < best_cost:
                            best, best_depth, best_cost = b, shorter, lost / relief
                        break
            if best is None:
                short = [f"{kind} ({base[k] + sum(b.resources()[k] for b in buffers)} > {limit[k]:.0f})"
                         for k, kind in enumerate(RESOURCES) if excess[k] > 0]
                raise PassFailure(func, f"the design does not fit in {budget:.0%} of the {board} even with its "
                                  f"conditional buffers at their minimum depth of {MIN_DEPTH} samples: over budget "
                                  f"in {', '.join(short)}. Fold for this board and budget first (the `fold` pass "
                                  "counts minimum-depth buffers), or give a larger budget")
            best.depth = best_depth
        for b in buffers:
            if b.depth < wanted[id(b)]:
                _stderr(f"exit {b.exit}: buffer shortened from {wanted[id(b)]} to {b.depth} samples to stay "
                        f"within {budget:.0%} of the {board}; simulated loss {b.queue.loss(b.depth):.1%} "
                        f"instead of {b.queue.loss(wanted[id(b)]):.1%}")
