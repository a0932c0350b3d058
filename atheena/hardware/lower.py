"""Lower a folded `atheena` network to a `handshake.func` top level and SystemVerilog.

The instances come from the netlist plan (`atheena.hardware.plan`), the one
description of the hardware that the DSE costs too: every op's kind says
which kernel and which FIFOs and buffers it becomes (layers: their kernels,
lanes from the folding; a split: a `handshake.fork`; a flatten: nothing;
the exit decisions, conditional buffers and exit merge: the early-exit
kernels), and lane converters sit wherever a producer's lanes
differ from its consumer's.  This module only writes that plan down: the
top level is a `handshake.func` whose body instantiates bodiless
`handshake.func`s (one per distinct kernel); CIRCT lowers it to an
`hw.module` whose extern ports follow the handshake naming
(`x, x_valid, clock, reset, y_ready -> x_ready, y, y_valid`), so each kernel
gets a thin wrapper with those names.  A last wrapper gives the design the
kernels' own port convention (`clk, rst, in_data, ...`) so the same Verilator
harness drives kernels and whole networks.

Top-level ports: `in` takes the input image in HWC order, `lanes_in` words
per beat; `out` gives one beat per sample: the logits (16 bits each, lowest
first), then for an early-exit network the 32-bit sample id and the exit index.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from torch_mlir import ir

from atheena.hardware import plan
from atheena.hardware.emit import sources as emitted_sources
from atheena.reference.fixed_point import FixedArithmetic

WORD = plan.WORD
PIPELINE = ("builtin.module(handshake.func(handshake-materialize-forks-sinks), lower-handshake-to-hw, "
            "lower-esi-to-physical, lower-esi-ports, lower-esi-to-hw, lower-seq-to-sv, hw.module(lower-hw-to-sv), "
            "canonicalize, cse, hw.module(prettify-verilog), hw.module(hw-cleanup))")
LOWERING_OPTIONS = "locationInfoStyle=none,omitVersionComment,disallowLocalVariables"


@dataclass
class Rtl:
    """The lowered design: files, top module name and the channel facts a harness needs."""

    name: str  # the top module (the lowered handshake.func)
    files: dict[str, str]
    sim_top: str  # the same with the kernels' port names, for the Verilator harness
    lanes_in: int
    input_words: int
    classes: int
    exits: int
    output_width: int
    handshake: str
    kernels: list[str] = field(default_factory=list)

    def write(self, folder: str | Path) -> None:
        """Write every file and `filelist.f` (kernels first, the top last) into `folder`."""
        from atheena.fileio import write_atomic

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            write_atomic(folder / name, text)
        top = f"{self.name}.sv"
        order = [n for n in emitted_sources(self.files) if n != top] + [top]
        write_atomic(folder / "filelist.f", "".join(f"{n}\n" for n in order))
        write_atomic(folder / "handshake.mlir", self.handshake)


def lower(module: ir.Module | ir.Operation, name: str = "atheena_top", id_depth: int | None = None,
          arith: FixedArithmetic | None = None) -> Rtl:
    """The SystemVerilog design of the folded network in `module`.

    `id_depth` (ids the exit merge can keep per exit) defaults to enough for every sample that
    can be in flight (`plan.merge_id_depth`).
    """
    p = plan.build(module, arith=arith or FixedArithmetic(), id_depth=id_depth)
    text, kernels = _handshake_text(p, name)
    files = _to_verilog(text, kernels, name, WORD * p.input.lanes, p.output.width)
    return Rtl(name, files, f"{name}_sim", p.input.lanes, p.input_words, p.classes, p.exits, p.output.width,
                  text, sorted(kernels))


def _handshake_text(p: plan.Plan, name: str) -> tuple[str, dict]:
    """The handshake module of plan `p` and {wrapper name: kernel class} of its kernels."""
    names = {id(p.input): "%in"}
    lines: list[str] = []
    kernels: dict[str, object] = {}
    for counter, inst in enumerate(p.instances, start=1):
        v = f"%v{counter}"
        args = ", ".join(names[id(p.source(c))] for c in inst.inputs)
        width = inst.inputs[0].width
        if inst.key[0] == "buffer":
            lines.append(f"    {v} = handshake.buffer [{inst.key[2]}] fifo {args} : i{width}")
            results = [v]
        elif inst.key[0] == "fork":
            n = inst.key[1]
            lines.append(f"    {v}:{n} = handshake.fork [{n}] {args} : i{width}")
            results = [f"{v}#{k}" for k in range(n)]
        else:
            kernel = inst.module()
            wrapper = f"{kernel.__name__}_hs"
            kernels[wrapper] = kernel
            (out,) = kernel.stream_outputs.values()
            in_types = ", ".join(f"i{c.width}" for c in inst.inputs)
            lines.append(f"    {v} = handshake.instance @{wrapper}({args}) : ({in_types}) -> i{out}")
            results = [v]
        names.update((id(c), r) for c, r in zip(inst.outputs, results))
    externs = []
    for wrapper, kernel in sorted(kernels.items()):
        ins = ", ".join(f"i{w}" for w in kernel.stream_inputs.values())
        outs = ", ".join(f"i{w}" for w in kernel.stream_outputs.values())
        arg_names = ", ".join(f'"{k}"' for k in kernel.stream_inputs)
        res_names = ", ".join(f'"{k}"' for k in kernel.stream_outputs)
        externs.append(f"  handshake.func private @{wrapper}({ins}) -> ({outs}) "
                       f"attributes {{argNames = [{arg_names}], resNames = [{res_names}]}}")
    body = "\n".join(lines)
    out = p.output
    text = ("module {\n" + "\n".join(externs) + "\n"
            f"  handshake.func @{name}(%in: i{WORD * p.input.lanes}) -> (i{out.width}) "
            f'attributes {{argNames = ["in"], resNames = ["out"]}} {{\n'
            f"{body}\n    handshake.return {names[id(p.source(out))]} : i{out.width}\n  }}\n}}\n")
    return text, kernels


def _wrapper(kernel, wrapper_name: str):
    """A module with the handshake extern's port names around a kernel with the stream_module names."""
    from pycde import Clock, Input, Module, Output, Reset, generator
    from pycde.types import Bits

    body = {"module_name": wrapper_name, "clock": Clock(), "reset": Reset()}
    for k, w in kernel.stream_inputs.items():
        body[k] = Input(Bits(w))
        body[f"{k}_valid"] = Input(Bits(1))
        body[f"{k}_ready"] = Output(Bits(1))
    for k, w in kernel.stream_outputs.items():
        body[k] = Output(Bits(w))
        body[f"{k}_valid"] = Output(Bits(1))
        body[f"{k}_ready"] = Input(Bits(1))

    def build(p):
        connections = {"clk": p.clock, "rst": p.reset}
        for k in kernel.stream_inputs:
            connections[f"{k}_data"] = getattr(p, k)
            connections[f"{k}_valid"] = getattr(p, f"{k}_valid")
        for k in kernel.stream_outputs:
            connections[f"{k}_ready"] = getattr(p, f"{k}_ready")
        inst = kernel(**connections)
        for k in kernel.stream_inputs:
            setattr(p, f"{k}_ready", getattr(inst, f"{k}_ready"))
        for k in kernel.stream_outputs:
            setattr(p, k, getattr(inst, f"{k}_data"))
            setattr(p, f"{k}_valid", getattr(inst, f"{k}_valid"))

    body["build"] = generator(build)
    return type(wrapper_name, (Module,), body)


