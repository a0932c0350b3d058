"""`atheena.exit_merge`: the results of every exit, one stream, each tagged with its sample id and exit.

The kernel (`kernels/exit_merge.py`) learns from each early exit's decisions
(an extra copy made by the decision's split) which exit the next sample's
result comes from, keeps the sample ids in FIFOs of `id_depth` entries per
exit (`atheena.hardware.plan.merge_id_depth`: enough for every sample in
flight) and gives one tagged result per cycle at most: 1 cycle per sample.
Results may leave out of order; the tag restores it.
"""

from __future__ import annotations

from atheena.dialects import ops as O
from atheena.dse.memory import _mux_luts, memory
from atheena.dse.model import Estimate, estimate
from atheena.kinds.base import OpKind, vector

ID_BITS = 32



def merge_resources(n_inputs: int, words: int = 1, id_depth: int = 64) -> Estimate:
    """Exit merge of `n_inputs` result vectors of `words` words: 2(E-1) id FIFOs of `id_depth` 32-bit ids.

    Features: `out_bits` (the output register: logits, id, exit index), `mux_bits` (those bits
    chosen among the E inputs, LUTs per bit of an E:1 multiplexer), `fifo_bits` (FIFO pointers
    and counts), `inputs`, `memory_ff`.
    """
    bram, lut_mem, ff_mem = memory(id_depth, 2 * (n_inputs - 1), 32)
    xbits = max(1, (n_inputs - 1).bit_length())
    features = {"inputs": n_inputs, "out_bits": 16 * words + 32 + xbits, "memory_ff": ff_mem,
                "mux_bits": (16 * words + 32) * _mux_luts(n_inputs),
                "fifo_bits": 2 * (n_inputs - 1) * (id_depth - 1).bit_length()}
    return estimate("exit_merge", features, 0, bram, lut_mem)


class ExitMerge(OpKind):
    name = "atheena.exit_merge"
    order = 100
    role = "merge"
    folded = False

    def check(self, op):
        if len(op.operands) < 2:
            return "must merge at least 2 exits"
        if vector(op.results[0]) is None:
            return "result must be a vector of logits"
        for v in op.operands:
            if v.type != op.results[0].type:
                return f"every input must have the result type {op.results[0].type}, got {v.type}"
        return None

    def axes(self, op):
        return {}

    def interval(self, op, folding):
        return 1

    def families(self):
        from atheena.hardware.characterise import Family

        def build(p):
            from atheena.hardware.kernels.exit_merge import exit_merge_module

            module = exit_merge_module(p["exits"], p["words"], p["id_depth"])
            return module, module.__name__

        return [Family("exit_merge", "exit_merge", ("base", "inputs", "out_bits", "mux_bits", "fifo_bits", "memory_ff"),
                       build, lambda p: merge_resources(p["exits"], p["words"], p["id_depth"]),
                       lut_features=("base", "inputs", "mux_bits", "fifo_bits"),
                       ff_features=("base", "inputs", "out_bits", "fifo_bits", "memory_ff"))]

    def hardware(self, op, folding, b, inputs):
        from atheena.hardware.plan import Channel

        words = O.shape_of(op.results[0])[0]
        exits = len(op.operands)
        id_depth = b.id_depth
        results = [b.lanes(s, words) for s in inputs]
        decisions = [b.decision_copy(k) for k in range(exits - 1)]

        def module():
            from atheena.hardware.kernels.exit_merge import exit_merge_module

            return exit_merge_module(exits, words, id_depth)

        width = 16 * words + ID_BITS + max(1, (exits - 1).bit_length())
        return [b.kernel(results + decisions, Channel(0, 1, bits=width),
                         lambda: merge_resources(exits, words, id_depth), module)]


KIND = ExitMerge()
