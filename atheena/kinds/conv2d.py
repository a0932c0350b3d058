"""`atheena.conv2d`: a (grouped) 2-D convolution with bias.

Folding: `coarse_in` input lanes (divides C, or C/groups), `coarse_out` filters
computed at once (1 to F: one that does not divide F leaves the last of
`ceil(F/co)` filter groups partial), `fine` multipliers per dot product (1 to
kh*kw: one that does not divide kh*kw leaves the last of `ceil(kh*kw/fine)`
steps partial), and `pixels`, image columns a step of the window (pixel lanes,
`window.pixel_values`; 1 when left out): with q > 1 the window takes whole pixels
(coarse_in = C) in beats of `window.pixels_in` pixels, ends q/stride windows a
step and the engine computes them side by side with the same weights.  Output beats hold `coarse_out` words of
one pixel, or whole pixels when the engine gathers its filter groups (pixel
lanes, or a partial group: `kernels.conv.gathers`).  The
kernel (`kernels/conv.py`) overlaps the sliding window's visit of its input
positions (`WindowShape.positions`) with `(F/co)(C/ci)ceil(kh*kw/fine)` multiply-accumulate
steps per output pixel; no closed form captures the overlap (stride-2 rows starve the
engine), so the interval replays the kernel's schedule
(`atheena.dse.timing.conv_interval`, exact against the RTL).  Grouped
convolutions are costed but have no kernel yet.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
import torch
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.memory import (
    TYPICAL_BIAS_COLUMNS,
    TYPICAL_WEIGHT_COLUMNS,
    _mux_luts,
    _rom,
    _rom_columns_typical,
    memory,
    rom_columns,
    rom_mapping_columns,
)
from atheena.dse.model import ACC_BITS, Estimate, _total, estimate
from atheena.errors import AtheenaError
from atheena.ir import layer_name
from atheena.kinds import window
from atheena.kinds.base import OpKind, check_dense, divisors, map_shape


def conv_sums(op: ir.Operation, x: np.ndarray, w: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Sums of products of a (grouped) convolution, without bias, computed in `dtype`.

    PyTorch's convolution is used as the multiply-accumulate engine.  With
    integer-valued float64 operands whose worst-case sum stays below 2**53
    (the fixed-point model proves this per layer) every partial sum is an
    exactly representable integer, so the result is exact in any order.
    """
    _, stride, padding = window.params(op)
    out = torch.nn.functional.conv2d(torch.from_numpy(np.ascontiguousarray(x, dtype=dtype)),
                                     torch.from_numpy(np.ascontiguousarray(w, dtype=dtype)),
                                     stride=tuple(stride), padding=tuple(padding), groups=O.int_attr(op, "groups"))
    return out.numpy()


