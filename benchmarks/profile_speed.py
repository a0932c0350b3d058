"""Benchmark: profiling B-LeNet on the 2,000 held-out MNIST images in fixed point.

Prints wall times (best of --repeat runs) for the fixed-point pass alone (what
the exit pattern is measured with), for the float pass, and for the whole
`profile_exits` (both), plus the machine's core count.  Usage:

    python benchmarks/profile_speed.py --data ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import os
import time

from atheena import data, models
from atheena.frontend import import_model
from atheena.profiling import profile_exits
from atheena.reference import interpreter
from atheena.reference.fixed_point import FixedArithmetic
from atheena.reference.float_model import FloatArithmetic


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: the bundled 1,000 images)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cal = data.calibration_set(args.data)
    module = import_model(models.get("b-lenet"), (1, 28, 28), thresholds=[0.996])
    print(f"B-LeNet, {cal.description}, {os.cpu_count()} cores")
    fixed = best_of(args.repeat, lambda: interpreter.run(module, cal.images, FixedArithmetic(), dense=True))
    real = best_of(args.repeat, lambda: interpreter.run(module, cal.images, FloatArithmetic(), dense=True))
    both = best_of(args.repeat, lambda: profile_exits(module, cal))
    print(f"fixed point (Q8.8), every exit:  {fixed:6.2f} s  ({len(cal) / fixed:,.0f} images/s)")
    print(f"float, every exit:               {real:6.2f} s")
    print(f"profile_exits (fixed + float):   {both:6.2f} s")


if __name__ == "__main__":
    main()
