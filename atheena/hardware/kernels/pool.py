"""Max and average pooling: the sliding window, then a reduction per lane.

Each window beat (`kh x kw` positions of `lanes` channels) becomes one output
beat of `lanes` words, combinationally from the window's output register, so
the kernel keeps the window's schedule: one cycle per padded input position
and channel group, `(H + 2ph) * (W + 2pw) * C / lanes` cycles per sample.

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
from atheena.hardware.kernels.logic import add, join, sext, times_constant, words
from atheena.hardware.kernels.window import WindowShape, build_window
from atheena.reference.fixed_point import AVG_SHIFT


def _max(a, b):
    from pycde.constructs import Mux

    return Mux(a.as_sint() < b.as_sint(), a, b)


def reduce_window(window, kind: str, kk: int, lanes: int):
    """The pooled `lanes` words of one window beat."""
    parts = words(window, kk * lanes)
    out = []
    for lane in range(lanes):
        values = [parts[k * lanes + lane] for k in range(kk)]
        if kind == "max":
            best = values[0]
            for v in values[1:]:
                best = _max(best, v)
            out.append(best)
        else:
            total = sext(values[0], ACC)
            for v in values[1:]:
                total = add(total, v, ACC)
            multiplier = math.floor(2.0**AVG_SHIFT / kk + 0.5)
            out.append(requantize_bits(times_constant(total, multiplier, ACC), AVG_SHIFT))
    return join(out)


@cache
def pool_module(shape: WindowShape, kind: str):
    """The PyCDE module class of a max ("max") or average ("avg") pooling layer."""
    if kind not in ("max", "avg"):
        raise ValueError(f"pooling kind '{kind}' must be 'max' or 'avg'")
    kh, kw = shape.kernel
    pad = 1 << (WORD - 1) if kind == "max" else 0

    def build(p):
        window, valid, ready = build_window(shape, pad, p.clk, p.rst, p.in_data, p.in_valid, p.out_ready)
        p.out_data = reduce_window(window, kind, kh * kw, shape.lanes)
        p.out_valid, p.in_ready = valid, ready

    return stream_module(f"atheena_{kind}pool_{shape.tag()}", WORD * shape.lanes, {"out": WORD * shape.lanes}, build)
