"""Streaming kernels: each a valid/ready module with flat `lanes x 16`-bit ports (HWC order)."""

from __future__ import annotations

WORD = 16


def stream_module(name: str, width_in: int, outputs: dict[str, int], build):
    """A PyCDE module class with clock, reset, an input channel `in` and the given output channels.

    Every channel is `<prefix>_data`, `<prefix>_valid`, `<prefix>_ready` (flat bits, as Yosys
    needs); `outputs` maps each output prefix to its data width; `build(ports)` is the generator.
    """
    from pycde import Clock, Input, Module, Output, Reset, generator
    from pycde.types import Bits

    body = {
        "module_name": name,
        "clk": Clock(),
        "rst": Reset(),
        "in_data": Input(Bits(width_in)),
        "in_valid": Input(Bits(1)),
        "in_ready": Output(Bits(1)),
    }
    for prefix, width in outputs.items():
        body[f"{prefix}_data"] = Output(Bits(width))
        body[f"{prefix}_valid"] = Output(Bits(1))
        body[f"{prefix}_ready"] = Input(Bits(1))
    body["build"] = generator(build)
    return type(name, (Module,), body)
