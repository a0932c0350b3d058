"""Streaming kernels: each a valid/ready module with flat `lanes x 16`-bit ports (HWC order)."""

from __future__ import annotations

WORD = 16


def stream_module(name: str, width_in: int | dict[str, int], outputs: dict[str, int], build):
    """A PyCDE module class with clock, reset, input channels and output channels.

    Every channel is `<prefix>_data`, `<prefix>_valid`, `<prefix>_ready` (flat bits, as Yosys
    needs).  `width_in` is the data width of the single input channel `in`, or a dict mapping
    each input prefix to its width; `outputs` maps each output prefix to its data width;
    `build(ports)` is the generator.
    """
    from pycde import Clock, Input, Module, Output, Reset, generator
    from pycde.types import Bits

    inputs = width_in if isinstance(width_in, dict) else {"in": width_in}
    body = {"module_name": name, "clk": Clock(), "rst": Reset()}
    for prefix, width in inputs.items():
        body[f"{prefix}_data"] = Input(Bits(width))
        body[f"{prefix}_valid"] = Input(Bits(1))
        body[f"{prefix}_ready"] = Output(Bits(1))
    for prefix, width in outputs.items():
        body[f"{prefix}_data"] = Output(Bits(width))
        body[f"{prefix}_valid"] = Output(Bits(1))
        body[f"{prefix}_ready"] = Input(Bits(1))
    body["build"] = generator(build)
    cls = type(name, (Module,), body)
    cls.stream_inputs, cls.stream_outputs = dict(inputs), dict(outputs)  # for wrappers and harnesses
    return cls
