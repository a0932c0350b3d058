"""Multiplier registers packed into ECP5 MULT18X18Ds: the rule on small netlists, and the packed
netlists of a conv and a linear kernel simulated gate by gate against the reference and the RTL."""

import copy

import numpy as np
import pytest

from atheena.hardware import pnr
from atheena.hardware.dsp_registers import pack_multiplier_registers
from atheena.hardware.emit import emit
from atheena.hardware.kernels.conv import ConvParams, conv_module
from atheena.hardware.kernels.linear import linear_module
from atheena.hardware.kernels.window import WindowShape
from atheena.hardware.sim import simulate
from atheena.reference.fixed_point import FixedArithmetic, requantize
from hw_streams import beats, conv_reference, pack, unpack

# --- the rule, on hand-made netlists (bit numbers as Yosys writes them: 2 is the clock) ---------

_FF_PORTS = {"CLK": "input", "DI": "input", "LSR": "input", "CE": "input", "Q": "output"}


def _ff(d, q, clk=2, lsr="0", ce=None):
    params = {"CEMUX": "CE" if ce is not None else "1 ", "CLKMUX": "CLK", "GSR": "DISABLED", "LSRMUX": "LSR",
              "REGSET": "RESET"}
    conn = {"CLK": [clk], "DI": [d], "LSR": [lsr], "Q": [q]}
    if ce is not None:
        conn["CE"] = [ce]
    return {"type": "TRELLIS_FF", "parameters": params, "port_directions": dict(_FF_PORTS), "connections": conn}


def _netlist(a_bits=2, p_bits=2, **ff_options):
    """d_a -> FF -> A, d_b -> FF -> B, P -> FF -> module output; operands of `a_bits` bits (sign-extended)."""
    cells, nets = {}, iter(range(10, 1000))
    conn, dirs = {}, {}
    for operand in "AB":
        sources = []
        for i in range(a_bits):
            d, q = next(nets), next(nets)
            cells[f"{operand}ff{i}"] = _ff(d, q, **ff_options)
            sources.append(q)
        for i in range(18):
            conn[f"{operand}{i}"], dirs[f"{operand}{i}"] = [sources[min(i, a_bits - 1)]], "input"
    outputs = []
    for i in range(36):
        p = next(nets)
        conn[f"P{i}"], dirs[f"P{i}"] = [p], "output"
        if i < p_bits:
            q = next(nets)
            cells[f"Pff{i}"] = _ff(p, q, **ff_options)
            outputs.append(q)
    conn.update({"SIGNEDA": ["1"], "SIGNEDB": ["1"]})
    dirs.update({"SIGNEDA": "input", "SIGNEDB": "input"})
    cells["mult"] = {"type": "MULT18X18D", "parameters": {}, "port_directions": dirs, "connections": conn}
    return {"cells": cells, "ports": {"y": {"direction": "output", "bits": outputs}}}


def test_operand_and_product_registers_move_into_the_dsp():
    module = _netlist()
    d_a0 = module["cells"]["Aff0"]["connections"]["DI"][0]
    q_p0 = module["cells"]["Pff0"]["connections"]["Q"][0]
    packed = pack_multiplier_registers(module)
    assert (packed.dsps, packed.inputs, packed.outputs, packed.removed_ffs) == (1, 1, 1, 6)
    mult = module["cells"]["mult"]
    assert {k: mult["parameters"][k] for k in ("REG_INPUTA_CLK", "REG_INPUTB_CLK", "REG_OUTPUT_CLK")} == \
        dict.fromkeys(("REG_INPUTA_CLK", "REG_INPUTB_CLK", "REG_OUTPUT_CLK"), "CLK0")
    assert mult["connections"]["A0"] == [d_a0] and mult["connections"]["A17"] == mult["connections"]["A1"]
    assert mult["connections"]["P0"] == [q_p0] and mult["connections"]["CLK0"] == [2]
    assert mult["connections"]["CE0"] == ["1"] and mult["connections"]["RST0"] == ["0"]
    assert set(module["cells"]) == {"mult"}


def test_clock_enables_go_with_their_registers():
    module = _netlist(ce=7)
    pack_multiplier_registers(module)
    mult = module["cells"]["mult"]
    assert mult["connections"]["CE0"] == [7]
    assert mult["parameters"]["REG_INPUTA_CE"] == mult["parameters"]["REG_OUTPUT_CE"] == "CE0"


def test_registers_with_a_reset_or_another_clock_stay_in_the_fabric():
    reset = _netlist(lsr=5)
    assert pack_multiplier_registers(reset).inputs == 0 and len(reset["cells"]) == 7
    mixed = _netlist()
    mixed["cells"]["Bff1"]["connections"]["CLK"] = [3]
    packed = pack_multiplier_registers(mixed)
    assert packed.inputs == 0  # A and B together or neither; the product register alone still moves
    params = mixed["cells"]["mult"]["parameters"]
    assert "REG_INPUTA_CLK" not in params and params["REG_OUTPUT_CLK"] == "CLK0"


