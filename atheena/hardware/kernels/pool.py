"""Max and average pooling: the sliding window, then a reduction per lane.

Each window beat (`kh x kw` positions of `lanes` channels) becomes one output
beat of `lanes` words after a free-running reduction pipeline (a register after
every level of a balanced max or sum tree: `pool_latency` cycles) into an output
FIFO; the window hands a beat on only with a credit for room in that FIFO
(`pipeline.py`), so the kernel keeps the window's schedule: one cycle per position the
window visits and channel group, `WindowShape.positions` cycles per sample.

Arithmetic as the reference (`atheena.reference.fixed_point`): max pooling
pads with the most negative code; average pooling sums the window (zero
padding counts), multiplies by `round(2**16 / (kh*kw))` and rounds back by
16 bits (ties up), then saturates.  The constant multiply is built from
shifts and adds, so average pooling uses no DSP.
"""

from __future__ import annotations

import math
from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.conv import ACC, requantize_bits
from atheena.hardware.kernels.logic import join, sext, times_constant, words
from atheena.hardware.kernels.pipeline import adder_tree, credited_output, delay, tree_levels
from atheena.hardware.kernels.window import WindowShape, build_window
from atheena.reference.fixed_point import AVG_SHIFT


def _max(a, b):
    """The larger of two words, selected by the sign of their 17-bit difference.

    Why not `a < b`: Yosys maps both to one carry chain, but given the comparison ABC
    re-derives its top bits in LUTs once per selected bit; on ECP5 a 10-lane 2x2 max pool
    took 3,350 LUT4 that way and 530 with the difference (the xc7 mapping is unaffected)."""
    from pycde.constructs import Mux

    difference = sext(a, WORD + 1).as_sint() - sext(b, WORD + 1).as_sint()
    difference.name = "sign_only_difference"  # only its sign bit is read (the second lint waiver, lint.vlt)
    return Mux(difference.as_bits()[WORD:WORD + 1], a, b)


def _multiplier(kk: int) -> int:
    return math.floor(2.0**AVG_SHIFT / kk + 0.5)


def pool_latency(kind: str, kk: int) -> int:
    """Cycles from a window beat entering the reduction to its result entering the output FIFO."""
    if kind == "max":
        return tree_levels(kk) + 1
    return tree_levels(kk) + tree_levels(bin(_multiplier(kk)).count("1")) + 2


def reduce_window(window, kind: str, kk: int, lanes: int, clk, pixels: int = 1):
    """The pooled `pixels * lanes` words of a beat of `pixels` windows, `pool_latency(kind, kk)` cycles later
    (a register after every level of the max or sum tree, of the constant multiply's sum, and of the
    requantization)."""
    size = WORD * kk * lanes
    if pixels > 1:
        return join([_reduce_one(window[m * size:(m + 1) * size], kind, kk, lanes, clk, f"px{m}_")
                     for m in range(pixels)])
    return _reduce_one(window, kind, kk, lanes, clk)


def _reduce_one(window, kind: str, kk: int, lanes: int, clk, prefix: str = ""):
    parts = words(window, kk * lanes)
    out = []
    for lane in range(lanes):
        values = [parts[k * lanes + lane] for k in range(kk)]
        if kind == "max":
            level = 0
            while len(values) > 1:
                level += 1
                values = [(_max(values[k], values[k + 1]) if k + 1 < len(values) else values[k])
                          .reg(clk=clk, name=f"{prefix}max{lane}_l{level}_{k // 2}") for k in range(0, len(values), 2)]
            out.append(values[0].reg(clk=clk, name=f"{prefix}max{lane}_out"))
        else:
            total = adder_tree([sext(v, WORD + 1) for v in values], clk, f"{prefix}sum{lane}")
            # its last register's low bits are rounded away (the lint waiver's name)
            scaled = times_constant(total, _multiplier(kk), ACC, clk, f"rounded_away_{prefix}scale{lane}")
            rounded = requantize_bits(scaled, AVG_SHIFT,
                                      stage=lambda v, lane=lane: v.reg(clk=clk, name=f"{prefix}round{lane}"))
            out.append(rounded.reg(clk=clk, name=f"{prefix}avg{lane}_out"))
    return join(out)


@cache
def pool_module(shape: WindowShape, kind: str):
    """The PyCDE module class of a max ("max") or average ("avg") pooling layer."""
    if kind not in ("max", "avg"):
        raise ValueError(f"pooling kind '{kind}' must be 'max' or 'avg'")
    kh, kw = shape.kernel
    pad = 1 << (WORD - 1) if kind == "max" else 0
    width = WORD * shape.lanes * shape.pixels_out

    def build(p):
        credits, write_out = credited_output(p.clk, p.rst, width, pool_latency(kind, kh * kw), 1, p.out_ready,
                                             "pool_out")
        window, valid, ready = build_window(shape, pad, p.clk, p.rst, p.in_data, p.in_valid, credits.available)
        take = valid & credits.available
        credits.spend(take)
        data = reduce_window(window, kind, kh * kw, shape.lanes, p.clk, shape.pixels_out)
        p.out_data, p.out_valid = write_out(data, delay(take, pool_latency(kind, kh * kw), p.clk, "pool_v", p.rst))
        p.in_ready = ready

    return stream_module(f"atheena_{kind}pool_{shape.tag()}", WORD * shape.lanes * shape.beat_columns,
                         {"out": width}, build, registered=True)
