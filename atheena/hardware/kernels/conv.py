"""Convolution kernel: sliding window, then a folded multiply-accumulate engine.

Folding (fpgaConvNet's terms): `coarse_in` (ci) channel lanes in, `coarse_out`
(co) filter lanes out, `fine` multipliers per dot product over the
`kh*kw` kernel positions; `ci*co*fine` multipliers in all (one DSP48 each).
`fine` need not divide `kh*kw`: a window beat takes `ceil(kh*kw/fine)` steps and
the last one is partial (its missing positions read a zero word and a zero
weight), so the DSE can buy multipliers in steps of `ci*co`.  Nor need `co`
divide F: the last of `ceil(F/co)` filter groups is partial (zero filters), and
the engine then gathers a pixel's groups and gives whole pixels (F words a
pixel), as it always does with pixel lanes (`gathers`).

Dataflow: the window (`window.py`) emits each output pixel as G = C/ci beats
of `kh x kw x ci` words.  The engine stores them in a ping-pong window memory
(two pixels of G beats), so the next pixel streams in while the current one
is computed.  For each pixel it steps through filter group fg (F/co), channel
group g (G) and kernel-position group kg (ceil(kh*kw/fine)), innermost last: one
step per cycle multiplies ci*fine window words by the weights of co filters
and adds the co dot-product pieces into co 48-bit accumulators, which start
from the bias.  After the last (g, kg) of a filter group the accumulators are
requantized (round to nearest, ties up, shift by the weights' fraction bits,
saturate to 16 bits; `atheena.reference.fixed_point`) and leave as one beat
of co words: outputs come in HWC order, co channels per beat.

Weights sit in one ROM word per step (`ci*co*fine` weights side by side), read
in step order, so the ROM is read sequentially.  Cycles per output pixel:
`(F/co) * G * ceil(kh*kw/fine)`; the window adds its own schedule (one cycle per
position it visits, `WindowShape.positions`) and the two overlap through the ping-pong memory, so
the interval is close to the larger of the two (exactly: `conv_interval` in
`atheena.dse.timing`).
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.logic import Counter, add, const, join, smul, words
from atheena.hardware.kernels.memory import ram, rom
from atheena.hardware.kernels.window import WindowShape, build_window, window_copies

ACC = 48


def requantize_bits(acc, shift: int, word: int = WORD, stage=None):
    """Hardware requantization of a 48-bit accumulator: +2**(shift-1), >> shift, saturate.

    `stage(signal)`, when given, registers the rounded value before the saturation (a pipeline stage)."""
    from pycde.constructs import Mux

    # (acc + 2**(shift-1)) >> shift == (acc >> shift) + bit shift-1 of acc, without dropping unused bits
    width = ACC - shift
    if shift > 1:
        acc.name = "rounded_away"  # its low bits are dropped on purpose (the one lint waiver, lint.vlt)
    value = acc[shift:ACC]
    if shift > 0:
        value = (value.as_uint() + acc[shift - 1].as_uint()).as_bits()[0:width]  # cannot wrap: |acc| < 2**47
    if stage is not None:
        value = stage(value)
    top = value[word - 1:width]  # must be all zeros or all ones to fit
    fits = (top == const(width - word + 1, 0)) | (top == const(width - word + 1, -1))
    sign = value[width - 1]
    saturated = Mux(sign, const(word, (1 << (word - 1)) - 1), const(word, 1 << (word - 1)))
    return Mux(fits, saturated, value[0:word])


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.int64)).tobytes())
    return h.hexdigest()[:8]


class ConvParams:
    """Weights (F x C x kh x kw codes), bias (F codes at the accumulator's fraction) and folding.

    Hashable by content so module classes can be cached per layer.
    """

    def __init__(self, shape: WindowShape, weights, bias, coarse_out: int, fine: int, shift: int):
        self.shape = shape
        self.weights = np.asarray(weights, dtype=np.int64)
        self.bias = np.asarray(bias, dtype=np.int64)
        self.coarse_out, self.fine, self.shift = coarse_out, fine, shift
        f, c, kh, kw = self.weights.shape
        if (c, kh, kw) != (shape.channels, *shape.kernel):
            raise ValueError(f"weights of shape {self.weights.shape} do not match a {shape.kernel} window "
                             f"over {shape.channels} channels")
        if not 1 <= coarse_out <= f or not 1 <= fine <= kh * kw:
            raise ValueError(f"coarse_out ({coarse_out}) must be between 1 and the filters ({f}) and fine ({fine}) "
                             f"between 1 and the kernel positions ({kh * kw})")
        self.key = (shape, coarse_out, fine, shift, _digest(self.weights, self.bias))

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, ConvParams) and self.key == other.key

    @property
    def filters(self) -> int:
        return self.weights.shape[0]

    @property
    def filter_groups(self) -> int:
        """Filter groups a pixel takes: `ceil(F / co)`, the last one partial when `co` does not divide."""
        return groups_of(self.filters, self.coarse_out)

    @property
    def gathers(self) -> bool:
        """Whether a pixel's filter groups are gathered into whole pixels: with pixel lanes (a beat of
        several pixels must hold each pixel whole) or a partial filter group."""
        return gathers(self.filters, self.coarse_out, self.shape.pixels_out)

    @property
    def out_lanes(self) -> int:
        """Words per output beat: every filter of each pixel when gathering, else a filter group's."""
        return (self.filters if self.gathers else self.coarse_out) * self.shape.pixels_out

    @property
    def position_groups(self) -> int:
        """Steps per window beat: `ceil(kh*kw / fine)`, the last one partial when `fine` does not divide."""
        return groups_of(self.shape.kernel[0] * self.shape.kernel[1], self.fine)

    def name(self) -> str:
        return (f"atheena_conv_{self.shape.tag()}_f{self.filters}_co{self.coarse_out}_fi{self.fine}_"
                f"{self.key[-1]}")

    def weight_rom(self) -> list[int]:
        """One word per step (fg, g, kg): weights of multiplier (o, i, f) at bits [16*((o*ci + i)*fine + f), ...);
        a partial last kg holds zeros where there is no kernel position."""
        s, co, fine = self.shape, self.coarse_out, self.fine
        kk = s.kernel[0] * s.kernel[1]
        w = np.zeros((self.filter_groups * co, s.channels, self.position_groups * fine), np.int64)
        w[:self.filters, :, :kk] = self.weights.reshape(self.filters, s.channels, kk)  # zeros: partial steps, groups
        out = []
        for fg in range(self.filter_groups):
            for g in range(s.groups):
                for kg in range(self.position_groups):
                    word = 0
                    for o in range(co):
                        for i in range(s.lanes):
                            for f in range(fine):
                                k = (o * s.lanes + i) * fine + f
                                code = int(w[fg * co + o, g * s.lanes + i, kg * fine + f]) & 0xFFFF
                                word |= code << (WORD * k)
                    out.append(word)
        return out

    def bias_rom(self) -> list[int]:
        co = self.coarse_out
        mask = (1 << ACC) - 1
        bias = list(self.bias) + [0] * (self.filter_groups * co - self.filters)
        return [sum((int(bias[fg * co + o]) & mask) << (ACC * o) for o in range(co))
                for fg in range(self.filter_groups)]


