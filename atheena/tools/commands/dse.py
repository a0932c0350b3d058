"""`atheena dse`: the fastest folding of every layer per resource budget, early exit against the baseline.

The design space exploration on its own, for sweeping boards, budgets and exit
probabilities (and plotting the Pareto fronts) without generating hardware.
"""

from __future__ import annotations

import json
import time

from atheena import errors
from atheena.dse import boards
from atheena.tools.commands.common import (
    executor_arguments,
    executor_of,
    floats,
    load_ir_or_model,
    model_arguments,
    parse_thresholds,
    say,
    settings,
    table,
)


def add_parser(sub) -> None:
    ds = sub.add_parser("dse", help="design space exploration: fastest folding per budget, early exit vs baseline",
                        description="Choose every layer's folding for the highest throughput within each budget "
                        "(exact, HiGHS), for the early-exit network and for its baseline without exits.")
    model_arguments(ds, mlir=True)
    ds.add_argument("--board", default="zc706", help=f"built-in board ({', '.join(boards.builtin_names())}) or a "
                    "board .json file; several separated by commas")
    ds.add_argument("--budgets", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0", metavar="B[,B...]",
                    help="fractions of every device resource (default 0.1 to 1.0)")
    ds.add_argument("--exit-probabilities", action="append", metavar="P[,P...]",
                    help="fraction of all samples leaving at each early exit (B-LeNet in ATHEENA: 0.75); repeat or "
                    "separate settings with ';'. Default: the IR's reach probabilities, else measured by profiling")
    ds.add_argument("--thresholds", action="append", metavar="T[,T...]",
                    help="measure the exit probabilities by profiling at these thresholds (one per early exit; "
                    "repeat or separate settings with ';') instead of giving them")
    ds.add_argument("--data", metavar="DIR", help="MNIST folder for profiling (default: the bundled images)")
    ds.add_argument("--simulate", type=int, default=0, metavar="N",
                    help="also check every early-exit design in RTL: fold it, lower it and simulate the first N "
                    "calibration images in Verilator (bit-exact? measured vs predicted samples/s for those "
                    "images); about 40 s per B-LeNet design on a cold cache, so use --jobs")
    ds.add_argument("--json", action="store_true", help="print the records as JSON")
    ds.add_argument("--plot", metavar="PNG", help="write the Pareto fronts (throughput vs largest resource share)")
    executor_arguments(ds)


def cmd_dse(args) -> int:
    from atheena.dialects import ops as O
    from atheena.dse.network import early_exit_count
    from atheena.dse.sweeps import plot_pareto, sweep

    where = executor_of(args)
    budgets = floats(args.budgets, "--budgets")
    for b in budgets:
        if not 0.0 < b <= 1.0:
            raise errors.AtheenaError(f"budget {b} must be in (0, 1]: a fraction of every device resource")
    module, label = load_ir_or_model(args)
    (func,) = O.network_functions(module)
    probabilities = [floats(s, "--exit-probabilities") for s in settings(args.exit_probabilities)] or None
    if probabilities and args.thresholds:
        raise errors.AtheenaError("give either --exit-probabilities or --thresholds (to measure them), not both")
    if (probabilities or args.thresholds) and not early_exit_count(func):
        raise errors.AtheenaError(f"{label} has no early exits, so exit probabilities and thresholds do not apply")
    from atheena.dialects import attributes as A

    annotated = all(A.reach(op) is not None for op in O.body_ops(func) if op.name.startswith("atheena."))
    if args.simulate < 0:
        raise errors.AtheenaError(f"--simulate {args.simulate} must be a number of images (0: no RTL checks)")
    if args.simulate and probabilities:
        raise errors.AtheenaError("--simulate needs thresholds, not --exit-probabilities: the hardware decides "
                                  "exits with its thresholds, so give --thresholds (or none, for the network's own)")
    traces = thresholds = data = None
    if args.simulate or (probabilities is None and early_exit_count(func) and (args.thresholds or not annotated)):
        from atheena.data import calibration_set

        data = calibration_set(args.data)
        if args.simulate > len(data):
            raise errors.AtheenaError(f"--simulate {args.simulate} asks for more images than the calibration data "
                                      f"holds ({data.description}); give at most {len(data)}")
    if probabilities is None and early_exit_count(func) and (args.thresholds or not annotated):
        from atheena.dse.sweeps import exit_traces_for

        thresholds = [parse_thresholds(t) for t in settings(args.thresholds)] or [ir_thresholds(func)]
        probabilities, traces = exit_traces_for(module, thresholds, data)
        for t, rates in zip(thresholds, probabilities):
            say(args, f"measured exit probabilities {', '.join(f'{p:.3f}' for p in rates)} at thresholds "
                      f"{','.join(f'{x:g}' for x in t)} on {data.description}")
    checks = _annotated(module, thresholds, args.data) if args.simulate else None
    boards_list = [b.strip() for b in args.board.split(",") if b.strip()]
    started = time.perf_counter()
    if not where.serial:
        say(args, f"optimising on {where.describe()}")
    if args.simulate:
        say(args, f"checking every early-exit design in RTL on {args.simulate} of {data.description} (a Verilator "
                  "build per design)")
    records = sweep(module, boards_list, budgets, probabilities, traces=traces, where=where,
                    keep_going=args.keep_going, quiet=args.quiet, checks=checks,
                    images=data.images[:args.simulate] if args.simulate else None)
    failed = [r for r in records for d in (r["early_exit"], r["baseline"], r.get("rtl"))
              if isinstance(d, dict) and "failed" in d]
    say(args, f"optimised {len(records)} early-exit designs and their baselines"
              + (" and simulated the early-exit ones" if args.simulate else "") + " in "
              f"{time.perf_counter() - started:.1f} s" + (f"; {len(failed)} failed (marked below)" if failed else ""))
    if args.plot:
        plot_pareto(records, args.plot, title=f"{label}: throughput vs resources")
        say(args, f"wrote {args.plot}")
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print(format_dse_table(records))
    return 0


