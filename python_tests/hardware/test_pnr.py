"""Place-and-route on ECP5 (nextpnr-ecp5): part numbers, report parsing, and a kernel proven at 125 MHz.

The routed run is cached by content under $ATHEENA_CACHE/nextpnr (a few seconds for
this kernel the first time: nextpnr runs as WebAssembly).
"""

import pytest

from atheena.errors import AtheenaError
from atheena.hardware import characterise as ch
from atheena.hardware import pnr


def test_ecp5_part_numbers_name_the_nextpnr_device():
    assert pnr.Device.of_part("LFE5UM5G-85F-8BG381C").flags() == ["--um5g-85k", "--package", "CABGA381",
                                                                    "--speed", "8"]
    assert pnr.Device.of_part("LFE5U-85F-6BG381C").flags() == ["--85k", "--package", "CABGA381", "--speed", "6"]
    assert pnr.Device.of_part("lfe5u-25f-6mg285c").flags() == ["--25k", "--package", "CSFBGA285", "--speed", "6"]
    with pytest.raises(AtheenaError, match="not an ECP5 part number"):
        pnr.Device.of_part("xc7z045ffg900-2")


def test_report_parsing_takes_the_slowest_path():
    step = lambda kind, cell, delay: {"type": kind, "delay": delay, "from": {"cell": cell}, "to": {"cell": cell}}
    report = {"fmax": {"clk": {"achieved": 131.234, "constraint": 125.0}},
              "utilization": {"MULT18X18D": {"used": 3, "available": 156}, "DCUA": {"used": 0, "available": 2}},
              "critical_paths": [
                  {"from": "posedge clk", "to": "posedge clk",
                   "path": [step("clk-to-q", "a", 0.5), step("routing", "a", 1.0), step("logic", "b", 2.0)]},
                  {"from": "posedge clk", "to": "posedge clk",
                   "path": [step("clk-to-q", "c", 0.5), step("routing", "c", 4.0), step("logic", "d", 2.5),
                            step("setup", "e", 0.1)]}]}
    fmax, used, path = pnr._parse_report(report)
    assert fmax == {"clk": 131.23} and used == {"MULT18X18D": (3, 156)}
    assert path[0] == "7.10 ns (3.10 ns logic, 4.00 ns routing) through 1 cells" and path[1] == "from c"


@pytest.mark.hw
def test_a_pooling_kernel_routes_at_125_mhz_on_ecp5():
    """The max pool of B-LeNet's second stage, out of context on LFE5UM5G-85F: a clock proven by routing."""
    family = ch.FAMILIES["max_pool2d"]
    module, top = family.build({"c": 10, "h": 16, "w": 16, "k": 2, "s": 2, "p": 0, "ci": 1})
    routed = pnr.place_and_route(ch._emit(module, top), top, pnr.Device.of_part("LFE5UM5G-85F-8BG381C"), 125.0)
    assert routed.met() and routed.mhz >= 125.0, routed.critical_path
    assert routed.resources["dsp"] == 0 and routed.utilisation["TRELLIS_FF"][0] > 0


@pytest.mark.hw
def test_a_conv_kernel_routes_with_its_multiplier_registers_inside_the_dsps():
    """A 15-multiplier conv of B-LeNet's exit branch: every MULT18X18D gets its operand and product
    registers (`dsp_registers`), and the kernel meets 125 MHz (186 MHz measured; gate-level
    equivalence of the packing is `test_dsp_registers.py`)."""
    family = ch.FAMILIES["conv2d"]
    module, top = family.build({"c": 5, "h": 16, "w": 16, "k": 3, "s": 1, "p": 1, "f": 10, "ci": 1, "co": 5,
                                "fine": 3})
    routed = pnr.place_and_route(ch._emit(module, top), top, pnr.Device.of_part("LFE5UM5G-85F-8BG381C"), 125.0)
    assert routed.resources["dsp"] == 15
    assert routed.dsp_registers.startswith("15/15 MULT18X18D with input registers, 15/15 with output registers")
    assert routed.met(), routed.critical_path


def test_missing_sources_are_a_clear_error():
    with pytest.raises(AtheenaError, match="nothing to place and route"):
        pnr.place_and_route({}, "top")


def test_a_throughput_says_which_clock_it_assumes_and_what_proves_it():
    from atheena.hardware import flow

    assert flow.clock(125, 102.6) == (102.6, "proven by place-and-route")
    assert flow.clock(125, 140.0) == (125.0, "proven by place-and-route")  # never above the board's clock
    assert flow.clock(125) == (125.0, "assumed (no place-and-route for this family)")
    assert flow.clock(125, routable=True)[1].startswith("assumed (not placed and routed: compile with --synth")
