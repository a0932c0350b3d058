"""`atheena.global_avg_pool2d`: the mean of each channel over the whole map, `C x H x W -> C x 1 x 1`.

The result stays a (1 x 1) map, so a Flatten and a Linear after it work as
after any map.  Imported from `nn.AdaptiveAvgPool2d(1)` (`aten.adaptive_avg_pool2d`
with output size 1), from `x.mean((2, 3))` / `x.mean((-2, -1))` (`aten.mean.dim`
over the two spatial dims; without `keepdim` the vector it gives is this op
and a flatten), and from an `nn.AvgPool2d` whose window is the whole map
without padding (`atheena.kinds.pool`).

Fixed point (the rule of average pooling in `atheena.reference.fixed_point`,
with the window the whole map): the `P = H*W` codes of a channel are summed
exactly, the sum is multiplied by `round(2**16 / P)`, `2**15` is added and
the result shifted right by 16 (`FixedArithmetic.requantize` with shift 16),
then saturated to the activation format.  The same numbers as
`atheena.avg_pool2d` with `kernel = [H, W]`.

Folding: `coarse` channel lanes (divides C).  The kernel
(`atheena/hardware/kernels/global_avg_pool.py`) takes one beat of `coarse`
words per cycle and overlaps a sample's output with the next one's
accumulation: `H*W*C/coarse` cycles per sample.  Its C averages leave as a
burst of `C/coarse` beats while the last pixel arrives, so a FIFO of that
many beats follows it.  No MACs, no DSP: the constant multiply is shifts and
adds.
"""

from __future__ import annotations

import numpy as np

from atheena.dialects import ops as O
from atheena.dse import families
from atheena.kinds.base import OpKind, divisors, map_shape

#: what the resource model fits (resource_model.json key, characterisation family)
COST_KIND = "global_avg_pool2d"


