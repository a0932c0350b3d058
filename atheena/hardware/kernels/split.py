"""Split (fork) kernel: copies one stream of `lanes` 16-bit words to `outputs` consumers.

One data register is shared; each output has its own valid bit, so consumers
may take a beat on different cycles (an eager fork).  The input is accepted
when every output slot is empty or being read this cycle, so with no
back-pressure the kernel moves one beat per cycle: interval = words / lanes.
Ports: `in_*`, then `out{k}_data`, `out{k}_valid`, `out{k}_ready` for each k.
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module


@cache
def split_module(lanes: int, outputs: int = 2):
    """The PyCDE module class of a split with `lanes` lanes and `outputs` consumers."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    width = WORD * lanes

    def build(p):
        full = [Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name=f"full{k}") for k in range(outputs)]
        free = [~full[k] | getattr(p, f"out{k}_ready") for k in range(outputs)]
        ready = free[0]
        for f in free[1:]:
            ready = ready & f
        take = p.in_valid & ready
        data = p.in_data.reg(clk=p.clk, ce=take, name="data")
        for k in range(outputs):
            drained = full[k] & ~getattr(p, f"out{k}_ready")
            full[k].assign(Mux(take, drained, Bits(1)(1)))
            setattr(p, f"out{k}_data", data)
            setattr(p, f"out{k}_valid", full[k])
        p.in_ready = ready

    return stream_module(f"atheena_split_l{lanes}_o{outputs}", width,
                         {f"out{k}": width for k in range(outputs)}, build)
