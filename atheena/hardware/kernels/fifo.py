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
from atheena.hardware.kernels.pipeline import fifo


@cache
def fifo_module(width: int, depth: int):
    """The PyCDE module class of a FIFO of `depth` beats of `width` bits."""
    if depth < 2 or width < 1:
        raise ValueError(f"FIFO of {depth} x {width} bits: needs depth >= 2 and width >= 1")

    def build(p):
        p.out_data, p.out_valid, p.in_ready = fifo(p.clk, p.rst, width, depth, p.in_data, p.in_valid, p.out_ready)

    return stream_module(f"atheena_fifo_w{width}_d{depth}", width, {"out": width}, build, registered=True)
