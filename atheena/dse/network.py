"""The layers the optimiser folds, with the probability that a sample reaches each.

`reach(func, rates)` derives every op's reach probability from the exit rates
(fraction of all samples that leave at each early exit): 1 up to the first
exit, then less after every exit.  The baseline is the same network with its
early exits removed: the backbone stages and the final classifier, all
reached by every sample.
"""

from __future__ import annotations

import math
from typing import Sequence

from torch_mlir import ir

from atheena.analysis.network import sections
from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena import kinds
from atheena.dse.model import Config, Layer, pareto_prune
from atheena.errors import AtheenaError
from atheena.ir import layer_name


def reach(func: ir.Operation, rates: Sequence[float]) -> list[tuple[ir.Operation, float]]:
    """(op, fraction of samples it processes) for every atheena op, given per-exit rates."""
    flow: dict[ir.Value, float] = {func.regions[0].blocks[0].arguments[0]: 1.0}
    out = []
    for op in O.body_ops(func):
        if not op.name.startswith("atheena."):
            continue
        incoming = [flow.get(v, 0.0) for v in op.operands]
        role = kinds.role(op)
        processed = sum(incoming) if role == "merge" else incoming[0]
        if role == "buffer":
            kind = kinds.of(op)
            rate = rates[kind.exit(op)]
            passed = processed - rate if kind.mode(op) == "drop_on_exit" else rate
        else:
            passed = processed
        for r in op.results:
            flow[r] = max(passed, 0.0)
        out.append((op, min(max(processed, 0.0), 1.0)))
    return out


def layer_configs(op: ir.Operation, prune: bool = True) -> list[Config]:
    """Every folding of `op` with its interval and the cost of the instances it becomes at that folding
    (`atheena.hardware.plan.op_instances`), dominated ones pruned unless `prune` is False."""
    from atheena.hardware.plan import Builder, instances_resources, standalone

    kind = kinds.of(op)
    builder = Builder(standalone=True)  # one per op: its weight codes are computed once
    configs = []
    for folding, interval in kind.foldings(op):
        alone = standalone(op, folding, builder)
        configs.append(Config(tuple(folding.items()), int(math.ceil(interval)), instances_resources(alone.instances),
                              alone.lanes_in, alone.lanes_out))
    return pareto_prune(configs) if prune else configs


def layer_name_of(op: ir.Operation, index: int) -> str:
    """A layer's name in tables: its model path, else its kind and index among the network's ops."""
    return layer_name(op.location) or f"{op.name.removeprefix('atheena.')}#{index}"


def early_exit_count(func: ir.Operation) -> int:
    return len(O.exit_decisions(func))


def layer_reach(func: ir.Operation, exit_rates: Sequence[float] | None = None) -> list[tuple[ir.Operation, float]]:
    """(op, reach probability) for every atheena op: from `exit_rates` (fraction of all samples that leave
    at each early exit) when given, else from the `reach_probability` attributes that
    `annotate-exit-probabilities` wrote."""
    n_early = early_exit_count(func)
    if exit_rates is not None:
        rates = [float(r) for r in exit_rates]
        if len(rates) != n_early:
            raise AtheenaError(f"the network has {n_early} early exit(s) but {len(rates)} exit probabilities were "
                               "given; give one per early exit (the fraction of all samples that leave there)")
        if any(not math.isfinite(r) or r < 0 for r in rates) or sum(rates) > 1 + 1e-9:
            raise AtheenaError(f"exit probabilities {rates} must be >= 0 and sum to at most 1 (each is the "
                               "fraction of all samples that leave at that exit)")
        return reach(func, rates)
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    if n_early and any(A.reach(op) is None for op in ops):
        raise AtheenaError("the network's reach probabilities are unknown: run annotate-exit-probabilities "
                           "first, or give the exit probabilities (fraction of samples leaving at each exit)")
    pairs = [(op, A.reach(op) if n_early else 1.0) for op in ops]
    if any(not (math.isfinite(q) and 0.0 <= q <= 1.0) for _, q in pairs):
        raise AtheenaError("a reach_probability in the IR is not a probability in [0, 1]; run "
                           "annotate-exit-probabilities again")
    return pairs


def reach_sections(func: ir.Operation) -> list[int]:
    """For every atheena op (in `layer_reach` order), how many early exits come before it: the section
    whose reach it shares (an exit's own branch, and its control ops, in the section it leaves from;
    the exit merges, which see every sample, in section 0).  Read off `reach`: an op is after exit j
    when it processes no sample once every sample leaves at j."""
    n = early_exit_count(func)
    out = [0] * len(reach(func, [0.0] * n))
    for j in range(n):
        for i, (_, q) in enumerate(reach(func, [1.0 if k == j else 0.0 for k in range(n)])):
            out[i] += q < 0.5
    return out


def network_layers(module, exit_rates: Sequence[float] | None = None) -> list[Layer]:
    """Layers of the early-exit network with their reach probabilities (`layer_reach`)."""
    (func,) = O.network_functions(module)
    return [Layer(op, op.name.removeprefix("atheena."), layer_name_of(op, i), q, layer_configs(op), module)
            for i, (op, q) in enumerate(layer_reach(func, exit_rates))]


def baseline_layers(module) -> list[Layer]:
    """The backbone alone (exit branches and exit control removed), every layer at reach 1."""
    (func,) = O.network_functions(module)
    return [Layer(op, op.name.removeprefix("atheena."), layer_name_of(op, i), 1.0, layer_configs(op), module)
            for i, (op, section) in enumerate(sections(func)) if section.startswith("stage")]
