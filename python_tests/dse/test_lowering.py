"""The whole lowered design as the resource model sees it (`atheena.dse.lowering`) against the lowering.

The model must count every instance `atheena.hardware.lower` makes (kernels, RAM FIFOs, lane
converters, handshake buffers and forks) with its parameters; these tests lower folded networks
(the handshake top only, no SystemVerilog) and compare.  Yosys checks the costs in
python_tests/hardware/test_design_resources.py.
"""

import collections
import re

import pytest
import torch
from torch import nn

from atheena.dialects import ops as O
from atheena.dse import lowering, model
from atheena.frontend import import_model
from atheena.models.early_exit import EarlyExitNet
from atheena.pipeline import PipelineRunner

_KEEP_ALIVE = []


def tiny_net() -> EarlyExitNet:
    """A small early exit network with every op kind: its design synthesises in about a minute."""
    torch.manual_seed(0)
    shared = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.MaxPool2d(2, 2), nn.ReLU())
    exit0 = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 4))
    rest = nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(6 * 3 * 3, 4))
    return EarlyExitNet([shared, rest], [exit0], (1, 12, 12))


def folded(name: str, budget: float, exits: str = "0.6"):
    """Network `name` ("tiny" or a zoo name) folded for the ZC706 at `budget`, buffers sized."""
    from atheena import models

    if name == "tiny":
        net, thresholds = tiny_net(), [0.9]
    else:
        net = models.get(name)
        thresholds = None if name.endswith(models.BASELINE_SUFFIX) else models.entry(name).thresholds
    module = import_model(net, net.input_shape, thresholds=thresholds)
    steps = f"fold{{board=zc706 budget={budget}" + (f" exit_probabilities={exits}}},size-buffers" if thresholds
                                                     else "}")
    PipelineRunner(module.context, save_reproducer=False).run(module, f"builtin.module({steps})")
    _KEEP_ALIVE.append(module)
    return module


def handshake_only(module) -> str:
    """The lowered handshake top of `module`, without generating SystemVerilog."""
    from atheena.hardware import lower

    saved = lower._to_verilog
    lower._to_verilog = lambda *args, **kwargs: {}
    try:
        return lower.lower(module, "top").handshake
    finally:
        lower._to_verilog = saved


def instances(handshake: str) -> collections.Counter:
    """The instances of a lowered top, keyed as `model.Part.key` (kernels by kind only)."""
    keys = collections.Counter()
    for line in handshake.splitlines():
        if m := re.search(r"handshake\.instance @atheena_fifo_w(\d+)_d(\d+)_hs", line):
            keys["fifo", int(m[1]), int(m[2])] += 1
        elif m := re.search(r"handshake\.instance @atheena_convert_(\d+)_to_(\d+)_hs", line):
            keys["convert", int(m[1]), int(m[2])] += 1
        elif "handshake.instance" in line:
            keys["kernel",] += 1
        elif m := re.search(r"handshake\.buffer \[(\d+)\] fifo .* : i(\d+)$", line):
            keys["buffer", int(m[2]), int(m[1])] += 1
        elif m := re.search(r"handshake\.fork \[(\d+)\]", line):
            keys["fork", int(m[1])] += 1
    return keys


def modelled(module) -> collections.Counter:
    return collections.Counter(p.key[:1] if p.key[0] == "kernel" else p.key for _, p in lowering.lowered_parts(module))


@pytest.mark.parametrize("name, budget", [("tiny", 0.02), ("tiny", 0.05), ("b-lenet", 0.5), ("b-lenet", 0.1),
                                          ("b-lenet-baseline", 0.3)])
def test_the_model_counts_every_instance_the_lowering_makes(name, budget):
    module = folded(name, budget, "0.75")
    want = instances(handshake_only(module))
    got = modelled(module)
    assert got == want, f"modelled only: {got - want}; lowered only: {want - got}"
    assert sum(1 for key in want if key[0] == "convert") > 0  # the case the layers' configurations miss


def test_design_resources_are_the_chosen_configurations_and_the_converters():
    module = folded("tiny", 0.05)
    (func,) = O.network_functions(module)
    chosen = [next(c for c in model.CONFIGS[op.name](op) if c.as_dict() == lowering._folding(op))
              for op in O.body_ops(func) if op.name.startswith("atheena.") and "folding" in op.attributes]
    by_layers = model.total_resources(chosen)
    overheads = lowering.lowering_overheads(module)
    total = lowering.design_resources(module)
    assert total == {k: by_layers[k] + overheads[k] for k in total}
    assert overheads["lut"] > 0 and overheads["dsp"] == overheads["bram18"] == 0


