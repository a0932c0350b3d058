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
(a 16x16 product fits a DSP48; in a fully unfolded linear layer constant
weights 0 and +-2**k take none).  Memories (weights, line buffers, window
and input buffers, conditional buffers) map to logic, LUT RAM or BRAM18/36
as Yosys's memory mapping chooses (`atheena.dse.memory`, which reproduces its costs);
LUT and FF follow linear models whose coefficients are data
(`resource_model.json`), fitted to Yosys synthesis of the generated kernels
by `benchmarks/characterise.py`.

Pixel parallelism (several output pixels per cycle) has no kernel yet, so
the folding spaces do not offer it.

Each op kind's resources are a function of plain parameters (shapes and
folding), `conv_resources(...)`, `linear_resources(...)`, ..., returning an
`Estimate` of its kernel alone (what characterisation measures).  A layer in
the design costs more: `op_parts(op, folding)` lists the instances the
lowering makes for it (the kernel, a window kernel's RAM FIFOs, the handshake
buffer behind every kernel, a conditional buffer's decision queue, a split's
fork), and the `*_configs(op)` functions enumerate an op's foldings with the
interval and those parts' resources, the kernels' ROMs costed from the op's
own weights (`parameter_codes`).  Lane converters, which depend on two
layers' foldings, and the whole design's total are in `atheena.dse.lowering`.
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


# How the lowering (atheena/hardware/lower.py) surrounds the kernels; `Part`s and `op_parts` mirror it.
FIFO_SLOTS = 2  # the handshake.buffer after every kernel and lane converter
ID_DEPTH_MIN = 64  # the exit merge's id FIFOs hold at least this many ids
WORD_BITS = 16


@dataclass(frozen=True)
class Part:
    """One instance of the lowered design and its modelled resources.

    `key` names it as the lowered handshake top does: ("kernel", op name), ("fifo", width, depth),
    ("buffer", width, slots), ("fork", outputs) or ("convert", lanes in, lanes out).
    """

    key: tuple
    estimate: Estimate

    @property
    def resources(self) -> tuple[int, int, int, int]:
        return self.estimate.resources


def fifo_part(width: int, depth: int) -> Part:
    return Part(("fifo", width, depth), fifo_resources(width, depth))


def buffer_part(width: int, slots: int = FIFO_SLOTS) -> Part:
    return Part(("buffer", width, slots), handshake_buffer_resources(width, slots))


def converter_parts(lanes_in: int, lanes_out: int, words: int = 0) -> list[Part]:
    """A lane converter and the buffer behind it.  When neither count divides the other, through their
    least common multiple if it divides the `words` of a sample, else through one lane."""
    if lanes_in == lanes_out:
        return []
    if max(lanes_in, lanes_out) % min(lanes_in, lanes_out):
        pivot = math.lcm(lanes_in, lanes_out)
        pivot = pivot if words and words % pivot == 0 else 1
        return converter_parts(lanes_in, pivot, words) + converter_parts(pivot, lanes_out, words)
    return [Part(("convert", lanes_in, lanes_out), converter_resources(lanes_in, lanes_out)),
            buffer_part(WORD_BITS * lanes_out)]


def _output_stage(width: int, depth: int = FIFO_SLOTS) -> Part:
    """What follows a kernel: a RAM FIFO of `depth` beats when deeper than a buffer, else a 2-slot buffer."""
    return fifo_part(width, depth) if depth > FIFO_SLOTS else buffer_part(width)


