"""`fold`: choose every layer's folding so the design is as fast as the board budget allows.

Rate-balanced: a layer reached by a fraction `q` of the samples only needs to
be `1/q` times as fast as the network, so after an exit layers get fewer
resources.  The optimiser is exact under the performance/resource model
(`atheena.dse`).  Reach probabilities come from `annotate-exit-probabilities`
(the `reach_probability` attributes), or from the `exit_probabilities` option
(fraction of all samples that leave at each early exit).

Writes on every op: `folding` (dictionary of the chosen parameters) and
`interval` (cycles per sample); on the function: `atheena.design` with the
board, budget, clock, predicted throughput, cycles per sample and resources.

The design is `atheena.dse.fold.Folder`'s, the one fold that `atheena dse`,
`compile` and every baseline use too (headroom for the layers after an exit,
lane converters priced with the layers on each side and kept within the
budget; see that module).  Where the budget leaves no room for the conditional
buffers that `size-buffers` will want, the network is folded again with them
at that depth and the faster of the two designs under the buffered model is
written (`Folder.predict`).

Options: `board` (built-in name or board .json path; default zc706),
`budget` (fraction of every resource, default 1.0), `exit_probabilities`,
`headroom` (default 0.02: see `atheena.dse.fold` for why).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch_mlir import ir

from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.dse.fold import HEADROOM, Folder
from atheena.dse.network import reach
from atheena.errors import AtheenaError
from atheena.pass_base import ModulePass, PassFailure


@dataclass(frozen=True)
class Fold(ModulePass):
    """Choose per-layer folding for the highest throughput within a board budget (exact, HiGHS)."""

    name = "fold"
    board: str = "zc706"
    budget: float = 1.0
    exit_probabilities: tuple[float, ...] = ()
    headroom: float = HEADROOM

    def apply(self, module: ir.Operation) -> None:
        funcs = O.network_functions(module)
        if len(funcs) != 1:
            raise PassFailure(module, f"expected one network function, found {len(funcs)}")
        (func,) = funcs
        try:
            folder = Folder(module, self.board, self.headroom)
            rates = list(self.exit_probabilities) if self.exit_probabilities else None
            design = folder.fold(self.budget, rates)
        except AtheenaError as err:
            raise PassFailure(func, str(err), cause=err) from None
        if self.exit_probabilities:  # the IR states the reach the design was folded for
            for op, q in reach(func, list(self.exit_probabilities)):
                A.set_reach(op, q)
        for layer, config in zip(design.layers, design.choice):
            A.set_folding(layer.op, config.as_dict())
            A.set_interval(layer.op, config.interval)
        A.set_design(func, design.annotation())
