"""ReLU kernel: `lanes` 16-bit words per cycle, the function in front of the output skid buffer.

Ports (flat, as Yosys needs): `in_data[16*lanes]`, `in_valid`, `in_ready`,
`out_data[16*lanes]`, `out_valid`, `out_ready`, `clk`, `rst`.  A word moves
when valid and ready are both high at a rising edge.  The output skid buffer
(`stream_module`) accepts a beat whenever its spare entry is empty, so the
kernel takes one beat per cycle under no back-pressure: interval = words / lanes.
Each lane computes `max(x, 0)` on a signed 16-bit code (the reference's
`FixedArithmetic.relu`): a negative code (sign bit set) becomes 0.
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module


@cache
def relu_module(lanes: int):
    """The PyCDE module class of a ReLU with `lanes` lanes (one class per parameter)."""
    from pycde.constructs import Mux
    from pycde.signals import BitsSignal
    from pycde.types import Bits

    width = WORD * lanes

    def build(ports):
        words = []
        for i in range(lanes):
            x = ports.in_data[i * WORD : (i + 1) * WORD]
            words.append(Mux(x[WORD - 1], x, Bits(WORD)(0)))
        ports.out_data = BitsSignal.concat(list(reversed(words)))
        ports.out_valid = ports.in_valid
        ports.in_ready = ports.out_ready  # the skid buffer's registered ready

    return stream_module(f"atheena_relu_l{lanes}", width, {"out": width}, build)