def test_a_register_with_other_loads_is_duplicated_and_a_shared_product_bit_is_not_moved():
    module = _netlist()
    q = module["cells"]["Aff0"]["connections"]["Q"][0]
    p1 = module["cells"]["mult"]["connections"]["P1"][0]
    module["cells"]["lut"] = {"type": "LUT4", "parameters": {}, "port_directions": {"A": "input", "B": "input",
                                                                                   "Z": "output"},
                              "connections": {"A": [q], "B": [p1], "Z": [999]}}
    packed = pack_multiplier_registers(module)
    assert packed.inputs == 1 and packed.outputs == 0
    assert "Aff0" in module["cells"] and "Aff1" not in module["cells"]  # kept for the LUT; the other absorbed
    assert "Pff0" in module["cells"] and "REG_OUTPUT_CLK" not in module["cells"]["mult"]["parameters"]


def test_packing_twice_changes_nothing():
    module = _netlist()
    pack_multiplier_registers(module)
    again = copy.deepcopy(module)
    assert pack_multiplier_registers(again).inputs == 0 and again == module


# --- the packed netlists of real kernels, simulated gate by gate (Yosys's ECP5 cell models) --------

def _dsp_registers(files, top) -> tuple[int, int, int]:
    text = next(iter(pnr.routed_netlist(files, top).values()))
    return (text.count("MULT18X18D "), text.count('.REG_INPUTA_CLK("CLK0")'),
            text.count('.REG_OUTPUT_CLK("CLK0")'))


@pytest.mark.hw
def test_a_packed_conv_kernel_is_bit_and_cycle_exact():
    shape = WindowShape(4, 8, 8, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=2)
    rng = np.random.default_rng(3)
    weights = rng.integers(-300, 300, (6, 4, 3, 3))
    weights[0] = 32767
    bias = rng.integers(-2**18, 2**18, 6)
    params = ConvParams(shape, weights, bias, coarse_out=3, fine=3, shift=8)
    xs = [rng.integers(-2000, 2000, (4, 8, 8)) for _ in range(3)]
    files = emit([conv_module(params)], params.name())
    assert _dsp_registers(files, params.name()) == (18, 18, 18)  # every multiplier, both ends
    words = [b for x in xs for b in beats(x, shape.lanes)]
    expected = [b for x in xs for b in beats(conv_reference(x, weights, bias, shape), params.coarse_out)]
    for p_in, p_out in ((1.0, 1.0), (0.6, 0.5)):
        rtl = simulate(files, params.name(), words, len(expected), p_in, p_out, seed=11)
        gates = simulate(files, params.name(), words, len(expected), p_in, p_out, seed=11, gate_level_family="ecp5")
        assert gates.words == expected
        assert gates.cycles == rtl.cycles


@pytest.mark.hw
def test_a_packed_linear_kernel_is_bit_and_cycle_exact():
    rng = np.random.default_rng(5)
    n, m, ci, co = 24, 6, 4, 2
    w = rng.integers(-3000, 3000, (m, n))
    b = rng.integers(-2**20, 2**20, m)
    x = rng.integers(-600, 600, (5, n))
    arith = FixedArithmetic()
    expected = requantize(x @ w.T + b, arith.weight.frac, arith.act)
    module = linear_module(w, b, ci, co, arith)
    top = module.__name__
    files = emit([module], top)
    dsps, inputs, outputs = _dsp_registers(files, top)
    assert dsps == ci * co and inputs == outputs == dsps
    for p_in, p_out in ((1.0, 1.0), (0.6, 0.5)):
        rtl = simulate(files, top, pack(x, ci), 5 * m // co, p_in, p_out, seed=2)
        gates = simulate(files, top, pack(x, ci), 5 * m // co, p_in, p_out, seed=2, gate_level_family="ecp5")
        np.testing.assert_array_equal(unpack(gates.words, co).reshape(5, m), expected)
        assert gates.cycles == rtl.cycles


def test_an_inverted_clock_enable_gets_one_shared_inverter():
    module = _netlist(ce=7)
    for cell in module["cells"].values():
        if cell["type"] == "TRELLIS_FF":
            cell["parameters"]["CEMUX"] = "INV"
    packed = pack_multiplier_registers(module)
    assert packed.inputs == packed.outputs == 1
    (inverter,) = [c for c in module["cells"].values() if c["type"] == "LUT4"]
    assert inverter["connections"]["A"] == [7] and inverter["parameters"]["INIT"] == "0101010101010101"
    assert module["cells"]["mult"]["connections"]["CE0"] == inverter["connections"]["Z"]


def test_an_operand_whose_bits_have_different_enables_stays_in_the_fabric():
    module = _netlist(ce=7)
    module["cells"]["Aff1"]["connections"]["CE"] = [8]  # one DSP register has one clock enable
    packed = pack_multiplier_registers(module)
    assert packed.inputs == 0 and "REG_INPUTA_CLK" not in module["cells"]["mult"]["parameters"]
