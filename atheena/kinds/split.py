"""`atheena.split`: one stream copied to several consumers (the fork at an exit point).

In hardware a `handshake.fork`; a decision stream's fork makes one more
copy, for the exit merge (which needs every early exit's decisions to know
where the next result comes from).  Its folding (`coarse`, the lanes of its
input) only states its rate: a fork passes beats as they come.
"""

from __future__ import annotations

from atheena.kinds.base import OpKind


class Split(OpKind):
    name = "atheena.split"
    order = 70
    role = "split"
    folded = False

    def check(self, op):
        if len(op.results) < 2:
            return "must have at least 2 results (a split to one consumer is the input itself)"
        for r in op.results:
            if r.type != op.operands[0].type:
                return f"every result must have the input type {op.operands[0].type}"
        return None

    def hardware(self, op, folding, b, inputs):
        src = inputs[0]
        is_decision = src.bits == 1
        copies = b.fork(src, len(op.results) + is_decision)
        if is_decision:
            b.decisions[src.exit] = copies[-1]
        return copies[: len(op.results)]


KIND = Split()
