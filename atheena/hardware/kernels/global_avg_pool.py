"""Global average pooling: the mean of each channel over the whole map, `C x H x W -> C x 1 x 1`.

Ports: `in_data[16*lanes]`, `in_valid`, `in_ready` (a sample's `P = H*W` pixels
in HWC order, `G = C / lanes` beats per pixel; lane i of beat g carries
channel `g*lanes + i`), `out_data[16*lanes]`, `out_valid`, `out_ready` (the C
averages, G beats of `lanes` words, channel order as the input), `clk`, `rst`.
A word moves when valid and ready are both high at a rising edge.

Accumulation.  Beats arrive in a fixed cycle of channel groups 0..G-1, so
the G partial sums of a lane live in a shift register of G stages that
advances with every accepted beat: its last stage is always the partial sum
of the group arriving now.  The beat's word is added to it (to 0 on the
sample's first pixel) and the sum enters the first stage.  The shift register
has no reset and no other taps, so synthesis maps it to SRL shift registers
(one LUT per bit per 32 groups, as dense as LUT RAM) and it needs no address
logic.  Sums are `16 + ceil(log2 P)` bits wide: they cannot overflow.

Output.  On the sample's last pixel each group's sum is complete as its beat
arrives: it is loaded into the output register (one per lane, without the
low bits that cannot change the average, `rounded_bits`), from which the
averages leave: `sum * round(2**16 / P)` (shifts and adds, no DSP), plus
`2**15`, shifted right by 16 and saturated to the activation word (`word`
bits, sign-extended to 16), the reference's rule for average pooling
(`atheena.reference.fixed_point`).  Meanwhile the next sample's first pixel
restarts the shift register, so accumulation of one sample overlaps the
output of the previous one and nothing waits between samples.  The G output
beats leave back to back with the last pixel's input beats; the netlist puts
a FIFO of G beats behind the kernel to absorb that burst
(`atheena.kinds.global_avg_pool`).

Handshake.  Outside the last pixel every beat is accepted (`in_ready` high);
on the last pixel a beat is accepted when the output register is empty or
being read, so `in_ready` then follows `out_ready` combinationally, as in the
ReLU kernel, and no word is lost or repeated under any pattern of stalls.

Interval: one beat per cycle with input available and output free, i.e.
`P * G = H * W * C / lanes` cycles per sample, the model's.
"""

from __future__ import annotations

import math
from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.reference.fixed_point import AVG_SHIFT


def sum_bits(pixels: int) -> int:
    """Width of a channel's sum of `pixels` signed 16-bit words."""
    return WORD + (pixels - 1).bit_length()


def scale(pixels: int) -> int:
    """The constant the sum is multiplied by: round(2**16 / P) (ties up)."""
    return math.floor(2.0**AVG_SHIFT / pixels + 0.5)


def rounded_bits(pixels: int) -> int:
    """Low bits of the sum that cannot change the average, so the output register leaves them out.

    When round(2**16 / P) is 2**k (P a power of two up to 2**15), `sum * 2**k` has nothing but the
    sum's low 15 - k bits below bit 15, and adding 2**15 then shifting by 16 never carries them in.
    """
    m = scale(pixels)
    k = m.bit_length() - 1
    return AVG_SHIFT - 1 - k if m == 1 << k and k < AVG_SHIFT - 1 else 0


@cache
def global_avg_pool_module(channels: int, pixels: int, lanes: int, word: int = WORD):
    """The PyCDE module class of a global average pooling of `channels` channels over `pixels` = H*W pixels,
    `lanes` channels per beat, saturating the averages to `word`-bit activations (sign-extended to 16 bits)."""
    if min(channels, pixels, lanes) < 1 or channels % lanes:
        raise ValueError(f"global average pooling: lanes ({lanes}) must divide the channels ({channels}), and "
                         f"pixels ({pixels}) must be >= 1")
    if scale(pixels) == 0:
        raise ValueError(f"global average pooling over {pixels} pixels: round(2**16 / {pixels}) is 0; "
                         "maps of at most 131,072 pixels are supported")
    if not 2 <= word <= WORD:
        raise ValueError(f"global average pooling: activations of {word} bits do not fit a {WORD}-bit word")
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    from atheena.hardware.kernels.conv import ACC, requantize_bits
    from atheena.hardware.kernels.logic import Counter, add, const, join, sext, words
    from atheena.hardware.kernels.logic import times_constant

    groups = channels // lanes
    width = sum_bits(pixels)
    low = rounded_bits(pixels)
    multiplier = scale(pixels) << low

    def build(p):
        group = Counter(groups, p.clk, p.rst, "group")
        pixel = Counter(pixels, p.clk, p.rst, "pixel")
        first = pixel.value == const(pixel.width, 0)
        last = pixel.last
        full = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="full")  # the output register holds a beat
        ready = ~last | ~full | p.out_ready
        take = p.in_valid & ready
        load = take & last
        averages = []
        for lane, x in enumerate(words(p.in_data, lanes)):
            # the shift register of the G partial sums: stage 0 takes the new sum, stage G-1 is the head
            stage0 = Reg(Bits(width), clk=p.clk, ce=take, name=f"acc{lane}_0")
            stages = [stage0]
            for k in range(1, groups):
                stages.append(stages[-1].reg(clk=p.clk, ce=take, name=f"acc{lane}_{k}"))
            head = stages[-1]
            total = add(Mux(first, head, const(width, 0)), x, width)
            stage0.assign(total)
            done = total[low:width].reg(clk=p.clk, ce=load, name=f"sum{lane}")
            average = requantize_bits(times_constant(done, multiplier, ACC), AVG_SHIFT, word)
            averages.append(sext(average, WORD))
        full.assign(Mux(load, Mux(p.out_ready, full, const(1, 0)), const(1, 1)))
        group.step(take)
        pixel.step(take & group.last)
        p.out_data = join(averages)
        p.out_valid = full
        p.in_ready = ready

    suffix = "" if word == WORD else f"_q{word}"
    return stream_module(f"atheena_global_avg_pool_c{channels}_p{pixels}_l{lanes}{suffix}", WORD * lanes,
                         {"out": WORD * lanes}, build)
