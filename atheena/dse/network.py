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
from atheena.dialects import ops as O
from atheena.dse.model import Layer, layer_configs
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
        processed = sum(incoming) if op.name == "atheena.exit_merge" else incoming[0]
        if op.name == "atheena.conditional_buffer":
            rate = rates[O.int_attr(op, "exit")]
            passed = processed - rate if O.str_attr(op, "mode") == "drop_on_exit" else rate
        else:
            passed = processed
        for r in op.results:
            flow[r] = max(passed, 0.0)
        out.append((op, min(max(processed, 0.0), 1.0)))
    return out


def _name(op: ir.Operation, index: int) -> str:
    return layer_name(op.location) or f"{op.name.removeprefix('atheena.')}#{index}"


def early_exit_count(func: ir.Operation) -> int:
    return len(O.exit_decisions(func))


def network_layers(module, exit_rates: Sequence[float] | None = None) -> list[Layer]:
    """Layers of the early-exit network with their reach probabilities.

    Uses `exit_rates` when given, else the `reach_probability` attributes that
    `annotate-exit-probabilities` wrote.
    """
    (func,) = O.network_functions(module)
    n_early = early_exit_count(func)
    if exit_rates is not None:
        rates = [float(r) for r in exit_rates]
        if len(rates) != n_early:
            raise AtheenaError(f"the network has {n_early} early exit(s) but {len(rates)} exit probabilities were "
                               "given; give one per early exit (the fraction of all samples that leave there)")
        if any(not math.isfinite(r) or r < 0 for r in rates) or sum(rates) > 1 + 1e-9:
            raise AtheenaError(f"exit probabilities {rates} must be >= 0 and sum to at most 1 (each is the "
                               "fraction of all samples that leave at that exit)")
        pairs = reach(func, rates)
    else:
        ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
        if n_early and not all("reach_probability" in op.attributes for op in ops):
            raise AtheenaError("the network's reach probabilities are unknown: run annotate-exit-probabilities "
                               "first, or give the exit probabilities (fraction of samples leaving at each exit)")
        pairs = [(op, ir.FloatAttr(op.attributes["reach_probability"]).value if n_early else 1.0) for op in ops]
        if any(not (math.isfinite(q) and 0.0 <= q <= 1.0) for _, q in pairs):
            raise AtheenaError("a reach_probability in the IR is not a probability in [0, 1]; run "
                               "annotate-exit-probabilities again")
    return [Layer(op, op.name.removeprefix("atheena."), _name(op, i), q, layer_configs(op), module)
            for i, (op, q) in enumerate(pairs)]


def baseline_layers(module) -> list[Layer]:
    """The backbone alone (exit branches and exit control removed), every layer at reach 1."""
    (func,) = O.network_functions(module)
    return [Layer(op, op.name.removeprefix("atheena."), _name(op, i), 1.0, layer_configs(op), module)
            for i, (op, section) in enumerate(sections(func)) if section.startswith("stage")]
