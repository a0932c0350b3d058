"""Folding spaces and the performance/resource model of every `atheena` op.

A layer streams one sample's tensor in HWC order.  Its folding says how many
16-bit words it handles per cycle and how many multipliers it uses:

* `coarse_in` (`ci`) / `coarse_out` (`co`): channel lanes in / out (`ci | C`, `co | F`);
* `fine` (`f`): multipliers per dot product, `f | kh*kw`;

Intervals are those of the generated kernels (`atheena.hardware.kernels`),
checked against RTL simulation in the kernel tests: a pool visits every
padded input position once (`(H+2ph)(W+2pw)C/lanes` cycles), a convolution
overlaps that window schedule with `(F/co)(C/ci)(kh*kw/fine)` cycles of
multiply-accumulate per output pixel (`atheena.dse.timing.conv_interval`,
exact), a linear layer takes `N*M/(ci*co)`.  DSPs are one per multiplier
(a 16x16 product fits a DSP48).  Memories (weights, line buffers, window
and input buffers, conditional buffers) map to BRAM18 or LUT RAM by depth
and width (`memory`); LUT and FF follow linear models whose coefficients
are data (`resource_model.json`), fitted to Yosys synthesis of the
generated kernels by `benchmarks/characterise.py`.

Pixel parallelism (several output pixels per cycle) has no kernel yet, so
the folding spaces do not offer it.

Each op kind's resources are a function of plain parameters (shapes and
folding), `conv_resources(...)`, `linear_resources(...)`, ..., returning an
`Estimate`; the `*_configs(op)` functions read those parameters from an op,
enumerate its foldings and add the interval.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.reference.fixed_point import FixedPointFormat, exp_rom

RESOURCE_KINDS = ("dsp", "bram18", "lut", "ff")
EXP_ROM_BITS = 17  # UQ1.16 exp values


@cache
def coefficients() -> dict:
    return json.loads(resources.files(__package__).joinpath("resource_model.json").read_text())


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@dataclass(frozen=True)
class Config:
    """One folding of one layer: its parameters, interval and resources."""

    folding: tuple[tuple[str, int], ...]
    interval: int
    resources: tuple[int, int, int, int]  # dsp, bram18, lut, ff

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


# BRAM18 aspect ratios (data bits incl. parity, depth) that Yosys's memory mapping uses for xc7
_BRAM18_SHAPES = ((36, 512), (18, 1024), (9, 2048), (4, 4096), (2, 8192), (1, 16384))


def memory(words: int, copies: int = 1, width: int = 16, rom: bool = False) -> tuple[int, int]:
    """(BRAM18, LUT) of `copies` memories of `words` entries of `width` bits.

    Up to `lutram_max_words` entries a RAM becomes LUT RAM (RAM32M: 32 x 6 bits, RAM64M: 64 x 3,
    4 LUT sites each) and a ROM becomes logic (a LUT6 per bit per 64 entries); deeper memories use
    the cheapest BRAM18 aspect ratio for their width.
    """
    if words <= 0 or copies <= 0 or width <= 0:
        return 0, 0
    if words <= coefficients()["memory"]["lutram_max_words"]:
        if rom:
            return 0, copies * width * math.ceil(words / 64)
        bits_per_site = 6 if words <= 32 else 3
        return 0, copies * 4 * math.ceil(width / bits_per_site) * math.ceil(words / 64)
    blocks = min(math.ceil(width / bits) * math.ceil(words / depth) for bits, depth in _BRAM18_SHAPES)
    return copies * blocks, 0


def logic(kind: str, features: dict[str, float]) -> tuple[float, float]:
    """(LUT, FF) of the logic of a `kind` kernel: its coefficients times its features.

    `resource_model.json` names, per kind, the features its coefficients go with
    ("base" is the constant 1); a feature the caller offers but the table does
    not name has coefficient 0, so a refit may drop features without a code change.
    """
    table = coefficients()[kind]
    values = {"base": 1.0, **features}
    missing = [name for name in table["features"] if name not in values]
    if missing:
        raise AtheenaError(f"resource_model.json: kind {kind!r} has coefficients for {', '.join(missing)}, which "
                           f"atheena/dse/model.py does not compute for it (it offers {', '.join(sorted(values))})")
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


def conv_resources(c: int, w: int, f: int, kh: int, kw: int, pw: int, groups: int, ci: int, co: int, fine: int,
                   px: int = 1) -> Estimate:
    """A kh x kw convolution of a C-channel, W-wide map to F channels, folded (ci, co, fine).

    Memories of `kernels/conv.py`: the weight ROM (one `ci*co*fine`-word entry per step), the
    bias ROM (F/co entries of co 48-bit accumulators), the ping-pong window memory (2 x C/ci
    entries of kh*kw*ci words) and kh-1 line buffers of (W+2pw) * C/ci entries of ci words.
    """
    if px != 1:
        raise AtheenaError("pixel parallelism has no convolution kernel yet")
    mults = ci * co * fine
    groups_in = c // ci
    steps = (f // co) * groups_in * (kh * kw // fine)
    parts = [memory(steps, 1, 16 * mults, rom=True), memory(f // co, 1, 48 * co, rom=True),
             memory(2 * groups_in, 1, 16 * kh * kw * ci)]
    if kh > 1:
        parts.append(memory((w + 2 * pw) * groups_in, kh - 1, 16 * ci))
    bram, lut_mem = (sum(x) for x in zip(*parts))
    features = {"mults": mults, "lanes": ci + co, "window_words": kh * kw * ci,
                "shift_words": kh * (kw - 1) * groups_in * ci, "acc_lanes": co}
    return estimate("conv2d", features, mults, bram, lut_mem)


def linear_resources(n: int, m: int, ci: int, co: int) -> Estimate:
    """An N -> M fully connected layer with ci input and co output lanes.

    The kernel reads the input vector M/co times while the next sample
    arrives, so it keeps it twice (ping-pong): ci banks, each holding its
    N/ci words of both copies (2N/ci words; the copy is the top address bit,
    so one dual-port memory per bank serves the write of one copy and the
    reads of the other).
    """
    w_bram, w_lut = memory(n * m // (ci * co), ci * co)
    in_bram, in_lut = memory(2 * n // ci, ci)
    return estimate("linear", {"mults": ci * co, "lanes": ci + co}, ci * co, w_bram + in_bram, w_lut + in_lut)


def pool_resources(kind: str, c: int, w: int, kh: int, pw: int, lanes: int, px: int = 1, kw: int | None = None
                   ) -> Estimate:
    """max_pool2d / avg_pool2d: the sliding window (kh-1 line buffers, column shift registers) and a reduction."""
    kw = kh if kw is None else kw
    groups_in = c // lanes
    bram, lut_mem = memory((w + 2 * pw) * groups_in, kh - 1, 16 * lanes) if kh > 1 else (0, 0)
    features = {"lanes": lanes, "window_words": kh * kw * lanes, "shift_words": kh * (kw - 1) * groups_in * lanes}
    return estimate(kind, features, 0, bram, lut_mem)


def elementwise_resources(kind: str, lanes: int, outputs: int = 1) -> Estimate:
    """relu (`outputs` = 1) or split into `outputs` copies, `lanes` words per cycle."""
    return estimate(kind, {"lanes": lanes, "outputs": outputs})


def buffer_resources(words: int, depth: int, lanes: int) -> Estimate:
    """Conditional buffer: one RAM of depth * words/lanes entries of `lanes` words."""
    bram, lut_mem = memory(depth * words // lanes, 1, 16 * lanes)
    return estimate("conditional_buffer", {"lanes": lanes}, 0, bram, lut_mem)


def decision_resources(n: int) -> Estimate:
    """Exit decision over `n` logits: the exp ROM (17-bit entries) and the ping-pong logit RAM."""
    table = len(exp_rom(FixedPointFormat())) + 1
    rom_bram, rom_lut = memory(table, 1, EXP_ROM_BITS, rom=True)
    ram_bram, ram_lut = memory(2 * 2 ** max(1, (n - 1).bit_length()), 1, 16)
    return estimate("exit_decision", {"classes": n}, 0, rom_bram + ram_bram, rom_lut + ram_lut)


def merge_resources(n_inputs: int, words: int = 1, id_depth: int = 64) -> Estimate:
    """Exit merge of `n_inputs` result vectors of `words` words: 2(E-1) id FIFOs of 32-bit ids."""
    bram, lut_mem = memory(id_depth, 2 * (n_inputs - 1), 32)
    return estimate("exit_merge", {"inputs": n_inputs, "out_bits": 16 * words + 33}, 0, bram, lut_mem)


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
    * `count_bits`: width of the piece counter.
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
    }
    return estimate("convert", features)


def _config(folding: dict, interval: float, est: Estimate) -> Config:
    return Config(tuple(folding.items()), int(math.ceil(interval)), est.resources)


def _map_shape(value: ir.Value) -> tuple[int, int, int]:
    """(C, H, W) of a stream; a vector is C x 1 x 1, a decision 1 x 1 x 1."""
    shape = O.shape_of(value)
    return tuple(shape) if len(shape) == 3 else ((shape[0], 1, 1) if shape else (1, 1, 1))


def conv_configs(op: ir.Operation) -> list[Config]:
    from atheena.dse.timing import conv_interval

    c, h, w = _map_shape(op.operands[0])
    f, ho, wo = _map_shape(op.results[0])
    kh, kw = O.int_array(op, "kernel")
    sh, sw = O.int_array(op, "stride")
    ph, pw = O.int_array(op, "padding")
    g = O.int_attr(op, "groups")
    padded = (h + 2 * ph, w + 2 * pw)
    out = []
    for ci in divisors(c // g if g > 1 else c):
        pairs = list(itertools.product(divisors(f), divisors(kh * kw)))
        work = [(f // co) * (c // ci) * (kh * kw // fine) for co, fine in pairs]
        intervals = conv_interval(padded, (kh, kw), (sh, sw), c // ci, work)
        for (co, fine), interval in zip(pairs, intervals):
            est = conv_resources(c, w, f, kh, kw, pw, g, ci, co, fine)
            out.append(_config({"coarse_in": ci, "coarse_out": co, "fine": fine}, int(interval), est))
    return out


def linear_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.operands[0])[0]
    m = O.shape_of(op.results[0])[0]
    return [_config({"coarse_in": ci, "coarse_out": co}, max(n / ci, n * m / (ci * co), m / co),
                    linear_resources(n, m, ci, co))
            for ci, co in itertools.product(divisors(n), divisors(m))]


def pool_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    kh, kw = O.int_array(op, "kernel")
    ph, pw = O.int_array(op, "padding")
    kind = op.name.removeprefix("atheena.")
    positions = (h + 2 * ph) * (w + 2 * pw) * c  # the window visits every padded position
    return [_config({"coarse": lanes}, positions / lanes, pool_resources(kind, c, w, kh, pw, lanes, kw=kw))
            for lanes in divisors(c)]


def elementwise_configs(op: ir.Operation) -> list[Config]:
    """relu and split: `coarse` channel lanes."""
    c, h, w = _map_shape(op.operands[0])
    kind = op.name.removeprefix("atheena.")
    return [_config({"coarse": lanes}, c * h * w / lanes, elementwise_resources(kind, lanes, len(op.results)))
            for lanes in divisors(c)]


def buffer_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    words = c * h * w
    depth = int(ir.IntegerAttr(op.attributes["depth"]).value) if "depth" in op.attributes else \
        coefficients()["conditional_buffer_depth_samples"]
    return [_config({"coarse": lanes}, words / lanes, buffer_resources(words, depth, lanes)) for lanes in divisors(c)]


def decision_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.operands[0])[0]
    return [_config({}, n, decision_resources(n))]


def merge_configs(op: ir.Operation) -> list[Config]:
    """One tagged result per cycle at most: 1 cycle per sample."""
    n = O.shape_of(op.results[0])[0]
    return [_config({}, 1, merge_resources(len(op.operands), n))]


def flatten_configs(op: ir.Operation) -> list[Config]:
    """Flatten moves no data (the next linear layer's weights are permuted)."""
    return [Config((), 0, (0, 0, 0, 0))]


CONFIGS = {
    "atheena.conv2d": conv_configs,
    "atheena.linear": linear_configs,
    "atheena.max_pool2d": pool_configs,
    "atheena.avg_pool2d": pool_configs,
    "atheena.relu": elementwise_configs,
    "atheena.split": elementwise_configs,
    "atheena.conditional_buffer": buffer_configs,
    "atheena.exit_decision": decision_configs,
    "atheena.exit_merge": merge_configs,
    "atheena.flatten": flatten_configs,
}


def pareto_prune(configs: list[Config]) -> list[Config]:
    """Drop configurations that another one beats or ties on interval and every resource.

    Exactness is kept: for any design using a dropped configuration, swapping in
    the one that dominates it is no slower and uses no more of any resource.
    """
    ordered = sorted(configs, key=lambda c: (c.interval, c.resources, c.folding))
    kept: list[Config] = []
    res = np.empty((0, 4))
    for c in ordered:
        r = np.array(c.resources)
        if len(kept) and np.any(np.all(res <= r, axis=1)):
            continue  # an earlier (no slower) config uses no more of anything
        kept.append(c)
        res = np.vstack([res, r])
    return kept


def layer_configs(op: ir.Operation) -> list[Config]:
    return pareto_prune(CONFIGS[op.name](op))


def total_resources(choice: list[Config]) -> dict:
    totals = np.sum([c.resources for c in choice], axis=0) if choice else np.zeros(4)
    return {k: int(v) for k, v in zip(RESOURCE_KINDS, totals)}
