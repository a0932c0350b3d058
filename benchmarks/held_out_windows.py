"""Does a compiled design keep its worst-window promise on images it never saw?

Compiles a network with `atheena compile` (by default `--thresholds auto
--max-accuracy-drop 0.5`) on the calibration images (MNIST test images
8,000-9,999 with --data), then simulates windows of W consecutive images from
MNIST test images 0-7,999 (never profiled, never used to choose anything) in
Verilator, every window separately, at a stride of S images.  Prints each
window's measured samples/s, and the lowest, median and highest against the
report's worst-window prediction (`splits.test.worst_window`), the share of
windows below 90% of it, and whether every window was bit-exact.  Exit status
1 if any window falls below 90% of the prediction or is not bit-exact.

    python benchmarks/held_out_windows.py --example b-lenet --budget 0.3 --data ../shared/data/mnist
    python benchmarks/held_out_windows.py --model branchy_lenet_20220902.onnx --budget 0.3 --data ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--example", help="a built-in network")
    which.add_argument("--model", help="path/to/file.py:Class or a .onnx file")
    parser.add_argument("--weights", help="state_dict for --model .py (default for examples: the shipped weights)")
    parser.add_argument("--budget", default="0.3")
    parser.add_argument("--board", default="zc706")
    parser.add_argument("--thresholds", default="auto")
    parser.add_argument("--max-accuracy-drop", default="0.5")
    parser.add_argument("--data", required=True, help="MNIST folder with all 10,000 test images")
    parser.add_argument("--window", type=int, default=500)
    parser.add_argument("--stride", type=int, default=250)
    parser.add_argument("--images", type=int, default=8000, help="windows come from test images 0 to this - 1")
    parser.add_argument("--keep", metavar="DIR", help="keep the compiled design in DIR")
    args = parser.parse_args()

    from atheena import ir as air
    from atheena.data.idx import load
    from atheena.hardware import flow

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="atheena-windows-")) / "design"
    source = ["--example", args.example] if args.example else [args.model]
    command = [sys.executable, "-m", "atheena.tools.cli", "compile", *source, "--budget", args.budget,
               "--board", args.board, "--thresholds", args.thresholds, "--data", args.data, "--window",
               str(args.window), "--simulate", "0", "--force", "-q", "--json", "-o", str(out)]
    if args.thresholds == "auto":
        command += ["--max-accuracy-drop", args.max_accuracy_drop]
    if args.weights:
        command += ["--weights", args.weights]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        return 2
    report = json.loads(done.stdout)
    test = report["splits"]["test"]
    promise = test["worst_window"]["throughput_sps"]
    print(f"compiled in {time.perf_counter() - started:.0f} s: thresholds {report['thresholds']}, budget "
          f"{report['budget']:g}; accuracy {report['accuracy']['fixed']:.2%} (all calibration images), "
          f"{test['accuracy']['fixed']:.2%} on the test split")
    headline = report["predicted"]
    print(f"  predicted: headline {headline['throughput_sps']:,.0f} samples/s ({headline['model']}), "
          f"test split {test['predicted']['throughput_sps']:,.0f}, worst {args.window}-sample window {promise:,.0f} "
          f"({test['worst_window']['model']}); folded reach {report['splits']['folded_reach']}")

    module = air.parse((out / "buffered.mlir").read_text(), air.new_context())
    design = flow.rtl(module)
    images = load(args.data, "test").subset(0, args.images, "MNIST test images 0-7,999").images
    rates, exact = [], True
    for start in range(0, args.images - args.window + 1, args.stride):
        run = flow.simulate(design, module, images[start:start + args.window])
        rates.append(run.throughput_sps)
        exact &= run.bit_exact
        print(f"  images {start:>5}-{start + args.window - 1:<5} {run.throughput_sps:>10,.0f} samples/s "
              f"({run.throughput_sps / promise:6.1%} of the worst-window prediction), exits {run.exits}, "
              f"{'bit-exact' if run.bit_exact else 'NOT BIT-EXACT'}", flush=True)
    rates = np.array(rates)
    below = int(np.sum(rates < 0.9 * promise))
    print(f"{len(rates)} windows of {args.window} unseen images: lowest {rates.min():,.0f} ({rates.min() / promise:.1%}"
          f" of the worst-window prediction), median {np.median(rates):,.0f} ({np.median(rates) / promise:.1%}), "
          f"highest {rates.max():,.0f}; {below} below 90%; every window bit-exact: {exact}")
    return 0 if below == 0 and exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
