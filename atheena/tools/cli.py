"""`atheena`: the end-to-end command (subcommands grow with the compiler).

* `atheena import MODEL -o out.mlir` / `atheena import --example b-lenet`:
  PyTorch -> `atheena` dialect.
* `atheena examples`: the built-in example networks.
"""

from __future__ import annotations

import argparse
import sys
import time

from atheena import errors


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="atheena", description="Compile early-exit PyTorch networks to streaming FPGA accelerators.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = sub.add_parser("import", help="import a PyTorch early-exit network into the atheena dialect",
                         description="Import a PyTorch network whose forward() returns one logits tensor per "
                         "exit (earliest first) and write it in the atheena dialect.")
    imp.add_argument("model", nargs="?", help="path/to/file.py:ClassName (the class is built with no arguments)")
    imp.add_argument("--example", metavar="NAME", help="a built-in network instead of MODEL (see 'atheena examples')")
    imp.add_argument("--input-shape", metavar="C,H,W", help="input shape of one sample (default: the class's input_shape)")
    imp.add_argument("--weights", metavar="FILE", help="state_dict saved with torch.save")
    imp.add_argument("--thresholds", metavar="T[,T...]",
                     help="softmax threshold per early exit, in (0, 1) (default: the example's, else 0.9)")
    imp.add_argument("--emit", choices=("atheena", "torch"), default="atheena",
                     help="'torch' stops after torch-mlir's import (the input of convert-torch-to-atheena)")
    imp.add_argument("-o", dest="output", default="-", help="output .mlir file ('-' for stdout, the default)")
    imp.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    sub.add_parser("examples", help="list the built-in example networks")
    return p


def parse_thresholds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise errors.AtheenaError(f"--thresholds '{text}' must be comma-separated numbers, e.g. 0.9 or 0.9,0.99")
    bad = [v for v in values if not 0.0 < v < 1.0]
    if bad:
        raise errors.AtheenaError(
            f"threshold {bad[0]} is outside (0, 1); a threshold is the softmax probability an exit "
            "must reach to answer, e.g. 0.9"
        )
    return values


def cmd_import(args) -> int:
    if bool(args.model) == bool(args.example):
        raise errors.AtheenaError("give either MODEL (path/to/file.py:ClassName) or --example NAME, not both or neither")
    thresholds = parse_thresholds(args.thresholds) if args.thresholds else None
    started = time.perf_counter()
    from atheena import models
    from atheena.analysis.network import exit_count
    from atheena.frontend import import_model
    from atheena.frontend.loading import input_shape_of, load_model, load_weights
    from atheena.ir import to_text
    from atheena.tools.opt import write_output

    if args.example:
        entry = models.entry(args.example)
        model = models.get(args.example)
        if thresholds is None and not args.example.endswith(models.BASELINE_SUFFIX):
            thresholds = list(entry.thresholds)
        label = args.example
    else:
        model = load_model(args.model)
        thresholds = thresholds or getattr(model, "thresholds", None)
        label = args.model
    if args.weights:
        load_weights(model, args.weights)
    shape = input_shape_of(model, args.input_shape)
    if args.emit == "torch":
        module = import_model(model, shape, thresholds=thresholds, convert=False)
        summary = "torch dialect"
    else:
        module = import_model(model, shape, thresholds=thresholds)
        n_exits = exit_count(module)
        summary = f"{n_exits} exit{'s' if n_exits > 1 else ''}"
    write_output(args.output, to_text(module, debug_info=True))
    if not args.quiet:
        where = "" if args.output == "-" else f" -> {args.output}"
        print(f"atheena: imported {label} ({summary}, input "
              f"{'x'.join(map(str, shape))}){where} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def cmd_examples(args) -> int:
    from atheena import models

    for name, entry in models.ENTRIES.items():
        print(f"{name:<14} {entry.summary}; thresholds {','.join(map(str, entry.thresholds))}")
        print(f"{name + models.BASELINE_SUFFIX:<14}   its backbone without early exits")
    return 0


COMMANDS = {"import": cmd_import, "examples": cmd_examples}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with errors.reported_as_user_errors("atheena"):
        return COMMANDS[args.command](args)


def entry() -> None:
    """Console-script entry point: run, then exit without a slow teardown."""
    errors.run_and_exit(main)


if __name__ == "__main__":
    entry()
