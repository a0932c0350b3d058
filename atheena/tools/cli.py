"""`atheena`: the end-to-end command (subcommands grow with the compiler).

* `atheena import MODEL -o out.mlir` / `--example b-lenet`: PyTorch -> `atheena` dialect.
* `atheena train MODEL --data DIR -o weights.pt`: BranchyNet joint training.
* `atheena profile MODEL --thresholds ...`: exit rates and accuracy on calibration data.
* `atheena dse MODEL --board B --budgets ...`: fastest folding per budget, early exit vs baseline.
* `atheena compile MODEL -o OUT`: all of the above, then RTL, simulation and a report (`atheena.compile`).
* `atheena examples`: the built-in example networks.

MODEL is `path/to/file.py:ClassName`, `--example NAME`, or (for `profile`) an
`.mlir` file in the atheena dialect.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from atheena import errors


def _model_arguments(p: argparse.ArgumentParser, mlir: bool = False) -> None:
    what = "path/to/file.py:ClassName" + (", or an atheena .mlir file" if mlir else "")
    p.add_argument("model", nargs="?", help=f"{what} (a class is built with no arguments)")
    p.add_argument("--example", metavar="NAME", help="a built-in network instead of MODEL (see 'atheena examples')")
    p.add_argument("--input-shape", metavar="C,H,W", help="input shape of one sample (default: the class's input_shape)")
    p.add_argument("--weights", metavar="FILE", help="state_dict saved with torch.save (default for examples: "
                   "the shipped trained weights)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="atheena", description="Compile early-exit PyTorch networks to streaming FPGA accelerators.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = sub.add_parser("import", help="import a PyTorch early-exit network into the atheena dialect",
                         description="Import a PyTorch network whose forward() returns one logits tensor per "
                         "exit (earliest first) and write it in the atheena dialect.")
    _model_arguments(imp)
    imp.add_argument("--thresholds", metavar="T[,T...]",
                     help="softmax threshold per early exit, in (0, 1) (default: the example's, else 0.9)")
    imp.add_argument("--emit", choices=("atheena", "torch"), default="atheena",
                     help="'torch' stops after torch-mlir's import (the input of convert-torch-to-atheena)")
    imp.add_argument("-o", dest="output", default="-", help="output .mlir file ('-' for stdout, the default)")

    tr = sub.add_parser("train", help="train an early-exit network on MNIST (BranchyNet joint loss)",
                        description="Train with the weighted sum of every exit's cross-entropy. Uses the "
                        "folder's train split if it has one, else MNIST test images 0-7999; reports accuracy "
                        "on test images 8000-9999 after every epoch.")
    _model_arguments(tr)
    tr.add_argument("--data", required=True, metavar="DIR", help="folder with the MNIST IDX files")
    tr.add_argument("-o", dest="output", required=True, help="where to save the state_dict (.pt)")
    tr.add_argument("--epochs", type=int, default=30)
    tr.add_argument("--batch-size", type=int, default=64)
    tr.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (one-cycle schedule)")
    tr.add_argument("--exit-weights", metavar="W[,W...]", help="loss weight per exit (default 1.0 per early "
                    "exit and 0.3 for the final one, as ATHEENA)")
    tr.add_argument("--seed", type=int, default=0, help="seeds initialisation, shuffling and augmentation")

    pr = sub.add_parser("profile", help="measure exit rates and accuracy per threshold setting",
                        description="Run the network in the hardware's fixed-point arithmetic (and in float) "
                        "on calibration images and report, per threshold setting, each exit's rate and accuracy.")
    _model_arguments(pr, mlir=True)
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

    ds = sub.add_parser("dse", help="design space exploration: fastest folding per budget, early exit vs baseline",
                        description="Choose every layer's folding for the highest throughput within each budget "
                        "(exact, HiGHS), for the early-exit network and for its baseline without exits.")
    _model_arguments(ds, mlir=True)
    ds.add_argument("--board", default="zc706", help="built-in board (zc706, zcu102, zedboard) or a board .json "
                    "file; several separated by commas")
    ds.add_argument("--budgets", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0", metavar="B[,B...]",
                    help="fractions of every device resource (default 0.1 to 1.0)")
    ds.add_argument("--exit-probabilities", action="append", metavar="P[,P...]",
                    help="fraction of all samples leaving at each early exit (B-LeNet in ATHEENA: 0.75); repeat or "
                    "separate settings with ';'. Default: the IR's reach probabilities, else measured by profiling")
    ds.add_argument("--thresholds", action="append", metavar="T[,T...]",
                    help="measure the exit probabilities by profiling at these thresholds (one per early exit; "
                    "repeat or separate settings with ';') instead of giving them")
    ds.add_argument("--data", metavar="DIR", help="MNIST folder for profiling (default: the bundled images)")
    ds.add_argument("--json", action="store_true", help="print the records as JSON")
    ds.add_argument("--plot", metavar="PNG", help="write the Pareto fronts (throughput vs largest resource share)")

    sim = sub.add_parser("simulate", help="generate the RTL of a folded network and run it in Verilator on real "
                         "samples, checked bit-exact against the fixed-point reference",
                         description="FILE is a folded network (.mlir after the fold pass, e.g. from "
                         "atheena-opt --pass-pipeline='builtin.module(fold{board=zc706 budget=0.3})').")
    sim.add_argument("model", metavar="FILE", help="folded network (.mlir)")
    sim.add_argument("--samples", type=int, default=500, metavar="N", help="images to stream (default 500)")
    sim.add_argument("--data", metavar="DIR", help="MNIST folder (default: the bundled held-out images)")
    sim.add_argument("--back-pressure", type=float, default=0.0, metavar="P",
                     help="fraction of cycles the output is not ready, at random (default 0)")
    sim.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    sim.add_argument("--json", action="store_true", help="print the results as JSON")
    sim.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    sim.set_defaults(example=None)  # FILE only: no --example
    syn = sub.add_parser("synth", help="synthesise a folded network's RTL with Yosys (synth_xilinx, xc7) and "
                         "compare the resources with the DSE's prediction")
    syn.add_argument("model", metavar="FILE", help="folded network (.mlir)")
    syn.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    syn.add_argument("--json", action="store_true", help="print the results as JSON")
    syn.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    syn.set_defaults(example=None)
    sub.add_parser("examples", help="list the built-in example networks")
    _compile_parser(sub)
    return p


def _compile_parser(sub) -> None:
    from atheena.compile.options import DEFAULT_ACCURACY_DROP, DEFAULT_BUDGET, DEFAULT_SIMULATE

    co = sub.add_parser("compile", help="the whole flow: PyTorch network -> verified SystemVerilog and a report",
                        description="Import, profile the exits, explore thresholds and budgets, fold, size the "
                        "buffers, generate SystemVerilog, simulate it bit-exact in Verilator (and optionally "
                        "synthesise it with Yosys); OUT gets the IR after each stage, rtl/, report.json, report.md "
                        "and figures. Written all at once: a failed run leaves no OUT.")
    _model_arguments(co)
    co.add_argument("--data", metavar="DIR", help="MNIST folder for profiling and simulation (default: the bundled "
                    "held-out images); test images 8000-9999 are used")
    co.add_argument("--board", default="zc706", help="built-in board (zc706, zcu102, zedboard) or a board .json file")
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
    co.add_argument("--synth", action="store_true", help="also synthesise the design with Yosys (minutes)")
    co.add_argument("--json", action="store_true", help="print report.json on stdout")
    co.add_argument("-o", dest="output", required=True, metavar="OUT", help="output folder (must not exist or be "
                    "empty, unless --force)")
    co.add_argument("--force", action="store_true", help="replace OUT if it exists")


def parse_thresholds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise errors.AtheenaError(f"thresholds '{text}' must be comma-separated numbers, e.g. 0.9 or 0.9,0.99")
    bad = [v for v in values if not 0.0 < v < 1.0]
    if bad:
        raise errors.AtheenaError(
            f"threshold {bad[0]} is outside (0, 1); a threshold is the softmax probability an exit "
            "must reach to answer, e.g. 0.9"
        )
    return values


def _say(args, message: str) -> None:
    if not args.quiet:
        print(f"atheena: {message}", file=sys.stderr, flush=True)


def load_network(args, use_shipped_weights: bool = True):
    """(nn.Module, label, default thresholds or None, input shape) from MODEL / --example."""
    if bool(args.model) == bool(args.example):
        raise errors.AtheenaError("give either MODEL (path/to/file.py:ClassName) or --example NAME, not both or neither")
    from atheena import models
    from atheena.frontend.loading import input_shape_of, load_model, load_weights

    if args.example:
        entry = models.entry(args.example)
        model = models.get(args.example, trained=use_shipped_weights and not args.weights,
                           seed=getattr(args, "seed", 0))
        baseline = args.example.endswith(models.BASELINE_SUFFIX)
        thresholds = None if baseline else list(entry.thresholds)
        label = args.example
    else:
        model = load_model(args.model)
        thresholds = getattr(model, "thresholds", None)
        label = args.model
    if args.weights:
        load_weights(model, args.weights)
    return model, label, thresholds, input_shape_of(model, args.input_shape)


def cmd_import(args) -> int:
    thresholds = parse_thresholds(args.thresholds) if args.thresholds else None
    started = time.perf_counter()
    from atheena.analysis.network import exit_count
    from atheena.frontend import import_model
    from atheena.ir import to_text
    from atheena.tools.opt import write_output

    model, label, default_thresholds, shape = load_network(args)
    if thresholds and args.emit == "torch":
        raise errors.AtheenaError("--thresholds has no effect with --emit torch: thresholds are set when "
                                  "convert-torch-to-atheena runs (its 'thresholds' option)")
    thresholds = thresholds or default_thresholds
    if args.emit == "torch":
        module = import_model(model, shape, thresholds=thresholds, convert=False)
        summary = "torch dialect"
    else:
        module = import_model(model, shape, thresholds=thresholds)
        n_exits = exit_count(module)
        if n_exits == 1 and args.thresholds:
            raise errors.AtheenaError(f"{label} has no early exits, so --thresholds does not apply; "
                                      "leave it out for a network without exits")
        summary = f"{n_exits} exit{'s' if n_exits > 1 else ''}{exit_summary(module)}"
    write_output(args.output, to_text(module, debug_info=True))
    where = "" if args.output == "-" else f" -> {args.output}"
    _say(args, f"imported {label} ({summary}, input {'x'.join(map(str, shape))}){where} "
               f"in {time.perf_counter() - started:.1f} s")
    return 0


def exit_summary(module) -> str:
    """'; exit 0 after stages.0.2' per early exit: the layer it leaves the backbone after."""
    from atheena.analysis.network import exit_forks

    parts = [f"exit {k} after {where}" for k, where in exit_forks(module)]
    return "; " + ", ".join(parts) if parts else ""


def cmd_train(args) -> int:
    import io

    import torch

    from atheena.fileio import write_atomic_bytes
    from atheena.data import calibration_set, training_set
    from atheena.train import TrainConfig, train

    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        raise errors.AtheenaError("--epochs and --batch-size must be at least 1 and --lr positive")
    # examples start from fresh weights seeded by --seed (or from --weights), never from the shipped ones
    torch.manual_seed(args.seed)
    model, label, _, shape = load_network(args, use_shipped_weights=False)
    train_data, eval_data = training_set(args.data), calibration_set(args.data)
    if tuple(train_data.images.shape[1:]) != tuple(shape):
        raise errors.AtheenaError(f"the data's images are {'x'.join(map(str, train_data.images.shape[1:]))} but "
                                  f"{label} expects {'x'.join(map(str, shape))}")
    weights = parse_weights(args.exit_weights) if args.exit_weights else None
    _say(args, f"training {label} on {train_data.description}; evaluating on {eval_data.description}")

    def progress(r):
        acc = " / ".join(f"{a * 100:.2f}%" for a in r.accuracy)
        _say(args, f"epoch {r.epoch}/{args.epochs}: loss {r.loss:.4f}, accuracy per exit {acc} ({r.seconds:.1f} s)")

    try:
        train(model, train_data, eval_data, TrainConfig(args.epochs, args.batch_size, args.lr, exit_weights=weights,
                                                        seed=args.seed), progress)
    except ValueError as err:
        raise errors.AtheenaError(str(err)) from None
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    write_atomic_bytes(args.output, buffer.getvalue())
    _say(args, f"saved weights -> {args.output}")
    return 0


def parse_weights(text: str) -> list[float]:
    values = _floats(text, "--exit-weights")
    if any(v < 0 for v in values):
        raise errors.AtheenaError(f"--exit-weights '{text}' must not be negative")
    return values


def _settings(values: list[str] | None) -> list[str]:
    out = []
    for value in values or []:
        out += [s.replace(" ", "") for s in value.split(";") if s.strip()]
    return out


def cmd_profile(args) -> int:
    from atheena.data import calibration_set
    from atheena.profiling import check_thresholds, profile_exits
    from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat

    fmt = FixedPointFormat.parse(args.format)
    settings = _settings(args.thresholds)
    if args.samples < 0:
        raise errors.AtheenaError("--samples must be 0 (all images) or a positive count")
    if args.max_accuracy_drop < 0:
        raise errors.AtheenaError("--max-accuracy-drop must be >= 0 percentage points")
    module, label = _load_ir_or_model(args)
    data = calibration_set(args.data)
    if args.samples:
        data = data.subset(0, args.samples, f"{data.description}, first {args.samples}")
    started = time.perf_counter()
    _say(args, f"profiling {label} on {data.description} in {fmt} fixed point and in float")
    profile = profile_exits(module, data, FixedArithmetic(fmt, fmt))
    _say(args, f"ran {len(data)} images through every exit in {time.perf_counter() - started:.1f} s")
    chosen = []
    for setting in settings or [None]:
        if setting is None:
            chosen.append(profile.ir_thresholds)
        elif setting == "auto":
            chosen.append(profile.auto_thresholds(args.max_accuracy_drop))
            _say(args, f"auto: thresholds {','.join(repr(t) for t in chosen[-1])} keep fixed-point accuracy "
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


def _floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise errors.AtheenaError(f"{what} '{text}' must be comma-separated finite numbers")
    return values


def _load_ir_or_model(args):
    """(atheena module, label) from an .mlir file or a PyTorch model; the IR is verified."""
    from atheena import ir as air
    from atheena.dialects import ops as O
    from atheena.dialects import verify

    if args.model and args.model.endswith(".mlir"):
        from pathlib import Path

        if args.example:
            raise errors.AtheenaError("give either an .mlir file or --example NAME, not both")
        path = Path(args.model)
        if not path.is_file():
            raise errors.AtheenaError(f"IR file '{path}' not found")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise errors.AtheenaError(f"IR file '{path}' is not UTF-8 text") from None
        module = air.parse(text, air.new_context(), str(path))
        found = verify.problems(module)
        if found:
            raise errors.IRError(f"{path} is not a valid atheena network:\n" + "\n".join(m for _, m in found))
        if len(O.network_functions(module)) != 1:
            raise errors.AtheenaError(f"{path} must hold exactly one network (a func.func with atheena ops), "
                                      f"it holds {len(O.network_functions(module))}")
        return module, str(path)
    from atheena.frontend import import_model

    model, label, thresholds, shape = load_network(args)
    return import_model(model, shape, thresholds=thresholds), label


def cmd_dse(args) -> int:
    from atheena.dialects import ops as O
    from atheena.dse.network import early_exit_count
    from atheena.dse.sweeps import plot_pareto, sweep

    budgets = _floats(args.budgets, "--budgets")
    for b in budgets:
        if not 0.0 < b <= 1.0:
            raise errors.AtheenaError(f"budget {b} must be in (0, 1]: a fraction of every device resource")
    module, label = _load_ir_or_model(args)
    (func,) = O.network_functions(module)
    settings = [_floats(s, "--exit-probabilities") for s in _settings(args.exit_probabilities)] or None
    if settings and args.thresholds:
        raise errors.AtheenaError("give either --exit-probabilities or --thresholds (to measure them), not both")
    if (settings or args.thresholds) and not early_exit_count(func):
        raise errors.AtheenaError(f"{label} has no early exits, so exit probabilities and thresholds do not apply")
    annotated = all("reach_probability" in op.attributes for op in O.body_ops(func) if op.name.startswith("atheena."))
    if settings is None and early_exit_count(func) and (args.thresholds or not annotated):
        from atheena.data import calibration_set
        from atheena.dse.sweeps import exit_probabilities_for

        thresholds = [parse_thresholds(t) for t in _settings(args.thresholds)] or [_ir_thresholds(func)]
        data = calibration_set(args.data)
        settings = exit_probabilities_for(module, thresholds, data)
        for t, rates in zip(thresholds, settings):
            _say(args, f"measured exit probabilities {', '.join(f'{p:.3f}' for p in rates)} at thresholds "
                       f"{','.join(f'{x:g}' for x in t)} on {data.description}")
    boards_list = [b.strip() for b in args.board.split(",") if b.strip()]
    started = time.perf_counter()
    records = sweep(module, boards_list, budgets, settings,
                    progress=lambda r: _say(args, f"{r['board']} budget {r['budget']:.0%}: done"))
    _say(args, f"optimised {len(records)} early-exit designs and their baselines in {time.perf_counter() - started:.1f} s")
    if args.plot:
        plot_pareto(records, args.plot, title=f"{label}: throughput vs resources")
        _say(args, f"wrote {args.plot}")
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print(format_dse_table(records))
    return 0


def _ir_thresholds(func) -> list[float]:
    from torch_mlir import ir

    from atheena.dialects import ops as O

    return [ir.FloatAttr(op.attributes["threshold"]).value for op in O.exit_decisions(func)]


def format_dse_table(records) -> str:
    head = ["board", "exit prob.", "budget", "early-exit sps", "share", "baseline sps", "share", "gain"]
    rows = []
    for r in records:
        ee, base = r["early_exit"], r["baseline"]
        rows.append([
            r["board"], ",".join(f"{p:.3f}" for p in r["exit_probabilities"]) or "-", f"{r['budget']:.0%}",
            f"{ee['throughput_sps']:,.0f}" if ee else "does not fit", f"{ee['max_resource_share']:.1%}" if ee else "-",
            f"{base['throughput_sps']:,.0f}" if base else "does not fit",
            f"{base['max_resource_share']:.1%}" if base else "-", f"{r['gain']:.2f}x" if r["gain"] else "-",
        ])
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [head, *rows])


def format_table(records) -> str:
    n = len(records[0].exits)
    head = ["thresholds"] + [f"exit {k} rate / acc" for k in range(n)] + ["float acc", "fixed acc", "MACs/sample"]
    rows = []
    for r in records:
        cells = [",".join(f"{t:g}" for t in r.thresholds) or "-"]
        for e in r.exits:
            acc = "-" if e.accuracy is None else f"{e.accuracy * 100:.2f}%"
            cells.append(f"{e.exit_rate * 100:6.2f}% / {acc}")
        cells += [f"{r.accuracy['float'] * 100:.2f}%", f"{r.accuracy['fixed'] * 100:.2f}%", f"{r.expected_macs:,.0f}"]
        rows.append(cells)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [head, *rows]]
    return "\n".join(lines)


def cmd_examples(args) -> int:
    from atheena import models

    for name, entry in models.ENTRIES.items():
        trained = "trained weights shipped" if models.has_trained_weights(name) else "untrained (seeded) weights"
        print(f"{name:<14} {entry.summary}; thresholds {','.join(map(str, entry.thresholds))}; {trained}")
        print(f"{name + models.BASELINE_SUFFIX:<14}   its backbone without early exits")
    return 0


def _folded_design(args):
    """(module, Design) of the folded .mlir in args.model, with buffers sized when possible."""
    from atheena.hardware import flow

    if not args.model.endswith(".mlir"):
        raise errors.AtheenaError(f"'{args.model}' is not an .mlir file; fold a network first, e.g. atheena-opt "
                                  "net.mlir --pass-pipeline='builtin.module(fold{board=zc706 budget=0.3})' -o folded.mlir")
    module, _ = _load_ir_or_model(args)
    flow.predicted(module)
    if flow.needs_buffer_sizing(module):
        from atheena.pipeline import PipelineRunner

        try:
            PipelineRunner(module.context, save_reproducer=False).run(module, "builtin.module(size-buffers)")
            _say(args, "sized the conditional buffers (size-buffers)")
        except errors.AtheenaError as err:
            _say(args, f"conditional buffers keep the default depth of 2 samples ({str(err).splitlines()[0]})")
    started = time.perf_counter()
    design = flow.rtl(module, out_dir=args.rtl)
    _say(args, f"generated {len(design.files)} SystemVerilog files in {time.perf_counter() - started:.1f} s"
               + (f" -> {args.rtl}" if args.rtl else ""))
    return module, design


def cmd_simulate(args) -> int:
    from atheena.data import calibration_set
    from atheena.hardware import flow

    if args.samples < 1:
        raise errors.AtheenaError(f"--samples {args.samples} must be at least 1")
    module, design = _folded_design(args)
    data = calibration_set(args.data)
    images = data.images[:args.samples]
    _say(args, f"building the Verilator model and streaming {len(images)} images from {data.description} "
               "(a first build of a network takes a few minutes)")
    started = time.perf_counter()
    result = flow.simulate(design, module, images, args.back_pressure)
    elapsed = time.perf_counter() - started
    record = {"samples": result.samples, "bit_exact": result.bit_exact, "mismatches": result.mismatches,
              "missing": result.missing, "duplicated": result.duplicated,
              "cycles_per_sample": result.cycles_per_sample, "throughput_sps": result.throughput_sps,
              "exits": result.exits, "back_pressure": result.back_pressure,
              "predicted": {k: flow.predicted(module)[k] for k in ("cycles_per_sample", "throughput_sps")},
              "seconds": round(elapsed, 1)}
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        verdict = "bit-exact" if result.bit_exact else (f"NOT bit-exact: {result.mismatches} wrong, "
                                                         f"{result.missing} missing, {result.duplicated} duplicated")
        print(f"{result.samples} samples {verdict}; exits {result.exits}; {result.cycles_per_sample:.0f} cycles per "
              f"sample = {result.throughput_sps:,.0f} samples/s (predicted {record['predicted']['throughput_sps']:,.0f})"
              f"; {elapsed:.0f} s")
    return 0 if result.bit_exact else 1


def cmd_synth(args) -> int:
    from atheena.hardware import flow

    module, design = _folded_design(args)
    _say(args, "synthesising with Yosys (synth_xilinx -family xc7; minutes for a whole network)")
    started = time.perf_counter()
    used = flow.synthesize(design)
    prediction = flow.predicted(module)
    record = {"synthesis": used, "predicted": {k: prediction[k] for k in ("dsp", "bram18", "lut", "ff")},
              "seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        for k in ("dsp", "bram18", "lut", "ff"):
            print(f"{k:>7}: {used[k]:>8,} synthesised   {record['predicted'][k]:>8,} predicted")
    return 0


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
        force=args.force))
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
    lines = [f"{report['model']}: {report['board']}, budget {report['budget']:g}, thresholds "
             f"{','.join(f'{t:g}' for t in report['thresholds']) or '-'}; accuracy "
             f"{report['accuracy']['fixed'] * 100:.2f}% (fixed point)",
             f"  predicted {p['throughput_sps']:,.0f} samples/s with " + ", ".join(
                 f"{k} {p['resources'][k]:,}" for k in ("dsp", "bram18", "lut", "ff"))
             + (f"; baseline {b['throughput_sps']:,.0f} samples/s, gain {report['gain']:.2f}x" if b else
                "; the baseline does not fit this budget")]
    if "simulation" in report:
        s = report["simulation"]
        verdict = "bit-exact" if s["bit_exact"] else f"NOT bit-exact ({s['mismatches']} wrong, {s['missing']} missing)"
        lines.append(f"  simulated {s['samples']} samples: {verdict}, {s['throughput_sps']:,.0f} samples/s")
    if "synthesis" in report:
        lines.append("  synthesised: " + ", ".join(f"{k} {v:,}" for k, v in report["synthesis"]["resources"].items()))
    lines.append(f"  report: {out.rstrip('/')}/report.md")
    return "\n".join(lines)


COMMANDS = {"compile": cmd_compile, "simulate": cmd_simulate, "synth": cmd_synth, "import": cmd_import, "train": cmd_train, "profile": cmd_profile, "dse": cmd_dse,
            "examples": cmd_examples}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with errors.reported_as_user_errors("atheena"):
        return COMMANDS[args.command](args)


def entry() -> None:
    """Console-script entry point: run, then exit without a slow teardown."""
    errors.run_and_exit(main)


if __name__ == "__main__":
    entry()
