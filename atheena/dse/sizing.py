"""Conditional buffer depths within the budget, and the buffered prediction: what `size-buffers` writes,
as a library that the pass, `atheena dse` and `compile` share.

Method: simulation of the exit process (`atheena.dse.buffers`).  For each
early exit, the backbone's buffer (`drop_on_exit`) gets the smallest depth
at which a fixed-seed Bernoulli stream of hard samples (the profiled
continue probability) loses at most `max_loss` throughput against an
unbounded buffer.  Samples arrive at the rate of the section before the exit
(its slowest layer, exit branch included), a continuing sample occupies the
section after it for that section's slowest interval, and the decision comes
after the exit branch's latency (bounded by the sum of its layers'
intervals); a sample that exits frees its slot at its decision, out of order,
as the kernel does.  The exit's own result buffer (`forward_on_exit`) waits only for
the decision kernel, a few cycles behind the logits: it gets the minimum
depth.  Any depth >= 1 is deadlock-free (see `atheena.dse.buffers`).

Budget: the buffers' memory counts against the same budget `fold` used.
When the chosen depths do not fit, the buffer that loses the least
throughput per resource freed is shortened, one sample at a time (each
shortening is reported); if even the minimum depths do not fit, the sizing
fails and names the resource.

Predictions (`Sizing`), each named by the model it comes from
(`atheena.dialects.attributes.MODELS`): the rate-balanced figure `fold`
gives; the buffered figure for independent samples at the profiled rates
(the Bernoulli stream through the chosen depths); and, when the exit
sequence of the calibration data is known, that sequence replayed through
them, which is what the RTL measures on the same images (real data is
burstier than independent samples).  The headline `cycles_per_sample` is the
replay when there is one, else the independent-samples figure, and never
below the rate-balanced one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from torch_mlir import ir

from atheena import kinds
from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.dse.boards import RESOURCES, Board
from atheena.dse.buffers import MIN_DEPTH, ExitQueue, buffer_depth
from atheena.errors import NoFeasibleDesign


def _users(value: ir.Value, ops: list[ir.Operation]) -> list[ir.Operation]:
    return [op for op in ops if any(operand == value for operand in op.operands)]


def _branch(start: ir.Value, ops: list[ir.Operation], stop: str) -> list[ir.Operation]:
    """Ops from the consumer of `start` up to (and including) the first op of role `stop`."""
    out, frontier = [], [start]
    while frontier:
        value = frontier.pop()
        for op in _users(value, ops):
            out.append(op)
            if kinds.role(op) != stop:
                frontier.extend(op.results)
    return out


@dataclass
class _Buffer:
    """A conditional buffer being sized: its op, queues, storage and depth."""

    op: ir.Operation
    exit: int
    queue: ExitQueue | None  # Bernoulli at the profiled rate; None: the exit's own result buffer (MIN_DEPTH)
    lanes: int
    depth: int
    observed: ExitQueue | None = None  # the profiled exit sequence replayed, when it is known

    def resources(self, depth: int | None = None) -> list[int]:
        # the kernel, the queue of decisions in front of it (depth + 2 slots) and the buffer behind it
        return kinds.of(self.op).resources_at(self.op, self.lanes, self.depth if depth is None else depth)


@dataclass
class Shortened:
    """A buffer the budget made shorter than the loss bound asked for."""

    op: ir.Operation
    exit: int
    wanted: int
    depth: int
    wanted_loss: float
    loss: float

    def message(self, board: str, budget: float) -> str:
        return (f"exit {self.exit}: buffer shortened from {self.wanted} to {self.depth} samples to stay within "
                f"{budget:.0%} of the {board}; simulated loss {self.loss:.1%} instead of {self.wanted_loss:.1%}"
                + ("" if self.loss <= 0.05 else " (a fold with headroom, e.g. fold{headroom=0.25}, makes the "
                   "layers after the exit faster so that a short buffer loses less)"))


@dataclass
class Sizing:
    """Depths and the predictions they give (see the module docstring)."""

    depths: dict  # {op: samples}
    exits: dict[str, A.ExitBuffer]
    balanced_cycles_per_sample: float
    independent_cycles_per_sample: float
    replay_cycles_per_sample: float | None
    resources: dict[str, int]  # the whole design at these depths
    shortened: list[Shortened] = field(default_factory=list)

    @property
    def model(self) -> str:
        return A.REPLAY if self.replay_cycles_per_sample is not None else A.INDEPENDENT

    @property
    def cycles_per_sample(self) -> float:
        return self.replay_cycles_per_sample if self.replay_cycles_per_sample is not None else \
            self.independent_cycles_per_sample


def size(func: ir.Operation, foldings: Mapping, intervals: Mapping, reach: Mapping, board: Board, budget: float,
         balanced_cycles_per_sample: float, max_loss: float = 0.01, trace: list[int] | None = None,
         progress: Callable[[str], None] | None = None) -> Sizing:
    """Size every conditional buffer of the network `func` folded as `foldings` ({op: folding}), with its ops'
    `intervals` and `reach` ({op: value}), within `budget` of `board`; `trace`: the profiled exit sequence."""
    from atheena.hardware.plan import build

    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    buffers = [_buffer(op, ops, foldings, intervals, reach, max_loss, trace) for op in ops
               if kinds.role(op) == "buffer"]
    limit = [budget * board.capacity(kind) for kind in RESOURCES]

    def total(depths=None) -> dict[str, int]:
        return build(func, foldings=foldings, depths=depths or {b.op: b.depth for b in buffers}).resources()

    wanted = {id(b): b.depth for b in buffers}
    resources = _fit(buffers, total, limit, board.name, budget)
    exits = {}
    independent = replay = balanced_cycles_per_sample
    for b in buffers:
        if b.queue is None:
            continue
        simulated = b.queue.cycles_per_sample(b.depth)
        observed = b.observed.cycles_per_sample(b.depth) if b.observed else None
        independent = max(independent, simulated)
        replay = max(replay, observed if observed is not None else simulated)
        exits[f"exit{b.exit}"] = A.ExitBuffer(b.depth, b.queue.loss(b.depth),
                                              simulated if observed is None else observed, simulated,
                                              "profiled" if b.observed else "bernoulli")
    notes = [Shortened(b.op, b.exit, wanted[id(b)], b.depth, b.queue.loss(wanted[id(b)]), b.queue.loss(b.depth))
             for b in buffers if b.depth < wanted[id(b)]]
    return Sizing({b.op: b.depth for b in buffers}, exits, balanced_cycles_per_sample, independent,
                  replay if trace and buffers else None, resources, notes)


def size_folded(func: ir.Operation, board: Board, max_loss: float = 0.01, trace: list[int] | None = None) -> Sizing:
    """`size` for a network `fold` has written (foldings, intervals, reach and `atheena.design` read from the IR):
    what `size-buffers` runs, and what a benchmark replays another exit sequence through."""
    _, foldings, intervals, reach = _folded(func)
    design = A.design(func)
    return size(func, foldings, intervals, reach, board, design.budget,
                design.balanced_cycles_per_sample or design.cycles_per_sample, max_loss, trace)


def _folded(func: ir.Operation) -> tuple[list, dict, dict, dict]:
    """(atheena ops, {op: folding}, {op: interval}, {op: reach}) as `fold` wrote them into the IR."""
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    return ops, {op: A.folding(op) for op in ops}, {op: A.interval(op) for op in ops}, {op: A.reach(op) for op in ops}


def _buffer(op, ops, foldings, intervals, reach, max_loss, trace) -> _Buffer:
    kind = kinds.of(op)
    lanes = kind.lanes_in(op, foldings[op])
    exit_index = kind.exit(op)
    if kind.mode(op) == "forward_on_exit":
        return _Buffer(op, exit_index, None, lanes, MIN_DEPTH)
    timing, q_here, q_next = _timing(op, ops, foldings, intervals, reach)
    queue = ExitQueue(q_next / q_here if q_here > 0 else 0.0, *timing, reach=q_here)
    depth, _ = buffer_depth(queue, max_loss)
    observed = _observed(trace, exit_index, timing, q_here) if trace else None
    return _Buffer(op, exit_index, queue, lanes, depth, observed)


def _timing(op, ops, foldings, intervals, reach) -> tuple[tuple[float, float, float], float, float]:
    """((arrival interval, service, decision latency), reach here, reach after) of backbone buffer `op`."""
    q_here = reach[op]
    after = _branch(op.results[0], ops, "decision")
    q_next = min((reach[o] for o in _users(op.results[0], ops)), default=0.0)
    section = [o for o in after if math.isclose(reach[o], q_next, rel_tol=1e-9) and kinds.role(o) != "merge"]
    service = max((intervals[o] for o in section), default=0)  # cycles per continuing sample
    # the section that feeds this buffer, exit branch included: it sets the fastest arrival rate
    feeding = [o for o in ops if math.isclose(reach[o], q_here, rel_tol=1e-9) and kinds.role(o) != "merge"]
    interval = max(intervals[o] for o in feeding)
    # the exit branch: from the split that feeds this buffer to its decision
    split = op.operands[0].owner
    branch = _branch(split.results[0], ops, "decision")
    latency = sum(intervals[o] + kinds.of(o).latency(o, foldings.get(o, {})) for o in branch)
    return (float(interval), float(service), float(latency)), q_here, q_next


def _observed(trace, exit_index: int, timing, q_here: float) -> ExitQueue:
    """The queue fed by the samples of `trace` that reach this exit, in order: do they go on?"""
    return ExitQueue.replay([t > exit_index for t in trace if t >= exit_index], *timing, reach=q_here)


def replay(func: ir.Operation, trace: list[int]) -> float:
    """Predicted cycles per sample of the folded, sized network `func` for the samples whose exits are
    `trace` (in stream order): each backbone buffer's pattern from `trace` through the depth the IR
    gives it, never below the rate-balanced figure.  What the RTL should measure on those samples; the
    simulation's prediction (`compile`, `atheena simulate`) is this on exactly the simulated samples."""
    from atheena.dse.network import early_exit_count, layer_reach

    design = A.design(func)
    if not trace:
        return design.balanced_cycles_per_sample or design.cycles_per_sample
    ops, foldings, intervals, reach = _folded(func)  # `reach`: the profiled one the buffer timing was folded for
    # the rate-balanced floor at these samples' own reach (each layer's interval times the share reaching it)
    rates = [sum(1 for t in trace if t == k) / len(trace) for k in range(early_exit_count(func))]
    cycles = max(q * (intervals.get(op) or 0) for op, q in layer_reach(func, rates))
    for op in ops:
        if kinds.role(op) != "buffer" or kinds.of(op).mode(op) == "forward_on_exit":
            continue
        timing, _, _ = _timing(op, ops, foldings, intervals, reach)
        exit_index = kinds.of(op).exit(op)
        here = sum(1 for t in trace if t >= exit_index) / len(trace)  # these samples' share reaching it
        queue = _observed(trace, exit_index, timing, here)
        if queue.samples:
            cycles = max(cycles, queue.cycles_per_sample(A.depth(op) or MIN_DEPTH))
    return cycles


