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
from atheena.tools.commands.common import executor_arguments, executor_of, folded_design, say


def add_parser(sub) -> None:
    syn = sub.add_parser("synth", help="synthesise a folded network's RTL with Yosys, place and route it on an ECP5 "
                         "board (or rule-check its timing on a Xilinx one), and compare resources with the DSE's "
                         "prediction")
    syn.add_argument("model", metavar="FILE", nargs="+", help="folded network (.mlir); several are implemented as "
                     "independent jobs (--jobs/--scheduler)")
    syn.add_argument("--board", help="the board to implement it on (default: the one it was folded for); ECP5 "
                     "boards (ecp5_versa, ulx3s_85f) are placed and routed with nextpnr-ecp5")
    syn.add_argument("--timeout", type=float, default=None, metavar="S",
                     help="give up place-and-route after S seconds (default: no limit)")
    syn.add_argument("--bitstream", metavar="FILE", help="ECP5 only: also write the routed core's bitstream (ecppack)")
    syn.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    syn.add_argument("--json", action="store_true", help="print the results as JSON")
    syn.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    executor_arguments(syn)
    syn.set_defaults(example=None)


def cmd_synth(args) -> int:
    from atheena.dse import boards
    from atheena.errors import AtheenaError
    from atheena.hardware import flow
    from atheena.parallel import Failed, run_jobs

    where = executor_of(args)
    files = list(dict.fromkeys(args.model))
    if len(files) > 1 and (args.bitstream or args.rtl):
        raise AtheenaError("--bitstream and --rtl write one design's files; give one .mlir file with them")
    if args.bitstream and where.scheduler:
        raise AtheenaError("--bitstream is written on the machine that routes the design; leave out --scheduler "
                           "(or collect the bitstream from that worker yourself)")
    designs = []
    for path in files:  # every input is read, checked and lowered before the long jobs start
        args.model = path
        module, design = folded_design(args)
        prediction = flow.predicted(module)
        board = boards.load(args.board or prediction["board"])
        if args.bitstream and not flow.routable(board):
            raise AtheenaError(f"--bitstream needs an ECP5 board; {board.name} is {board.device_family.name}, "
                               "which has no open place-and-route here")
        designs.append((path, prediction, board, design))
    for path, _, board, _ in designs:
        what = (f"Yosys synth_ecp5 and nextpnr-ecp5 on {board.part} at {board.clock_mhz:g} MHz" if flow.routable(board)
                else f"Yosys synth_xilinx and the timing rule check ({board.device_family.name})")
        say(args, f"{path}: {what} (minutes for a whole network; cached by content)")
    if not where.serial:
        say(args, f"implementing {len(designs)} design{'s' if len(designs) > 1 else ''} on {where.describe()}")
    talk = where.serial and not args.quiet  # place-and-route's own progress lines, when they reach this terminal
    jobs = [(design, board, args.timeout, args.bitstream, talk) for _, _, board, design in designs]
    results = run_jobs(implement_job, jobs, [f"{path} on {board.name}" for path, _, board, _ in designs], where,
                       keep_going=args.keep_going, quiet=args.quiet, what="designs")
    records = []
    for (path, prediction, board, _), result in zip(designs, results):
        if isinstance(result, Failed):
            records.append({"model": path, **result.as_dict()})
            continue
        used, timing, seconds = result
        achieved = timing.get("achieved_mhz")
        mhz, source = flow.clock(board.clock_mhz, achieved, routable=flow.routable(board))
        cycles = prediction["cycles_per_sample"]
        record = {"model": path, "board": board.name, "part": board.part, "synthesis": used,
                  "predicted": {k: prediction[k] for k in RESOURCES}, "predicted_for": prediction["board"],
                  "clock_mhz": round(mhz, 2), "clock": source, "board_clock_mhz": board.clock_mhz,
                  "cycles_per_sample": cycles, "throughput_sps": round(mhz * 1e6 / cycles, 1),
                  "timing": timing, "seconds": seconds}
        if args.bitstream:
            record["bitstream"] = str(args.bitstream)
        records.append(record)
    if args.json:
        print(json.dumps(records[0] if len(records) == 1 else records, indent=2))
    else:
        print("\n\n".join(_summary(r, board, len(records) > 1) for r, (_, _, board, _) in zip(records, designs)))
    return 1 if any("failed" in r for r in records) else 0


def implement_job(design, board, timeout, bitstream, talk: bool = False) -> tuple[dict, dict, float]:
    """One job: `flow.implement` of a lowered design (resources, timing) and its wall time; `talk` prints
    place-and-route's progress on stderr."""
    import sys

    from atheena.hardware import flow

    started = time.perf_counter()
    progress = (lambda m: print(f"atheena: {m}", file=sys.stderr, flush=True)) if talk else None
    used, timing = flow.implement(design, board, timeout, progress, bitstream)
    return used, timing, round(time.perf_counter() - started, 1)


def _summary(record: dict, board, named: bool) -> str:
    """The human-readable lines for one design's record."""
    head = [f"{record['model']}:"] if named else []
    if "failed" in record:
        return "\n".join(head + [f"  failed: {record['error']}"])
    used, timing = record["synthesis"], record["timing"]
    achieved = timing.get("achieved_mhz")
    mhz, source = record["clock_mhz"], record["clock"]
    lines = [f"{k:>7}: {used[k]:>8,} {'routed' if achieved else 'synthesised':>11}   "
             f"{record['predicted'][k]:>8,} predicted   {board.capacity(k):>8,} on {board.name}" for k in RESOURCES]
    if achieved is not None:
        lines.append(f"  clock: {mhz:g} MHz, {source} (achieved {achieved:g} MHz on {timing['device']}; board clock "
                     f"{board.clock_mhz:g} MHz)")
        if timing["critical_path"]:
            lines.append(f"         critical path {timing['critical_path'][0]}, {timing['critical_path'][1]}")
        if timing.get("dsp_registers"):
            lines.append(f"         packed before routing: {timing['dsp_registers']}")
    else:
        lines.append(f"  clock: {mhz:g} MHz, {source}; timing rule check {timing['summary']}")
    lines.append(f"  throughput: {record['throughput_sps']:,.0f} samples/s at {mhz:g} MHz "
                 f"({record['cycles_per_sample']:,.1f} predicted cycles per sample)")
    if not all(used[k] <= board.capacity(k) for k in RESOURCES):
        lines.append(f"  warning: the design does not fit {board.name}")
    return "\n".join(head + lines)
