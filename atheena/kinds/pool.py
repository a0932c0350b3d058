"""`atheena.max_pool2d` and `atheena.avg_pool2d`: pooling over a sliding window.

Folding: `coarse` channel lanes (divides C) and `pixels`, image columns a step
of the window (pixel lanes with every channel, `window.pixel_values`; 1 when
left out): the window then ends pixels/stride windows a beat, taking its input
in beats of `window.pixels_in` pixels.  The kernel (`kernels/pool.py`)
keeps its window's schedule: one cycle per position the window visits and
channel group (`WindowShape.positions`).
Max pooling pads with the most negative code (padding is at most half a
window, so it never wins); average pooling sums the window, zero padding
included, and multiplies by `round(2**16 / (kh*kw))` (see the fixed-point
rules in `atheena.reference.fixed_point`).  An `AvgPool2d` whose window is the
whole map, without padding, becomes `atheena.global_avg_pool2d` instead (the
same numbers; its kernel needs no line buffers).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import torch
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.model import Estimate, _total, estimate
from atheena.kinds import window
from atheena.kinds.base import OpKind, divisors, map_shape


def window_max(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    """Max over each pooling window; padding never wins (it is at most half a window)."""
    kernel, stride, padding = window.params(op)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return torch.nn.functional.max_pool2d(t, tuple(kernel), tuple(stride), tuple(padding)).numpy()


def window_sum(op: ir.Operation, x: np.ndarray) -> np.ndarray:
    """Sum over each pooling window, zero padding included (exact for integer codes)."""
    kernel, stride, padding = window.params(op)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return torch.nn.functional.avg_pool2d(t, tuple(kernel), tuple(stride), tuple(padding),
                                          count_include_pad=True, divisor_override=1).numpy()


def pool_resources(kind: str, c: int, w: int, kh: int, pw: int, lanes: int, px: int = 1, kw: int | None = None,
                   sw: int | None = None) -> Estimate:
    """max_pool2d / avg_pool2d: the sliding window (`window.window_memory`) and a reduction of kh*kw words per lane.

    `reduce_words`: per lane, the kh*kw-1 comparisons (max) or additions (average; plus one per
    further set bit of the constant 2**16/(kh*kw) that the sum is multiplied by in shifts and adds);
    `reduce_bits`: the registers of that pipelined reduction.  The output FIFO its credits reserve
    (`pipeline.credit_depth` of `kernels.pool.pool_latency`) is one more memory.
    """
    from atheena.dse.memory import memory
    from atheena.hardware.kernels.pipeline import credit_depth, tree_bits
    from atheena.hardware.kernels.pool import pool_latency
    from atheena.hardware.kernels.window import column_walk

    kw = kh if kw is None else kw
    sw = kw if sw is None else sw
    kk = kh * kw
    reduction = "avg" if kind == "avg_pool2d" else "max"
    parts, features = window.window_memory(c, w, kh, kw, pw, lanes, sw, px)
    windows = px // sw if px > 1 else 1  # reduced side by side
    lanes_out = lanes * windows
    parts.append(memory(credit_depth(pool_latency(reduction, kk)), 1, 16 * lanes_out))  # the output FIFO
    bram, lut_mem, ff_mem = _total(parts)
    set_bits = bin(math.floor(2.0**16 / kk + 0.5)).count("1")
    ops = kk - 1 + (set_bits - 1 if kind == "avg_pool2d" else 0)
    if reduction == "max":  # a 16-bit register per comparison and the output register
        stage_bits = 16 * kk
    else:  # the sum tree, the constant multiply's tree, the rounded value and the output register
        stage_bits = tree_bits(kk, 17) + tree_bits(set_bits, 48) + 32 + 16
    steps = len(column_walk(w, kw, sw, pw, px).real)
    features |= {"lanes": lanes_out, "reduce_words": lanes_out * ops, "memory_ff": ff_mem,
                 "reduce_bits": lanes_out * stage_bits,
                 "count_bits": sum(max(1, (k - 1).bit_length()) for k in (c // lanes, steps) if k > 1)}
    return estimate(kind, features, 0, bram, lut_mem)


class _Pool(OpKind):
    reduction = ""  # the kernel's "max" or "avg"
    defaults: ClassVar[dict[str, int]] = {"pixels": 1}

    def axes(self, op):
        c = map_shape(op.operands[0])[0]
        return {"coarse": divisors(c), "pixels": window.pixel_values(op)}

    def foldings(self, op):
        """Channel lanes at one pixel a beat, and each pixel width with every channel."""
        axes = self.axes(op)
        out = [({"coarse": lanes}, self.interval(op, {"coarse": lanes})) for lanes in axes["coarse"]]
        c = axes["coarse"][-1]
        out += [({"coarse": c, "pixels": q}, self.interval(op, {"coarse": c, "pixels": q})) for q in axes["pixels"][1:]]
        return out

    def check_folding(self, op, folding):
        return super().check_folding(op, folding) or window.pixels_problem(op, folding, "coarse")

    def lanes_in(self, op, folding):
        return folding["coarse"] * window.pixels_in(op, folding.get("pixels", 1))

    def lanes_out(self, op, folding):
        return folding["coarse"] * window.pixels_out(op, folding.get("pixels", 1))

    def torch_options(self, b, op, padding) -> None:
        """Refuse what the kernel does not do (each pooling op has its own torch arguments)."""

    def from_torch(self, b, op):
        source = b.stream(op)
        kernel = b.pair(op, 1, "kernel size")
        stride_value = b.const(op, 2)
        if isinstance(stride_value, list) and len(stride_value) == 4 and stride_value[2:] == [1, 1]:
            stride = tuple(int(s) for s in stride_value[:2])  # torch-mlir's ONNX AveragePool pads the list with 1s
        else:
            stride = kernel if stride_value in (None, []) else b.pair(op, 2, "stride")
        padding = b.pair(op, 3, "padding")
        self.torch_options(b, op, padding)
        b.add(op, self.name, source, kernel=kernel, stride=stride, padding=padding)

    def check(self, op):
        problem = window.check_window(op)
        if problem:
            return problem
        kernel, padding = O.int_array(op, "kernel"), O.int_array(op, "padding")
        if any(2 * p > k for p, k in zip(padding, kernel)):
            return f"padding {padding} must be at most half the kernel {kernel}"
        if O.shape_of(op.results[0])[0] != O.shape_of(op.operands[0])[0]:
            return "pooling must keep the number of channels"
        return None

    def interval(self, op, folding):
        return window.shape(op, folding["coarse"], folding.get("pixels", 1)).positions

    def latency(self, op, folding):
        from atheena.hardware.kernels.pool import pool_latency

        kh, kw = O.int_array(op, "kernel")
        return pool_latency(self.reduction, kh * kw) + 2  # and its output FIFO

    def families(self):
        """Its kernel swept over the zoo's pooling layers (and 3x3 windows), by lanes."""
        from atheena.hardware.characterise import Family, window_shape

        kind = self.name.removeprefix("atheena.")

        def build(p):
            from atheena.hardware.kernels.pool import pool_module

            module = pool_module(window_shape(p), self.reduction)
            return module, module.__name__

        def cost(p):
            return pool_resources(kind, p["c"], p["w"], p["k"], p.get("p", 0), p["ci"], p.get("px", 1),
                                  sw=p.get("s", 1))

        return [Family(kind, kind, ("base", "reduce_words", "window_words", "sr_srl", "count_bits", "sr_ff",
                                    "memory_ff", "reduce_bits", "extra_controls"),
                       build, cost, lut_features=("base", "reduce_words", "window_words", "sr_srl", "count_bits",
                                                  "extra_controls"),
                       ff_features=("base", "window_words", "sr_ff", "memory_ff", "count_bits", "reduce_bits",
                                    "extra_controls"))]

    def hardware(self, op, folding, b, inputs):
        c, _, w = map_shape(op.operands[0])
        kh, kw = O.int_array(op, "kernel")
        pw = O.int_array(op, "padding")[1]
        sw = O.int_array(op, "stride")[1]
        lanes, q = folding["coarse"], folding.get("pixels", 1)
        kind = self.name.removeprefix("atheena.")

        def module():
            from atheena.hardware.kernels.pool import pool_module

            return pool_module(window.shape(op, lanes, q), self.reduction)

        return window.stages(b, op, inputs[0], self.lanes_in(op, folding), lanes * window.pixels_out(op, q),
                             lambda: pool_resources(kind, c, w, kh, pw, lanes, q, kw=kw, sw=sw), module)