def _window_stages(kernel: Part, c: int, w: int, ph: int, lanes_in: int, row_out: int, lanes_out: int
                   ) -> list[Part]:
    """A window kernel with its FIFOs: `ph + 1` input rows in front, one output row (`row_out` words) behind."""
    depth = (ph + 1) * w * c // lanes_in
    rows = [fifo_part(WORD_BITS * lanes_in, depth)] if depth > FIFO_SLOTS else []
    return rows + [kernel, _output_stage(WORD_BITS * lanes_out, row_out // lanes_out)]


def parts_resources(parts: list[Part]) -> tuple[int, int, int, int]:
    """(DSP, BRAM18, LUT, FF) of `parts`."""
    return tuple(int(sum(x)) for x in zip(*(p.resources for p in parts))) if parts else (0, 0, 0, 0)


def conditional_buffer_parts(words: int, depth: int, lanes: int) -> list[Part]:
    """A conditional buffer of `depth` samples in the design: the queue of decisions in front of it (a
    handshake buffer of depth + 2 slots), the kernel, and the buffer behind it.  What changes with the
    depth is what `size-buffers` must count (the kernel alone is `buffer_resources`)."""
    return [buffer_part(1, depth + FIFO_SLOTS), Part(("kernel", "atheena.conditional_buffer"),
                                                     buffer_resources(words, depth, lanes)),
            buffer_part(WORD_BITS * lanes)]


def _config(folding: dict, interval: float, parts: list[Part] | Estimate) -> Config:
    resources = parts.resources if isinstance(parts, Estimate) else parts_resources(parts)
    return Config(tuple(folding.items()), int(math.ceil(interval)), resources)


def _map_shape(value: ir.Value) -> tuple[int, int, int]:
    """(C, H, W) of a stream; a vector is C x 1 x 1, a decision 1 x 1 x 1."""
    shape = O.shape_of(value)
    return tuple(shape) if len(shape) == 3 else ((shape[0], 1, 1) if shape else (1, 1, 1))


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


def merge_id_depth(func: ir.Operation) -> int:
    """Ids the exit merge keeps per exit (`lower`'s default): twice the conditional buffers' depths
    plus slack, rounded up to a power of two, at least `ID_DEPTH_MIN`."""
    depths = [O.int_attr(op, "depth") for op in O.body_ops(func)
              if op.name == "atheena.conditional_buffer" and "depth" in op.attributes]
    return max(ID_DEPTH_MIN, 1 << (2 * sum(depths) + 16).bit_length())


def _buffer_depth(op: ir.Operation) -> int:
    return O.int_attr(op, "depth") if "depth" in op.attributes else coefficients()["conditional_buffer_depth_samples"]


def op_parts(op: ir.Operation, folding: dict, codes: tuple | None = None) -> list[Part]:
    """The instances the lowering (`atheena/hardware/lower.py`) makes for `op` at `folding`, in its order:
    the kernel and what only depends on the op's own folding (the FIFOs of a window kernel, the buffer behind every
    kernel, a conditional buffer's decision queue, the fork of a split).  Lane converters depend on two
    ops' foldings: `atheena.dse.lowering` adds them.  `codes`: `parameter_codes(op)` (computed when None).
    """
    kind = op.name.removeprefix("atheena.")
    if kind in ("conv2d", "linear"):
        weights, bias = parameter_codes(op) if codes is None else codes
    if kind == "conv2d":
        c, _, w = _map_shape(op.operands[0])
        f, _, wo = _map_shape(op.results[0])
        kh, kw = O.int_array(op, "kernel")
        ph, pw = O.int_array(op, "padding")
        g = O.int_attr(op, "groups")
        ci, co, fine = folding["coarse_in"], folding["coarse_out"], folding["fine"]
        if g != 1:  # no kernel yet (the lowering refuses it); the weights do not have the dense layout
            weights = bias = None
        est = conv_resources(c, w, f, kh, kw, pw, g, ci, co, fine, weights=weights, bias=bias)
        return _window_stages(Part(("kernel", op.name), est), c, w, ph, ci, wo * f, co)
    if kind in ("max_pool2d", "avg_pool2d"):
        c, _, w = _map_shape(op.operands[0])
        _, _, wo = _map_shape(op.results[0])
        kh, kw = O.int_array(op, "kernel")
        ph, pw = O.int_array(op, "padding")
        lanes = folding["coarse"]
        est = pool_resources(kind, c, w, kh, pw, lanes, kw=kw)
        return _window_stages(Part(("kernel", op.name), est), c, w, ph, lanes, wo * c, lanes)
    if kind == "linear":
        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        est = linear_resources(n, m, folding["coarse_in"], folding["coarse_out"], weights=weights, bias=bias)
        return [Part(("kernel", op.name), est), buffer_part(WORD_BITS * folding["coarse_out"])]
    if kind == "relu":
        lanes = folding["coarse"]
        return [Part(("kernel", op.name), elementwise_resources(kind, lanes)), buffer_part(WORD_BITS * lanes)]
    if kind == "split":  # a handshake.fork; a decision gets one more copy, for the exit merge
        source = op.operands[0].owner
        decision = isinstance(source, ir.OpView) and source.name == "atheena.exit_decision"
        outputs = len(op.results) + decision
        return [Part(("fork", outputs), fork_resources(outputs))]
    if kind == "conditional_buffer":
        c, h, w = _map_shape(op.operands[0])
        return conditional_buffer_parts(c * h * w, _buffer_depth(op), folding["coarse"])
    if kind == "exit_decision":
        n = O.shape_of(op.operands[0])[0]
        return [Part(("kernel", op.name), decision_resources(n)), buffer_part(1)]
    if kind == "exit_merge":
        exits, words = len(op.operands), O.shape_of(op.results[0])[0]
        est = merge_resources(exits, words, merge_id_depth(op.parent))
        return [Part(("kernel", op.name), est), buffer_part(est.features["out_bits"])]
    if kind == "flatten":
        return []
    raise AtheenaError(f"{op.name}: the resource model has no parts for this op")


def conv_configs(op: ir.Operation) -> list[Config]:
    from atheena.dse.timing import conv_interval

    c, h, w = _map_shape(op.operands[0])
    f, ho, wo = _map_shape(op.results[0])
    kh, kw = O.int_array(op, "kernel")
    sh, sw = O.int_array(op, "stride")
    ph, pw = O.int_array(op, "padding")
    g = O.int_attr(op, "groups")
    padded = (h + 2 * ph, w + 2 * pw)
    codes = parameter_codes(op)
    out = []
    for ci in divisors(c // g if g > 1 else c):
        pairs = list(itertools.product(divisors(f), divisors(kh * kw)))
        work = [(f // co) * (c // ci) * (kh * kw // fine) for co, fine in pairs]
        intervals = conv_interval(padded, (kh, kw), (sh, sw), c // ci, work)
        for (co, fine), interval in zip(pairs, intervals):
            folding = {"coarse_in": ci, "coarse_out": co, "fine": fine}
            out.append(_config(folding, int(interval), op_parts(op, folding, codes)))
    return out


def linear_configs(op: ir.Operation) -> list[Config]:
    """Every (ci, co), with the ROMs of `parameter_codes`."""
    n = O.shape_of(op.operands[0])[0]
    m = O.shape_of(op.results[0])[0]
    codes = parameter_codes(op)
    return [_config(folding, max(n / ci, n * m / (ci * co), m / co), op_parts(op, folding, codes))
            for ci, co in itertools.product(divisors(n), divisors(m))
            for folding in [{"coarse_in": ci, "coarse_out": co}]]


def pool_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    ph, pw = O.int_array(op, "padding")
    positions = (h + 2 * ph) * (w + 2 * pw) * c  # the window visits every padded position
    return [_config({"coarse": lanes}, positions / lanes, op_parts(op, {"coarse": lanes})) for lanes in divisors(c)]


def elementwise_configs(op: ir.Operation) -> list[Config]:
    """relu and split: `coarse` channel lanes (a split is a fork: its lanes are those of its input)."""
    c, h, w = _map_shape(op.operands[0])
    return [_config({"coarse": lanes}, c * h * w / lanes, op_parts(op, {"coarse": lanes})) for lanes in divisors(c)]


def buffer_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    return [_config({"coarse": lanes}, c * h * w / lanes, op_parts(op, {"coarse": lanes})) for lanes in divisors(c)]


def decision_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.operands[0])[0]
    return [_config({}, n, op_parts(op, {}))]


def merge_configs(op: ir.Operation) -> list[Config]:
    """One tagged result per cycle at most: 1 cycle per sample."""
    return [_config({}, 1, op_parts(op, {}))]


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
