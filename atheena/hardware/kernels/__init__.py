"""Streaming kernels: each a valid/ready module with flat `lanes x 16`-bit ports (HWC order)."""

from __future__ import annotations

WORD = 16


def stream_module(name: str, width_in: int | dict[str, int], outputs: dict[str, int], build,
                  registered: bool = False):
    """A PyCDE module class with clock, reset, input channels and output channels.

    Every channel is `<prefix>_data`, `<prefix>_valid`, `<prefix>_ready` (flat bits, as Yosys
    needs).  `width_in` is the data width of the single input channel `in`, or a dict mapping
    each input prefix to its width; `outputs` maps each output prefix to its data width;
    `build(ports)` is the generator.

    Unless `registered` (the kernel ends in a FIFO or skid buffer of its own), every output
    leaves through a skid buffer (`pipeline.skid`): `build` sees the buffer's registered
    `in_ready` as its `out_ready`, so no combinational path crosses from this kernel's output
    handshake to its input handshake, nor from one kernel into the next.
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
    body["build"] = generator(build if registered else _registered_outputs(build, list(outputs)))
    cls = type(name, (Module,), body)
    cls.stream_inputs, cls.stream_outputs = dict(inputs), dict(outputs)  # for wrappers and harnesses
    return cls


class _Ports:
    """The generator's ports as a kernel sees them when its outputs go through skid buffers."""

    def __init__(self, ports, outputs: list[str]):
        from pycde.constructs import Wire
        from pycde.types import Bits

        object.__setattr__(self, "_ports", ports)
        object.__setattr__(self, "_ready", {o: Wire(Bits(1), f"{o}_skid_ready") for o in outputs})
        object.__setattr__(self, "_set", {})

    def __getattr__(self, name):
        prefix, _, field = name.rpartition("_")
        if prefix in self._ready and field == "ready":
            return self._ready[prefix]
        if name in self._set:
            return self._set[name]
        return getattr(self._ports, name)

    def __setattr__(self, name, value):
        prefix, _, field = name.rpartition("_")
        if prefix in self._ready and field in ("data", "valid"):
            self._set[name] = value
        else:
            setattr(self._ports, name, value)


def _registered_outputs(build, outputs: list[str]):
    def wrapped(ports):
        from atheena.hardware.kernels.pipeline import skid

        inner = _Ports(ports, outputs)
        build(inner)
        for o in outputs:
            data, valid, ready = skid(ports.clk, ports.rst, inner._set[f"{o}_data"], inner._set[f"{o}_valid"],
                                      getattr(ports, f"{o}_ready"), f"{o}_skid")
            inner._ready[o].assign(ready)
            setattr(ports, f"{o}_data", data)
            setattr(ports, f"{o}_valid", valid)

    wrapped.__name__ = getattr(build, "__name__", "build")
    return wrapped
