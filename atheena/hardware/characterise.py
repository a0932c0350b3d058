"""Kernel families for resource characterisation: what to synthesise and what the model predicts.

A `Family` is one kind of kernel swept over parameter points.  For each point
it knows how to build the PyCDE module (and its top name) and what the
resource model predicts for the same parameters (an `atheena.dse.model.Estimate`,
whose `features` are what the LUT/FF coefficients are fitted on).
`benchmarks/characterise.py` synthesises every point with Yosys, stores the
measurements in `atheena/dse/characterisation.json` and refits the model.

Adding a family takes one entry in `FAMILIES` (or, for the kernel of a new op kind, its
`OpKind.families()`), e.g. for a pooling kernel:

    Family(
        name="max_pool",                         # what --families selects
        kind="max_pool2d",                       # its table in resource_model.json
        features=("base", "lanes"),              # fitted features, as offered by the model function
        points=[{"c": c, "w": w, "lanes": l} for c, w, l in [(4, 8, 1), (4, 8, 2), ...]],
        build=lambda p: (pool_module(**p), f"atheena_max_pool_c{p['c']}_w{p['w']}_l{p['lanes']}"),
        model=lambda p: model.pool_resources("max_pool2d", p["c"], p["w"], 2, 0, p["lanes"], 1),
    ),

`build` should import its kernel module inside the function (PyCDE is slow
to import and only needed when synthesising).  Hardware that is not a PyCDE
module (CIRCT's handshake buffers and forks) is built as SystemVerilog files
instead: `build` then returns ({file name: text}, top).  Order the points from small
to large: every third one is held out of the fit (`fit.held_out`), so the
held-out points then test interpolation over the whole range.  The top name
must be the `module_name` the kernel declares.  `lut_features` and
`ff_features` choose subsets of `features` for the two regressions.  A kernel
with weights should pass its weight codes to the model function too: they
decide which ROM columns Yosys keeps and which products need no DSP.

The families cover the kernels of B-LeNet, b-lenet-3 and Triple-Wins at the
foldings the DSE picks for them on a ZC706 and around them.  Two limits of
Yosys shape the sweeps: Yosys
reads a ROM's initial block in time growing faster than its length, so no
weight ROM is much over 8000 entries (`_LINEARS`).
"""

from __future__ import annotations

import gc
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from atheena.dse import model
from atheena.kinds import conditional_buffer, conv2d, exit_decision, exit_merge, linear
from atheena.errors import AtheenaError

DATASET = Path(model.__file__).with_name("characterisation.json")


@dataclass(frozen=True)
class Family:
    """A kernel swept over parameter points (see the module docstring).

    `lut_features` / `ff_features` (default: all of `features`) are the features each of the
    two regressions uses; the others get coefficient 0 in it (an FF count does not depend on
    the LUTs of a ROM, a LUT count not on the read registers).
    """

    name: str
    kind: str
    features: tuple[str, ...]
    points: list[dict]
    build: Callable[[dict], tuple[object, str]]
    model: Callable[[dict], model.Estimate]
    lut_features: tuple[str, ...] | None = None
    ff_features: tuple[str, ...] | None = None

    def used(self, target: str) -> tuple[str, ...]:
        """The features the `target` ("lut" or "ff") regression uses."""
        chosen = self.lut_features if target == "lut" else self.ff_features
        return self.features if chosen is None else chosen


def _relu(p):
    from atheena.hardware.kernels.relu import relu_module

    return relu_module(p["lanes"]), f"atheena_relu_l{p['lanes']}"


def _split(p):
    from atheena.hardware.kernels.split import split_module

    return split_module(p["lanes"], p["outputs"]), f"atheena_split_l{p['lanes']}_o{p['outputs']}"


def _convert(p):
    from atheena.hardware.kernels.convert import converter_module

    return converter_module(p["lanes_in"], p["lanes_out"]), f"atheena_convert_{p['lanes_in']}_to_{p['lanes_out']}"


_CONVERSIONS = [(1, 1), (2, 1), (1, 2), (4, 1), (2, 4), (1, 4), (4, 2), (3, 1), (4, 4), (6, 2), (8, 1), (2, 8),
                (1, 8), (8, 2), (8, 4), (4, 8), (16, 1), (1, 16), (8, 8), (16, 4), (4, 16), (16, 2), (16, 16),
                (32, 4), (2, 32)]


