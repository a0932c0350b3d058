"""Structure of an `atheena` network: which section each op belongs to, and MACs.

Sections follow the early-exit structure: `stage0` is everything before the
first exit's fork, `exitK` the classifier layers of early exit K, and
`stageK` (K >= 1) the backbone layers that only samples not taken by exits
0..K-1 reach.  Control ops (splits, decisions, buffers, merge) are in the
section `control`.  The sections are derived from the graph, not stored, so
they cannot go stale when a pass rewrites the IR.
"""

from __future__ import annotations

from collections import defaultdict

from torch_mlir import ir

from atheena import kinds
from atheena.dialects import ops as O

CONTROL_ROLES = {"split", "decision", "buffer", "merge"}


def _single_user(value: ir.Value) -> ir.Operation | None:
    uses = list(value.uses)
    return uses[0].owner if len(uses) == 1 else None


def sections(func: ir.Operation) -> list[tuple[ir.Operation, str]]:
    """(op, section) for every atheena op of a network function, in program order."""
    label: dict[ir.Value, str] = {}
    for arg in func.regions[0].blocks[0].arguments:
        label[arg] = "stage0"
    out = []
    for op in O.body_ops(func):
        if not op.name.startswith("atheena."):
            continue
        role = kinds.role(op)
        if role == "split":
            source = label.get(op.operands[0], "control")
            drop = [_single_user(r) for r in op.results]
            drop_exit = next((kinds.of(u).exit(u) for u in drop if u is not None and kinds.role(u) == "buffer"
                              and kinds.of(u).mode(u) == "drop_on_exit"), None)
            for r, user in zip(op.results, drop):
                is_onward = user is not None and kinds.role(user) == "buffer"
                label[r] = source if drop_exit is None or is_onward else f"exit{drop_exit}"
            out.append((op, "control"))
        elif role == "buffer":
            kind = kinds.of(op)
            label[op.results[0]] = f"stage{kind.exit(op) + 1}" if kind.mode(op) == "drop_on_exit" else "control"
            out.append((op, "control"))
        elif role in CONTROL_ROLES:
            for r in op.results:
                label[r] = "control"
            out.append((op, "control"))
        else:
            section = label.get(op.operands[0], "control")
            label[op.results[0]] = section
            out.append((op, section))
    return out


def macs(op: ir.Operation) -> int:
    """Multiply-accumulates one sample costs in `op` (0 for ops without any)."""
    return kinds.of(op).macs(op)


def macs_by_section(module: ir.Module | ir.Operation) -> dict[str, int]:
    """MACs per section of the (single) network in `module`."""
    (func,) = O.network_functions(module)
    totals: dict[str, int] = defaultdict(int)
    for op, section in sections(func):
        totals[section] += macs(op)
    return dict(totals)


def exit_count(module: ir.Module | ir.Operation) -> int:
    """Number of exits (early exits + the final one) of the network in `module`."""
    (func,) = O.network_functions(module)
    return 1 + len(O.exit_decisions(func))


def exit_forks(module: ir.Module | ir.Operation) -> list[tuple[int, str]]:
    """(exit index, what it leaves after) per early exit: the layer's model path if
    known, else its op name, or 'the input'."""
    from atheena.ir import layer_name

    (func,) = O.network_functions(module)
    forks = []
    for op in O.body_ops(func):
        if kinds.role(op) != "buffer" or kinds.of(op).mode(op) != "drop_on_exit":
            continue
        split = op.operands[0].owner
        source = split.operands[0].owner
        if isinstance(source, ir.Block):
            where = "the input"
        else:
            source = source.operation if hasattr(source, "operation") else source
            where = layer_name(source.location) or source.name
        forks.append((kinds.of(op).exit(op), where))
    return forks
