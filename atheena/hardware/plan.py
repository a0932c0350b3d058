"""The netlist plan: every hardware instance of a folded network, with its parameters and its cost.

One walk over the network (`build`) asks each op's kind (`atheena.kinds`) for
the instances it becomes, and inserts lane converters wherever a producer's
lanes differ from its consumer's.  Both consumers of the netlist read this one
description:

* the lowering (`atheena.hardware.lower`) emits the `handshake.func` top level
  and the kernels' SystemVerilog from it (`Instance.module` builds a kernel);
* the DSE costs it (`Instance.cost`): a layer's configurations are the cost of
  that op's own instances at each folding (`op_instances`, what `fold` chooses
  among), a whole design the cost of the whole plan (`Plan.resources`), and
  what belongs to no single layer (lane converters and the buffers behind
  them) `Plan.overheads`.

So the structure of the hardware (which FIFOs surround a window kernel, how a
conditional buffer's decisions are queued, how many ids the exit merge keeps)
is stated once, in the kinds, and the model cannot drift from the RTL.

An instance's `key` names it the way the lowered handshake top does:
("kernel", op name), ("fifo", width, depth), ("buffer", width, slots),
("fork", outputs) or ("convert", lanes in, lanes out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.boards import RESOURCES
from atheena.dse.model import Estimate, converter_resources, fifo_resources, fork_resources, handshake_buffer_resources
from atheena.errors import AtheenaError
from atheena.ir import layer_name

WORD = 16
FIFO_SLOTS = 2  # the handshake.buffer after every kernel and lane converter
ID_DEPTH_MIN = 64  # the exit merge's id FIFOs hold at least this many ids


@dataclass(eq=False)
class Channel:
    """A hardware stream: words per beat (`lanes`) and per sample, and what the kernels need to know of it."""

    lanes: int
    words: int
    bits: int = 0  # data width when not lanes x 16 (decisions, tagged results)
    chw: tuple[int, int, int] | None = None  # set on a flattened map: its C, H, W
    exit: int | None = None  # set on an exit's decision stream
    #: what set its lanes: (op, i) for result i of an op; ("input", op) for the network's input, which
    #: takes the lanes its first layer `op` asks for; ("operand", i) for input i of an op built alone.
    #: Copies (forks, aliases, buffers) keep it; `build` sets it on the streams an op makes.
    origin: tuple | None = None

    @property
    def width(self) -> int:
        return self.bits or WORD * self.lanes

    def with_lanes(self, lanes: int) -> Channel:
        """The stream regrouped: its lanes are now set by whoever regrouped it."""
        return replace(self, lanes=lanes, origin=None)


@dataclass(eq=False)
class Instance:
    """One instance of the lowered design.

    `op` is the layer it belongs to (None for lane converters and the buffers behind them);
    `cost()` its modelled resources; `module()` the PyCDE kernel class (None for the
    handshake-native `buffer` and `fork`, whose slots and outputs are in their `key`).
    """

    key: tuple
    op: ir.Operation | None
    inputs: list[Channel]
    outputs: list[Channel]
    cost: Callable[[], Estimate]
    module: Callable[[], type] | None = None

    @property
    def resources(self) -> tuple[int, int, int, int]:
        return self.cost().resources


def folding_of(op: ir.Operation, foldings: Mapping | None = None) -> dict[str, int]:
    """An op's folding: from `foldings` ({op: dict}, an optimiser's choice) if given, else its attribute."""
    if foldings is not None and op in foldings:
        return dict(foldings[op])
    from atheena.dialects import attributes as A

    folding = A.folding(op)
    if folding is None:
        raise AtheenaError(f"{layer_name(op.location) or op.name}: no folding; run the `fold` pass "
                           "(or `atheena dse`) before lowering to hardware")
    return folding


def merge_id_depth(func: ir.Operation, depths: Mapping | None = None) -> int:
    """Ids the exit merge keeps per exit: enough for every sample that can be in flight, i.e. twice the
    conditional buffers' depths (`depths` {op: samples} overrides their attributes; a buffer without
    a depth counts 0) plus slack, rounded up to a power of two, at least `ID_DEPTH_MIN`."""
    from atheena import kinds

    depths = depths or {}
    held = [depths[op] if op in depths else kinds.of(op).depth(op) for op in O.body_ops(func)
            if kinds.role(op) == "buffer" and (op in depths or kinds.of(op).depth_given(op))]
    return max(ID_DEPTH_MIN, 1 << (2 * sum(held) + 16).bit_length())


class Builder:
    """What a kind's `hardware` method builds with.  Records instances in the lowering's order.

    `standalone`: building one op alone for the DSE's configurations, whose inputs already have
    the lanes the op wants (no converters: they depend on two layers' foldings; `requested` records
    the lanes each operand is asked for, which the optimiser prices converters by).

    `conversions` records every stream the kinds regroup (`lanes`): the stream's `origin`, the op
    asking (None for the network's output), the operand, the lanes asked for and the words per
    sample.  `atheena.dse.converters` reads them to put the converters into the optimisation.
    """

    def __init__(self, arith=None, id_depth: int | None = None, standalone: bool = False,
                 depths: Mapping | None = None):
        from atheena.reference.fixed_point import FixedArithmetic

        self.arith = arith or FixedArithmetic()
        self.depths = dict(depths or {})  # {op: samples}: conditional buffer depths overriding the attributes
        self._id_depth = id_depth
        self.standalone = standalone
        self.instances: list[Instance] = []
        self.decisions: dict[int, Channel] = {}  # exit -> the extra decision copy for the merge
        self.op: ir.Operation | None = None  # the op being built
        self.aliases: dict[int, Channel] = {}  # id(channel) -> the channel it renames (same wires)
        self.inputs: list[Channel] = []  # the op's input channels, as its `hardware` was given them
        self.requested: dict[int, int] = {}  # operand index -> lanes the op asked for (`lanes`)
        self.conversions: list[tuple] = []  # (origin, op, operand, lanes, words) of every `lanes` call
        self._once: dict = {}

    @property
    def id_depth(self) -> int:
        """Ids the exit merge keeps per exit (`merge_id_depth` of the network being built, unless given)."""
        if self._id_depth is None:
            self._id_depth = merge_id_depth(self.op.parent, self.depths)
        return self._id_depth

    def once(self, key, compute):
        """`compute()`, computed once per builder and `key`: costing every folding of an op reuses what does
        not depend on all of the folding (its weight codes, a ROM laid out for some of its axes)."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def codes(self, op: ir.Operation):
        """The op's weight and bias codes (its kind's `codes`), computed once per op."""
        from atheena import kinds

        return self.once((op, "codes"), lambda: kinds.of(op).codes(op))

    def add(self, key: tuple, inputs: list[Channel], outputs: list[Channel], cost, module=None,
            op: ir.Operation | None | bool = True) -> list[Channel]:
        self.instances.append(Instance(key, self.op if op is True else op, inputs, outputs, cost, module))
        return outputs

    def buffer(self, s: Channel, slots: int = FIFO_SLOTS, op=True) -> Channel:
        """A `handshake.buffer [slots] fifo` (registers)."""
        (out,) = self.add(("buffer", s.width, slots), [s], [replace(s)],
                          lambda: handshake_buffer_resources(s.width, slots), op=op)
        return out

    def fork(self, s: Channel, n: int) -> list[Channel]:
        return self.add(("fork", n), [s], [replace(s) for _ in range(n)], lambda: fork_resources(n))

    def fifo(self, s: Channel, depth: int) -> Channel:
        """A RAM FIFO of `depth` beats (window kernels' bursts; see kernels/fifo.py)."""
        from atheena.hardware.kernels.fifo import fifo_module

        width = s.width
        (out,) = self.add(("fifo", width, depth), [s], [replace(s)], lambda: fifo_resources(width, depth),
                          lambda: fifo_module(width, depth))
        return out

    def kernel(self, inputs: list[Channel], out: Channel, cost, module, fifo: int = FIFO_SLOTS) -> Channel:
        """The current op's kernel; its output goes through a RAM FIFO of `fifo` beats when deeper than a
        buffer, else through a 2-slot `handshake.buffer`."""
        (v,) = self.add(("kernel", self.op.name), inputs, [out], cost, module)
        return self.fifo(v, fifo) if fifo > FIFO_SLOTS else self.buffer(v)

    def lanes(self, s: Channel, lanes: int) -> Channel:
        """`s` regrouped to `lanes` words per beat.

        When neither lane count divides the other (5 and 2), the stream is widened to their least
        common multiple and narrowed again: that pair moves min(lanes) words per cycle, as fast as
        the slower neighbour.  A one-lane pivot would move one word per cycle and become the slowest
        stage of the network (B-LeNet's exit branch ran at 2,560 instead of 1,600 cycles per sample).
        """
        operand = next((i for i, x in enumerate(self.inputs) if x is s), None)
        if operand is not None:
            self.requested[operand] = lanes
        self.conversions.append((s.origin, self.op, operand, lanes, s.words))
        return self._convert(s, lanes)

    def _convert(self, s: Channel, lanes: int) -> Channel:
        from atheena.hardware.kernels.convert import converter_module

        if s.lanes == lanes:
            return s
        if self.standalone:
            return s.with_lanes(lanes)
        if max(s.lanes, lanes) % min(s.lanes, lanes):
            pivot = math.lcm(s.lanes, lanes)
            return self._convert(self._convert(s, pivot if s.words % pivot == 0 else 1), lanes)
        lanes_in = s.lanes
        (v,) = self.add(("convert", lanes_in, lanes), [s], [Channel(lanes, s.words, 0, s.chw)],
                        lambda: converter_resources(lanes_in, lanes), lambda: converter_module(lanes_in, lanes),
                        op=None)
        return self.buffer(v, op=None)

    def alias(self, s: Channel, **changes) -> Channel:
        """The same wires as `s`, described differently (a flatten's vector is its map's stream)."""
        out = replace(s, **changes)
        self.aliases[id(out)] = s
        return out

    def decision_copy(self, exit_index: int) -> Channel:
        """The copy of exit `exit_index`'s decision that its split made for the exit merge."""
        if self.standalone:
            return Channel(1, 1, bits=1, exit=exit_index)
        return self.decisions[exit_index]


@dataclass
class Plan:
    """The instances of a whole design, the network's input and output channels."""

    instances: list[Instance]
    input: Channel
    output: Channel
    input_words: int
    classes: int
    exits: int
    aliases: dict[int, Channel] = field(default_factory=dict)
    conversions: list[tuple] = field(default_factory=list)  # `Builder.conversions`

    def source(self, channel: Channel) -> Channel:
        """The channel an instance produced that `channel` is (through aliases)."""
        while id(channel) in self.aliases:
            channel = self.aliases[id(channel)]
        return channel

    def resources(self, layers: bool = True, overheads: bool = True) -> dict[str, int]:
        """{"dsp", "bram18", "lut", "ff"} of the instances of the layers and/or of the lane converters."""
        sums = [0, 0, 0, 0]
        for inst in self.instances:
            if (inst.op is None and overheads) or (inst.op is not None and layers):
                sums = [a + b for a, b in zip(sums, inst.resources)]
        return dict(zip(RESOURCES, sums))

    def overheads(self) -> dict[str, int]:
        """What the design needs beyond its layers' configurations: the lane converters and their buffers."""
        return self.resources(layers=False)


def network_function(module) -> ir.Operation:
    if isinstance(module, (ir.Operation, ir.OpView)) and module.name == "func.func":
        return module.operation if hasattr(module, "operation") else module
    funcs = O.network_functions(module)
    if len(funcs) != 1:
        raise AtheenaError(f"expected one network function, found {len(funcs)}")
    return funcs[0]


def _input_channel(value: ir.Value) -> Channel:
    """A standalone op's view of an input stream (its lanes are set by the op)."""
    shape = O.shape_of(value)
    source = value.owner
    chw = None
    if isinstance(source, ir.OpView) and source.name == "atheena.flatten":
        chw = tuple(O.shape_of(source.operands[0]))
    bits = 1 if O.is_decision(value) else 0
    return Channel(1, math.prod(shape) if shape else 1, bits, chw)


@dataclass
class Standalone:
    """One op built alone at one folding: its instances and the lanes it asks for and gives.

    `lanes_in[i]`: the lanes operand `i` is regrouped to (None: taken as it comes, a decision);
    `lanes_out[i]`: result `i`'s lanes (None: a copy of its first operand, lanes and all: a split's
    outputs, a flatten's vector).
    """

    instances: list[Instance]
    lanes_in: tuple[int | None, ...]
    lanes_out: tuple[int | None, ...]


def standalone(op: ir.Operation, folding: Mapping, builder: Builder | None = None, **options) -> Standalone:
    """`op` built alone at `folding`, without lane converters (`Standalone`).  Pass one standalone
    `builder` for many foldings of the same op so its weight codes are computed once; `options` go to
    the kind's `hardware` (a conditional buffer's `depth`)."""
    from atheena import kinds

    b = builder or Builder(standalone=True)
    b.instances, b.requested, b.conversions, b.op = [], {}, [], op
    b.inputs = [replace(_input_channel(v), origin=("operand", i)) for i, v in enumerate(op.operands)]
    outs = kinds.of(op).hardware(op, dict(folding), b, list(b.inputs), **options)
    lanes_out = []
    for out in outs:
        if out.origin is None:
            lanes_out.append(out.lanes)
        elif out.origin == ("operand", 0):
            lanes_out.append(None)
        else:
            raise AtheenaError(f"{op.name}: a result copies operand {out.origin[1]}; only copies of the first "
                               "are supported")
    lanes_in = tuple(b.requested.get(i) for i in range(len(op.operands)))
    return Standalone(b.instances, lanes_in, tuple(lanes_out))


def op_instances(op: ir.Operation, folding: Mapping, builder: Builder | None = None, **options) -> list[Instance]:
    """The instances `op` itself becomes at `folding` (no lane converters): what its configuration costs
    (`standalone`)."""
    return standalone(op, folding, builder, **options).instances


def instances_resources(instances: list[Instance]) -> tuple[int, int, int, int]:
    """(DSP, BRAM18, LUT, FF) of `instances`."""
    return tuple(int(sum(x)) for x in zip(*(i.resources for i in instances))) if instances else (0, 0, 0, 0)


def build(module, foldings: Mapping | None = None, arith=None, id_depth: int | None = None,
          depths: Mapping | None = None, ops: list[ir.Operation] | None = None) -> Plan:
    """The plan of the folded network in `module` (a module or its network function).

    `foldings` ({op: folding dict}, e.g. an optimiser's choice before `fold` writes it) overrides the
    ops' `folding` attributes and `depths` ({op: samples}) the conditional buffers' `depth`; `arith` is
    the fixed-point arithmetic the kernels are built for; `id_depth` (ids the exit merge keeps per
    exit) defaults to `merge_id_depth`.  `ops`, a chain of the network's layers (its backbone), plans
    the network made of those alone, without exits: what the no-exit baseline becomes.
    """
    from atheena import kinds

    func = network_function(module)
    b = Builder(arith, id_depth, depths=depths)
    if id_depth is None:
        b._id_depth = merge_id_depth(func, depths)
    block = func.regions[0].blocks[0]
    arg = block.arguments[0]
    subset = ops is not None
    ops = list(ops) if subset else [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    first = next((op for op in ops if kinds.role(op) != "split"), None)
    lanes_in = kinds.of(first).lanes_in(first, folding_of(first, foldings)) if first is not None else 1
    words = math.prod(O.shape_of(arg))
    env: dict = {arg: Channel(lanes_in, words, origin=("input", first))}

    def channel(value: ir.Value) -> Channel:
        while value not in env:  # skipped: the exit control around a baseline's backbone
            value = value.owner.operands[0]
        return env[value]

    for op in ops:
        kind = kinds.of(op)
        folding = folding_of(op, foldings) if kind.folded else {}
        b.op = op
        b.inputs = [channel(v) for v in op.operands]
        outs = kind.hardware(op, folding, b, list(b.inputs))
        for i, out in enumerate(outs):
            if out.origin is None:  # a stream the op made (a copy of an input keeps that input's origin)
                out.origin = (op, i)
        env.update(zip(op.results, outs))
    b.op, b.inputs = None, []
    if subset:
        last = ops[-1].results[0]
        out, exits = env[last], 1
    else:
        ret = block.operations[len(block.operations) - 1]
        last = ret.operands[0]
        out, exits = env[last], len(O.exit_decisions(func)) + 1
    classes = O.shape_of(last)[0]
    if exits == 1:  # a network without exits gives its logits as one beat per sample
        out = b.lanes(out, classes)
    return Plan(b.instances, env[arg], out, words, classes, exits, b.aliases, b.conversions)