def _padded_rom(name, contents, width, addr_counter, clk, enable=None):
    """A ROM of at least two words (a one-word ROM would need a zero-width address)."""
    if len(contents) == 1:
        contents = contents * 2
    return rom(name, contents, width, addr_counter, clk, enable)


def gathers(filters: int, coarse_out: int, pixels_out: int) -> bool:
    """`ConvParams.gathers` from plain numbers (the cost model's entry)."""
    return pixels_out > 1 or filters % coarse_out != 0


def groups_of(items: int, size: int) -> int:
    """Groups of `size` that `items` make, the last one partial: kernel positions in steps of `fine`
    (`ConvParams.position_groups`), filters in groups of `coarse_out` (`filter_groups`)."""
    return -(-items // size)


def pipeline_depth(coarse_in: int, fine: int) -> int:
    """Cycles from issuing a pixel's last step to its result entering the output FIFO (see `build_engine`):
    7 stages plus the adder tree's levels.  The model reads the same (`kinds.conv2d`)."""
    from atheena.hardware.kernels.pipeline import tree_levels

    return 7 + tree_levels(coarse_in * fine)


def build_engine(p: ConvParams, clk, rst, in_data, in_valid, out_ready):
    """The multiply-accumulate engine; input = window beats; returns (out_data, out_valid, in_ready).

    A free-running pipeline (`pipeline.py`): cycle 0 issues a step (counters, memory
    addresses); 1: window word, weight word and kernel-group registers (the memories' read
    registers); 2: the selected window words and the step's weights registered again
    (a DSP's A/B registers, and the block RAM's output register); 3 and 4: products,
    twice (a DSP48's M and P registers, which Yosys packs into the DSP); 4+T: the
    registered adder tree's sum (T levels); 5+T: accumulators (bias on a filter
    group's first step); 6+T: rounded; 7+T: saturated, written to the output FIFO.  A filter group's last step is issued only
    with a credit (room in that FIFO), so nothing in between ever stalls.
    """
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    from atheena.hardware.kernels.pipeline import adder_tree, credited_output, delay, tree_levels

    s, co, fine = p.shape, p.coarse_out, p.fine
    ci, g_n, px = s.lanes, s.groups, s.pixels_out
    kk = s.kernel[0] * s.kernel[1]
    beat = WORD * kk * ci * px
    levels = tree_levels(ci * fine)

    # write side: G window beats of a pixel into slot `wslot`
    slot_full = [Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"ce_full{k}") for k in range(2)]
    wslot = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name="ce_wslot")
    wg = Counter(g_n, clk, rst, "ce_wg")
    in_ready = ~Mux(wslot, slot_full[0], slot_full[1])
    write = in_valid & in_ready
    abits = max(1, (2 * g_n - 1).bit_length())

    def slot_addr(slot, group):
        base = group.value.as_uint(abits)
        return Mux(slot, base.as_bits(), (base + g_n).as_bits()[0:abits])

    # read side: steps (fg, g, kg) of the pixel in slot `rslot`
    rslot = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name="ce_rslot")
    kg = Counter(p.position_groups, clk, rst, "ce_kg")
    g = Counter(g_n, clk, rst, "ce_g")
    # The window memory is split like the window (`window_copies`), each slice of lanes addressed
    # by its own copy of the slot registers and group counters: one copy's addresses would drive
    # every cell of a memory as wide as the window (400 LUT RAM cells for a 5x5 window of 4 lanes).
    copies = window_copies(s)
    slot_regs = [(wslot, wg, rslot, g)] + [
        (Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"ce_wslot{k}"), Counter(g_n, clk, rst, f"ce_wg{k}"),
         Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"ce_rslot{k}"), Counter(g_n, clk, rst, f"ce_g{k}"))
        for k in range(1, copies)]
    fg = Counter(p.filter_groups, clk, rst, "ce_fg")
    weight_rom = p.weight_rom()
    step = Counter(len(weight_rom), clk, rst, "ce_t")
    have = Mux(rslot, slot_full[0], slot_full[1])
    group_end = g.last & kg.last  # a filter group's last step: its result leaves
    result_end = group_end & fg.last if p.gathers else group_end  # ... or, gathering, the pixel's last group's
    spacing = g_n * p.position_groups * (p.filter_groups if p.gathers else 1)
    credits, write_out = credited_output(clk, rst, WORD * p.out_lanes, pipeline_depth(ci, fine), spacing,
                                         out_ready, "ce_out")
    issue = have & (~result_end | credits.available)
    credits.spend(issue & result_end)
    pixel_done = issue & group_end & fg.last

    # cycle 1: memory read registers
    per = WORD * ci // copies  # bits of a slice at one kernel position
    slices = [ram("ce_window" if k == 0 else f"ce_window{k}", beat // copies, 2 * g_n, clk, write,
                  slot_addr(ws, wgk), join([in_data[(p * copies + k) * per:(p * copies + k + 1) * per]
                                            for p in range(kk * px)]), slot_addr(rs, gk))
              for k, (ws, wgk, rs, gk) in enumerate(slot_regs)]
    window = join([sl[p * per:(p + 1) * per] for p in range(kk) for sl in slices]) if copies > 1 else slices[0]
    kg1 = kg.value.reg(clk=clk, name="ce_kg1")
    # cycle 2: selected window words and weights (each of the px windows of a beat: pixel m's words follow
    # pixel m-1's; all take the same weights)
    pieces = words(window, kk * ci * px)  # word (pixel, position, lane) at (pixel * kk + position) * ci + lane
    zero = const(WORD, 0)  # past the last kernel position (a partial step); its weight is zero too
    x_words = []
    for m in range(px):
        chosen = [join([pieces[(m * kk + k * fine + f) * ci + i] if k * fine + f < kk else zero
                        for i in range(ci) for f in range(fine)])
                  for k in range(p.position_groups)]
        selected = (Mux(kg1, *chosen) if len(chosen) > 1 else chosen[0]).reg(
            clk=clk, name="ce_x2" if px == 1 else f"ce_x2_{m}")
        x_words.append(words(selected, ci * fine))  # (i, f) at i*fine + f
    # the weight ROM is read at cycle 0 and its output registered again (a block RAM's output register:
    # its clock-to-out and a multiplier do not fit one cycle together)
    weights = _padded_rom("ce_weights", weight_rom, WORD * ci * co * fine, step.value, clk).reg(clk=clk, name="ce_w2")
    weight_words = words(weights, co * ci * fine)
    # the bias of the filter group, read so it arrives with the tree's sum (cycle 4+T)
    fg_at = delay(fg.value, 3 + levels, clk, "ce_fg")
    biases = words(_padded_rom("ce_bias", p.bias_rom(), ACC * co, fg_at, clk), co, ACC)
    valid = delay(issue, 4 + levels, clk, "ce_v", rst)
    first = delay((g.value == const(g.width, 0)) & (kg.value == const(kg.width, 0)), 4 + levels, clk, "ce_first")
    last = delay(group_end, 4 + levels, clk, "ce_last")
    done = (valid & last).reg(clk=clk, rst=rst, rst_value=0, name="ce_done")  # cycle 5+T: accumulators final
    results = []
    for m in range(px):  # output word m*co + o: pixel-major, as the stream
        tag = "" if px == 1 else f"x{m}_"
        for o in range(co):
            # cycles 3-4: products (M, P); 4+T: their sum
            products = [smul(x_words[m][i * fine + f], weight_words[(o * ci + i) * fine + f])
                        .reg(clk=clk, name=f"ce_m{tag}{o}_{i}_{f}").reg(clk=clk, name=f"ce_p{tag}{o}_{i}_{f}")
                        for i in range(ci) for f in range(fine)]
            total = adder_tree(products, clk, f"ce_sum{tag}{o}")
            acc = Reg(Bits(ACC), clk=clk, name=f"ce_acc{tag}{o}")
            acc.assign(Mux(valid, acc, add(Mux(first, acc, biases[o]), total, ACC)))
            rounded = requantize_bits(acc, p.shift, stage=lambda v, t=f"{tag}{o}": v.reg(clk=clk, name=f"ce_round{t}"))
            results.append(rounded.reg(clk=clk, name=f"ce_sat{tag}{o}"))
    out_valid_in = delay(done, 2, clk, "ce_done", rst)
    if p.gathers:  # the groups before the last wait in registers; the last goes straight out with them
        fg_out = delay(fg.value, pipeline_depth(ci, fine), clk, "ce_fgo")
        last_group = fg_out == const(fg.width, p.filter_groups - 1)
        pixel = []
        for m in range(px):
            for f in range(p.filters):
                group, o = divmod(f, co)
                word = results[m * co + o]
                if group < p.filter_groups - 1:
                    here = out_valid_in & (fg_out == const(fg.width, group))
                    word = word.reg(clk=clk, ce=here, name=f"ce_gather{m}_{f}")
                pixel.append(word)
        out_data, out_valid = write_out(join(pixel), out_valid_in & last_group)
    else:
        out_data, out_valid = write_out(join(results), out_valid_in)

    for counter in (kg, step):
        counter.step(issue)
    fg.step(issue & kg.last & g.last)
    for ws, wgk, rs, gk in slot_regs:
        gk.step(issue & kg.last)
        rs.assign(Mux(pixel_done, rs, ~rs))
        wgk.step(write)
        ws.assign(Mux(write & wgk.last, ws, ~ws))
    for k in range(2):
        filled = write & wg.last & (wslot == const(1, k))
        freed = pixel_done & (rslot == const(1, k))
        slot_full[k].assign(Mux(filled, Mux(freed, slot_full[k], const(1, 0)), const(1, 1)))
    return out_data, out_valid, in_ready


@cache
def conv_module(params: ConvParams):
    """The PyCDE module class of one convolution layer with its weights and folding."""
    from pycde.constructs import Wire
    from pycde.types import Bits

    s = params.shape

    def build(p):
        engine_ready = Wire(Bits(1), "engine_ready")
        win, win_valid, ready = build_window(s, 0, p.clk, p.rst, p.in_data, p.in_valid, engine_ready)
        data, valid, e_ready = build_engine(params, p.clk, p.rst, win, win_valid, p.out_ready)
        engine_ready.assign(e_ready)
        p.out_data, p.out_valid, p.in_ready = data, valid, ready

    return stream_module(params.name(), WORD * s.lanes * s.beat_columns, {"out": WORD * params.out_lanes}, build,
                         registered=True)
