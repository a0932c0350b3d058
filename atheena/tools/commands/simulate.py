"""`atheena simulate`: a folded network's RTL in Verilator on real samples, checked bit-exact.

Checks generated hardware against the fixed-point reference and measures its real
cycles per sample, separately from a whole `atheena compile` run.
"""

from __future__ import annotations

import json
import time

from atheena import errors
from atheena.tools.commands.common import folded_design, say


def add_parser(sub) -> None:
    sim = sub.add_parser("simulate", help="generate the RTL of a folded network and run it in Verilator on real "
                         "samples, checked bit-exact against the fixed-point reference",
                         description="FILE is a folded network (.mlir after the fold pass, e.g. from "
                         "atheena-opt --pass-pipeline='builtin.module(fold{board=zc706 budget=0.3})').")
    sim.add_argument("model", metavar="FILE", help="folded network (.mlir)")
    sim.add_argument("--samples", type=int, default=500, metavar="N", help="images to stream (default 500)")
    sim.add_argument("--data", metavar="DIR", help="MNIST folder (default: the bundled held-out images)")
    sim.add_argument("--back-pressure", type=float, default=0.0, metavar="P",
                     help="fraction of cycles the output is not ready, at random (default 0)")
    sim.add_argument("--stalls", metavar="OPEN:MIN:MAX", help="stall the output in bursts instead: ready for 1 to "
                     "OPEN cycles, then not for MIN to MAX cycles, over and over (e.g. 4:5000:80000 fills the "
                     "queues of B-LeNet)")
    sim.add_argument("--input-gaps", type=float, default=0.0, metavar="P",
                     help="fraction of cycles the input offers nothing, at random (default 0)")
    sim.add_argument("--queues", action="store_true", help="probe every channel inside the design and report "
                     "which kernels' inputs were refused and for how many cycles (for a FIFO or a conditional "
                     "buffer: its cycles at full); a separate Verilator build")
    sim.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    sim.add_argument("--json", action="store_true", help="print the results as JSON")
    sim.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    sim.set_defaults(example=None)  # FILE only: no --example


def cmd_simulate(args) -> int:
    from atheena.data import calibration_set
    from atheena.hardware import flow

    if args.samples < 1:
        raise errors.AtheenaError(f"--samples {args.samples} must be at least 1")
    data = calibration_set(args.data)
    if args.samples > len(data):
        raise errors.AtheenaError(f"--samples {args.samples} asks for more images than {data.description} holds; "
                                  f"give at most {len(data)}, or more images with --data")
    pressure = _stalls(args)
    module, design = folded_design(args)
    images = data.images[:args.samples]
    say(args, f"building the Verilator model and streaming {len(images)} images from {data.description} "
              "(a first build of a network takes a few minutes)")
    started = time.perf_counter()
    result = flow.simulate(design, module, images, pressure, input_gaps=args.input_gaps, observe=args.queues)
    elapsed = time.perf_counter() - started
    record = {"samples": result.samples, "bit_exact": result.bit_exact, "mismatches": result.mismatches,
              "missing": result.missing, "duplicated": result.duplicated,
              "cycles_per_sample": result.cycles_per_sample, "throughput_sps": result.throughput_sps,
              "exits": result.exits, "back_pressure": result.back_pressure,
              "predicted": {"model": "rate-balanced", **{k: v for k, v in flow.predicted(module).items()
                                                          if k in ("cycles_per_sample", "throughput_sps", "model")}},
              "predicted_for_these_samples": flow.predicted_for(module, result.trace),
              "input_gaps": args.input_gaps, "seconds": round(elapsed, 1)}
    if args.queues:
        record["queues"] = _queues(result.probes)
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        verdict = "bit-exact" if result.bit_exact else (f"NOT bit-exact: {result.mismatches} wrong, "
                                                         f"{result.missing} missing, {result.duplicated} duplicated")
        print(f"{result.samples} samples {verdict}; exits {result.exits}; {result.cycles_per_sample:.0f} cycles per "
              f"sample = {result.throughput_sps:,.0f} samples/s (predicted for these samples "
              f"{record['predicted_for_these_samples']['throughput_sps']:,.0f}; for the profiled images "
              f"{record['predicted']['throughput_sps']:,.0f})"
              f"; {elapsed:.0f} s")
        if args.queues:
            print(f"kernel inputs refused (for a queue: cycles at full), of {result.simulated_cycles:,} cycles:")
            for name, counts in record["queues"].items():
                print(f"  {name:60s} {counts['refused']:>12,} refused {counts['not_ready']:>12,} not ready")
    return 0 if result.bit_exact else 1


def _stalls(args):
    """The output's back-pressure: `--back-pressure P` or `--stalls OPEN:MIN:MAX` (`sim.Bursts`)."""
    from atheena.hardware.sim import Bursts

    if args.stalls is None:
        return args.back_pressure
    if args.back_pressure:
        raise errors.AtheenaError("give either --back-pressure (random stalls) or --stalls (bursts), not both")
    try:
        return Bursts(*(int(x) for x in args.stalls.split(":", 2)))
    except (TypeError, ValueError):
        raise errors.AtheenaError(f"--stalls {args.stalls} is not OPEN:MIN:MAX (three whole numbers of cycles, "
                                  "OPEN >= 1 and MIN <= MAX), e.g. --stalls 4:5000:80000") from None


def _queues(probes: dict) -> dict:
    """Each kernel instance's inputs (`wrapper instance.channel`; probed inside the kernel's own module,
    path `... .<kernel>_hs<k>.<kernel>.probe_<channel>`) with their refused and not-ready cycles, by name."""
    out = {}
    for path, counts in sorted(probes.items()):
        parts = path.split(".")
        if len(parts) >= 3 and parts[-2].startswith("atheena_") and parts[-3].startswith(f"{parts[-2]}_hs"):
            out[f"{parts[-3]}.{parts[-1].removeprefix('probe_')}"] = counts
    return out