def test_the_optimiser_keeps_the_converters_within_the_budget():
    from atheena.dse import boards
    from atheena.dse.network import network_layers

    module = folded("tiny", 0.05)
    board = boards.load("zc706")
    design, converters = lowering.optimise_with_overheads(module, network_layers(module), board, 0.03)
    assert converters == lowering.lowering_overheads(module, lowering.chosen_foldings(design.layers, design.choice))
    assert converters["lut"] > 0 and design.board == board
    assert all(design.resources[k] + converters[k] <= 0.03 * board.capacity(k) for k in converters)


def test_converter_parts_follow_the_lowerings_pivot():
    keys = [p.key for p in model.converter_parts(5, 2, words=640)]  # neither divides: through lcm 10
    assert keys == [("convert", 5, 10), ("buffer", 160, 2), ("convert", 10, 2), ("buffer", 32, 2)]
    keys = [p.key for p in model.converter_parts(5, 2, words=5)]  # 10 does not divide the sample: one lane
    assert keys == [("convert", 5, 1), ("buffer", 16, 2), ("convert", 1, 2), ("buffer", 32, 2)]
    assert model.converter_parts(4, 4) == []


def test_handshake_glue_costs_by_hand():
    # a 2-slot buffer: per slot a data and a skid register with their valid bits (Yosys: 68 FFs at 16 bits)
    assert model.handshake_buffer_resources(16, 2).ff == 2 * 2 * 17
    assert model.handshake_buffer_resources(1, 38).ff == 38 * 2 * 2
    # a FIFO's RAM in block RAM from 129 entries of 16 bits; its pointers: 2 x 8 + 8 bits, and `full`
    assert model.fifo_resources(16, 140).bram18 == 1 and model.fifo_resources(16, 140).ff == 25
    assert model.fifo_resources(16, 100).bram18 == 0  # LUT RAM, with its 16-bit read register
    assert model.fifo_resources(16, 100).ff == 16 + 2 * 7 + 7 + 1


TOLERANCE = 0.15  # issue 6: DSP and BRAM18 exact, LUT and FF within 15% of Yosys


def _against_yosys(module, name: str) -> tuple[dict, dict]:
    """(Yosys's resources of the whole lowered design, the model's)."""
    from atheena.hardware import flow

    return flow.synthesize(flow.rtl(module, name=name)), lowering.design_resources(module)


def _assert_close(measured: dict, predicted: dict) -> None:
    assert (predicted["dsp"], predicted["bram18"]) == (measured["dsp"], measured["bram18"]), (measured, predicted)
    for kind in ("lut", "ff"):
        assert abs(predicted[kind] - measured[kind]) <= TOLERANCE * measured[kind], (kind, measured, predicted)


@pytest.mark.hw
def test_a_small_early_exit_design_costs_what_the_model_says():
    """Every kind of instance (conv, pool, relu, linear, exit decision, conditional buffers, merge, FIFOs,
    converters, handshake buffers and forks) in one design: lowering and Yosys take about a minute."""
    measured, predicted = _against_yosys(folded("tiny", 0.05), "tiny")
    _assert_close(measured, predicted)


@pytest.mark.hw
@pytest.mark.slow
def test_b_lenet_costs_what_the_model_says_and_fits_the_zc706(mnist_dir):
    """Issue 6's design: B-LeNet for the ZC706 at 50%, exits profiled on MNIST (Yosys: ~8 minutes)."""
    from atheena import models
    from atheena.dse import boards

    module = import_model(models.get("b-lenet"), (1, 28, 28), thresholds=models.entry("b-lenet").thresholds)
    PipelineRunner(module.context, save_reproducer=False).run(
        module, f"builtin.module(annotate-exit-probabilities{{samples=2000 data={mnist_dir}}},"
                "fold{board=zc706 budget=0.5},size-buffers)")
    measured, predicted = _against_yosys(module, "b_lenet")
    _assert_close(measured, predicted)
    zc706 = boards.load("zc706")
    assert all(measured[k] <= zc706.capacity(k) and predicted[k] <= zc706.capacity(k) for k in measured)
