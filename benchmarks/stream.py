"""Benchmark: a long stream through a whole network in RTL, under random back-pressure.

Folds a built-in network (exit rates profiled on the calibration images),
lowers it and streams N samples through the Verilator model in one run: the
calibration images over and over, each pass in a new seeded random order, with
the output not ready on a random fraction of the cycles.  Every result is
checked against the fixed-point reference (evaluated in chunks beside it).
Prints mismatched, lost and duplicated results, the exits taken, the cycles
simulated, and the speed: cycles per second of the Verilator model alone and
of the whole check (packing the input, the reference, the comparison).  Exit
status 1 unless the run is bit-exact with nothing lost or duplicated.

    python benchmarks/stream.py                                   # B-LeNet, full ZC706, 100,000 samples, 30% stalls
    python benchmarks/stream.py --samples 10000 --back-pressure 0.5 --data ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from atheena import models
from atheena.data import calibration_set
from atheena.frontend import import_model
from atheena.hardware import flow
from atheena.pipeline import PipelineRunner


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--example", default="b-lenet", help="built-in network (default b-lenet)")
    ap.add_argument("--board", default="zc706")
    ap.add_argument("--budget", type=float, default=1.0)
    ap.add_argument("--samples", type=int, default=100_000, help="samples streamed in one run (default 100,000)")
    ap.add_argument("--back-pressure", type=float, default=0.3,
                    help="fraction of cycles the output is not ready, at random (default 0.3)")
    ap.add_argument("--data", default=None, help="MNIST folder (default: the bundled calibration images)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    entry = models.entry(args.example)
    module = import_model(models.get(args.example), entry.build().input_shape, thresholds=entry.thresholds)
    data = f" data={args.data}" if args.data else ""
    PipelineRunner(module.context, save_reproducer=False).run(
        module, f"builtin.module(annotate-exit-probabilities{{{data.strip()}}},"
                f"fold{{board={args.board} budget={args.budget}}},size-buffers)")
    images = calibration_set(args.data).images
    rng = np.random.default_rng(args.seed)
    passes = -(-args.samples // len(images))
    order = np.concatenate([rng.permutation(len(images)) for _ in range(passes)])[:args.samples]
    print(f"{args.example} at {args.budget:g} of {args.board}: {args.samples:,} samples ({passes} passes over "
          f"{len(images):,} images in seeded random orders), output stalled on {args.back_pressure:.0%} of cycles",
          file=sys.stderr)
    design = flow.rtl(module, name=args.example.replace("-", "_"))
    started = time.perf_counter()
    run = flow.simulate(design, module, images[order], back_pressure=args.back_pressure, seed=args.seed + 1)
    total = time.perf_counter() - started
    ok = run.bit_exact and run.missing == 0 and run.duplicated == 0
    print(f"samples {run.samples:,}: mismatched {run.mismatches}, lost {run.missing}, duplicated {run.duplicated}; "
          f"exits {run.exits}; bit-exact {run.bit_exact}")
    print(f"cycles simulated {run.simulated_cycles:,} ({run.cycles_per_sample:,.1f} a sample under back-pressure)")
    print(f"Verilator model alone: {run.simulator_seconds:,.1f} s = "
          f"{run.simulated_cycles / max(run.simulator_seconds, 1e-9):,.0f} cycles/s")
    print(f"whole check (input packing, reference, comparison): {total:,.1f} s = "
          f"{run.simulated_cycles / max(total, 1e-9):,.0f} cycles/s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
