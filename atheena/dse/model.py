"""Folding spaces and the performance/resource model of every `atheena` op.

A layer streams one sample's tensor in HWC order.  Its folding says how many
16-bit words it handles per cycle and how many multipliers it uses:

* `coarse_in` (`ci`) / `coarse_out` (`co`): channel lanes in / out (`ci | C`, `co | F`);
* `fine` (`f`): multipliers per dot product, `f | kh*kw`;
* `pixels` (`px`): output pixels computed side by side, `px | Wo` (the input
  then arrives `px` pixels per cycle, which is how the network input can take
  more than one word per cycle).

Interval (cycles per sample) is the slowest of reading the input, computing
and writing the output, e.g. for a convolution
`max(H*W*C / (ci*px), MACs / (ci*co*f*px), Ho*Wo*F / (co*px))`; padding is
generated inside the window, so it costs no input cycles.  DSPs are one per
multiplier (a 16x16 product fits a DSP48).  Memories (weights, line buffers,
buffers) are counted in BRAM18 or LUTRAM by their depth; LUT and FF follow
linear models whose coefficients are data (`resource_model.json`), to be
refitted from synthesis of the generated kernels.
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
from atheena.reference.fixed_point import FixedPointFormat, exp_rom

RESOURCE_KINDS = ("dsp", "bram18", "lut", "ff")


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


def memory(words: int, copies: int = 1) -> tuple[int, int]:
    """(BRAM18, LUT) for `copies` memories of `words` 16-bit words each."""
    mem = coefficients()["memory"]
    if words <= 0 or copies <= 0:
        return 0, 0
    if words <= mem["lutram_max_words"]:
        return 0, copies * math.ceil(words / 64) * mem["lutram_luts_per_64_words"]
    return copies * math.ceil(words / mem["bram18_words"]), 0


def logic(kind: str, multipliers: int, lanes: int) -> tuple[int, int]:
    c = coefficients()[kind]
    lut = c["lut"][0] + c["lut"][1] * multipliers + c["lut"][2] * lanes
    ff = c["ff"][0] + c["ff"][1] * multipliers + c["ff"][2] * lanes
    return lut, ff


def _config(folding: dict, interval: float, dsp: int, bram: int, lut: int, ff: int) -> Config:
    return Config(tuple(folding.items()), int(math.ceil(interval)), (int(dsp), int(bram), int(lut), int(ff)))


def _map_shape(value: ir.Value) -> tuple[int, int, int]:
    """(C, H, W) of a stream; a vector is C x 1 x 1, a decision 1 x 1 x 1."""
    shape = O.shape_of(value)
    return tuple(shape) if len(shape) == 3 else ((shape[0], 1, 1) if shape else (1, 1, 1))


def conv_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    f, ho, wo = _map_shape(op.results[0])
    kh, kw = O.int_array(op, "kernel")
    g = O.int_attr(op, "groups")
    pw = O.int_array(op, "padding")[1]
    k = kh * kw
    macs = ho * wo * f * (c // g) * k
    out = []
    for ci, co, fine, px in itertools.product(divisors(c // g if g > 1 else c), divisors(f), divisors(k), divisors(wo)):
        mults = ci * co * fine * px
        interval = max(h * w * c / (ci * px), macs / mults, ho * wo * f / (co * px))
        w_bram, w_lut = memory(c // g * f * k // (ci * co * fine), ci * co * fine)
        lb_bram, lb_lut = memory((w + 2 * pw) * c // (ci * px), (kh - 1) * ci * px) if kh > 1 else (0, 0)
        lut, ff = logic("conv2d", mults, ci * px + co * px)
        out.append(_config({"coarse_in": ci, "coarse_out": co, "fine": fine, "pixels": px}, interval, mults,
                           w_bram + lb_bram, lut + w_lut + lb_lut, ff))
    return out


def linear_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.operands[0])[0]
    m = O.shape_of(op.results[0])[0]
    out = []
    for ci, co in itertools.product(divisors(n), divisors(m)):
        interval = max(n / ci, n * m / (ci * co), m / co)
        bram, lut_mem = memory(n * m // (ci * co), ci * co)
        lut, ff = logic("linear", ci * co, ci + co)
        out.append(_config({"coarse_in": ci, "coarse_out": co}, interval, ci * co, bram, lut + lut_mem, ff))
    return out


def pool_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    _, ho, wo = _map_shape(op.results[0])
    kh, _ = O.int_array(op, "kernel")
    pw = O.int_array(op, "padding")[1]
    kind = op.name.removeprefix("atheena.")
    out = []
    for lanes, px in itertools.product(divisors(c), divisors(wo)):
        interval = max(h * w * c, ho * wo * c) / (lanes * px)
        bram, lut_mem = memory((w + 2 * pw) * c // (lanes * px), (kh - 1) * lanes * px) if kh > 1 else (0, 0)
        lut, ff = logic(kind, 0, 2 * lanes * px)
        out.append(_config({"coarse": lanes, "pixels": px}, interval, 0, bram, lut + lut_mem, ff))
    return out


def elementwise_configs(op: ir.Operation) -> list[Config]:
    """relu and split: `coarse` channel lanes times `pixels` pixel lanes."""
    c, h, w = _map_shape(op.operands[0])
    kind = op.name.removeprefix("atheena.")
    outs = len(op.results)
    out = []
    for lanes, px in itertools.product(divisors(c), divisors(w)):
        lut, ff = logic(kind, 0, lanes * px * (1 + outs))
        out.append(_config({"coarse": lanes, "pixels": px}, c * h * w / (lanes * px), 0, 0, lut, ff))
    return out


def buffer_configs(op: ir.Operation) -> list[Config]:
    c, h, w = _map_shape(op.operands[0])
    words = c * h * w
    depth = int(ir.IntegerAttr(op.attributes["depth"]).value) if "depth" in op.attributes else \
        coefficients()["conditional_buffer_depth_samples"]
    out = []
    for lanes in divisors(c):
        bram, lut_mem = memory(depth * words // lanes, lanes)
        lut, ff = logic("conditional_buffer", 0, 2 * lanes)
        out.append(_config({"coarse": lanes}, words / lanes, 0, bram, lut + lut_mem, ff))
    return out


def decision_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.operands[0])[0]
    bram, lut_mem = memory(len(exp_rom(FixedPointFormat())) + 1)
    lut, ff = logic("exit_decision", 0, 1)
    return [_config({}, n, 0, bram, lut + lut_mem, ff)]


def merge_configs(op: ir.Operation) -> list[Config]:
    n = O.shape_of(op.results[0])[0]
    lut, ff = logic("exit_merge", 0, len(op.operands) + 1)
    return [_config({}, n, 0, 0, lut, ff)]


def flatten_configs(op: ir.Operation) -> list[Config]:
    """Flatten moves no data (the next linear layer's weights are permuted)."""
    return [_config({}, 0, 0, 0, 0, 0)]


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
