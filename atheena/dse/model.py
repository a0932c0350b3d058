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
as Yosys's memory mapping chooses (`memory`, which reproduces its costs);
LUT and FF follow linear models whose coefficients are data
(`resource_model.json`), fitted to Yosys synthesis of the generated kernels
by `benchmarks/characterise.py`.

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


# Yosys's memory mapping for xc7 (`memory_libmap` with synth_xilinx's libraries, lutrams_xc5v.txt and
# brams_xc4v.txt): every candidate is costed and the cheapest taken.  A RAM here has one write port and
# one registered read port with an enable (`kernels/memory.py`), a ROM only the read port.
_LUTRAM = (  # LUT RAM (RAMs only): cost and width scale per cell, (address bits, bits) per cell, LUTs per cell
    (8, 8, ((5, 4, 4), (6, 2, 4), (7, 1, 4))),  # dual port: RAM32M, 2 x RAM64X1D, RAM128X1D
    (7, 7, ((5, 2, 4), (6, 1, 4))),  # quad port: RAM32M, RAM64M
    (8, 7, ((5, 6, 4), (6, 3, 4))),  # simple dual port: RAM32M (32 x 6), RAM64M (64 x 3)
)
_BRAM = (  # block RAM: cost per cell, address bits at width 1, widths (simple dual port), BRAM18 per cell
    (129, 14, (1, 2, 4, 9, 18, 36), 1),  # RAMB18E1
    (257, 15, (1, 2, 4, 9, 18, 36, 72), 2),  # RAMB36E1
)
_ROM_LOGIC_COST = 1 / 64  # per bit of a ROM built from LUTs (synth_xilinx: memory_libmap -logic-cost-rom)
_RAM_LOGIC_COST = 1  # per bit of a RAM built from flip-flops (never the cheapest for these RAMs)
_BYTE = 9  # block RAM write-enable granularity


def _mux_luts(k: int) -> int:
    """LUTs per bit of a k:1 multiplexer built of LUT6s, each a 4:1 multiplexer (2 select inputs).

    A LUT per group of 2-4 inputs, level by level (a lone input passes to the next level): 1 up
    to 4:1, 2 for 5:1, 4 for 11:1, 5 for 16:1, as synthesis shows for block RAM read multiplexers.
    """
    luts = 0
    while k > 1:
        luts += k // 4 + (k % 4 > 1)
        k = k // 4 + (k % 4 > 0)
    return luts


def _rom_luts_per_column(entries: int) -> float:
    """LUTs per distinct bit column of a ROM built of logic and read at a counter, as every kernel ROM is.

    Yosys merges the counter register into the ROM's address, so each column becomes a function
    of the counter's next value (its bits, the enable and the wrap), not of the address alone:
    measured with Yosys, one LUT up to 16 entries, 1.3 up to 32, then about entries / 15 (3.2 at
    50, 4.3 at 64, 7.9 at 128, 17 at 250) where a free address would take 1, 1, 2 and 4.
    """
    if entries <= 16:
        return 1.0
    return 1.3 if entries <= 32 else entries / 15


@cache
def _map_memory(words: int, width: int, rom: bool, distinct: int) -> tuple[int, int, int]:
    """(BRAM18, LUT, FF) of one memory as Yosys maps it: the cheapest of logic, LUT RAM and block RAM.

    Costs as `memory_libmap` computes them: cells x cost per cell (LUT RAM: scaled by the width
    used), 0.5 per bit of every read multiplexer input beyond the first and per write-enable
    decoder output, 2 for a read port not shared with the write port; logic costs
    `_ROM_LOGIC_COST` per ROM bit, `_RAM_LOGIC_COST` per RAM bit, and wins ties (the comparison
    is against its cost truncated to an integer).  Block RAM packs the address ranges of a deep,
    narrow memory side by side in a wide cell (6400 x 16 bits: three 512 x 72 RAMB36).  LUTs:
    LUT RAM cells, read multiplexers and write decoders; a ROM in logic, `_rom_luts_per_column`
    for each of its `distinct` columns (logic optimisation merges identical ones).  FFs: the read
    register, which only block RAM absorbs.
    """
    best_cost = int(width * words * (_ROM_LOGIC_COST if rom else _RAM_LOGIC_COST))
    if rom:
        best = (0, math.ceil(distinct * _rom_luts_per_column(words)), distinct)
    else:
        best = (0, width * words, width)
    candidates = []  # (cost, BRAM18, LUT, FF)
    for cost, scale, shapes in () if rom else _LUTRAM:
        for a, bits, luts in shapes:
            chunks = math.ceil(words / 2**a)
            cells = chunks * math.ceil(width / bits)
            c = (cost - scale) * cells + scale * chunks * width // bits + 2
            if chunks > 1:
                c += 0.5 * (chunks - 1) * width + 0.5 * chunks
            lut = cells * luts + (width * _mux_luts(chunks) + chunks if chunks > 1 else 0)
            candidates.append((c, 0, lut, width))
    for cost, a, widths, per_cell in _BRAM:
        for b, bits in enumerate(widths):
            chunks = math.ceil(words / 2 ** (a - b))
            byte = 1 if rom else min(_BYTE, bits)
            cells = math.ceil(chunks * math.ceil(width / byte) * byte / bits)
            c = cost * cells + 2
            if chunks > 1:
                c += 0.5 * (chunks - 1) * width + (0 if rom else 0.5 * chunks)
            lut = width * _mux_luts(chunks) + (0 if rom or chunks == 1 else chunks)
            candidates.append((c, cells * per_cell, lut, (chunks - 1).bit_length()))
    for c, *mapping in candidates:
        if c < best_cost:
            best_cost, best = c, tuple(mapping)
    return best


