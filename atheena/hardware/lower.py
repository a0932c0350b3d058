"""Lower a folded `atheena` network to a `handshake.func` top level and SystemVerilog.

Every op becomes one kernel instance with the folding the DSE chose
(`folding` attributes written by the `fold` pass):

| op | hardware |
|---|---|
| conv2d, max/avg_pool2d, relu, linear | the kernel of that op, lanes from its folding |
| split | `handshake.fork` (eager; decision streams get one more copy for the merge) |
| flatten | nothing: the stream already is the vector in HWC order; the next linear layer's weight columns are permuted instead |
| exit_decision, conditional_buffer, exit_merge | the early-exit kernels |

Where a producer's lanes differ from its consumer's, a lane converter goes
between them, and a `handshake.buffer` of two slots decouples every kernel
from the next.  The top level is a `handshake.func` whose body instantiates
bodiless `handshake.func`s (one per distinct kernel); CIRCT lowers it to an
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

import io
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.ir import layer_name
from atheena.reference.fixed_point import FixedArithmetic

WORD = 16
FIFO_SLOTS = 2
ID_DEPTH_DEFAULT = 64
PIPELINE = ("builtin.module(handshake.func(handshake-materialize-forks-sinks), lower-handshake-to-hw, "
            "lower-esi-to-physical, lower-esi-ports, lower-esi-to-hw, lower-seq-to-sv, hw.module(lower-hw-to-sv), "
            "canonicalize, cse, hw.module(prettify-verilog), hw.module(hw-cleanup))")
LOWERING_OPTIONS = "locationInfoStyle=none,omitVersionComment,disallowLocalVariables"


@dataclass
class Stream:
    """A hardware channel: its handshake value name, words per beat and words per sample."""

    value: str
    lanes: int
    words: int
    bits: int = 0  # data width when not lanes x 16 (decisions, tagged results)
    chw: tuple[int, int, int] | None = None  # set on a flattened map: its C, H, W
    exit: int | None = None  # set on an exit's decision stream

    @property
    def width(self) -> int:
        return self.bits or WORD * self.lanes


@dataclass
class Design:
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
        order = sorted(n for n in self.files if n.endswith(".sv") and n != f"{self.name}.sv") + [f"{self.name}.sv"]
        write_atomic(folder / "filelist.f", "".join(f"{n}\n" for n in order))
        write_atomic(folder / "handshake.mlir", self.handshake)


class _Builder:
    def __init__(self, arith: FixedArithmetic, id_depth: int):
        self.arith = arith
        self.id_depth = id_depth
        self.lines: list[str] = []
        self.kernels: dict[str, object] = {}  # wrapper name -> kernel class
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"%v{self.counter}"

    def instance(self, kernel, inputs: list[Stream]) -> list[str]:
        """Instantiate `kernel` (a stream_module class) on `inputs`; returns its result value names."""
        name = f"{kernel.__name__}_hs"
        self.kernels[name] = kernel
        outs = list(kernel.stream_outputs.values())
        v = self.fresh()
        in_types = ", ".join(f"i{s.width}" for s in inputs)
        args = ", ".join(s.value for s in inputs)
        if len(outs) == 1:
            self.lines.append(f"    {v} = handshake.instance @{name}({args}) : ({in_types}) -> i{outs[0]}")
            return [v]
        out_types = ", ".join(f"i{w}" for w in outs)
        self.lines.append(f"    {v}:{len(outs)} = handshake.instance @{name}({args}) : ({in_types}) -> ({out_types})")
        return [f"{v}#{k}" for k in range(len(outs))]

    def buffer(self, s: Stream, slots: int = FIFO_SLOTS) -> Stream:
        v = self.fresh()
        self.lines.append(f"    {v} = handshake.buffer [{slots}] fifo {s.value} : i{s.width}")
        return Stream(v, s.lanes, s.words, s.bits, s.chw, s.exit)

    def fork(self, s: Stream, n: int) -> list[Stream]:
        v = self.fresh()
        self.lines.append(f"    {v}:{n} = handshake.fork [{n}] {s.value} : i{s.width}")
        return [Stream(f"{v}#{k}", s.lanes, s.words, s.bits, s.chw, s.exit) for k in range(n)]

    def lanes(self, s: Stream, lanes: int) -> Stream:
        """`s` regrouped to `lanes` words per beat.

        When neither lane count divides the other (5 and 2), the stream is widened to their least
        common multiple and narrowed again: that pair moves min(lanes) words per cycle, as fast as
        the slower neighbour.  A one-lane pivot would move one word per cycle and become the slowest
        stage of the network (B-LeNet's exit branch ran at 2,560 instead of 1,600 cycles per sample).
        """
        from atheena.hardware.kernels.convert import converter_module

        if s.lanes == lanes:
            return s
        if max(s.lanes, lanes) % min(s.lanes, lanes):
            pivot = math.lcm(s.lanes, lanes)
            return self.lanes(self.lanes(s, pivot if s.words % pivot == 0 else 1), lanes)
        (v,) = self.instance(converter_module(s.lanes, lanes), [s])
        return self.buffer(Stream(v, lanes, s.words, 0, s.chw))

    def kernel(self, kernel, inputs: list[Stream], lanes_out: int, words_out: int, bits: int = 0,
               fifo: int = FIFO_SLOTS) -> Stream:
        """Instantiate a kernel; its output goes through a FIFO of `fifo` beats."""
        (v,) = self.instance(kernel, inputs)
        out = Stream(v, lanes_out, words_out, bits)
        return self.fifo(out, fifo) if fifo > FIFO_SLOTS else self.buffer(out)

    def fifo(self, s: Stream, depth: int) -> Stream:
        """A RAM FIFO of `depth` beats (window kernels' bursts; see kernels/fifo.py)."""
        from atheena.hardware.kernels.fifo import fifo_module

        (v,) = self.instance(fifo_module(s.width, depth), [s])
        return Stream(v, s.lanes, s.words, s.bits, s.chw, s.exit)


def _folding(op: ir.Operation) -> dict[str, int]:
    if "folding" not in op.attributes:
        raise AtheenaError(f"{layer_name(op.location) or op.name}: no folding; run the `fold` pass "
                           "(or `atheena dse`) before lowering to hardware")
    attr = ir.DictAttr(op.attributes["folding"])
    return {attr[i].name: ir.IntegerAttr(attr[i].attr).value for i in range(len(attr))}


def _window(op: ir.Operation, lanes: int):
    from atheena.hardware.kernels.window import WindowShape

    c, h, w = O.shape_of(op.operands[0])
    return WindowShape(c, h, w, kernel=tuple(O.int_array(op, "kernel")), stride=tuple(O.int_array(op, "stride")),
                       padding=tuple(O.int_array(op, "padding")), lanes=lanes)


def _hwc_columns(weights: np.ndarray, chw: tuple[int, int, int] | None) -> np.ndarray:
    """Permute a linear layer's weight columns from PyTorch's CHW flattening to the stream's HWC order."""
    if chw is None:
        return weights
    c, h, w = chw
    return weights.reshape(weights.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(weights.shape[0], -1)


def _row_fifo(b: _Builder, s: Stream, op: ir.Operation) -> Stream:
    """A window kernel's input FIFO: `ph + 1` rows of its input map.

    The window stops taking input while its engine computes the rows its
    bottom padding completes (and whenever its ping-pong memory is full), and
    at a fork the other branch would stall with it.  Upstream keeps producing
    meanwhile; `ph + 1` input rows hold what arrives during the longest such
    pause of a layer that is not the bottleneck (measured on B-LeNet: without
    it the second convolution's end-of-sample pause cost the first one 14%).
    """
    c, _, w = O.shape_of(op.operands[0])
    ph = O.int_array(op, "padding")[0]
    depth = (ph + 1) * w * c // s.lanes
    return b.fifo(s, depth) if depth > FIFO_SLOTS else s


def _check_pixels(op: ir.Operation, folding: dict[str, int]) -> None:
    if folding.get("pixels", 1) != 1:
        raise AtheenaError(f"{layer_name(op.location) or op.name}: folding pixels={folding['pixels']} has no "
                           "hardware yet; fold with the current DSE (it only chooses pixels=1)")


def lower(module: ir.Module | ir.Operation, name: str = "atheena_top", id_depth: int | None = None,
          arith: FixedArithmetic | None = None) -> Design:
    """The SystemVerilog design of the folded network in `module`.

    `id_depth` (ids the exit merge can keep per exit) defaults to enough for every sample that
    can be in flight: twice the conditional buffers' depths plus slack, at least 64.
    """
    from atheena.hardware.kernels.conditional_buffer import conditional_buffer_module
    from atheena.hardware.kernels.conv import ConvParams, conv_module
    from atheena.hardware.kernels.exit_decision import exit_decision_module
    from atheena.hardware.kernels.exit_merge import exit_merge_module
    from atheena.hardware.kernels.linear import linear_module
    from atheena.hardware.kernels.pool import pool_module
    from atheena.hardware.kernels.relu import relu_module

    funcs = O.network_functions(module)
    if len(funcs) != 1:
        raise AtheenaError(f"expected one network function to lower, found {len(funcs)}")
    (func,) = funcs
    arith = arith or FixedArithmetic()
    if id_depth is None:
        depths = [O.int_attr(op, "depth") for op in O.body_ops(func)
                  if op.name == "atheena.conditional_buffer" and "depth" in op.attributes]
        id_depth = max(ID_DEPTH_DEFAULT, 1 << (2 * sum(depths) + 16).bit_length())
    b = _Builder(arith, id_depth)
    block = func.regions[0].blocks[0]
    arg = block.arguments[0]
    c, h, w = O.shape_of(arg)
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    first = next((op for op in ops if op.name != "atheena.split"), None)
    first_folding = _folding(first) if first is not None else {}
    lanes_in = first_folding.get("coarse_in", first_folding.get("coarse", 1))
    env: dict = {arg: Stream("%in", lanes_in, c * h * w)}
    decisions: dict[int, Stream] = {}  # exit -> the extra decision copy for the merge
    n_exits = len(O.exit_decisions(func)) + 1
    out_stream = None
    for op in ops:
        kind = op.name.removeprefix("atheena.")
        where = layer_name(op.location) or op.name
        if kind == "split":
            src = env[op.operands[0]]
            is_decision = src.bits == 1
            copies = b.fork(src, len(op.results) + (1 if is_decision else 0))
            for r, s in zip(op.results, copies):
                env[r] = s
            if is_decision:
                decisions[src.exit] = copies[-1]
            continue
        if kind == "flatten":
            src = env[op.operands[0]]
            env[op.results[0]] = Stream(src.value, src.lanes, src.words, src.bits, tuple(O.shape_of(op.operands[0])))
            continue
        folding = _folding(op) if kind != "exit_merge" else {}
        _check_pixels(op, folding)
        if kind == "conv2d":
            if O.int_attr(op, "groups") != 1:
                raise AtheenaError(f"{where}: grouped convolutions have no hardware kernel yet")
            weights, bias = arith.parameters(op)
            shape = _window(op, folding["coarse_in"])
            params = ConvParams(shape, weights, bias, folding["coarse_out"], folding["fine"], arith.weight.frac)
            src = _row_fifo(b, b.lanes(env[op.operands[0]], folding["coarse_in"]), op)
            f, ho, wo = O.shape_of(op.results[0])
            env[op.results[0]] = b.kernel(conv_module(params), [src], folding["coarse_out"], f * ho * wo,
                                          fifo=wo * f // folding["coarse_out"])
        elif kind in ("max_pool2d", "avg_pool2d"):
            shape = _window(op, folding["coarse"])
            src = _row_fifo(b, b.lanes(env[op.operands[0]], folding["coarse"]), op)
            f, ho, wo = O.shape_of(op.results[0])
            env[op.results[0]] = b.kernel(pool_module(shape, kind[:3]), [src], folding["coarse"], f * ho * wo,
                                          fifo=wo * f // folding["coarse"])
        elif kind == "relu":
            src = b.lanes(env[op.operands[0]], folding["coarse"])
            env[op.results[0]] = b.kernel(relu_module(folding["coarse"]), [src], folding["coarse"], src.words)
        elif kind == "linear":
            src = env[op.operands[0]]
            weights, bias = arith.parameters(op)
            weights = _hwc_columns(weights, src.chw)
            src = b.lanes(src, folding["coarse_in"])
            m = O.shape_of(op.results[0])[0]
            kernel = linear_module(weights, bias, folding["coarse_in"], folding["coarse_out"], arith)
            env[op.results[0]] = b.kernel(kernel, [src], folding["coarse_out"], m)
        elif kind == "exit_decision":
            src = b.lanes(env[op.operands[0]], 1)
            kernel = exit_decision_module(src.words, O.float_attr(op, "threshold"), arith.exp_index_shift, arith.act)
            s = b.kernel(kernel, [src], 1, 1, bits=1)
            s.exit = O.int_attr(op, "exit")
            env[op.results[0]] = s
        elif kind == "conditional_buffer":
            data = b.lanes(env[op.operands[0]], folding["coarse"])
            depth = O.int_attr(op, "depth") if "depth" in op.attributes else 2
            # The buffer takes a decision only when the previous sample is gone (forwarded or dropped);
            # queue the decisions of every sample it can hold, so that forwarding a sample never stops
            # the exit decision (and with it the exit branch and the fork in front) behind it.
            decision = b.buffer(env[op.operands[1]], slots=depth + FIFO_SLOTS)
            forward_on = 1 if O.str_attr(op, "mode") == "forward_on_exit" else 0
            kernel = conditional_buffer_module(data.words, folding["coarse"], depth, forward_on)
            out = b.kernel(kernel, [data, decision], folding["coarse"], data.words)
            out.chw = env[op.operands[0]].chw
            env[op.results[0]] = out
        elif kind == "exit_merge":
            words = O.shape_of(op.results[0])[0]
            results = [b.lanes(env[v], words) for v in op.operands]
            decs = [decisions[k] for k in range(n_exits - 1)]
            kernel = exit_merge_module(n_exits, words, id_depth)
            width = kernel.stream_outputs["out"]
            env[op.results[0]] = b.kernel(kernel, results + decs, 0, 1, bits=width)
        else:
            raise AtheenaError(f"{where}: '{op.name}' has no hardware kernel")
    ret = block.operations[len(block.operations) - 1]
    out_stream = env[ret.operands[0]]
    classes = O.shape_of(ret.operands[0])[0]
    if n_exits == 1:  # a network without exits gives its logits as one beat per sample
        out_stream = b.lanes(out_stream, classes)
    text = _handshake_text(b, name, out_stream, lanes_in)
    files = _to_verilog(text, b.kernels, name, WORD * lanes_in, out_stream.width)
    return Design(name, files, f"{name}_sim", lanes_in, c * h * w, classes, n_exits, out_stream.width, text,
                  sorted(b.kernels))


def _handshake_text(b: _Builder, name: str, out: Stream, lanes_in: int) -> str:
    externs = []
    for wrapper, kernel in sorted(b.kernels.items()):
        ins = ", ".join(f"i{w}" for w in kernel.stream_inputs.values())
        outs = ", ".join(f"i{w}" for w in kernel.stream_outputs.values())
        arg_names = ", ".join(f'"{k}"' for k in kernel.stream_inputs)
        res_names = ", ".join(f'"{k}"' for k in kernel.stream_outputs)
        externs.append(f"  handshake.func private @{wrapper}({ins}) -> ({outs}) "
                       f"attributes {{argNames = [{arg_names}], resNames = [{res_names}]}}")
    body = "\n".join(b.lines)
    return ("module {\n" + "\n".join(externs) + "\n"
            f"  handshake.func @{name}(%in: i{WORD * lanes_in}) -> (i{out.width}) "
            f'attributes {{argNames = ["in"], resNames = ["out"]}} {{\n'
            f"{body}\n    handshake.return {out.value} : i{out.width}\n  }}\n}}\n")


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

    return stream_module(f"{name}_sim", width_in, {"out": width_out}, build)


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
