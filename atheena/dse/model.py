"""The cost model of the generated hardware: what each kernel, FIFO and buffer costs.

Every instance of the netlist plan (`atheena.hardware.plan`) is costed by one
of the functions here, `conv_resources(...)`, `linear_resources(...)`,
`fifo_resources(...)`, ..., each a function of plain parameters (shapes and
folding) returning an `Estimate` of that instance alone (what
characterisation measures).  Which instances a layer becomes, and its folding
space and interval, are its kind's (`atheena.kinds`); this module only prices
them.

DSPs are one per multiplier (a 16x16 product fits a DSP48; in a fully
unfolded linear layer constant weights 0 and +-2**k take none).  Memories
(weights, line buffers, window and input buffers, conditional buffers) map to
logic, LUT RAM or BRAM18/36 as Yosys's memory mapping chooses
(`atheena.dse.memory`, which reproduces its costs); LUT and FF follow linear
models whose coefficients are data (`resource_model.json`), fitted to Yosys
synthesis of the generated kernels by `benchmarks/characterise.py`.  ROMs are
costed from the layer's own weights when they are given (`parameter_codes`).

`Config` is one folding of one layer with its interval and resources,
`Layer` an op as the optimiser sees it, `pareto_prune` the exact pruning of
dominated configurations.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from torch_mlir import ir

from atheena.dse.boards import RESOURCES
from atheena.dse.memory import memory
from atheena.errors import AtheenaError

ACC_BITS = 48  # conv and linear accumulators (a DSP48's P register)


@contextlib.contextmanager
def costing(board_or_family):
    """Within the block, cost for a board's (or a named) device family (`atheena.dse.families`):
    its memory mapping, and its LUT/FF coefficients (a family without its own fit borrows another's)."""
    from atheena.dse import families

    key = board_or_family if isinstance(board_or_family, str) else board_or_family.family
    with families.costed(key):
        yield


@cache
def _coefficients(family: str) -> dict:
    from atheena.dse import families

    name = families.load(family).resource_model
    return json.loads(resources.files(__package__).joinpath(name).read_text())


def coefficients() -> dict:
    """The LUT/FF coefficients of the device family being costed (`costing`; 7-series by default)."""
    from atheena.dse import families

    return _coefficients(families.current().model_family.key)


def reload_coefficients() -> None:
    """Forget the coefficients read so far (after a fit rewrote a resource model file)."""
    _coefficients.cache_clear()


@dataclass(frozen=True)
class Config:
    """One folding of one layer: its parameters, interval and resources, and the lanes it asks its
    operands for and gives its results (`atheena.hardware.plan.Standalone`), which decide the lane
    converters between it and its neighbours."""

    folding: tuple[tuple[str, int], ...]
    interval: int
    resources: tuple[int, int, int, int]  # dsp, bram18, lut, ff
    lanes_in: tuple[int | None, ...] = ()
    lanes_out: tuple[int | None, ...] = ()

    def as_dict(self) -> dict:
        return dict(self.folding)


@dataclass
class Layer:
    """An op of the network as the optimiser sees it."""

    op: ir.Operation | None
    kind: str
    name: str
    reach: float  # probability that a sample reaches it (q)
    configs: list[Config] = field(default_factory=list)
    module: object = None  # keeps the IR that `op` lives in alive (an op does not)


def logic(kind: str, features: dict[str, float]) -> tuple[float, float]:
    """(LUT, FF) of the logic of a `kind` kernel: its coefficients times its features.

    `resource_model.json` names, per kind, the features its coefficients go with
    ("base" is the constant 1); a feature the caller offers but the table does
    not name has coefficient 0, so a refit may drop features without a code change.
    """
    table = coefficients().get(kind)
    if table is None:
        raise AtheenaError(f"the resource model has no coefficients for kernel kind {kind!r}: add a starter entry "
                           f"(features, zero lut/ff) to resource_model.json and characterise it (python "
                           f"benchmarks/characterise.py --families {kind} --write)")
    values = {"base": 1.0, **features}
    missing = [name for name in table["features"] if name not in values]
    if missing:
        raise AtheenaError(f"resource_model.json: kind {kind!r} has coefficients for {', '.join(missing)}, which "
                           f"its cost function does not compute (it offers {', '.join(sorted(values))})")
    lut = sum(coef * values[name] for name, coef in zip(table["features"], table["lut"]))
    ff = sum(coef * values[name] for name, coef in zip(table["features"], table["ff"]))
    return lut, ff


@dataclass(frozen=True)
class Estimate:
    """Modelled resources of one kernel instance, with what they are made of.

    Memories (`bram18`, `memory_lut`) follow from the memory mapping; `lut`
    and `ff` add the logic model of `kind` at `features`.  Characterisation
    fits the logic coefficients to synthesis minus the memory part.
    """

    kind: str
    features: dict
    dsp: int
    bram18: int
    memory_lut: int
    lut: int
    ff: int

    @property
    def resources(self) -> tuple[int, int, int, int]:
        return self.dsp, self.bram18, self.lut, self.ff


def estimate(kind: str, features: dict, dsp: int = 0, bram18: int = 0, memory_lut: int = 0) -> Estimate:
    lut, ff = logic(kind, features)
    return Estimate(kind, dict(features), int(dsp), int(bram18), int(memory_lut), int(round(lut + memory_lut)),
                    int(round(ff)))


def _total(parts: list) -> tuple[int, int, int]:
    return tuple(sum(x) for x in zip(*parts)) if parts else (0, 0, 0)


def elementwise_resources(kind: str, lanes: int, outputs: int = 1) -> Estimate:
    """relu (`outputs` = 1) or split into `outputs` copies, `lanes` words per cycle; `lane_outputs`: the
    words of all the output skid buffers."""
    return estimate(kind, {"lanes": lanes, "outputs": outputs, "lane_outputs": lanes * outputs})


def converter_resources(lanes_in: int, lanes_out: int) -> Estimate:
    """Lane converter `lanes_in` -> `lanes_out` (one divides the other); see kernels/convert.py.

    Its cost is not proportional to the lanes (synthesis shows LUTs set by the
    ratio k and FFs by the words held), so the features follow the circuit:

    * `register_words`: words held in registers (narrowing: the input beat;
      widening: the k-1 input beats being gathered and the output beat);
    * `mux_words`: narrowing only, output words times the LUTs per bit of the
      k:1 output multiplexer as Yosys maps it: one LUT up to 4:1, above that
      two k/2:1 halves and a 2:1, i.e. ceil(k/2) - 1 (3 for 8:1, 7 for 16:1);
    * `gather_pieces`: widening only, k-1 pieces, each with its own enable;
    * `count_bits`: width of the piece counter;
    * `skid_words`: the output words of its skid buffer.
    """
    if max(lanes_in, lanes_out) % min(lanes_in, lanes_out):
        raise ValueError(f"lane counts {lanes_in} and {lanes_out}: one must divide the other")
    k = max(lanes_in, lanes_out) // min(lanes_in, lanes_out)
    narrowing = lanes_in > lanes_out
    features = {
        "register_words": lanes_in if lanes_in >= lanes_out else (k - 1) * lanes_in + lanes_out,
        "mux_words": lanes_out * max(1, math.ceil(k / 2) - 1) if narrowing else 0,
        "gather_pieces": k - 1 if lanes_in < lanes_out else 0,
        "count_bits": (k - 1).bit_length(),
        "skid_words": lanes_out,  # the output skid buffer (`stream_module`): two entries and a 2:1 choice
    }
    return estimate("convert", features)


def fifo_resources(width: int, depth: int) -> Estimate:
    """RAM FIFO of `depth` beats of `width` bits (`kernels/fifo.py`) between window kernels and their neighbours.

    The RAM (`memory`: LUT RAM up to 128 16-bit entries, else block RAM) and its read register, which
    is the output register; `pointer_bits`: the write and read pointers ((depth-1).bit_length() bits
    each) and the count (depth.bit_length() bits); `wrap`: 1 when the depth is a power of two (the
    pointers wrap by themselves: no compare and clear, some 9 LUTs fewer).
    """
    bram, lut_mem, ff_mem = memory(depth, 1, width)
    pointer = max(1, (depth - 1).bit_length())
    features = {"pointer_bits": 2 * pointer + depth.bit_length(), "wrap": int(depth & (depth - 1) == 0),
                "memory_ff": ff_mem}
    return estimate("fifo", features, 0, bram, lut_mem)


def handshake_buffer_resources(width: int, slots: int = 2) -> Estimate:
    """CIRCT's `handshake.buffer [slots] fifo` of `width` bits (`lower-handshake-to-hw`), which the lowering
    puts after every kernel and lane converter (2 slots) and in front of every conditional buffer's
    decision input (its depth + 2 slots).

    Each slot is a register stage with a skid register (2 x (width + 1) FFs) and a 2:1 multiplexer per bit.
    Features: `slot_bits` (slots x width), `slots`.
    """
    return estimate("handshake_buffer", {"slot_bits": slots * width, "slots": slots})


def fork_resources(outputs: int) -> Estimate:
    """CIRCT's `handshake.fork [outputs]` (what a `split` becomes): one 'sent' flag per output, no data
    register, so its cost does not depend on the width."""
    return estimate("fork", {"outputs": outputs})


def pareto_prune(configs: list[Config]) -> list[Config]:
    """Drop configurations that another one with the same lanes beats or ties on interval and every
    resource.

    Exactness is kept: for any design using a dropped configuration, swapping in
    the one that dominates it is no slower and uses no more of any resource, and
    needs the same lane converters (a configuration with other lanes may need
    other converters, so it dominates nothing).  The order is by interval, then
    resources, then folding: deterministic.
    """
    ordered = sorted(configs, key=lambda c: (c.interval, c.resources, c.folding))
    kept: list[Config] = []
    seen: dict[tuple, np.ndarray] = {}
    for c in ordered:
        lanes = (c.lanes_in, c.lanes_out)
        r = np.array(c.resources)
        res = seen.get(lanes, np.empty((0, 4)))
        if len(res) and np.any(np.all(res <= r, axis=1)):
            continue  # an earlier (no slower) config with the same lanes uses no more of anything
        kept.append(c)
        seen[lanes] = np.vstack([res, r])
    return kept


def total_resources(choice: list[Config]) -> dict:
    totals = np.sum([c.resources for c in choice], axis=0) if choice else np.zeros(4)
    return {k: int(v) for k, v in zip(RESOURCES, totals)}