def memory(words: int, copies: int = 1, width: int = 16, rom: bool = False,
           distinct: int | None = None) -> tuple[int, int, int]:
    """(BRAM18, LUT, FF) of `copies` memories of `words` entries of `width` bits, as Yosys maps them.

    Checked against Yosys for the RAMs and ROMs the kernels build: a 16-bit RAM is LUT RAM up to
    128 entries, a ROM is logic up to 8447 bits (`_map_memory`).  For a ROM, `width` counts the
    bit columns that are not constant (Yosys drops those before choosing) and `distinct` the
    different ones among them (default: all), which is what a ROM built of logic keeps
    (`rom_columns`).
    """
    if words <= 0 or copies <= 0 or width <= 0:
        return 0, 0, 0
    distinct = width if distinct is None else min(distinct, width)
    return tuple(copies * x for x in _map_memory(words, width, rom, distinct))


def rom_columns(contents: np.ndarray, bits: int) -> tuple[int, int]:
    """(non-constant, distinct non-constant) bit columns of a ROM of `contents`.

    `contents` is entries x fields of `bits`-bit two's complement codes.  Yosys drops a ROM's
    constant columns before mapping it; if it becomes logic, identical columns (the copies of
    a field's sign bit above its magnitude, or, with few entries, repeats of the at most
    2**entries - 2 possible columns) end up as one.  A ROM of one entry (which the kernels pad
    to two equal ones) is all constant.
    """
    codes = np.asarray(contents, dtype=np.int64)
    codes = codes.reshape(codes.shape[0], -1)
    if codes.shape[0] < 2:
        return 0, 0
    columns = ((codes[:, :, None] >> np.arange(bits)) & 1).reshape(codes.shape[0], -1).T
    varying = columns[columns.min(axis=1) != columns.max(axis=1)]
    return len(varying), (len(np.unique(varying, axis=0)) if len(varying) else 0)


def _rom(words: int, copies: int, columns: tuple[int, int]) -> tuple[int, int, int]:
    """`memory` of ROMs with the (non-constant, distinct) columns of `rom_columns`."""
    return memory(words, copies, columns[0], rom=True, distinct=columns[1])


# Distinct bit columns per field of a ROM whose contents the caller does not give (the DSE's case):
# trained Q8.8 weights keep 7-9 of their 16 bits, 48-bit accumulator biases 10-16 (B-LeNet, Triple-Wins).
TYPICAL_WEIGHT_COLUMNS = 9
TYPICAL_BIAS_COLUMNS = 16
LINEAR_BIAS_BITS = 20  # the linear kernel's bias ROM width (that of its largest bias) when the biases are not given


def _rom_columns_typical(entries: int, fields: int, bits: int, distinct: int) -> tuple[int, int]:
    """`rom_columns` of a ROM of unknown contents: every column varies (the `bits` of each of its
    `fields`), `distinct` per field differ, and at most 2**entries - 2 overall."""
    if entries < 2:
        return 0, 0
    return fields * bits, min(fields * distinct, 2 ** min(entries, 24) - 2)


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
        weight_bits = rom_columns(codes.transpose(0, 2, 4, 1, 3, 5).reshape(steps, mults), 16)
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
            roms += [_rom(depth, 1, rom_columns(bank, 16)) for bank in banks]
    elif depth > 1:
        roms.append(_rom(depth, mults, _rom_columns_typical(depth, 1, 16, TYPICAL_WEIGHT_COLUMNS)))
    if groups > 1:
        if bias is not None:
            rounded = np.asarray(bias, dtype=np.int64) + 128  # the kernel adds the rounding 2**(fw-1) (Q8.8 weights)
            width = max(int(v).bit_length() + 1 if v >= 0 else (-int(v) - 1).bit_length() + 1 for v in rounded)
            roms += [_rom(groups, 1, rom_columns(rounded[j::co], width)) for j in range(co)]
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
