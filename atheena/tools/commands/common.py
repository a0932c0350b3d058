"""What the `atheena` subcommands share, so that each command module stays about its own flow.

* `model_arguments`: MODEL / --example / --input-shape / --weights / -q, declared once so
  every command spells and documents them alike.
* `load_network`, `load_ir_or_model`, `folded_design`: the network a command works on, from a
  Python file, a built-in example, an atheena .mlir file, or a folded .mlir file (with its RTL).
* `parse_thresholds`, `floats`, `settings`: comma- and ';'-separated lists from the command
  line, with the messages users see when they are wrong.
* `say`: progress messages on stderr (silenced by -q); `table`: right-aligned text tables.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from atheena import errors


def model_arguments(p: argparse.ArgumentParser, mlir: bool = False) -> None:
    what = "path/to/file.py:ClassName, a .onnx file" + (", or an atheena .mlir file" if mlir else "")
    p.add_argument("model", nargs="?", help=f"{what} (a class is built with no arguments)")
    p.add_argument("--example", metavar="NAME", help="a built-in network instead of MODEL (see 'atheena examples')")
    p.add_argument("--input-shape", metavar="C,H,W", help="input shape of one sample (default: the class's input_shape)")
    p.add_argument("--weights", metavar="FILE", help="state_dict saved with torch.save (default for examples: "
                   "the shipped trained weights)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")


def executor_arguments(p: argparse.ArgumentParser, keep_going: bool = True) -> None:
    """--jobs / --scheduler (/ --keep-going) for a command that runs many independent jobs (`atheena.parallel`)."""
    p.add_argument("--jobs", type=int, metavar="N", help="run the jobs on a local Dask cluster of N worker "
                   "processes (default: one after another in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run the jobs on an existing Dask cluster, e.g. "
                   "tcp://host:8786 (start one with 'dask scheduler' and 'dask worker ADDRESS')")
    if keep_going:
        p.add_argument("--keep-going", action="store_true", help="when a job fails, report it with its point and "
                       "finish the others (default: stop at the first failure)")


def executor_of(args):
    """The `atheena.parallel.Executor` the command line asks for."""
    from atheena.parallel import executor

    return executor(args.jobs, args.scheduler)


def say(args, message: str) -> None:
    if not args.quiet:
        print(f"atheena: {message}", file=sys.stderr, flush=True)


def parse_thresholds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise errors.AtheenaError(f"thresholds '{text}' must be comma-separated numbers, e.g. 0.9 or 0.9,0.99")
    from atheena.thresholds import check_threshold

    return [check_threshold(v) for v in values]


def floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise errors.AtheenaError(f"{what} '{text}' must be comma-separated finite numbers")
    return values


def settings(values: list[str] | None) -> list[str]:
    """The settings of a repeatable option whose values may also hold several settings separated by ';'."""
    out = []
    for value in values or []:
        out += [s.replace(" ", "") for s in value.split(";") if s.strip()]
    return out


def load_network(args, use_shipped_weights: bool = True):
    """(model, label, default thresholds or None, input shape) from MODEL / --example: an nn.Module, or for a
    .onnx MODEL an `OnnxModel` (its thresholds: the constants of its exits' decisions, if it has them)."""
    if bool(args.model) == bool(args.example):
        raise errors.AtheenaError("give either MODEL (path/to/file.py:ClassName or a .onnx file) or --example NAME, "
                                  "not both or neither")
    from atheena import models
    from atheena.frontend import onnx_import
    from atheena.frontend.loading import input_shape_of, load_model, load_weights

    if onnx_import.is_onnx(args.model):
        if args.weights:
            raise errors.AtheenaError(f"--weights does not apply to {args.model}: an ONNX model's weights are its "
                                      "initializers")
        model = onnx_import.load_onnx(args.model)
        if args.input_shape:
            from atheena.frontend.loading import parse_shape

            if parse_shape(args.input_shape) != model.input_shape:
                raise errors.AtheenaError(f"--input-shape {args.input_shape} differs from the input of {args.model} "
                                          f"({','.join(map(str, model.input_shape))}); leave --input-shape out")
        return model, args.model, list(model.thresholds) if model.thresholds else None, model.input_shape

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


def load_ir_or_model(args):
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
            raise errors.AtheenaError(f"{path} is not a valid atheena network:\n" + "\n".join(m for _, m in found))
        if len(O.network_functions(module)) != 1:
            raise errors.AtheenaError(f"{path} must hold exactly one network (a func.func with atheena ops), "
                                      f"it holds {len(O.network_functions(module))}")
        return module, str(path)
    from atheena.frontend import import_model

    model, label, thresholds, shape = load_network(args)
    return import_model(model, shape, thresholds=thresholds), label


def folded_design(args):
    """(module, Rtl) of the folded .mlir in args.model, with buffers sized when possible."""
    from atheena.hardware import flow

    if not args.model.endswith(".mlir"):
        raise errors.AtheenaError(f"'{args.model}' is not an .mlir file; fold a network first, e.g. atheena-opt "
                                  "net.mlir --pass-pipeline='builtin.module(fold{board=zc706 budget=0.3})' -o folded.mlir")
    module, _ = load_ir_or_model(args)
    flow.predicted(module)
    if flow.needs_buffer_sizing(module):
        from atheena.pipeline import PipelineRunner

        try:
            PipelineRunner(module.context, save_reproducer=False).run(module, "builtin.module(size-buffers)")
        except errors.AtheenaError as err:  # no silent fallback: a design with other buffers is not this one
            if getattr(err, "internal", False):  # a bug in the pass: reported as one, not as the user's
                raise
            raise errors.AtheenaError(
                f"the conditional buffers of {args.model} could not be sized, so the design the fold predicted "
                f"cannot be built: {err}\nFix what size-buffers reports (refold with a larger budget, or give the "
                "pass the board: atheena-opt FILE --pass-pipeline='builtin.module(size-buffers{board=...})' -o "
                "sized.mlir), or give every atheena.conditional_buffer a depth attribute yourself") from None
        say(args, "sized the conditional buffers (size-buffers)")
    started = time.perf_counter()
    design = flow.rtl(module, out_dir=args.rtl)
    say(args, f"generated {len(design.files)} SystemVerilog files in {time.perf_counter() - started:.1f} s"
              + (f" -> {args.rtl}" if args.rtl else ""))
    return module, design


def table(head: list[str], rows: list[list[str]]) -> str:
    """The header and rows as lines of right-aligned columns, two spaces apart."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [head, *rows])