def _annotated(module, thresholds, data: str | None) -> list[str]:
    """The network as text with exit probabilities annotated at each threshold setting (what an RTL check
    folds and lowers: the thresholds are in its hardware); the IR itself when it is annotated already."""
    from atheena import errors
    from atheena import ir as air
    from atheena.passes.annotate_exit_probabilities import AnnotateExitProbabilities
    from atheena.pipeline import PipelineError, PipelineRunner

    texts = []
    for t in thresholds or [None]:
        copy = air.parse(air.to_text(module, debug_info=True), air.new_context())
        if t is not None:
            step = AnnotateExitProbabilities(data=data or "", thresholds=tuple(t))
            try:
                PipelineRunner(copy.context, save_reproducer=False).run(copy, f"builtin.module({step.spec()})")
            except PipelineError as err:
                raise errors.AtheenaError(str(err)) from None
        texts.append(air.to_text(copy, debug_info=True))
    return texts


def ir_thresholds(func) -> list[float]:
    """The threshold of each exit decision in the network function, earliest first."""
    from torch_mlir import ir

    from atheena.dialects import ops as O

    return [ir.FloatAttr(op.attributes["threshold"]).value for op in O.exit_decisions(func)]


def format_dse_table(records) -> str:
    head = ["board", "exit prob.", "budget", "early-exit sps", "share", "baseline sps", "share", "gain"]
    rows = []
    def cells(d) -> list[str]:
        if d is None:
            return ["does not fit", "-"]
        if "failed" in d:
            return ["failed", "-"]
        return [f"{d['throughput_sps']:,.0f}", f"{d['max_resource_share']:.1%}"]

    def checked(c) -> list[str]:
        if c is None:
            return ["not built", "-", "-"]
        if "failed" in c:
            return ["failed", "-", "-"]
        return [f"{c['throughput_sps']:,.0f}", f"{c['deviation']:+.1%}", "yes" if c["bit_exact"] else
                f"NO ({c['mismatches']} wrong, {c['missing']} missing, {c['duplicated']} duplicated)"]

    rtl = any("rtl" in r for r in records)
    if rtl:
        head += ["RTL sps", "vs pred.", "bit-exact"]
    for r in records:
        rows.append([r["board"], ",".join(f"{p:.3f}" for p in r["exit_probabilities"]) or "-", f"{r['budget']:.0%}",
                     *cells(r["early_exit"]), *cells(r["baseline"]), f"{r['gain']:.2f}x" if r["gain"] else "-",
                     *(checked(r.get("rtl")) if rtl else [])])
    failures = [d for r in records for d in (r["early_exit"], r["baseline"], r.get("rtl")) if d and "failed" in d]
    models = sorted({r["early_exit"]["model"] for r in records if r["early_exit"] and "model" in r["early_exit"]})
    clock = "samples/s at the board's clock (not proven by place-and-route)"
    note = (f"early exit: {clock}, predicted by the {' / '.join(models)} model (fold, then size-buffers); baseline: "
            "rate-balanced" if models else f"{clock}; baseline: rate-balanced")
    from atheena.dse import families

    borrowed = {r["board"]: families.load(r["family"]).caveat for r in records if r["family"] != r["resource_model"]}
    if rtl:
        samples = next((r["rtl"]["samples"] for r in records if r.get("rtl") and "samples" in r["rtl"]), 0)
        note += (f"\nRTL: Verilator simulation of each early-exit design on the first {samples} calibration images; "
                 "'vs pred.' against the prediction for exactly those images (their exits replayed)")
    return (table(head, rows) + "\n" + note + "".join(f"\n{board}: {caveat}" for board, caveat in borrowed.items())
            + "".join(f"\nfailed: {d['failed']}: {d['error']}" for d in failures))
