"""`atheena import`: a PyTorch early-exit network -> the atheena dialect (or torch-mlir's torch dialect).

The entry to the flow on its own, so users can inspect or hand the IR to `atheena-opt`.
(The module is `import_` because `import` is a Python keyword.)
"""

from __future__ import annotations

import time

from atheena import errors
from atheena.tools.commands.common import load_network, model_arguments, parse_thresholds, say


def add_parser(sub) -> None:
    imp = sub.add_parser("import", help="import a PyTorch early-exit network into the atheena dialect",
                         description="Import a PyTorch network whose forward() returns one logits tensor per "
                         "exit (earliest first) and write it in the atheena dialect.")
    model_arguments(imp)
    imp.add_argument("--thresholds", metavar="T[,T...]",
                     help="softmax threshold per early exit, in (0, 1) (default: the example's, else 0.9)")
    imp.add_argument("--emit", choices=("atheena", "torch"), default="atheena",
                     help="'torch' stops after torch-mlir's import (the input of convert-torch-to-atheena)")
    imp.add_argument("-o", dest="output", default="-", help="output .mlir file ('-' for stdout, the default)")


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
    say(args, f"imported {label} ({summary}, input {'x'.join(map(str, shape))}){where} "
              f"in {time.perf_counter() - started:.1f} s")
    return 0


def exit_summary(module) -> str:
    """'; exit 0 after stages.0.2 (max softmax >= 0.9)' per early exit: the layer it leaves the backbone after,
    and its test."""
    from atheena.analysis.network import exit_forks
    from atheena.dialects import ops as O
    from atheena.kinds.exit_decision import KIND as DECISION

    (func,) = O.network_functions(module)
    tests = {O.int_attr(op, "exit"): f"max softmax {'>' if DECISION.strict(op) else '>='} "
                                     f"{O.float_attr(op, 'threshold'):g}" for op in O.exit_decisions(func)}
    parts = [f"exit {k} after {where} ({tests[k]})" for k, where in exit_forks(module)]
    return "; " + ", ".join(parts) if parts else ""