def _codes(shape: tuple, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weight and bias codes of realistic size for a layer with `out` outputs: weights ~ N(0, 0.15)
    in Q8.8, biases ~ N(0, 0.5) at the accumulator's fraction (Q.16), from a seed fixed per shape."""
    rng = np.random.default_rng(list(shape))
    weights = np.clip(np.rint(rng.normal(0, 0.15 * 2**8, shape)), -2**15, 2**15 - 1).astype(np.int64)
    return weights, np.rint(rng.normal(0, 0.5 * 2**16, out)).astype(np.int64)


def _window_shape(p):
    from atheena.hardware.kernels.window import WindowShape

    k, s, pad = p["k"], p.get("s", 1), p.get("p", 0)
    return WindowShape(p["c"], p["h"], p["w"], (k, k), (s, s), (pad, pad), p["ci"])


def _conv_codes(p):
    return _codes((p["f"], p["c"], p["k"], p["k"]), p["f"])


def _conv(p):
    from atheena.hardware.kernels.conv import ConvParams, conv_module

    params = ConvParams(_window_shape(p), *_conv_codes(p), p["co"], p["fine"], shift=8)
    return conv_module(params), params.name()


def _conv_model(p):
    weights, bias = _conv_codes(p)
    return conv2d.conv_resources(p["c"], p["w"], p["f"], p["k"], p["k"], p.get("p", 0), 1, p["ci"], p["co"],
                                p["fine"], weights=weights, bias=bias)


def _conv_point(c, h, w, f, k, s, pad, ci, co, fine):
    return {"c": c, "h": h, "w": w, "f": f, "k": k, "s": s, "p": pad, "ci": ci, "co": co, "fine": fine}


# The convolutions of B-LeNet, b-lenet-3 and Triple-Wins (shapes as imported), over the foldings the
# DSE picks for them on a ZC706 and around them, from one multiplier to fully unfolded; by multipliers.
# Weight ROMs stay below ~5000 entries (see `_LINEARS`).
_CONVS = [_conv_point(*x) for x in [
    (1, 28, 28, 5, 5, 1, 4, 1, 1, 1), (5, 16, 16, 10, 3, 1, 1, 1, 1, 1), (10, 10, 10, 20, 5, 1, 3, 1, 1, 1),
    (1, 28, 28, 32, 3, 1, 0, 1, 2, 1), (5, 16, 16, 10, 5, 1, 4, 1, 2, 1),
    (5, 16, 16, 10, 3, 1, 1, 1, 1, 3), (1, 28, 28, 32, 3, 1, 0, 1, 1, 3), (10, 10, 10, 20, 5, 1, 3, 2, 2, 1),
    (32, 12, 12, 64, 3, 1, 0, 4, 1, 1),
    (1, 28, 28, 5, 5, 1, 4, 1, 1, 5), (5, 16, 16, 10, 3, 1, 1, 5, 1, 1), (32, 26, 26, 16, 3, 2, 0, 4, 2, 1),
    (10, 10, 10, 10, 3, 1, 1, 2, 5, 1), (5, 16, 16, 10, 5, 1, 4, 1, 2, 5), (5, 16, 16, 10, 3, 1, 1, 5, 1, 3),
    (10, 10, 10, 20, 5, 1, 3, 2, 2, 5), (10, 10, 10, 10, 3, 1, 1, 2, 10, 1), (1, 28, 28, 32, 3, 1, 0, 1, 8, 3),
    (1, 28, 28, 5, 5, 1, 4, 1, 1, 25), (5, 16, 16, 10, 5, 1, 4, 1, 5, 5), (5, 16, 16, 10, 3, 1, 1, 5, 2, 3),
    (32, 26, 26, 16, 3, 2, 0, 4, 8, 1), (1, 28, 28, 32, 3, 1, 0, 1, 16, 3), (10, 10, 10, 20, 5, 1, 3, 10, 1, 5),
    (32, 12, 12, 64, 3, 1, 0, 8, 8, 1), (64, 10, 10, 64, 3, 1, 0, 2, 4, 9), (5, 16, 16, 10, 3, 1, 1, 5, 5, 3),
    (32, 26, 26, 16, 3, 2, 0, 4, 8, 3), (10, 10, 10, 20, 5, 1, 3, 2, 2, 25), (1, 28, 28, 5, 5, 1, 4, 1, 5, 25),
    (5, 16, 16, 10, 5, 1, 4, 1, 5, 25), (32, 12, 12, 64, 3, 1, 0, 8, 16, 1), (32, 26, 26, 32, 3, 1, 0, 16, 1, 9),
    (5, 16, 16, 10, 3, 1, 1, 5, 10, 3),
]]


def _pool(kind):
    def build(p):
        from atheena.hardware.kernels.pool import pool_module

        module = pool_module(_window_shape(p), kind)
        return module, module.__name__

    return build


def _pool_model(kind):
    return lambda p: model.pool_resources(f"{kind}_pool2d", p["c"], p["w"], p["k"], p.get("p", 0), p["ci"])


# Pooling layers of the three networks (2x2, stride 2) and 3x3 windows (stride 1 and 2, padded), by lanes.
_POOLS = [{"c": c, "h": h, "w": w, "k": k, "s": s, "p": pad, "ci": ci} for c, h, w, k, s, pad, ci in [
    (5, 32, 32, 2, 2, 0, 1), (10, 16, 16, 2, 2, 0, 1), (20, 12, 12, 2, 2, 0, 1), (32, 24, 24, 2, 2, 0, 1),
    (64, 8, 8, 2, 2, 0, 1), (8, 16, 16, 3, 1, 1, 1), (16, 12, 12, 3, 2, 1, 1), (10, 20, 20, 2, 2, 0, 2),
    (10, 16, 16, 2, 2, 0, 2), (16, 12, 12, 2, 2, 0, 2), (32, 24, 24, 2, 2, 0, 2), (8, 16, 16, 3, 1, 1, 2),
    (20, 12, 12, 2, 2, 0, 4), (64, 8, 8, 2, 2, 0, 4), (16, 12, 12, 3, 2, 1, 4), (5, 32, 32, 2, 2, 0, 5),
    (10, 16, 16, 2, 2, 0, 5), (10, 10, 10, 2, 2, 0, 5), (32, 24, 24, 2, 2, 0, 8), (8, 16, 16, 3, 1, 1, 8),
    (10, 16, 16, 2, 2, 0, 10), (20, 12, 12, 2, 2, 0, 10), (16, 12, 12, 3, 2, 1, 16), (32, 24, 24, 2, 2, 0, 32),
]]


def _linear_codes(p):
    weights, bias = _codes((p["m"], p["n"]), p["m"])
    return weights, bias


def _linear(p):
    from atheena.hardware.kernels.linear import linear_module

    module = linear_module(*_linear_codes(p), p["ci"], p["co"])
    return module, module.__name__


def _linear_model(p):
    weights, bias = _linear_codes(p)
    return linear.linear_resources(p["n"], p["m"], p["ci"], p["co"], weights=weights, bias=bias)


# Linear layers of the three networks (and smaller ones of the same kind) over the foldings the DSE
# picks, from one multiplier to small fully unfolded layers (constant weights: 0 and +-2**k take no
# DSP); by multipliers.  Yosys parses a ROM's initial block in time growing faster than its length
# (10 minutes were not enough for 40000 entries), so no layer has more than 8192 weights: Triple-Wins's
# 576 -> 200 and 1024 -> 200 are represented by layers with their inputs and lanes, and fewer outputs.
_LINEARS = [{"n": n, "m": m, "ci": ci, "co": co} for n, m, ci, co in [
    (640, 10, 1, 1), (720, 10, 1, 1), (200, 10, 1, 1), (250, 10, 1, 1), (64, 16, 1, 1), (200, 40, 1, 1),
    (640, 10, 2, 1), (720, 10, 1, 2), (250, 20, 1, 2), (640, 10, 2, 2), (120, 10, 2, 2), (200, 20, 1, 4),
    (250, 10, 1, 5), (640, 10, 1, 5), (200, 40, 1, 5), (150, 10, 3, 2), (1024, 8, 2, 4), (120, 10, 4, 2),
    (200, 20, 1, 10), (576, 10, 1, 10), (100, 10, 5, 2), (120, 10, 6, 2), (140, 10, 7, 2), (576, 10, 3, 5),
    (256, 8, 4, 4), (128, 10, 8, 2), (90, 10, 9, 2), (64, 10, 4, 5), (512, 10, 2, 10), (200, 25, 1, 25),
    (300, 10, 3, 10), (640, 10, 8, 5), (32, 10, 4, 10), (8, 4, 8, 4), (16, 4, 16, 4), (12, 6, 12, 6),
    (10, 10, 10, 10), (32, 4, 32, 4), (640, 10, 16, 10), (24, 8, 24, 8),
]]


def _decision(p):
    from atheena.hardware.kernels.exit_decision import exit_decision_module

    module = exit_decision_module(p["n"], p["t"])
    return module, module.__name__


_DECISIONS = [{"n": n, "t": t} for n, t in [
    (2, 0.6), (3, 0.9), (4, 0.99), (5, 0.75), (8, 0.996), (10, 0.6), (10, 0.996), (16, 0.8), (20, 0.99),
    (32, 0.7), (50, 0.9), (64, 0.95), (100, 0.99), (128, 0.5), (200, 0.9),
]]


def _buffer(p):
    from atheena.hardware.kernels.conditional_buffer import conditional_buffer_module

    module = conditional_buffer_module(p["words"], p["lanes"], p["depth"], p["forward_on"])
    return module, module.__name__


# Exit logits (forward on exit) and backbone maps (drop on exit) of the three networks, over the lanes
# the DSE picks and the depths size-buffers chooses (2 to 11 samples); by storage.
_BUFFERS = [{"words": w, "lanes": l, "depth": d, "forward_on": fo} for w, l, d, fo in [
    (10, 1, 2, 1), (10, 1, 4, 1), (10, 2, 2, 1), (10, 1, 11, 1), (10, 5, 8, 1), (20, 1, 3, 1), (100, 1, 2, 0),
    (200, 2, 2, 0), (250, 5, 4, 0), (1000, 1, 2, 0), (1280, 1, 2, 0), (1280, 5, 2, 0), (1000, 2, 4, 0),
    (1280, 1, 4, 0), (1000, 10, 11, 0), (1280, 1, 11, 0), (1280, 5, 11, 0), (5408, 4, 2, 0), (5408, 8, 4, 0),
    (21632, 4, 2, 0), (21632, 8, 4, 0), (21632, 4, 11, 0),
]]


def _merge(p):
    from atheena.hardware.kernels.exit_merge import exit_merge_module

    module = exit_merge_module(p["exits"], p["words"], p["id_depth"])
    return module, module.__name__


_MERGES = [{"exits": e, "words": w, "id_depth": d} for e, w, d in [
    (2, 1, 16), (2, 10, 16), (2, 10, 32), (2, 1, 64), (2, 10, 64), (2, 20, 64), (3, 10, 16), (3, 1, 64),
    (3, 10, 64), (2, 10, 128), (2, 100, 64), (4, 10, 32), (3, 20, 64), (4, 10, 64), (2, 10, 256),
    (3, 10, 128), (4, 1, 128), (4, 20, 64),
]]

def _fifo(p):
    from atheena.hardware.kernels.fifo import fifo_module

    module = fifo_module(p["width"], p["depth"])
    return module, module.__name__


# The RAM FIFOs the lowering puts around window kernels (B-LeNet's, and rows of Triple-Wins's maps):
# LUT RAM and block RAM, one to ten words wide; by size.
_FIFOS = [{"width": w, "depth": d} for w, d in [
    (16, 16), (80, 16), (16, 40), (32, 40), (80, 32), (80, 40), (16, 100), (16, 120), (160, 40), (32, 80),
    (16, 140), (16, 200), (32, 120), (16, 240), (64, 104), (16, 400), (128, 64), (80, 130), (32, 256),
    (64, 208), (16, 1024), (160, 100),
]]


def _handshake_files(body: str, width: int, results: int) -> dict[str, str]:
    """SystemVerilog of a handshake.func holding one op (`body` on %in: i<width>), through the lowering's
    CIRCT pipeline (`atheena.hardware.lower.PIPELINE`)."""
    from atheena.hardware.lower import handshake_to_verilog

    types = ", ".join([f"i{width}"] * results)
    values = ", ".join(f"%r#{k}" for k in range(results)) if results > 1 else "%r"
    text = (f"module {{\n  handshake.func @probe(%in: i{width}) -> ({types}) {{\n    {body}\n"
            f"    handshake.return {values} : {types}\n  }}\n}}\n")
    return {n: t for n, t in handshake_to_verilog(text).items() if n.startswith("handshake_")}


def _hs_buffer(p):
    files = _handshake_files(f"%r = handshake.buffer [{p['slots']}] fifo %in : i{p['width']}", p["width"], 1)
    (name,) = files
    return files, name.removesuffix(".sv")


def _fork(p):
    files = _handshake_files(f"%r:{p['outputs']} = handshake.fork [{p['outputs']}] %in : i{p['width']}",
                             p["width"], p["outputs"])
    (name,) = files
    return files, name.removesuffix(".sv")


# The buffers the lowering puts behind every kernel and converter (2 slots, a kernel's output beat) and
# in front of every conditional buffer's decision input (1 bit, its depth + 2 slots); by size.
_HS_BUFFERS = [{"width": w, "slots": s} for w, s in [
    (1, 2), (1, 3), (1, 4), (16, 2), (2, 2), (1, 6), (32, 2), (16, 4), (1, 10), (80, 2), (48, 2), (1, 20),
    (160, 2), (193, 2), (1, 38), (320, 2),
]]
_FORKS = [{"width": w, "outputs": o} for w, o in [(1, 2), (16, 2), (1, 3), (32, 2), (80, 3), (16, 4), (1, 4),
                                                  (160, 2), (1, 5)]]

FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("relu", "relu", ("base", "lanes"),
           [{"lanes": n} for n in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)],
           _relu, lambda p: model.elementwise_resources("relu", p["lanes"])),
    Family("split", "split", ("base", "lanes", "outputs"),
           [{"lanes": n, "outputs": o} for n in (1, 2, 4, 8, 16, 32) for o in (2, 3, 4)],
           _split, lambda p: model.elementwise_resources("split", p["lanes"], p["outputs"])),
    Family("convert", "convert", ("base", "register_words", "mux_words", "gather_pieces", "count_bits"),
           [{"lanes_in": a, "lanes_out": b} for a, b in _CONVERSIONS],
           _convert, lambda p: model.converter_resources(p["lanes_in"], p["lanes_out"])),
    Family("conv2d", "conv2d", ("base", "rom_luts", "acc_lanes", "out_lanes", "select_bits", "sr_srl", "count_bits",
                                "window_words", "sr_ff", "mults", "memory_ff"),
           _CONVS, _conv, _conv_model,
           lut_features=("base", "rom_luts", "acc_lanes", "out_lanes", "select_bits", "sr_srl", "count_bits"),
           ff_features=("base", "acc_lanes", "out_lanes", "mults", "window_words", "count_bits", "memory_ff",
                        "sr_ff")),
    *[Family(f"{kind}_pool2d", f"{kind}_pool2d", ("base", "reduce_words", "window_words", "sr_srl", "count_bits",
                                                 "sr_ff", "memory_ff"),
             _POOLS, _pool(kind), _pool_model(kind),
             lut_features=("base", "reduce_words", "window_words", "sr_srl", "count_bits"),
             ff_features=("base", "window_words", "sr_ff", "memory_ff", "count_bits")) for kind in ("max", "avg")],
    Family("linear", "linear", ("base", "rom_luts", "co", "folded_mults", "const_terms", "count_bits", "memory_ff",
                                "uneven_tree"),
           _LINEARS, _linear, _linear_model,
           lut_features=("base", "rom_luts", "co", "folded_mults", "const_terms", "count_bits"),
           ff_features=("base", "memory_ff", "co", "count_bits", "const_terms", "uneven_tree")),
    Family("exit_decision", "exit_decision", ("base", "index_bits", "sum_bits", "memory_ff"),
           _DECISIONS, _decision, lambda p: exit_decision.decision_resources(p["n"]),
           lut_features=("base", "index_bits", "sum_bits")),
    Family("conditional_buffer", "conditional_buffer", ("base", "base_bits", "beat_bits", "depth_bits", "lanes",
                                                        "memory_ff"),
           _BUFFERS, _buffer, lambda p: conditional_buffer.buffer_resources(p["words"], p["depth"], p["lanes"]),
           lut_features=("base", "base_bits", "beat_bits", "depth_bits", "lanes"),
           ff_features=("base", "base_bits", "beat_bits", "depth_bits", "memory_ff")),
    Family("exit_merge", "exit_merge", ("base", "inputs", "out_bits", "mux_bits", "fifo_bits", "memory_ff"),
           _MERGES, _merge, lambda p: exit_merge.merge_resources(p["exits"], p["words"], p["id_depth"]),
           lut_features=("base", "inputs", "mux_bits", "fifo_bits"),
           ff_features=("base", "inputs", "out_bits", "fifo_bits", "memory_ff")),
    Family("fifo", "fifo", ("base", "pointer_bits", "wrap", "memory_ff"),
           _FIFOS, _fifo, lambda p: model.fifo_resources(p["width"], p["depth"]),
           lut_features=("base", "pointer_bits", "wrap"),
           ff_features=("base", "pointer_bits", "memory_ff")),
    Family("handshake_buffer", "handshake_buffer", ("base", "slot_bits", "slots"),
           _HS_BUFFERS, _hs_buffer, lambda p: model.handshake_buffer_resources(p["width"], p["slots"])),
    Family("fork", "fork", ("base", "outputs"),
           _FORKS, _fork, lambda p: model.fork_resources(p["outputs"])),
]}