def conv_sums_int64(op: ir.Operation, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The same sums in int64 with numpy (slow; for layers whose sums could exceed 2**53)."""
    kernel, stride, padding = window.params(op)
    (ph, pw), (sh, sw) = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xp, tuple(kernel), axis=(2, 3))[:, :, ::sh, ::sw]
    groups = O.int_attr(op, "groups")
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    return np.concatenate([
        np.einsum("nchwij,fcij->nfhw", win[:, g * cg : (g + 1) * cg], w[g * fg : (g + 1) * fg])
        for g in range(groups)
    ], axis=1)


def padding_mode(b, op: ir.Operation, mode: str, weights: np.ndarray) -> tuple[int, int]:
    """Padding of `aten.conv2d.padding` ('valid', or 'same' with an odd kernel)."""
    if mode == "valid":
        return (0, 0)
    kh, kw = weights.shape[2:]
    if mode != "same" or kh % 2 == 0 or kw % 2 == 0:
        b.fail(op, f"padding='{mode}' is supported only as 'valid', or as 'same' with an odd kernel; "
                   "give the padding as numbers instead")
    return (kh // 2, kw // 2)



def rom_bits(c: int, f: int, kk: int, ci: int, co: int, fine: int, weights: np.ndarray | None = None,
             bias: np.ndarray | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """(weight ROM, bias ROM) `rom_columns` of a conv folded (ci, co, fine): one weight entry of `ci*co*fine`
    words per step (zeros for a partial step or filter group), one bias entry of `co` accumulators per filter
    group; typical of trained weights when the codes are not given.  Pixel lanes share them, so costing
    every pixel width of a folding reuses one count (`Builder.once`)."""
    from atheena.hardware.kernels.conv import groups_of

    groups_in, kg, fgs = c // ci, groups_of(kk, fine), groups_of(f, co)
    steps, width = fgs * groups_in * kg, ci * co * fine
    if weights is not None:
        codes = np.zeros((fgs * co, c, kg * fine), np.int64)  # zeros: a partial last step or filter group
        codes[:f, :, :kk] = np.asarray(weights).reshape(f, c, kk)
        codes = codes.reshape(fgs, co, groups_in, ci, kg, fine)
        weight_bits = rom_mapping_columns(codes.transpose(0, 2, 4, 1, 3, 5).reshape(steps, width), 16)
    else:
        weight_bits = _rom_columns_typical(steps, width, 16, TYPICAL_WEIGHT_COLUMNS)
    if bias is not None:
        bias_bits = rom_columns(np.concatenate([np.asarray(bias), np.zeros(fgs * co - f, np.int64)]).reshape(fgs, co),
                                ACC_BITS)
    else:
        bias_bits = _rom_columns_typical(fgs, co, ACC_BITS, TYPICAL_BIAS_COLUMNS)
    return weight_bits, bias_bits


def conv_resources(c: int, w: int, f: int, kh: int, kw: int, pw: int, groups: int, ci: int, co: int, fine: int,
                   px: int = 1, weights: np.ndarray | None = None, bias: np.ndarray | None = None,
                   sw: int = 1, roms: tuple | None = None) -> Estimate:
    """A kh x kw convolution of a C-channel, W-wide map to F channels, folded (ci, co, fine).

    Memories of `kernels/conv.py`: the weight ROM (one `ci*co*fine`-word entry per step), the
    bias ROM (F/co entries of co 48-bit accumulators), the ping-pong window memory (2 x C/ci
    entries of kh*kw*ci words) and the window's (`window.window_memory`).  A ROM keeps only its distinct
    bit columns (`rom_columns`): given the weight and bias codes (F x C x kh x kw, F) they are
    counted exactly, else taken to be typical of trained weights (`TYPICAL_WEIGHT_COLUMNS`);
    the choice of logic or block RAM and the BRAM count do not depend on it.  One DSP48 per
    multiplier (also with constant weights: the weight register stays, in the DSP).

    Features: `out_lanes` (co requantizers and output words), `acc_lanes` (those that also
    accumulate: not when one step makes a whole output), `select_bits` (the kh*kw/fine : 1
    choice of window words, in LUTs per bit), `rom_luts` (ROMs built of logic), the window's,
    `memory_ff` (read registers of memories not in block RAM, and the registers that gather a pixel's
    filter groups), `count_bits` (step counters),
    `tree_bits` (the registered adder trees' adders and registers, `pipeline.tree_bits`),
    `operand_bits` (the multipliers' operand registers: selected window words and weights).  The
    output FIFO the engine's credits reserve (`pipeline.credit_depth`) is one more memory.
    `roms`: the ROMs' `rom_bits`, when the caller has them already (else counted from `weights`, `bias`).
    """
    from atheena.hardware.kernels.conv import gathers, groups_of

    pixels = px // sw if px > 1 else 1  # windows a beat: the engine's multipliers side by side
    mults = pixels * ci * co * fine
    groups_in = c // ci
    kk = kh * kw
    kg = groups_of(kk, fine)
    fgs = groups_of(f, co)  # filter groups, the last partial when co does not divide F
    gather = gathers(f, co, pixels)
    steps = fgs * groups_in * kg
    weight_bits, bias_bits = roms or rom_bits(c, f, kk, ci, co, fine, weights, bias)
    parts, features = window.window_memory(c, w, kh, kw, pw, ci, sw, px)
    roms = [_rom(max(2, steps), 1, weight_bits), _rom(max(2, fgs), 1, bias_bits)]
    copies = features["extra_controls"] + 1
    parts.append(memory(2 * groups_in, copies, 16 * kk * ci * pixels // copies))
    from atheena.hardware.kernels.conv import pipeline_depth
    from atheena.hardware.kernels.pipeline import credit_depth, tree_bits

    out_words = (f if gather else co) * pixels
    parts.append(memory(credit_depth(pipeline_depth(ci, fine), groups_in * kg * (fgs if gather else 1)), 1,
                        16 * out_words))
    bram, lut_mem, ff_mem = _total(parts + roms)
    ff_mem += 16 * pixels * (fgs - 1) * co if gather else 0  # gathered: the filter groups before the last
    rom_luts = sum(lut for b, lut, _ in roms if not b)  # fitted: their LUTs depend on the contents
    counters = (kg, groups_in, fgs, steps)
    features |= {"mults": mults, "out_lanes": co * pixels, "acc_lanes": co * pixels * (groups_in * kg > 1),
                 "rom_luts": rom_luts, "select_bits": 16 * ci * fine * pixels * _mux_luts(kg), "memory_ff": ff_mem,
                 "count_bits": sum(max(1, (n - 1).bit_length()) for n in counters if n > 1),
                 "tree_bits": co * pixels * tree_bits(ci * fine, 32),
                 "operand_bits": 16 * (ci * fine * pixels + mults // pixels)}
    return estimate("conv2d", features, mults, bram, lut_mem - rom_luts)


class Conv2d(OpKind):
    name = "atheena.conv2d"
    order = 10
    torch_ops = ("torch.aten.conv2d", "torch.aten.conv2d.padding", "torch.aten.convolution")
    torch_layers = "Conv2d, BatchNorm2d after a Conv2d"
    absorbs_batch_norm = True
    absorbs_bias = True
    defaults: ClassVar[dict[str, int]] = {"pixels": 1}

    def from_torch(self, b, op):
        source = b.stream(op)
        weights, bias = b.const(op, 1), b.const(op, 2)
        if not isinstance(weights, np.ndarray) or weights.ndim != 4:
            b.fail(op, "convolution weights must be a constant 4-d tensor")
        if len(source.shape) != 3:
            b.fail(op, f"convolution input must be a feature map, got shape {list(source.shape)}")
        stride, dilation = b.pair(op, 3, "stride"), b.pair(op, 5, "dilation")
        if dilation != (1, 1):
            b.fail(op, f"dilated convolution (dilation {list(dilation)}) is not supported")
        if op.name == "torch.aten.convolution":
            if b.const(op, 6):
                b.fail(op, "transposed convolution is not supported")
            groups = b.const(op, 8)
        else:
            groups = b.const(op, 6)
        mode = b.const(op, 4)
        padding = padding_mode(b, op, mode, weights) if isinstance(mode, str) else b.pair(op, 4, "padding")
        if mode == "same" and stride != (1, 1):
            b.fail(op, "padding='same' needs stride 1; give the padding as numbers instead")
        bias = np.zeros(weights.shape[0], np.float32) if bias is None else bias
        b.add(op, self.name, source, kernel=weights.shape[2:], stride=stride, padding=padding,
              groups=int(groups), weights=weights, bias=bias)

    def check(self, op):
        problem = window.check_window(op)
        if problem:
            return problem
        c, _, _ = O.shape_of(op.operands[0])
        f = O.shape_of(op.results[0])[0]
        groups = O.int_attr(op, "groups")
        if groups < 1 or c % groups or f % groups:
            return f"groups = {groups} must divide the input channels ({c}) and output channels ({f})"
        kh, kw = O.int_array(op, "kernel")
        return check_dense(op, "weights", (f, c // groups, kh, kw)) or check_dense(op, "bias", (f,))

    def macs(self, op):
        f, ho, wo = O.shape_of(op.results[0])
        c = O.shape_of(op.operands[0])[0]
        kh, kw = O.int_array(op, "kernel")
        return ho * wo * f * (c // O.int_attr(op, "groups")) * kh * kw

    def evaluate(self, op, x, arith):
        if not arith.fixed:
            w = O.dense(op, "weights")
            return conv_sums(op, x, w) + O.dense(op, "bias").astype(np.float64)[None, :, None, None]
        w, b = arith.parameters(op)
        if arith.exactly_in_float64(op):
            acc = np.rint(conv_sums(op, x, w)).astype(np.int64)
        else:
            acc = conv_sums_int64(op, x, w)
        return arith.requantize(acc + b[None, :, None, None])

    def axes(self, op):
        c, _, _ = map_shape(op.operands[0])
        f, _, _ = map_shape(op.results[0])
        kh, kw = O.int_array(op, "kernel")
        g = O.int_attr(op, "groups")
        return {"coarse_in": divisors(c // g if g > 1 else c), "coarse_out": list(range(1, f + 1)),
                "fine": list(range(1, kh * kw + 1)), "pixels": window.pixel_values(op) if g == 1 else [1]}

    def check_folding(self, op, folding):
        return super().check_folding(op, folding) or window.pixels_problem(op, folding, "coarse_in")

    def lanes_in(self, op, folding):
        return folding["coarse_in"] * window.pixels_in(op, folding.get("pixels", 1))

    def lanes_out(self, op, folding):
        from atheena.hardware.kernels.conv import gathers

        f, pixels, co = map_shape(op.results[0])[0], window.pixels_out(op, folding.get("pixels", 1)), folding["coarse_out"]
        return (f if gathers(f, co, pixels) else co) * pixels

    def _intervals(self, op, ci: int, pairs: list[tuple[int, int]], pixels: int = 1) -> list[int]:
        from atheena.dse.timing import conv_interval
        from atheena.hardware.kernels.conv import groups_of

        c, _, _ = map_shape(op.operands[0])
        f, _, _ = map_shape(op.results[0])
        kernel = window.params(op)[0]
        kk = kernel[0] * kernel[1]
        work = [groups_of(f, co) * (c // ci) * groups_of(kk, fine) for co, fine in pairs]
        return [int(i) for i in conv_interval(window.shape(op, ci, pixels), work)]

    def interval(self, op, folding):
        return self._intervals(op, folding["coarse_in"], [(folding["coarse_out"], folding["fine"])],
                               folding.get("pixels", 1))[0]

    def latency(self, op, folding):
        from atheena.hardware.kernels.conv import pipeline_depth

        return pipeline_depth(folding["coarse_in"], folding["fine"]) + 2  # and its output FIFO

    def foldings(self, op):
        """Every `coarse_in` with the efficient `coarse_out` and `fine` values only: the fewest multipliers for each
        number of steps, `ceil(kk / s)` for s = 1..kk steps a beat and `ceil(F / g)` for g = 1..F filter groups
        (any other value takes as many steps with more multipliers, so the DSE never wants it; `check_folding`
        still accepts it), at one pixel a beat and at each pixel width (every channel in)."""
        from atheena.hardware.kernels.conv import groups_of

        axes = self.axes(op)
        kk, f = len(axes["fine"]), len(axes["coarse_out"])
        fines = sorted({groups_of(kk, steps) for steps in range(1, kk + 1)})
        outs = sorted({groups_of(f, groups) for groups in range(1, f + 1)})  # likewise the fewest filters a group
        pairs = list(itertools.product(outs, fines))
        out = []
        for ci in axes["coarse_in"]:  # the schedule replay is vectorised over (coarse_out, fine)
            for (co, fine), interval in zip(pairs, self._intervals(op, ci, pairs)):
                out.append(({"coarse_in": ci, "coarse_out": co, "fine": fine}, interval))
        c = axes["coarse_in"][-1]
        for q in axes["pixels"][1:]:  # pixel lanes: every channel in
            for (co, fine), interval in zip(pairs, self._intervals(op, c, pairs, q)):
                out.append(({"coarse_in": c, "coarse_out": co, "fine": fine, "pixels": q}, interval))
        return out

    def codes(self, op):
        """The weight and bias codes of the default fixed-point arithmetic (what the lowering builds its ROMs
        from), or (None, None) when they cannot be quantised (the lowering refuses those too)."""
        from atheena.reference.fixed_point import FixedArithmetic

        try:
            return FixedArithmetic().parameters(op)
        except (AtheenaError, ValueError):
            return None, None

    def families(self):
        """Its kernel swept over the zoo's convolutions and foldings, weights of realistic size."""
        from atheena.hardware.characterise import Family, random_codes, window_shape

        def codes(p):
            return random_codes((p["f"], p["c"], p["k"], p["k"]), p["f"])

        def build(p):
            from atheena.hardware.kernels.conv import ConvParams, conv_module

            params = ConvParams(window_shape(p), *codes(p), p["co"], p["fine"], shift=8)  # `px`: pixels a beat
            return conv_module(params), params.name()

        def cost(p):
            weights, bias = codes(p)
            return conv_resources(p["c"], p["w"], p["f"], p["k"], p["k"], p.get("p", 0), 1, p["ci"], p["co"],
                                  p["fine"], px=p.get("px", 1), weights=weights, bias=bias, sw=p.get("s", 1))

        return [Family("conv2d", "conv2d", ("base", "rom_luts", "acc_lanes", "out_lanes", "select_bits", "sr_srl",
                                            "count_bits", "window_words", "sr_ff", "mults", "memory_ff", "tree_bits",
                                            "operand_bits", "extra_controls"),
                       build, cost,
                       lut_features=("base", "rom_luts", "acc_lanes", "out_lanes", "select_bits", "sr_srl",
                                     "count_bits", "tree_bits", "extra_controls"),
                       ff_features=("base", "acc_lanes", "out_lanes", "mults", "window_words", "count_bits",
                                    "memory_ff", "sr_ff", "tree_bits", "operand_bits", "extra_controls"))]

    def hardware(self, op, folding, b, inputs):
        c, _, w = map_shape(op.operands[0])
        f, _, _ = map_shape(op.results[0])
        kh, kw = O.int_array(op, "kernel")
        pw = O.int_array(op, "padding")[1]
        sw = O.int_array(op, "stride")[1]
        g = O.int_attr(op, "groups")
        ci, co, fine = folding["coarse_in"], folding["coarse_out"], folding["fine"]
        q = folding.get("pixels", 1)
        if g != 1 and not b.standalone:
            raise AtheenaError(f"{layer_name(op.location) or op.name}: grouped convolutions have no hardware "
                               "kernel yet")

        def cost():
            weights, bias = b.codes(op) if g == 1 else (None, None)  # grouped: no dense layout; typical weights
            roms = b.once((op, "roms", ci, co, fine), lambda: rom_bits(c, f, kh * kw, ci, co, fine, weights, bias))
            return conv_resources(c, w, f, kh, kw, pw, g, ci, co, fine, px=q, sw=sw, roms=roms)

        def module():
            from atheena.hardware.kernels.conv import ConvParams, conv_module

            w_codes, b_codes = b.arith.parameters(op)
            params = ConvParams(window.shape(op, ci, q), w_codes, b_codes, co, fine, b.arith.weight.frac)
            return conv_module(params)

        return window.stages(b, op, inputs[0], self.lanes_in(op, folding), self.lanes_out(op, folding), cost, module)


KIND = Conv2d()
