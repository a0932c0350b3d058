"""Benchmark: the clock each kernel of a folded network, and the whole network, reach after place-and-route.

Folds a built-in network for a board and budget (exit probabilities profiled on
the bundled calibration images), lowers it, and places and routes every
distinct kernel of the netlist plan (`atheena.hardware.plan`) and, with
`--top`, the whole accelerator, on a Lattice ECP5 with Yosys `synth_ecp5` and
nextpnr-ecp5 (`atheena.hardware.pnr`, out of context).  Prints per design the
achieved MHz, the resources of the routed netlist, the modelled resources when
the board's family has a model, the critical path and the wall time; the last
line is the slowest kernel.  Results are cached by content, so a rerun is fast.

    python benchmarks/timing.py --example b-lenet --budget 0.1            # kernels on LFE5UM5G-85F
    python benchmarks/timing.py --example b-lenet --budget 0.1 --top      # and the whole design (minutes)
    python benchmarks/timing.py --example b-lenet --device 85k --speed 6  # ULX3S's LFE5U-85F
    python benchmarks/timing.py --example examples/tiny_ee.py:TinyEE --weights examples/tiny_ee.pt
    python benchmarks/timing.py --example b-lenet --budget 0.5 --only conv   # the conv kernels only
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from atheena import models
from atheena.frontend import import_model
from atheena.hardware import characterise, flow, pnr
from atheena.hardware import plan as netlist
from atheena.pipeline import PipelineRunner
from atheena.reference.fixed_point import FixedArithmetic


def folded(name: str, board: str, budget: float, weights: str | None = None):
    """A built-in network, or `path/to/file.py:Class` (with `weights`), profiled and folded."""
    if ":" in name:
        from atheena.frontend.loading import input_shape_of, load_model, load_weights

        model = load_model(name)
        if weights:
            load_weights(model, weights)
        module = import_model(model, input_shape_of(model, None), thresholds=getattr(model, "thresholds", None))
    else:
        entry = models.entry(name)
        module = import_model(models.get(name), entry.build().input_shape, thresholds=entry.thresholds)
    steps = ["annotate-exit-probabilities", f"fold{{board={board} budget={budget}}}", "size-buffers"]
    PipelineRunner(module.context, save_reproducer=False).run(module, f"builtin.module({','.join(steps)})")
    return module


def kernels(module) -> dict[str, tuple[dict, str, str]]:
    """{top: (files, top, what it is)} of every distinct kernel of the design."""
    out = {}
    for inst in netlist.build(module, arith=FixedArithmetic()).instances:
        if inst.module is None:
            continue
        kernel = inst.module()
        top = kernel.__name__
        if top not in out:
            what = (netlist.layer_name(inst.op.location) or inst.op.name) if inst.op is not None else inst.key[0]
            out[top] = (characterise._emit(kernel, top), top, what)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="b-lenet", help="a built-in network or path/to/file.py:Class")
    parser.add_argument("--weights", help="state_dict for a path/to/file.py:Class network")
    parser.add_argument("--board", default="zc706", help="the board the network is folded for")
    parser.add_argument("--budget", type=float, default=0.1)
    parser.add_argument("--device", default="um5g-85k", help="nextpnr-ecp5 device (um5g-85k, 85k, 45k, 25k)")
    parser.add_argument("--speed", type=int, default=None, help="speed grade (default: the device's)")
    parser.add_argument("--freq", type=float, default=125.0, help="target clock in MHz")
    parser.add_argument("--top", action="store_true", help="also place and route the whole design")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON record per design")
    parser.add_argument("--only", help="only the kernels whose module name contains this text (e.g. conv)")
    args = parser.parse_args()

    device = pnr.Device(args.device, speed=args.speed)
    started = time.perf_counter()
    module = folded(args.example, args.board, args.budget, args.weights)
    designs = kernels(module)
    if args.only:
        designs = {top: d for top, d in designs.items() if args.only in top}
    print(f"{args.example} folded for {args.board} at budget {args.budget}: {len(designs)} distinct kernels, "
          f"placed and routed on {device.describe()} at {args.freq:g} MHz", file=sys.stderr)
    if args.top:
        design = flow.rtl(module, name="top")
        designs[design.name] = ({n: t for n, t in design.files.items() if not n.startswith(f"{design.name}_sim")},
                                design.name, "whole design")

    def run(item):
        files, top, what = item
        t = time.perf_counter()
        routed = pnr.place_and_route(files, top, device, args.freq)
        return what, routed, time.perf_counter() - t

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run, designs.values()))
    worst = None
    for what, routed, wall in results:
        if args.json:
            print(json.dumps({"what": what, **routed.to_json()}))
            continue
        r = routed.resources
        print(f"{routed.mhz:7.1f} MHz {'met ' if routed.met() else 'FAIL'}  {what:18s} dsp {r['dsp']:4d}  "
              f"bram18 {r['bram18']:4d}  lut4 {r['lut']:6d}  ff {r['ff']:6d}  "
              f"({routed.seconds:.0f} s routed{', cached' if wall < 1 else ''})  {routed.top}")
        if routed.critical_path:
            print(f"{'':18s}critical path: {routed.critical_path[0]}, {routed.critical_path[1]}")
        if what != "whole design" and (worst is None or routed.mhz < worst[1].mhz):
            worst = (what, routed)
    if worst and not args.json:
        print(f"slowest kernel: {worst[0]} at {worst[1].mhz:.1f} MHz; total wall time "
              f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
