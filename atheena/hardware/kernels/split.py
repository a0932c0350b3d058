"""Split (fork) kernel: copies one stream of `lanes` 16-bit words to `outputs` consumers.

Each output has its own skid buffer (`stream_module`), so consumers may take
a beat on different cycles (an eager fork).  The input is accepted when every
skid buffer has room (registered readies), and then enters all of them, so with no
back-pressure the kernel moves one beat per cycle: interval = words / lanes.
Ports: `in_*`, then `out{k}_data`, `out{k}_valid`, `out{k}_ready` for each k.
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module


@cache
def split_module(lanes: int, outputs: int = 2):
    """The PyCDE module class of a split with `lanes` lanes and `outputs` consumers."""
    width = WORD * lanes

    def build(p):
        ready = getattr(p, "out0_ready")
        for k in range(1, outputs):
            ready = ready & getattr(p, f"out{k}_ready")
        for k in range(outputs):
            setattr(p, f"out{k}_data", p.in_data)
            setattr(p, f"out{k}_valid", p.in_valid & ready)
        p.in_ready = ready

    return stream_module(f"atheena_split_l{lanes}_o{outputs}", width,
                         {f"out{k}": width for k in range(outputs)}, build)