def global_pool_resources(c: int, pixels: int, lanes: int):
    """Resources of the global average pooling kernel over a C-channel map of `pixels` = H*W pixels with `lanes`
    lanes (an `atheena.dse.model.Estimate`; no memories: the partial sums are SRL shift registers).

    Features, per the kernel's structure:

    * `sr_srl`: LUTs of the partial-sum shift registers when synthesis makes SRLs of them (G = C/lanes of
      3 or more stages on a family with SRLs, `DeviceFamily.srl`: one SRL per bit per 32 stages),
      `sr_ff`: their flip-flops otherwise;
    * `lanes`: per lane, the accumulate adder, the rounding and the saturation of the output;
    * `scale_bits`: the adder bits of the constant multiply by round(2**16 / P), built of shifted copies
      (per lane, each added term is a 48-bit add above its shift; synthesis narrows the sign extensions,
      which the fitted coefficient, about 0.6 LUT per bit, absorbs);
    * `out_ff`: the output registers (the sums without the bits that cannot change the average);
    * `count_bits`: the group and pixel counters.
    """
    from atheena.dse.model import estimate
    from atheena.hardware.kernels.conv import ACC
    from atheena.hardware.kernels.global_avg_pool import rounded_bits, scale, sum_bits

    groups = c // lanes
    srl = groups >= 3 and families.current().srl
    width = sum_bits(pixels)
    low = rounded_bits(pixels)
    shifts = [bit for bit in range(24) if (scale(pixels) << low) >> bit & 1]
    features = {
        "lanes": lanes,
        "sr_srl": lanes * width * -(-groups // 32) if srl else 0,
        "sr_ff": 0 if srl else lanes * width * groups,
        "out_ff": lanes * (width - low),
        "scale_bits": lanes * sum(ACC - s for s in shifts[1:]),
        "count_bits": sum(max(1, (n - 1).bit_length()) for n in (groups, pixels) if n > 1),
    }
    return estimate(COST_KIND, features)


class GlobalAvgPool2d(OpKind):
    name = "atheena.global_avg_pool2d"
    order = 22
    torch_ops = ("torch.aten.adaptive_avg_pool2d", "torch.aten.mean.dim")
    torch_layers = "AdaptiveAvgPool2d(1)"

    def from_torch(self, b, op):
        source = b.stream(op)
        if len(source.shape) != 3:
            b.fail(op, f"global average pooling needs a C x H x W feature map, got shape {list(source.shape)}")
        if op.name == "torch.aten.adaptive_avg_pool2d":
            size = b.pair(op, 1, "output size")
            if size != (1, 1):
                b.fail(op, f"adaptive average pooling to {list(size)} is not supported; only to 1 x 1 "
                           "(global average pooling, AdaptiveAvgPool2d(1))")
        else:
            dims = b.const(op, 1)
            if not isinstance(dims, list) or sorted(int(d) % 4 for d in dims) != [2, 3]:
                b.fail(op, f"mean over dims {dims} is not supported; only over the two spatial dims, "
                           "x.mean((2, 3)) (global average pooling)")
            if b.const(op, 3) is not None:
                b.fail(op, "mean with a dtype is not supported")
        layer = b.add(op, self.name, source)
        if len(layer.shape) == 1:  # mean without keepdim: the pooled map, flattened
            layer.shape = (source.shape[0], 1, 1)
            b.add(op, "atheena.flatten", layer)

    def check(self, op):
        in_shape = O.shape_of(op.operands[0])
        if len(in_shape) != 3:
            return f"input must be a C x H x W feature map, got shape {list(in_shape)}"
        out = O.shape_of(op.results[0])
        if out != (in_shape[0], 1, 1):
            return f"result shape {list(out)} must be [{in_shape[0]}, 1, 1] (each channel's mean)"
        return None

    def evaluate(self, op, x, arith):
        _, h, w = map_shape(op.operands[0])
        if not arith.fixed:
            return np.asarray(x, dtype=np.float64).mean(axis=(2, 3), keepdims=True)
        total = np.asarray(x, dtype=np.int64).sum(axis=(2, 3), keepdims=True)  # exact: |total| < H*W*2**15
        multiplier = int(np.floor(2.0**arith.AVG_SHIFT / (h * w) + 0.5))
        return arith.requantize(total * multiplier, arith.AVG_SHIFT)

    def axes(self, op):
        """Channel lanes only: its kernel sums the channels of one pixel a beat."""
        return {"coarse": divisors(map_shape(op.operands[0])[0])}

    def interval(self, op, folding):
        c, h, w = map_shape(op.operands[0])
        return h * w * c / folding["coarse"]  # one input beat per cycle; the output overlaps the next sample

    def hardware(self, op, folding, b, inputs):
        from atheena.hardware.plan import Channel

        c, h, w = map_shape(op.operands[0])
        lanes = folding["coarse"]
        word = b.arith.act.word

        def module():
            from atheena.hardware.kernels.global_avg_pool import global_avg_pool_module

            return global_avg_pool_module(c, h * w, lanes, word)

        src = b.lanes(inputs[0], lanes)
        return [b.kernel([src], Channel(lanes, c), lambda: global_pool_resources(c, h * w, lanes), module,
                         fifo=c // lanes)]

    def families(self):
        from atheena.hardware.characterise import Family

        return [Family(COST_KIND, COST_KIND, ("base", "lanes", "sr_srl", "scale_bits", "sr_ff", "out_ff",
                                              "count_bits"),
                       _build, lambda p: global_pool_resources(p["c"], p["h"] * p["w"], p["lanes"]),
                       lut_features=("base", "lanes", "sr_srl", "scale_bits"),
                       ff_features=("base", "sr_ff", "out_ff", "count_bits"))]


def _build(p):
    from atheena.hardware.kernels.global_avg_pool import global_avg_pool_module

    module = global_avg_pool_module(p["c"], p["h"] * p["w"], p["lanes"])
    return module, module.__name__


KIND = GlobalAvgPool2d()
