"""`atheena.conditional_buffer`: holds each sample's tensor until its exit decision, then forwards or drops it.

`mode` says which: the backbone's buffer (`drop_on_exit`) passes on the
samples that do not exit; an exit's result buffer (`forward_on_exit`) passes
on the logits of the samples that do.  `depth` (samples held) is chosen by
`size-buffers`; until then the hardware uses `DEFAULT_DEPTH`.

In hardware: a queue of decisions (a `handshake.buffer` of depth + 2 slots),
the kernel (`kernels/conditional_buffer.py`: one RAM of depth sample slots
handed out by a free list, so a dropped sample frees its slot at its decision
whatever older forwarded samples still wait; cut-through, O(1) per decision)
and a buffer behind it.  The kernel takes a decision as soon as its sample
has started to arrive, so decisions wait in the queue only while they run
ahead of their data (the samples between the split and the kernel); the
queue is still as long as the in-order kernel needed (the decisions of every
sample it can hold), which costs one register per slot and never lets a
decision stop the exit branch, and with it the fork in front.
"""

from __future__ import annotations

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.memory import memory
from atheena.dse.model import Estimate, estimate
from atheena.kinds.base import OpKind

MODES = ("drop_on_exit", "forward_on_exit")
DEFAULT_DEPTH = 2  # samples, before `size-buffers` chooses (its minimum, `atheena.dse.buffers.MIN_DEPTH`)
MAX_DEPTH = 4096  # samples: far beyond any useful depth, and a bound on the memory a typo can ask for



#: buffers of at most this many samples have queues of slot numbers so short that Yosys keeps them in flip-flops
#: (measured: 1-3 samples in flip-flops, 4 and more in LUT RAM)
SMALL_QUEUES = 3


def buffer_resources(words: int, depth: int, lanes: int) -> Estimate:
    """Conditional buffer: one RAM of depth * words/lanes entries of `lanes` words, its queues of slot numbers
    and its pointers (see `kernels/conditional_buffer.py`).

    Features: `base_bits`, the bits of a slot number (a slot base address without its low bits, 0 in every
    base: what the registers compare and the queues store); `queue_bits`, the bits of the four queues of slot
    numbers, in LUT RAM, or `queue_ff_bits` when they are short enough to be flip-flops (`SMALL_QUEUES`);
    `pointer_bits`, the queues' read and write pointers and counts; `beat_bits`, of the writer's and
    reader's beat counters; `lanes`, the output skid buffer's words; `memory_ff`, the RAM's read register
    when not in block RAM.
    """
    from atheena.hardware.kernels.conditional_buffer import queue_slots, slot_bits
    from atheena.hardware.kernels.logic import bits_for

    beats = words // lanes
    entries = depth * beats
    bram, lut_mem, ff_mem = memory(entries, 1, 16 * lanes)
    slots = queue_slots(depth).values()
    base_bits = slot_bits(words, lanes, depth)
    queue_bits = base_bits * sum(slots)
    small = depth <= SMALL_QUEUES
    features = {"lanes": lanes, "memory_ff": ff_mem, "base_bits": base_bits,
                "queue_bits": 0 if small else queue_bits, "queue_ff_bits": queue_bits if small else 0,
                "pointer_bits": sum(2 * bits_for(n) + n.bit_length() for n in slots),
                "beat_bits": max(1, (beats - 1).bit_length())}
    return estimate("conditional_buffer", features, 0, bram, lut_mem)


class ConditionalBuffer(OpKind):
    name = "atheena.conditional_buffer"
    order = 90
    role = "buffer"
    decision_operands = (1,)

    def check(self, op):
        mode = O.str_attr(op, "mode")
        if mode not in MODES:
            return f"mode \"{mode}\" must be \"drop_on_exit\" or \"forward_on_exit\""
        if op.operands[1].type != O.decision_type():
            return f"decision operand must be tensor<i1>, got {op.operands[1].type}"
        if op.results[0].type != op.operands[0].type:
            return f"result type {op.results[0].type} must equal the input type {op.operands[0].type}"
        if "depth" in op.attributes:
            attr = op.attributes["depth"]
            if not isinstance(attr, ir.IntegerAttr) or not 1 <= O.int_attr(op, "depth") <= MAX_DEPTH:
                return (f"depth {attr} must be an integer number of samples in [1, {MAX_DEPTH}] (size-buffers "
                        "chooses it; any depth >= 1 is deadlock-free)")
        return None

    @staticmethod
    def mode(op) -> str:
        return O.str_attr(op, "mode")

    @staticmethod
    def exit(op) -> int:
        return O.int_attr(op, "exit")

    @staticmethod
    def depth_given(op) -> bool:
        """Whether `size-buffers` (or the user) gave the op a depth."""
        from atheena.dialects import attributes as A

        return A.depth(op) is not None

    @staticmethod
    def depth(op) -> int:
        from atheena.dialects import attributes as A

        held = A.depth(op)
        return DEFAULT_DEPTH if held is None else held

    def families(self):
        from atheena.hardware.characterise import Family

        def build(p):
            from atheena.hardware.kernels.conditional_buffer import conditional_buffer_module

            module = conditional_buffer_module(p["words"], p["lanes"], p["depth"], p["forward_on"])
            return module, module.__name__

        shared = ("base", "base_bits", "queue_ff_bits", "pointer_bits", "beat_bits", "lanes")
        return [Family("conditional_buffer", "conditional_buffer", shared + ("queue_bits", "memory_ff"),
                       build, lambda p: buffer_resources(p["words"], p["depth"], p["lanes"]),
                       lut_features=shared + ("queue_bits",), ff_features=shared + ("memory_ff",))]

    def hardware(self, op, folding, b, inputs, depth: int | None = None):
        from atheena.hardware.plan import FIFO_SLOTS, Channel

        if depth is None:
            depth = b.depths[op] if op in b.depths else self.depth(op)
        lanes = folding["coarse"]
        data = b.lanes(inputs[0], lanes)
        decision = b.buffer(inputs[1], slots=depth + FIFO_SLOTS)
        words = data.words
        forward_on = 1 if self.mode(op) == "forward_on_exit" else 0

        def module():
            from atheena.hardware.kernels.conditional_buffer import conditional_buffer_module

            return conditional_buffer_module(words, lanes, depth, forward_on)

        out = Channel(lanes, words, chw=inputs[0].chw)
        return [b.kernel([data, decision], out, lambda: buffer_resources(words, depth, lanes), module)]

    def resources_at(self, op, lanes: int, depth: int) -> list[int]:
        """(DSP, BRAM18, LUT, FF) of the op's instances with `depth` samples: what `size-buffers` trades."""
        from atheena.hardware.plan import instances_resources, op_instances

        return list(instances_resources(op_instances(op, {"coarse": lanes}, depth=depth)))


KIND = ConditionalBuffer()
