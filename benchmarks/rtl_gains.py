"""Benchmark: early-exit vs baseline throughput measured in RTL simulation (Verilator).

For each budget, folds the early-exit network (exit probabilities profiled on
the calibration images at the network's thresholds) and its no-exit baseline
with the same optimiser, lowers both to SystemVerilog, simulates both on the
same images and prints predicted and measured throughput, the predicted and
measured gain, bit-exactness and the wall times.  The prediction is
the simulated samples' exit sequence replayed through the sized conditional
buffers (`flow.predicted_for`); with --shuffle SEED the images stream in a
seeded random order (independent samples, no runs of hard images), with the
steady-state figure for independent samples at the profiled rate printed
beside it.  `fold`'s
rate-balanced figure is printed too.  With --synth it also
synthesises both with Yosys and prints resources beside the predictions.
Folding runs here; each network's lowering, simulation (and synthesis) is
one job, run serially or on Dask (--jobs N, --scheduler ADDRESS).

    python benchmarks/rtl_gains.py --example b-lenet --budgets 0.3,0.5 --samples 2000 --data ../shared/data/mnist
    python benchmarks/rtl_gains.py --budgets 0.1,0.5,1.0 --jobs 2    # on a local Dask cluster of 2 processes
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from torch_mlir import ir

from atheena import models
from atheena.data import calibration_set
from atheena.dialects import ops as O
from atheena.frontend import import_model
from atheena.hardware import flow
from atheena.ir import to_text
from atheena.parallel import executor, run_jobs
from atheena.pipeline import PipelineRunner


def folded(name: str, budget: float, board: str, data_dir: str | None, samples: int):
    entry = models.entry(name)
    baseline = name.endswith(models.BASELINE_SUFFIX)
    module = import_model(models.get(name), entry.build().input_shape,
                          thresholds=None if baseline else entry.thresholds)
    steps = [] if baseline else [f"annotate-exit-probabilities{{samples={samples}"
                                 + (f" data={data_dir}" if data_dir else "") + "}"]
    steps += [f"fold{{board={board} budget={budget}}}"] + ([] if baseline else ["size-buffers"])
    PipelineRunner(module.context, save_reproducer=False).run(module, f"builtin.module({','.join(steps)})")
    return module


def independent_cycles(module) -> float | None:
    """size-buffers' prediction for independent samples at the profiled rates (None without exits)."""
    (func,) = O.network_functions(module)
    if "atheena.buffers" not in func.attributes:
        return None
    buffers = ir.DictAttr(func.attributes["atheena.buffers"])
    balanced = flow.predicted(module).get("balanced_cycles_per_sample", 0.0)
    return max([balanced] + [ir.FloatAttr(ir.DictAttr(buffers[i].attr)["independent_cycles_per_sample"]).value
                             for i in range(len(buffers))])


def measure_job(name: str, ir_text: str, images, synth: bool, shuffle: int | None) -> dict:
    """One job: `measure` of a folded network given as text (what travels to a Dask worker)."""
    from atheena import ir as air

    return measure(name, air.parse(ir_text, air.new_context()), images, synth, shuffle)


def measure(name: str, module, images, synth: bool, shuffle: int | None = None) -> dict:
    started = time.perf_counter()
    design = flow.rtl(module, name=name.replace("-", "_"))
    lowered = time.perf_counter() - started
    order = np.arange(len(images))
    if shuffle is not None:  # the same images in a random order: no runs of hard samples
        order = np.random.default_rng(shuffle).permutation(len(images))
    run = flow.simulate(design, module, images[order])
    simulated = time.perf_counter() - started - lowered
    predicted = flow.predicted(module)
    independent = independent_cycles(module)
    if independent:  # the prediction for exactly these samples, in this order
        predicted["independent_cycles_per_sample"] = independent
        predicted.update(flow.predicted_for(module, run.trace))
    record = {"network": name, "predicted": predicted, "bit_exact": run.bit_exact,
              "exits": run.exits, "cycles_per_sample": run.cycles_per_sample,
              "throughput_sps": run.throughput_sps, "lower_s": round(lowered, 1), "simulate_s": round(simulated, 1)}
    if synth:
        started = time.perf_counter()
        record["synthesis"] = flow.synthesize(design)
        record["synth_s"] = round(time.perf_counter() - started, 1)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="b-lenet")
    parser.add_argument("--budgets", default="0.5")
    parser.add_argument("--board", default="zc706")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--data", help="MNIST folder (default: the bundled images)")
    parser.add_argument("--synth", action="store_true")
    parser.add_argument("--shuffle", type=int, metavar="SEED",
                        help="stream the images in a seeded random order (independent samples) and compare with the "
                             "prediction for that order (default: calibration order)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--jobs", type=int, metavar="N", help="lower and simulate on a local Dask cluster of N "
                        "worker processes (default: one network after another in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="... on an existing Dask cluster (tcp://host:8786)")
    args = parser.parse_args()
    where = executor(args.jobs, args.scheduler)
    images = calibration_set(args.data).images[:args.samples]
    budgets = [float(b) for b in args.budgets.split(",")]
    names = (args.example, args.example + models.BASELINE_SUFFIX)
    started = time.perf_counter()
    jobs = [(name, to_text(folded(name, budget, args.board, args.data, len(images)), debug_info=True), images,
             args.synth, args.shuffle) for budget in budgets for name in names]
    measured = run_jobs(measure_job, jobs, [f"{name} at budget {b:g}" for b in budgets for name in names], where,
                        what="networks", preload=("pycde",))
    print(f"{len(jobs)} networks folded, lowered and simulated in {time.perf_counter() - started:.0f} s wall time "
          f"on {where.describe()}", file=sys.stderr)
    records = []
    for k, budget in enumerate(budgets):
        pair = measured[2 * k:2 * k + 2]
        ee, base = pair
        row = {"budget": budget, "early_exit": ee, "baseline": base,
               "predicted_gain": ee["predicted"]["throughput_sps"] / base["predicted"]["throughput_sps"],
               "measured_gain": ee["throughput_sps"] / base["throughput_sps"]}
        records.append(row)
        if not args.json:
            for r in pair:
                p = r["predicted"]
                print(f"{r['network']:<18} budget {budget:.0%}: predicted {p['throughput_sps']:>9,.0f} sps "
                      f"({p['cycles_per_sample']:.0f} cyc; rate-balanced "
                      f"{p.get('balanced_cycles_per_sample', p['cycles_per_sample']):.0f}"
                      + (f"; independent samples {p['independent_cycles_per_sample']:.0f}"
                         if "independent_cycles_per_sample" in p else "")
                      + f"), measured {r['throughput_sps']:>9,.0f} sps "
                      f"({r['cycles_per_sample']:.0f} cyc, {r['throughput_sps'] / p['throughput_sps'] - 1:+.1%}), "
                      f"bit-exact {r['bit_exact']}, exits {r['exits']}, lower {r['lower_s']} s, "
                      f"simulate {r['simulate_s']} s")
                if "synthesis" in r:
                    s = r["synthesis"]
                    print("    synthesis " + ", ".join(f"{k} {s[k]:,} (predicted {p[k]:,})"
                                                       for k in ("dsp", "bram18", "lut", "ff")) + f"; {r['synth_s']} s")
            print(f"  gain: predicted {row['predicted_gain']:.2f}x, measured {row['measured_gain']:.2f}x")
    if args.json:
        print(json.dumps(records, indent=2, default=float))


if __name__ == "__main__":
    main()
