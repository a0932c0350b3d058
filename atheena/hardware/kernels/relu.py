"""ReLU kernel: `lanes` 16-bit words per cycle, one register stage.

Ports (flat, as Yosys needs): `in_data[16*lanes]`, `in_valid`, `in_ready`,
`out_data[16*lanes]`, `out_valid`, `out_ready`, `clk`, `rst`.  A word moves
when valid and ready are both high at a rising edge.  The output register
accepts a new word whenever it is empty or being read, so the kernel takes
one beat per cycle under no back-pressure: interval = words / lanes.
Each lane computes `max(x, 0)` on a signed 16-bit code (the reference's
`FixedArithmetic.relu`): a negative code (sign bit set) becomes 0.
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module


@cache
def relu_module(lanes: int):
    """The PyCDE module class of a ReLU with `lanes` lanes (one class per parameter)."""
    from pycde.constructs import Mux, Reg
    from pycde.signals import BitsSignal
    from pycde.types import Bits

    width = WORD * lanes

    def build(ports):
        full = Reg(Bits(1), clk=ports.clk, rst=ports.rst, rst_value=0, name="full")
        ready = ~full | ports.out_ready
        words = []
        for i in range(lanes):
            x = ports.in_data[i * WORD : (i + 1) * WORD]
            words.append(Mux(x[WORD - 1], x, Bits(WORD)(0)))
        result = BitsSignal.concat(list(reversed(words)))
        ports.out_data = result.reg(clk=ports.clk, ce=ports.in_valid & ready, name="data")
        full.assign(Mux(ready, full, ports.in_valid))
        ports.out_valid = full
        ports.in_ready = ready

    return stream_module(f"atheena_relu_l{lanes}", width, {"out": width}, build)