def _harness_top(name: str, width_in: int, width_out: int):
    """`<name>_sim`: the handshake top with the kernels' port names (clk, rst, in_data, ...)."""
    from pycde import Clock, Input, Module, Output, Reset
    from pycde.types import Bits

    from atheena.hardware.kernels import stream_module

    ports = {"module_name": name, "clock": Clock(), "reset": Reset(), "in": Input(Bits(width_in)),
             "in_valid": Input(Bits(1)), "out_ready": Input(Bits(1)), "in_ready": Output(Bits(1)),
             "out": Output(Bits(width_out)), "out_valid": Output(Bits(1))}
    Top = type(name, (Module,), ports)  # no generator: an extern, the lowered handshake top

    def build(p):
        inst = Top(clock=p.clk, reset=p.rst, in_valid=p.in_valid, out_ready=p.out_ready, **{"in": p.in_data})
        p.in_ready = inst.in_ready
        p.out_data = getattr(inst, "out")
        p.out_valid = inst.out_valid

    return stream_module(f"{name}_sim", width_in, {"out": width_out}, build, registered=True)


def handshake_to_verilog(text: str) -> dict[str, str]:
    """{file name: SystemVerilog} of a handshake module's text, through CIRCT (`PIPELINE`)."""
    import pycde.circt as circt
    from pycde.circt import ir as cir
    from pycde.circt import passmanager

    with cir.Context() as ctx, cir.Location.unknown():
        circt.register_dialects(ctx)
        module = cir.Module.parse(text)
        module.operation.attributes["circt.loweringOptions"] = cir.StringAttr.get(LOWERING_OPTIONS)
        passmanager.PassManager.parse(PIPELINE).run(module.operation)
        with tempfile.TemporaryDirectory() as tmp:
            circt.export_split_verilog(module, tmp)
            return {p.name: p.read_text() for p in sorted(Path(tmp).glob("*.sv"))}


def _to_verilog(text: str, kernels: dict, name: str, width_in: int, width_out: int) -> dict[str, str]:
    from atheena.hardware.emit import emit

    files = handshake_to_verilog(text)
    wrappers = [_wrapper(k, w) for w, k in sorted(kernels.items())]
    files.update(emit(wrappers + [_harness_top(name, width_in, width_out)], f"{name}_kernels"))
    return files
