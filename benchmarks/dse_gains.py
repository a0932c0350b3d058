"""Benchmark: early-exit throughput gains on ZC706 predicted by the exact DSE.

For B-LeNet, Triple-Wins and B-AlexNet prints, per budget 10%..100%: early
exit throughput and its DSP roofline (the budget's DSPs x clock / the average
MACs per sample, one MAC per DSP per cycle), baseline throughput, the gain, the
gain relative to the MAC-bound gain, and the smallest resource share at which
the early-exit design matches the baseline's throughput at that budget; plus
optimiser wall times.  The
designs are the one fold's (`atheena.dse.fold.Folder`, what `fold` and
`atheena dse` give): early exit with its buffers sized, at independent samples
of the given exit probability (the `buffered, independent samples` model);
baseline rate-balanced; all at the board's clock.

Exit probabilities: measured by profiling (MNIST networks, shipped weights,
test images 8000-9999 with --data, else the bundled 8000-8999) at each
example's threshold, and ATHEENA's 0.75 for B-LeNet.  B-AlexNet is a CIFAR-10
network with no data or trained weights here, so it is shown at assumed exit
probabilities.

    python benchmarks/dse_gains.py --data ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import time

from atheena import data, models
from atheena.analysis.network import macs_by_section
from atheena.dse import boards
from atheena.dse.fold import Folder
from atheena.dse.network import reach
from atheena.errors import NoFeasibleDesign
from atheena.frontend import import_model
from atheena.profiling import profile_exits

BUDGETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def average_macs(module, p_exit: float) -> tuple[float, float]:
    """MACs per sample of the early-exit network at exit probability `p_exit`, and of its baseline."""
    m = macs_by_section(module)
    shared, exit0, rest = m.get("stage0", 0), m.get("exit0", 0), m.get("stage1", 0)
    return shared + exit0 + (1 - p_exit) * rest, shared + rest


def mac_bound(module, p_exit: float) -> float:
    early, base = average_macs(module, p_exit)
    return base / early


def report(name: str, module, p_exit: float, source: str, board) -> None:
    print(f"\n{name} on {board.name}, exit probability {p_exit:.3f} ({source}); "
          f"MAC-ratio gain {mac_bound(module, p_exit):.2f}x (MACs per sample, baseline / early exit; designs "
          "limited by folding granularity rather than DSPs can beat it)")
    print(f"{'budget':>6} {'early-exit sps':>15} {'DSP roofline':>13} {'baseline sps':>13} {'gain':>6} "
          f"{'gain/MACs':>10} {'EE share to match baseline':>27} {'of baseline share':>17}")
    macs = average_macs(module, p_exit)[0]
    folder = Folder(module, board)
    true_reach = [q for _, q in reach(folder.func, [p_exit])]
    started = time.perf_counter()
    best_gain, worst_gain, best_ratio = 0.0, float("inf"), 1.0
    for budget in BUDGETS:
        try:
            base = folder.baseline(budget)
            ee = folder.predict(budget, [p_exit])
        except NoFeasibleDesign as err:
            print(f"{budget:>6.0%}  {str(err).split(';')[0].replace('no folding of the network', 'no design')}")
            continue
        match = folder.cheapest(true_reach, base.cycles_per_sample, inflate=False)  # converters included
        gain = ee.throughput_sps / base.throughput_sps
        roofline = budget * board.dsp * board.clock_mhz * 1e6 / macs
        if match is None:
            print(f"{budget:>6.0%} {ee.throughput_sps:>15,.0f} {roofline:>13,.0f} {base.throughput_sps:>13,.0f} "
                  f"{gain:>5.2f}x  (the early-exit network cannot match the baseline)")
            continue
        ratio = match.max_resource_share / base.max_resource_share
        best_gain, worst_gain, best_ratio = max(best_gain, gain), min(worst_gain, gain), min(best_ratio, ratio)
        print(f"{budget:>6.0%} {ee.throughput_sps:>15,.0f} {roofline:>13,.0f} {base.throughput_sps:>13,.0f} "
              f"{gain:>5.2f}x {gain / mac_bound(module, p_exit):>10.2f} {match.max_resource_share:>26.1%} "
              f"{ratio:>17.1%}")
    elapsed = time.perf_counter() - started
    print(f"gain {worst_gain:.2f}x to {best_gain:.2f}x; baseline throughput matched with as little as {best_ratio:.1%} of the "
          f"baseline's resources; sweep of {len(BUDGETS)} budgets (early exit, baseline, matching) in {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: the bundled images)")
    args = parser.parse_args()
    board = boards.load("zc706")
    cal = data.calibration_set(args.data)
    for name in ("b-lenet", "triple-wins"):
        module = import_model(models.get(name), models.get(name).input_shape)
        t = models.entry(name).thresholds
        rate = profile_exits(module, cal).record(t).exits[0].exit_rate
        report(name, module, rate, f"profiled at threshold {t[0]} on {cal.description}", board)
        if name == "b-lenet":
            report(name, module, 0.75, "ATHEENA's figure", board)
    module = import_model(models.get("b-alexnet"), (3, 32, 32))
    for p in (0.25, 0.5, 0.75):
        report("b-alexnet", module, p, "assumed: no CIFAR-10 here", board)
    lenet = import_model(models.get("b-lenet"), (1, 28, 28))
    folder = Folder(lenet, board)
    folder.layers  # the configurations, built once
    start = time.perf_counter()
    design = folder.design(1.0, [0.75])
    print(f"\nB-LeNet at the full ZC706: {design.throughput_sps:,.0f} samples/s rate-balanced "
          f"({design.throughput_sps / 96364:.2f}x ATHEENA's A3, 96,364); DSP roofline "
          f"{board.dsp * board.clock_mhz * 1e6 / average_macs(lenet, 0.75)[0]:,.0f}; "
          f"one fold {time.perf_counter() - start:.2f} s; resources {design.resources}")


if __name__ == "__main__":
    main()
