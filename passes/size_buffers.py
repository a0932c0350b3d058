"""`size-buffers`: choose every conditional buffer's depth (in samples) within the budget.

The method, the budget fit and the predictions are `atheena.dse.sizing`'s
(the same that `atheena dse` and `compile` report): depths from a simulation
of the exit process at the profiled rates (throughput loss at most
`max_loss` against an unbounded buffer), shortened where the budget `fold`
used does not hold them (each shortening is a warning), and the prediction
re-made with the buffers: `atheena.design`'s `cycles_per_sample` and
`throughput_sps` become the replay of the profiled exit sequence when
`annotate-exit-probabilities` recorded it, else the simulation of
independent samples (`model` says which); `balanced_cycles_per_sample` keeps
`fold`'s rate-balanced figure and `independent_cycles_per_sample` the
independent-samples one.

Needs the `fold` pass first (`folding` and `interval` on every op,
`atheena.design` on the function) and reach probabilities
(`annotate-exit-probabilities`, or `fold` with `exit_probabilities`).
Writes `depth` (i64) on every conditional buffer, `atheena.buffers` on the
function (per exit: depth, simulated loss against an unbounded buffer,
simulated cycles per sample and the pattern simulated, and the cycles per
sample of independent samples at the same rate), and the whole design's
resources at the chosen depths in `atheena.design`.

Options: `max_loss` (default 0.01, i.e. 1%), `board` (default: the board
`fold` named; give the .json path for a board of your own).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch_mlir import ir

from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.dse import boards
from atheena.dse.model import costing
from atheena.dse.sizing import size_folded
from atheena.errors import AtheenaError
from atheena.pass_base import ModulePass, PassFailure


@dataclass(frozen=True)
class SizeBuffers(ModulePass):
    """Conditional buffer depths from a simulation of the exit process (throughput loss <= max_loss)."""

    name = "size-buffers"
    max_loss: float = 0.01
    board: str = ""

    def apply(self, module: ir.Operation) -> None:
        if not 0.0 < self.max_loss < 1.0:
            raise PassFailure(module, f"max_loss {self.max_loss} must be in (0, 1), e.g. 0.02 for 2%")
        funcs = O.network_functions(module)
        if len(funcs) != 1:
            raise PassFailure(module, f"expected one network function, found {len(funcs)}")
        (func,) = funcs
        ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
        missing = [op for op in ops if A.interval(op) is None or A.reach(op) is None or A.folding(op) is None]
        design = A.design(func)
        if missing or design is None:
            raise PassFailure(func, "size-buffers needs a folded network with reach probabilities: run "
                              "annotate-exit-probabilities (or fold with exit_probabilities) and fold first")
        board = self._board(func, design.board)
        balanced = design.balanced_cycles_per_sample or design.cycles_per_sample
        try:
            with costing(board):
                sizing = size_folded(func, board, self.max_loss, A.exit_trace(func))
        except AtheenaError as err:
            raise PassFailure(func, str(err)) from None
        for note in sizing.shortened:
            self.warn(note.op, note.message(board.name, design.budget))
        for op, depth in sizing.depths.items():
            A.set_depth(op, depth)
        A.set_buffers(func, sizing.exits)
        A.set_design(func, A.DesignSummary(design.board, design.budget, design.clock_mhz, sizing.cycles_per_sample,
                                           sizing.resources, balanced, sizing.independent_cycles_per_sample,
                                           sizing.model))

    def _board(self, func: ir.Operation, named: str):
        try:
            return boards.load(self.board or named)
        except AtheenaError as err:
            raise PassFailure(func, f"size-buffers needs the board the network was folded for to keep the "
                              f"buffers within its budget: {err} (size-buffers{{board=path/to/board.json}})") from None
