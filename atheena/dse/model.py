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

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.memory import (  # noqa: F401 (memory, rom_columns: the model's public API since before the split)
    TYPICAL_BIAS_COLUMNS,
    TYPICAL_WEIGHT_COLUMNS,
    _bank_columns,
    _mux_luts,
    _rom,
    _rom_columns_typical,
    memory,
    rom_columns,
    rom_mapping_columns,
)
from atheena.errors import AtheenaError
from atheena.reference.fixed_point import FixedPointFormat, exp_rom

RESOURCE_KINDS = ("dsp", "bram18", "lut", "ff")
EXP_ROM_BITS = 17  # UQ1.16 exp values
ACC_BITS = 48  # conv and linear accumulators (a DSP48's P register)


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


LINEAR_BIAS_BITS = 20  # the linear kernel's bias ROM width (that of its largest bias) when the biases are not given
EXACT_LINEAR_WEIGHTS = 16384  # `parameter_codes` gives a linear layer's weights up to this many


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


def _window(c: int, w: int, kh: int, kw: int, pw: int, lanes: int) -> tuple[list, dict]:
    """Memories and features of the sliding window (`kernels/window.py`) that conv and pooling share.

    Memories: kh-1 line buffers of (W+2pw) * C/lanes entries of `lanes` words.  Each kernel
    row also has a shift register of (kw-1) segments of G = C/lanes beats; Yosys turns a
    segment of 3 or more stages into an SRL per bit (`sr_srl`, LUTs), shorter ones stay FFs
    (`sr_ff`).  `window_words`: the window register, kh*kw*lanes words.
    """
    groups = c // lanes
    parts = [memory((w + 2 * pw) * groups, kh - 1, 16 * lanes)] if kh > 1 else []
    segments = kh * (kw - 1) * 16 * lanes
    features = {"window_words": kh * kw * lanes,
                "sr_ff": segments * groups if groups < 3 else 0,
                "sr_srl": segments * math.ceil(groups / 32) if groups >= 3 else 0}
    return parts, features


def _total(parts: list) -> tuple[int, int, int]:
    return tuple(sum(x) for x in zip(*parts)) if parts else (0, 0, 0)


