"""The whole lowered design as the resource model sees it: every instance `lower` makes, and its cost.

`fold` chooses each layer's folding among configurations whose resources are
`model.op_parts`: the op's kernel and what the lowering
(`atheena/hardware/lower.py`) builds around it from that op's folding alone
(a window kernel's row FIFOs, the handshake buffer behind every kernel, a
conditional buffer's decision queue, a split's fork).  A lane converter (and
the buffer behind it) sits wherever a producer's lanes differ from its
consumer's, so it depends on two layers' foldings and is not in any layer's
configurations: `lowering_overheads` counts those.  `design_resources` is the
whole design, what `atheena synth` measures (Yosys `synth_xilinx -flatten`):

    design_resources(func) == sum of the chosen configurations (at the ops'
                              current depths) + lowering_overheads(func)

`lowered_parts` lists the instances themselves, in the lowering's order, with
the same keys as the instances of the lowered handshake top (a test compares
them, so the model follows the lowering when either changes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.model import RESOURCE_KINDS, Part, converter_parts, op_parts
from atheena.errors import AtheenaError


def _function(module) -> ir.Operation:
    if isinstance(module, (ir.Operation, ir.OpView)) and module.name == "func.func":
        return module
    funcs = O.network_functions(module)
    if len(funcs) != 1:
        raise AtheenaError(f"expected one network function, found {len(funcs)}")
    return funcs[0]


def _folding(op: ir.Operation, foldings: Mapping | None = None) -> dict[str, int]:
    if foldings is not None and op in foldings:
        return dict(foldings[op])
    if "folding" not in op.attributes:
        raise AtheenaError(f"{op.name}: no folding; run the `fold` pass first")
    attr = ir.DictAttr(op.attributes["folding"])
    return {attr[i].name: ir.IntegerAttr(attr[i].attr).value for i in range(len(attr))}


def _lanes_in(folding: dict) -> int:
    return folding.get("coarse_in", folding.get("coarse", 1))


def _lanes_out(folding: dict) -> int:
    return folding.get("coarse_out", folding.get("coarse", 1))


def lowered_parts(module, foldings: Mapping | None = None) -> list[tuple[ir.Operation | None, Part]]:
    """(op, part) for every instance the lowering makes; op is None for the lane converters (and their
    buffers), which belong to no single layer.  `foldings` ({op: folding dict}, e.g. an optimiser's
    choice before `fold` writes it) overrides the ops' `folding` attributes."""
    func = _function(module)
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    first = next((op for op in ops if op.name != "atheena.split"), None)
    arg = func.regions[0].blocks[0].arguments[0]
    lanes = {arg: _lanes_in(_folding(first, foldings)) if first is not None else 1}  # value -> lanes per beat
    out: list[tuple[ir.Operation | None, Part]] = []

    def convert(value, to: int) -> None:
        out.extend((None, p) for p in converter_parts(lanes[value], to, math.prod(O.shape_of(value))))

    for op in ops:
        kind = op.name.removeprefix("atheena.")
        if kind in ("split", "flatten"):
            for r in op.results:
                lanes[r] = lanes[op.operands[0]]
            out.extend((op, p) for p in op_parts(op, {}))
            continue
        folding = _folding(op, foldings) if kind != "exit_merge" else {}
        if kind == "exit_merge":
            words = O.shape_of(op.results[0])[0]
            for v in op.operands:
                convert(v, words)
        else:
            convert(op.operands[0], 1 if kind == "exit_decision" else _lanes_in(folding))
        out.extend((op, p) for p in op_parts(op, folding))
        lanes[op.results[0]] = 1 if kind in ("exit_decision", "exit_merge") else _lanes_out(folding)
    if not O.exit_decisions(func):  # a network without exits gives its logits as one beat per sample
        ret = func.regions[0].blocks[0].operations[len(func.regions[0].blocks[0].operations) - 1]
        convert(ret.operands[0], O.shape_of(ret.operands[0])[0])
    return out


def _totals(parts) -> dict[str, int]:
    sums = [0, 0, 0, 0]
    for _, p in parts:
        sums = [a + b for a, b in zip(sums, p.resources)]
    return dict(zip(RESOURCE_KINDS, sums))


def lowering_overheads(module, foldings: Mapping | None = None) -> dict[str, int]:
    """{"dsp", "bram18", "lut", "ff"} of what the lowering adds between layers (lane converters and their
    buffers): what a design's total needs beyond the sum of its layers' chosen configurations."""
    return _totals(p for p in lowered_parts(module, foldings) if p[0] is None)


def design_resources(module, foldings: Mapping | None = None) -> dict[str, int]:
    """{"dsp", "bram18", "lut", "ff"} of the whole lowered design of the folded network in `module`
    (a module or its network function), at the ops' current foldings and buffer depths."""
    return _totals(lowered_parts(module, foldings))


def chosen_foldings(layers, choice) -> dict:
    """{op: folding} of an optimiser's `Design` (`design.layers`, `design.choice`), for `foldings=`."""
    return {layer.op: config.as_dict() for layer, config in zip(layers, choice)}


def optimise_with_overheads(module, layers, board, budget: float, rounds: int = 4):
    """`optimise` with the lane converters counted: (the design, its converters' resources).

    The converters depend on the choice, so the optimiser runs with the converters of its previous
    choice reserved out of the budget (a board with that much less of each resource) until the
    reserve covers them; B-LeNet and Triple-Wins settle in two rounds.  The design's own `resources`
    remain the sum of its layers' configurations: the whole design is that plus the converters
    (`design_resources` once the foldings are written).
    """
    import dataclasses

    from atheena.dse.boards import RESOURCES
    from atheena.dse.optimizer import optimise

    reserved = {k: 0 for k in RESOURCES}
    for _ in range(rounds):
        shrunk = dataclasses.replace(board, **{k: board.capacity(k) - reserved[k] / budget for k in RESOURCES})
        design = optimise(layers, shrunk, budget)
        design.board = board
        extra = lowering_overheads(module, chosen_foldings(design.layers, design.choice))
        if all(extra[k] <= reserved[k] for k in RESOURCES):
            break
        reserved = {k: max(reserved[k], extra[k]) for k in RESOURCES}
    return design, extra
