"""`atheena profile`: exit rates and accuracy per threshold setting, in fixed point and in float.

Thresholds trade accuracy for work; this command shows the trade (and picks a
setting with 'auto') before the DSE and hardware depend on it.
"""

from __future__ import annotations

import json
import sys
import time

from atheena import errors
from atheena.tools.commands.common import load_ir_or_model, model_arguments, parse_thresholds, say, settings, table


def add_parser(sub) -> None:
    pr = sub.add_parser("profile", help="measure exit rates and accuracy per threshold setting",
                        description="Run the network in the hardware's fixed-point arithmetic (and in float) "
                        "on calibration images and report, per threshold setting, each exit's rate and accuracy.")
    model_arguments(pr, mlir=True)
    pr.add_argument("--data", metavar="DIR", help="folder with the MNIST IDX files (default: the bundled held-out "
                    "images); test images 8000-9999 are used")
    pr.add_argument("--thresholds", action="append", metavar="SETTING",
                    help="one setting: a threshold per early exit, comma-separated (one value applies to all). "
                    "Repeat the option, or separate settings with ';', to compare several. 'auto' picks the "
                    "setting with the fewest MACs per sample within --max-accuracy-drop. Default: the IR's.")
    pr.add_argument("--max-accuracy-drop", type=float, default=0.5, metavar="POINTS",
                    help="for 'auto': accuracy may fall this many percentage points below the final exit alone")
    pr.add_argument("--samples", type=int, default=0, metavar="N", help="use only the first N images")
    pr.add_argument("--format", default="Q8.8", help="fixed-point format of activations and weights (default Q8.8)")
    pr.add_argument("--json", action="store_true", help="print the records as JSON")


def cmd_profile(args) -> int:
    from atheena.data import calibration_set
    from atheena.profiling import check_thresholds, profile_exits
    from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat

    fmt = FixedPointFormat.parse(args.format)
    chosen_settings = settings(args.thresholds)
    if args.samples < 0:
        raise errors.AtheenaError("--samples must be 0 (all images) or a positive count")
    if args.max_accuracy_drop < 0:
        raise errors.AtheenaError("--max-accuracy-drop must be >= 0 percentage points")
    module, label = load_ir_or_model(args)
    data = calibration_set(args.data)
    if args.samples:
        data = data.subset(0, args.samples, f"{data.description}, first {args.samples}")
    started = time.perf_counter()
    say(args, f"profiling {label} on {data.description} in {fmt} fixed point and in float")
    profile = profile_exits(module, data, FixedArithmetic(fmt, fmt))
    say(args, f"ran {len(data)} images through every exit in {time.perf_counter() - started:.1f} s")
    for saturation in profile.saturated:  # not silenced by --quiet: the figures below depend on it
        print(f"atheena: warning: {saturation.message()}", file=sys.stderr)
    chosen = []
    for setting in chosen_settings or [None]:
        if setting is None:
            chosen.append(profile.ir_thresholds)
        elif setting == "auto":
            chosen.append(profile.auto_thresholds(args.max_accuracy_drop))
            say(args, f"auto: thresholds {','.join(repr(t) for t in chosen[-1])} keep fixed-point accuracy "
                      f"within {args.max_accuracy_drop} points of the final exit alone "
                      f"({profile.final_accuracy() * 100:.2f}%)")
        else:
            chosen.append(check_thresholds(parse_thresholds(setting), profile.early_exits))
    records = [profile.record(t) for t in chosen]
    if args.json:
        print(json.dumps([r.as_dict() for r in records], indent=2))
    else:
        print(format_table(records))
    return 0


def format_table(records) -> str:
    n = len(records[0].exits)
    head = (["thresholds"] + [f"exit {k} rate (float) / acc" for k in range(n)]
            + ["float acc", "fixed acc", "MACs/sample"])
    rows = []
    for r in records:
        cells = [",".join(f"{t:g}" for t in r.thresholds) or "-"]
        for e in r.exits:  # the rate in fixed point (the hardware), the trained model's in float beside it
            acc = "-" if e.accuracy is None else f"{e.accuracy * 100:.2f}%"
            cells.append(f"{e.exit_rate * 100:6.2f}% ({e.float_exit_rate * 100:6.2f}%) / {acc}")
        cells += [f"{r.accuracy['float'] * 100:.2f}%", f"{r.accuracy['fixed'] * 100:.2f}%", f"{r.expected_macs:,.0f}"]
        rows.append(cells)
    return table(head, rows)
