"""`atheena synth`: a folded network's RTL through Yosys; resources against the DSE's prediction, and its clock.

Keeps the resource model honest (the DSE chooses foldings from predicted DSP,
BRAM, LUT and FF counts, and this command shows how close they are) and says
which clock a throughput may use:

* on an ECP5 board (`--board ecp5_versa`, `ulx3s_85f`, or a design folded for
  one) the design is placed and routed with nextpnr-ecp5; throughput is then at
  the lower of the board's clock and the achieved one, "proven by
  place-and-route";
* on a Xilinx board there is no open place-and-route: the timing rule check
  (`atheena.hardware.timing_rules`) runs on the `synth_xilinx` netlist, and the
  board's clock stays "assumed".
"""

from __future__ import annotations

import json
import time

from atheena.dse.boards import RESOURCES
from atheena.tools.commands.common import folded_design, say


def add_parser(sub) -> None:
    syn = sub.add_parser("synth", help="synthesise a folded network's RTL with Yosys, place and route it on an ECP5 "
                         "board (or rule-check its timing on a Xilinx one), and compare resources with the DSE's "
                         "prediction")
    syn.add_argument("model", metavar="FILE", help="folded network (.mlir)")
    syn.add_argument("--board", help="the board to implement it on (default: the one it was folded for); ECP5 "
                     "boards (ecp5_versa, ulx3s_85f) are placed and routed with nextpnr-ecp5")
    syn.add_argument("--timeout", type=float, default=None, metavar="S",
                     help="give up place-and-route after S seconds (default: no limit)")
    syn.add_argument("--bitstream", metavar="FILE", help="ECP5 only: also write the routed core's bitstream (ecppack)")
    syn.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    syn.add_argument("--json", action="store_true", help="print the results as JSON")
    syn.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    syn.set_defaults(example=None)


def cmd_synth(args) -> int:
    from atheena.dse import boards
    from atheena.errors import AtheenaError
    from atheena.hardware import flow

    module, design = folded_design(args)
    prediction = flow.predicted(module)
    board = boards.load(args.board or prediction["board"])
    if args.bitstream and not flow.routable(board):
        raise AtheenaError(f"--bitstream needs an ECP5 board; {board.name} is {board.device_family.name}, which has "
                           "no open place-and-route here")
    started = time.perf_counter()
    if flow.routable(board):
        say(args, f"Yosys synth_ecp5 and nextpnr-ecp5 on {board.part} at {board.clock_mhz:g} MHz (minutes for a "
                  "whole network; cached by content)")
    else:
        say(args, f"Yosys synth_xilinx and the timing rule check ({board.device_family.name}; minutes for a whole "
                  "network)")
    used, timing = flow.implement(design, board, args.timeout, lambda m: say(args, m), args.bitstream)
    achieved = timing.get("achieved_mhz")
    mhz, source = flow.clock(board.clock_mhz, achieved, routable=flow.routable(board))
    cycles = prediction["cycles_per_sample"]
    record = {"board": board.name, "part": board.part, "synthesis": used,
              "predicted": {k: prediction[k] for k in RESOURCES}, "predicted_for": prediction["board"],
              "clock_mhz": round(mhz, 2), "clock": source, "board_clock_mhz": board.clock_mhz,
              "cycles_per_sample": cycles, "throughput_sps": round(mhz * 1e6 / cycles, 1),
              "timing": timing, "seconds": round(time.perf_counter() - started, 1)}
    if args.bitstream:
        record["bitstream"] = str(args.bitstream)
    if args.json:
        print(json.dumps(record, indent=2))
        return 0
    capacity = {k: board.capacity(k) for k in RESOURCES}
    for k in RESOURCES:
        print(f"{k:>7}: {used[k]:>8,} {'routed' if achieved else 'synthesised':>11}   "
              f"{record['predicted'][k]:>8,} predicted   {capacity[k]:>8,} on {board.name}")
    if achieved is not None:
        print(f"  clock: {mhz:g} MHz, {source} (achieved {achieved:g} MHz on {timing['device']}; board clock "
              f"{board.clock_mhz:g} MHz)")
        if timing["critical_path"]:
            print(f"         critical path {timing['critical_path'][0]}, {timing['critical_path'][1]}")
        if timing.get("dsp_registers"):
            print(f"         packed before routing: {timing['dsp_registers']}")
    else:
        print(f"  clock: {mhz:g} MHz, {source}; timing rule check {timing['summary']}")
    print(f"  throughput: {record['throughput_sps']:,.0f} samples/s at {mhz:g} MHz "
          f"({cycles:,.1f} predicted cycles per sample)")
    if not all(used[k] <= capacity[k] for k in RESOURCES):
        print(f"  warning: the design does not fit {board.name}")
    return 0