class MaxPool2d(_Pool):
    name = "atheena.max_pool2d"
    order = 20
    reduction = "max"
    torch_ops = ("torch.aten.max_pool2d", "torch.aten.max_pool2d_with_indices")
    torch_layers = "MaxPool2d"

    def torch_options(self, b, op, padding):
        if b.pair(op, 4, "dilation") != (1, 1):
            b.fail(op, "dilated max pooling is not supported")
        if b.const(op, 5):
            b.fail(op, "pooling with ceil_mode=True is not supported; use the default floor mode")

    def evaluate(self, op, x, arith):
        out = window_max(op, x)
        return out.astype(np.int64) if arith.fixed else out


class AvgPool2d(_Pool):
    name = "atheena.avg_pool2d"
    order = 21
    reduction = "avg"
    torch_ops = ("torch.aten.avg_pool2d",)
    torch_layers = "AvgPool2d"

    def from_torch(self, b, op):
        """A window over the whole map without padding is one window whatever the stride (and ceil mode):
        global average pooling (`atheena.kinds.global_avg_pool`), which computes the same codes without
        line buffers.  `divisor_override` is refused as for any average pooling."""
        from atheena.kinds.global_avg_pool import KIND as GLOBAL

        source = b.stream(op)
        whole = len(source.shape) == 3 and b.pair(op, 1, "kernel size") == tuple(source.shape[1:])
        if whole and b.pair(op, 3, "padding") == (0, 0) and b.const(op, 6) is None:
            b.add(op, GLOBAL.name, source)
        else:
            super().from_torch(b, op)

    def torch_options(self, b, op, padding):
        ceil_mode, count_include_pad, divisor = (b.const(op, i) for i in (4, 5, 6))
        if padding != (0, 0) and not count_include_pad:
            b.fail(op, "average pooling with padding must count the padding (count_include_pad=True)")
        if divisor is not None:
            b.fail(op, "average pooling with divisor_override is not supported")
        if ceil_mode:
            b.fail(op, "pooling with ceil_mode=True is not supported; use the default floor mode")

    def evaluate(self, op, x, arith):
        kh, kw = O.int_array(op, "kernel")
        if not arith.fixed:
            return window_sum(op, x) / (kh * kw)
        total = window_sum(op, x).astype(np.int64)
        multiplier = math.floor(2.0**arith.AVG_SHIFT / (kh * kw) + 0.5)
        return arith.requantize(total * multiplier, arith.AVG_SHIFT)


MAX = MaxPool2d()
AVG = AvgPool2d()