def conv_resources(c: int, w: int, f: int, kh: int, kw: int, pw: int, groups: int, ci: int, co: int, fine: int,
                   px: int = 1, weights: np.ndarray | None = None, bias: np.ndarray | None = None) -> Estimate:
    """A kh x kw convolution of a C-channel, W-wide map to F channels, folded (ci, co, fine).

    Memories of `kernels/conv.py`: the weight ROM (one `ci*co*fine`-word entry per step), the
    bias ROM (F/co entries of co 48-bit accumulators), the ping-pong window memory (2 x C/ci
    entries of kh*kw*ci words) and the window's (`_window`).  A ROM keeps only its distinct
    bit columns (`rom_columns`): given the weight and bias codes (F x C x kh x kw, F) they are
    counted exactly, else taken to be typical of trained weights (`TYPICAL_WEIGHT_COLUMNS`);
    the choice of logic or block RAM and the BRAM count do not depend on it.  One DSP48 per
    multiplier (also with constant weights: the weight register stays, in the DSP).

    Features: `out_lanes` (co requantizers and output words), `acc_lanes` (those that also
    accumulate: not when one step makes a whole output), `select_bits` (the kh*kw/fine : 1
    choice of window words, in LUTs per bit), `rom_luts` (ROMs built of logic), the window's,
    `memory_ff` (read registers of memories not in block RAM), `count_bits` (step counters).
    The adder trees go into the DSPs' cascades: no feature.
    """
    if px != 1:
        raise AtheenaError("pixel parallelism has no convolution kernel yet")
    mults = ci * co * fine
    groups_in = c // ci
    kk = kh * kw
    steps = (f // co) * groups_in * (kk // fine)
    if weights is not None:
        codes = np.asarray(weights).reshape(f // co, co, groups_in, ci, kk // fine, fine)
        weight_bits = rom_mapping_columns(codes.transpose(0, 2, 4, 1, 3, 5).reshape(steps, mults), 16)
    else:
        weight_bits = _rom_columns_typical(steps, mults, 16, TYPICAL_WEIGHT_COLUMNS)
    if bias is not None:
        bias_bits = rom_columns(np.asarray(bias).reshape(f // co, co), ACC_BITS)
    else:
        bias_bits = _rom_columns_typical(f // co, co, ACC_BITS, TYPICAL_BIAS_COLUMNS)
    parts, features = _window(c, w, kh, kw, pw, ci)
    roms = [_rom(max(2, steps), 1, weight_bits), _rom(max(2, f // co), 1, bias_bits)]
    parts.append(memory(2 * groups_in, 1, 16 * kk * ci))
    bram, lut_mem, ff_mem = _total(parts + roms)
    rom_luts = sum(lut for b, lut, _ in roms if not b)  # fitted: their LUTs depend on the contents
    counters = (kk // fine, groups_in, f // co, steps)
    features |= {"mults": mults, "out_lanes": co, "acc_lanes": co * (groups_in * (kk // fine) > 1),
                 "rom_luts": rom_luts, "select_bits": 16 * ci * fine * _mux_luts(kk // fine), "memory_ff": ff_mem,
                 "count_bits": sum(max(1, (n - 1).bit_length()) for n in counters if n > 1)}
    return estimate("conv2d", features, mults, bram, lut_mem - rom_luts)


def _is_shift(code: int) -> bool:
    """A constant factor Yosys builds without a multiplier: 0 or +-2**k."""
    magnitude = abs(int(code))
    return magnitude & (magnitude - 1) == 0


def linear_resources(n: int, m: int, ci: int, co: int, weights: np.ndarray | None = None,
                     bias: np.ndarray | None = None) -> Estimate:
    """An N -> M fully connected layer with ci input and co output lanes (`kernels/linear.py`).

    Memories: ci*co weight ROM banks of N*M/(ci*co) entries, co bias ROMs of M/co entries,
    and the ping-pong input: ci banks, each holding its N/ci words of both copies (2N/ci
    words).  Fully unfolded (one entry per bank) the weights are constants: no ROMs, a weight
    0 or +-2**k needs no DSP (a shift), and weights of equal magnitude on one input share one
    (Yosys merges the equal products).  Given the weight codes (M x N) and bias codes
    (M, at the accumulator's fraction) the ROM widths (`rom_columns`) and the DSPs are exact;
    without them every weight is taken to need a DSP, the ROMs' columns to be typical of trained
    weights (`TYPICAL_WEIGHT_COLUMNS`) and the biases `LINEAR_BIAS_BITS` wide.
    Features: `folded_mults` (multipliers fed by ROMs), `const_terms` (fully unfolded: nonzero
    weights, each a product or shift added in logic), `uneven_tree` (output lanes whose adder
    tree over ci products, ci not a power of two, keeps one adder and its register out of the
    DSPs, as synthesis shows), `rom_luts` (ROMs built of logic), `memory_ff`, `count_bits`.
    """
    steps, groups = n // ci, m // co
    depth = steps * groups
    mults = ci * co
    parts = [memory(2 * steps, ci, 16)]
    roms = []
    shifts, terms = 0, mults
    if weights is not None:
        w = np.asarray(weights, dtype=np.int64)
        if depth == 1:  # `shifts`: weights with no DSP of their own (0, +-2**k, a magnitude repeated on an input)
            products = {(i, abs(int(v))) for (_, i), v in np.ndenumerate(w)}
            shifts = mults - sum(not _is_shift(v) for _, v in products)
            terms = int(np.count_nonzero(w))
        else:
            banks = w.reshape(groups, co, steps, ci).transpose(3, 1, 0, 2).reshape(mults, depth)
            roms += [_rom(depth, copies, columns) for columns, copies in _bank_columns(banks, 16).items()]
    elif depth > 1:
        roms.append(_rom(depth, mults, _rom_columns_typical(depth, 1, 16, TYPICAL_WEIGHT_COLUMNS)))
    if groups > 1:
        if bias is not None:
            rounded = np.asarray(bias, dtype=np.int64) + 128  # the kernel adds the rounding 2**(fw-1) (Q8.8 weights)
            width = max(int(v).bit_length() + 1 if v >= 0 else (-int(v) - 1).bit_length() + 1 for v in rounded)
            roms += [_rom(groups, copies, columns)
                     for columns, copies in _bank_columns(rounded.reshape(groups, co).T, width).items()]
        else:
            roms.append(_rom(groups, co, _rom_columns_typical(groups, 1, LINEAR_BIAS_BITS, TYPICAL_BIAS_COLUMNS)))
    bram, lut_mem, ff_mem = _total(parts + roms)
    rom_luts = sum(lut for b, lut, _ in roms if not b)  # fitted: their LUTs depend on the contents
    constant = depth == 1
    features = {"mults": mults - shifts, "shifts": shifts, "ci": ci, "co": co, "rom_luts": rom_luts,
                "memory_ff": ff_mem, "folded_mults": 0 if constant else mults, "const_terms": terms if constant else 0,
                "uneven_tree": co * (ci & (ci - 1) != 0) if not constant else 0,
                "count_bits": sum(max(1, (k - 1).bit_length()) for k in (steps, groups, depth) if k > 1)}
    lut_mem -= rom_luts
    return estimate("linear", features, mults - shifts, bram, lut_mem)


def pool_resources(kind: str, c: int, w: int, kh: int, pw: int, lanes: int, px: int = 1, kw: int | None = None
                   ) -> Estimate:
    """max_pool2d / avg_pool2d: the sliding window (`_window`) and a reduction of kh*kw words per lane.

    `reduce_words`: per lane, the kh*kw-1 comparisons (max) or additions (average; plus one per
    further set bit of the constant 2**16/(kh*kw) that the sum is multiplied by in shifts and adds).
    """
    kw = kh if kw is None else kw
    parts, features = _window(c, w, kh, kw, pw, lanes)
    bram, lut_mem, ff_mem = _total(parts)
    kk = kh * kw
    ops = kk - 1 + (bin(math.floor(2.0**16 / kk + 0.5)).count("1") - 1 if kind == "avg_pool2d" else 0)
    features |= {"lanes": lanes, "reduce_words": lanes * ops, "memory_ff": ff_mem,
                 "count_bits": sum(max(1, (k - 1).bit_length()) for k in (c // lanes, w + 2 * pw) if k > 1)}
    return estimate(kind, features, 0, bram, lut_mem)


def elementwise_resources(kind: str, lanes: int, outputs: int = 1) -> Estimate:
    """relu (`outputs` = 1) or split into `outputs` copies, `lanes` words per cycle."""
    return estimate(kind, {"lanes": lanes, "outputs": outputs})


def buffer_resources(words: int, depth: int, lanes: int) -> Estimate:
    """Conditional buffer: one RAM of depth * words/lanes entries of `lanes` words, and its pointers.

    Features: `base_bits`, the bits of the slot base addresses that vary (slots start at multiples
    of words/lanes, whose trailing zero bits stay 0), `beat_bits` of the beat counters, `depth_bits`
    of the count of samples held.
    """
    beats = words // lanes
    entries = depth * beats
    bram, lut_mem, ff_mem = memory(entries, 1, 16 * lanes)
    addr_bits = max(1, (entries - 1).bit_length())
    features = {"lanes": lanes, "memory_ff": ff_mem, "addr_bits": addr_bits,
                "base_bits": max(0, addr_bits - ((beats & -beats).bit_length() - 1)),
                "beat_bits": max(1, (beats - 1).bit_length()), "depth_bits": depth.bit_length()}
    return estimate("conditional_buffer", features, 0, bram, lut_mem)


def decision_resources(n: int, exp_index_shift: int = 0) -> Estimate:
    """Exit decision over `n` logits: the exp ROM (UQ1.16 entries) and the ping-pong logit RAM."""
    table = np.append(exp_rom(FixedPointFormat(), exp_index_shift), 0)
    ibits = max(1, (n - 1).bit_length())
    rom = _rom(len(table), 1, rom_columns(table, EXP_ROM_BITS))
    ram = memory(2 << ibits, 1, 16)
    bram, lut_mem, ff_mem = _total([rom, ram])
    features = {"index_bits": ibits, "sum_bits": (n * int(table.max())).bit_length(), "memory_ff": ff_mem}
    return estimate("exit_decision", features, 0, bram, lut_mem)


def merge_resources(n_inputs: int, words: int = 1, id_depth: int = 64) -> Estimate:
    """Exit merge of `n_inputs` result vectors of `words` words: 2(E-1) id FIFOs of `id_depth` 32-bit ids.

    Features: `out_bits` (the output register: logits, id, exit index), `mux_bits` (those bits
    chosen among the E inputs, LUTs per bit of an E:1 multiplexer), `fifo_bits` (FIFO pointers
    and counts), `inputs`, `memory_ff`.
    """
    bram, lut_mem, ff_mem = memory(id_depth, 2 * (n_inputs - 1), 32)
    xbits = max(1, (n_inputs - 1).bit_length())
    features = {"inputs": n_inputs, "out_bits": 16 * words + 32 + xbits, "memory_ff": ff_mem,
                "mux_bits": (16 * words + 32) * _mux_luts(n_inputs),
                "fifo_bits": 2 * (n_inputs - 1) * (id_depth - 1).bit_length()}
    return estimate("exit_merge", features, 0, bram, lut_mem)


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


def parameter_codes(op: ir.Operation) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(weight codes, bias codes) of a conv2d or linear op as the lowering builds its ROMs, or (None, None).

    The codes are those of the default fixed-point arithmetic (`FixedArithmetic`, what `lower` uses);
    a linear layer after a flatten gets its columns in the stream's HWC order, as the lowering permutes
    them.  They make ROM widths and the DSPs of constant weights exact; an op whose weights cannot be
    quantised (the lowering would reject it too), or a linear layer of more than `EXACT_LINEAR_WEIGHTS`
    (its ROM columns are counted per bank for every configuration: seconds), is costed with typical weights.
    """
    from atheena.reference.fixed_point import FixedArithmetic

    if "weights" not in op.attributes or "bias" not in op.attributes:
        return None, None
    if op.name == "atheena.linear" and math.prod(O.shape_of(op.operands[0]) + O.shape_of(op.results[0])) > \
            EXACT_LINEAR_WEIGHTS:
        return None, None
    try:
        weights, bias = FixedArithmetic().parameters(op)
    except (AtheenaError, ValueError):
        return None, None
    source = op.operands[0].owner
    if op.name == "atheena.linear" and isinstance(source, ir.OpView) and source.name == "atheena.flatten":
        c, h, w = O.shape_of(source.operands[0])
        weights = weights.reshape(weights.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(weights.shape[0], -1)
    return weights, bias


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


def total_resources(choice: list[Config]) -> dict:
    totals = np.sum([c.resources for c in choice], axis=0) if choice else np.zeros(4)
    return {k: int(v) for k, v in zip(RESOURCE_KINDS, totals)}