def _fit(buffers: list[_Buffer], total, limit: list[float], board: str, budget: float) -> dict[str, int]:
    """Shorten backbone buffers until every resource is within the budget; the design's resources then.
    `total()` is the whole design at the buffers' current depths (the exit merge's id FIFOs grow with them
    too): one netlist plan per shortening, or per bisection step when one buffer is shortened (the
    deepest that fits: what shortening it one step at a time reaches, as the plan grows with depth)."""

    def fits(used) -> bool:
        return all(used[kind] <= limit[k] for k, kind in enumerate(RESOURCES))

    backbone = [b for b in buffers if b.queue is not None]
    if len(backbone) == 1 and backbone[0].depth > MIN_DEPTH and not fits(total()):
        # one buffer to shorten: the deepest that fits, by bisection (Triple-Wins: 8 plans instead of 254)
        b, lo, hi = backbone[0], MIN_DEPTH, backbone[0].depth  # `hi` does not fit
        b.depth = lo
        if fits(total()):
            while hi - lo > 1:
                b.depth = (lo + hi) // 2
                lo, hi = (b.depth, hi) if fits(total()) else (lo, b.depth)
            b.depth = lo
    while True:
        used = total()
        excess = [used[kind] - limit[k] for k, kind in enumerate(RESOURCES)]
        if not any(x > 0 for x in excess):
            return used
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
            short = [f"{kind} ({used[kind]} > {limit[k]:.0f})" for k, kind in enumerate(RESOURCES) if excess[k] > 0]
            raise NoFeasibleDesign(
                f"the design does not fit in {budget:.0%} of the {board} even with its conditional buffers at "
                f"their minimum depth of {MIN_DEPTH} samples: over budget in {', '.join(short)}. Fold for this "
                "board and budget first (the `fold` pass counts minimum-depth buffers), or give a larger budget")
        best.depth = best_depth
