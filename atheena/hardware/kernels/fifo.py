"""FIFO in RAM: absorbs the bursts between kernels whose output and input schedules differ.

A window-based kernel (convolution, pooling) emits its outputs in bursts (one
row of windows, then the rows its stride skips), while the next kernel may
take words at an even pace; without room for about one output row the two
stall each other and the bottleneck loses cycles.  `handshake.buffer` is made
of registers, so deep FIFOs are this kernel instead: a `ram` of `depth`
entries (BRAM or LUT RAM by size), write and read pointers, and the RAM's
read register as the output register.  One beat per cycle in and out; a beat
written at cycle t can leave at t+2.
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import stream_module
from atheena.hardware.kernels.logic import Counter, const
from atheena.hardware.kernels.memory import ram


@cache
def fifo_module(width: int, depth: int):
    """The PyCDE module class of a FIFO of `depth` beats of `width` bits."""
    if depth < 2 or width < 1:
        raise ValueError(f"FIFO of {depth} x {width} bits: needs depth >= 2 and width >= 1")
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    cbits = depth.bit_length()

    def build(p):
        write = Counter(depth, p.clk, p.rst, "wp")
        read = Counter(depth, p.clk, p.rst, "rp")
        count = Reg(Bits(cbits), clk=p.clk, rst=p.rst, rst_value=0, name="count")  # in the RAM, not yet read
        full = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="full")  # the read register holds a beat
        room = count != const(cbits, depth)
        take = p.in_valid & room
        issue = (count != const(cbits, 0)) & (~full | p.out_ready)
        p.out_data = ram("fifo", width, depth, p.clk, take, write.value, p.in_data, read.value, issue)
        up = (count.as_uint() + 1).as_bits()[0:cbits]
        down = (count.as_uint() + (1 << cbits) - 1).as_bits()[0:cbits]
        count.assign(Mux(take, Mux(issue, count, down), Mux(issue, up, count)))
        write.step(take)
        read.step(issue)
        full.assign(Mux(issue, Mux(p.out_ready, full, const(1, 0)), const(1, 1)))
        p.out_valid = full
        p.in_ready = room

    return stream_module(f"atheena_fifo_w{width}_d{depth}", width, {"out": width}, build)
