"""Split (fork) kernel: copies one stream of `lanes` 16-bit words to `outputs` consumers.

One data register is shared; each output has its own valid bit, so consumers
may take a beat on different cycles (an eager fork).  The input is accepted
when every output slot is empty or being read this cycle, so with no
back-pressure the kernel moves one beat per cycle: interval = words / lanes.
Ports: `in_*`, then `out{k}_data`, `out{k}_valid`, `out{k}_ready` for each k.
"""

from __future__ import annotations

from functools import cache

WORD = 16


@cache
def split_module(lanes: int, outputs: int = 2):
    """The PyCDE module class of a split with `lanes` lanes and `outputs` consumers."""
    from pycde import Clock, Input, Module, Output, Reset, generator
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    width = WORD * lanes
    ports = {
        "clk": Clock(),
        "rst": Reset(),
        "in_data": Input(Bits(width)),
        "in_valid": Input(Bits(1)),
        "in_ready": Output(Bits(1)),
    }
    for k in range(outputs):
        ports[f"out{k}_data"] = Output(Bits(width))
        ports[f"out{k}_valid"] = Output(Bits(1))
        ports[f"out{k}_ready"] = Input(Bits(1))

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

    body = {"module_name": f"atheena_split_l{lanes}_o{outputs}", **ports, "build": generator(build)}
    return type("Split", (Module,), body)
