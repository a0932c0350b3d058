"""`atheena compile`: the whole flow, PyTorch network -> verified SystemVerilog and a report.

Only the command-line face of `atheena.compile.compile_network`: it turns the
arguments into `CompileOptions`, rejects mistakes before any slow step, and prints
a short summary of the report.  (The module is `compile_` so that it is not
confused with the library package `atheena.compile`.)
"""

from __future__ import annotations

import json

from atheena.dse import boards
from atheena.dse.boards import RESOURCES
from atheena.tools.commands.common import executor_arguments, load_network, model_arguments, parse_thresholds


def add_parser(sub) -> None:
    from atheena.compile.options import DEFAULT_ACCURACY_DROP, DEFAULT_BUDGET, DEFAULT_SIMULATE, DEFAULT_WINDOW

    co = sub.add_parser("compile", help="the whole flow: PyTorch network -> verified SystemVerilog and a report",
                        description="Import, profile the exits, explore thresholds and budgets, fold, size the "
                        "buffers, generate SystemVerilog, simulate it bit-exact in Verilator (and optionally "
                        "synthesise it with Yosys); OUT gets the IR after each stage, rtl/, report.json, report.md "
                        "and figures. Written all at once: a failed run leaves no OUT.")
    model_arguments(co)
    co.add_argument("--data", metavar="DIR", help="MNIST folder for profiling and simulation (default: the bundled "
                    "held-out images); test images 8000-9999 are used")
    co.add_argument("--board", default="zc706", help=f"built-in board ({', '.join(boards.builtin_names())}) or a "
                    "board .json file; with --synth an ECP5 board is placed and routed (a proven clock)")
    target = co.add_mutually_exclusive_group()
    target.add_argument("--budget", type=float, metavar="X", help="largest fraction of every resource to use, in "
                        f"(0, 1] (default {DEFAULT_BUDGET})")
    target.add_argument("--target-throughput", type=float, metavar="SPS", help="instead of a budget: the smallest "
                        "budget whose design reaches this many samples per second")
    co.add_argument("--thresholds", metavar="T[,T...]|auto", help="softmax threshold per early exit (one value "
                    "applies to all; default: the network's), or 'auto': explore thresholds with budgets and take "
                    "the fastest design within --max-accuracy-drop")
    co.add_argument("--max-accuracy-drop", type=float, metavar="POINTS", help="with 'auto': accuracy may fall this "
                    f"many percentage points below the final exit alone (default {DEFAULT_ACCURACY_DROP})")
    co.add_argument("--simulate", type=int, default=DEFAULT_SIMULATE, metavar="N", help="samples to simulate in "
                    f"Verilator, checked bit-exact (default {DEFAULT_SIMULATE}; 0 skips simulation)")
    co.add_argument("--window", type=int, default=DEFAULT_WINDOW, metavar="W", help="designs are ranked by their "
                    "rate on the worst run of W consecutive test images (and the report predicts it; default "
                    f"{DEFAULT_WINDOW}: long against the conditional buffers)")
    co.add_argument("--synth", action="store_true", help="also synthesise the design with Yosys (minutes)")
    co.add_argument("--json", action="store_true", help="print report.json on stdout")
    co.add_argument("-o", dest="output", required=True, metavar="OUT", help="output folder (must not exist or be "
                    "empty, unless --force)")
    co.add_argument("--force", action="store_true", help="replace OUT if it exists")
    executor_arguments(co, keep_going=False)  # the exploration's designs as jobs


def cmd_compile(args) -> int:
    from atheena.compile import CompileOptions, compile_network
    from atheena.compile.options import check_options
    from atheena.compile.outdir import check_target

    thresholds = None
    if args.thresholds is not None:
        thresholds = "auto" if args.thresholds.strip() == "auto" else parse_thresholds(args.thresholds)
    options = check_options(CompileOptions(
        board=args.board, budget=args.budget, target_throughput=args.target_throughput, thresholds=thresholds,
        max_accuracy_drop=args.max_accuracy_drop, data=args.data, simulate=args.simulate, synth=args.synth,
        force=args.force, jobs=args.jobs, scheduler=args.scheduler, window=args.window))
    check_target(args.output, args.force)  # before loading the model: mistakes in options cost nothing
    model, label, default_thresholds, shape = load_network(args)
    report = compile_network(model, shape, args.output, options, label=label, default_thresholds=default_thresholds,
                             quiet=args.quiet)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_compile_summary(report, args.output))
    return 0 if report.get("simulation", {}).get("bit_exact", True) else 1


def format_compile_summary(report: dict, out: str) -> str:
    p, b = report["predicted"], report["baseline"]
    lines = [(f"{report['model']}: {report['board']}, budget {report['budget']:g}, thresholds "
              f"{','.join(f'{t:g}' for t in report['thresholds']) or '-'}; accuracy "
              f"{report['accuracy']['fixed'] * 100:.2f}% (fixed point)"),
             f"  predicted {p['throughput_sps']:,.0f} samples/s ({p['model']}) with " + ", ".join(
                 f"{k} {p['resources'][k]:,}" for k in RESOURCES)
             + (f"; baseline {b['throughput_sps']:,.0f} samples/s, gain {report['gain']:.2f}x" if b else
                "; the baseline does not fit this budget")]
    if "splits" in report:
        test = report["splits"]["test"]
        w = test["worst_window"]
        lines.append(f"  held-out test split ({test['images']:,} images): accuracy "
                     f"{test['accuracy']['fixed'] * 100:.2f}%, "
                     f"{test['predicted']['throughput_sps']:,.0f} samples/s predicted; worst {w['window']}-sample "
                     f"window {w['throughput_sps']:,.0f} samples/s (fluid model)")
    if "simulation" in report:
        s = report["simulation"]
        verdict = "bit-exact" if s["bit_exact"] else f"NOT bit-exact ({s['mismatches']} wrong, {s['missing']} missing)"
        expected = (f" (predicted for these samples {s['predicted']['throughput_sps']:,.0f}: "
                    f"{s['throughput_sps'] / s['predicted']['throughput_sps'] - 1:+.1%})" if "predicted" in s else "")
        lines.append(f"  simulated {s['samples']} samples: {verdict}, {s['throughput_sps']:,.0f} samples/s{expected}")
    if "synthesis" in report:
        lines.append("  synthesised: " + ", ".join(f"{k} {v:,}" for k, v in report["synthesis"]["resources"].items()))
    c = report["clock"]
    proof = (f" (achieved {c['achieved_mhz']:g} MHz: {report['throughput_at_clock_sps']:,.0f} samples/s)"
             if "achieved_mhz" in c else f"; timing rule check {c['rule_check']}" if "rule_check" in c else "")
    lines.append(f"  clock: {c['mhz']:g} MHz, {c['source']}{proof}")
    lines.append(f"  report: {out.rstrip('/')}/report.md")
    return "\n".join(lines)