def _with_kinds(families: dict[str, Family]) -> dict[str, Family]:
    """The families above and those the op kinds declare (`OpKind.families`), so a new kind brings its own."""
    from atheena import kinds

    for kind in kinds.KINDS.values():
        for family in kind.families():
            families.setdefault(family.name, family)
    return families


FAMILIES = _with_kinds(FAMILIES)


def select(names: str | None) -> list[Family]:
    """The families named in a comma-separated list (all when None), in registry order."""
    if not names:
        return list(FAMILIES.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in FAMILIES]
    if unknown:
        raise AtheenaError(f"unknown kernel famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                           f"the registered ones are {', '.join(FAMILIES)} (atheena/hardware/characterise.py)")
    return [f for f in FAMILIES.values() if f.name in wanted]


def _emit(module, top: str) -> dict[str, str]:
    """SystemVerilog of one kernel.

    PyCDE runs gc.collect() ~30 times per System, which costs seconds when much is alive
    (torch loaded); freezing what is alive now makes it milliseconds.
    """
    from atheena.hardware.emit import emit

    gc.freeze()
    try:
        files = emit([module], top)
    finally:
        gc.unfreeze()
    return files


def measure(families: list[Family], jobs: int = 2, progress=None) -> list[dict]:
    """Synthesise every point of `families` (cached runs are free); one record per point, in order.

    Emission stays on this thread (PyCDE's context is per thread); Yosys runs
    `jobs` at a time.  `progress(record)` is called as each point finishes.
    A record is {"family", "params", "top", "measured": {dsp, bram18, lut, ff}, "seconds",
    "cpu_seconds"}: wall and CPU time of the Yosys run (as first run, on a cache hit).
    """
    from atheena.hardware import synth

    def run(family, params, files, top):
        counts = synth.cell_counts(files, top)
        record = {"family": family.name, "params": params, "top": top,
                  "measured": synth.resources(counts["cells"]), "seconds": counts["seconds"],
                  "cpu_seconds": counts.get("cpu_seconds", counts["seconds"])}
        if progress:
            progress(record)
        return record

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for family in families:
            for params in family.points:
                module, top = family.build(params)
                files = module if isinstance(module, dict) else _emit(module, top)
                futures.append(pool.submit(run, family, params, files, top))
        return [f.result() for f in futures]


def load_dataset(path: Path = DATASET) -> list[dict]:
    if not path.exists():
        raise AtheenaError(f"no characterisation dataset at {path}: run benchmarks/characterise.py without "
                           "--refit-only first")
    return json.loads(path.read_text())["records"]


def save_dataset(records: list[dict], path: Path = DATASET) -> None:
    """Write the dataset deterministically: registry order, then each family's point order.

    Families not in `records` keep the records already in the file, so a run
    over some families updates only theirs.  Wall times are not stored (they
    differ from run to run); the Yosys version is.
    """
    from atheena.hardware.synth import yosys_version

    fresh = {r["family"] for r in records}
    kept = [r for r in (load_dataset(path) if path.exists() else []) if r["family"] not in fresh]
    rank = {name: i for i, name in enumerate(FAMILIES)}
    merged = []
    for r in kept + records:
        family = FAMILIES.get(r["family"])
        index = family.points.index(r["params"]) if family and r["params"] in family.points else len(merged)
        merged.append(((rank.get(r["family"], len(rank)), r["family"], index),
                       {k: r[k] for k in ("family", "params", "top", "measured")}))
    merged.sort(key=lambda item: item[0])
    lines = ",\n".join("  " + json.dumps(r, sort_keys=True) for _, r in merged)
    header = {"about": "Yosys synth_xilinx -family xc7 -flatten -noiopad -noclkbuf of each kernel configuration "
                       "(atheena/hardware/synth.py); written by benchmarks/characterise.py",
              "yosys": yosys_version()}
    text = json.dumps(header)[:-1] + f', "records": [\n{lines}\n]}}\n'
    path.write_text(text)
