"""`atheena`: the end-to-end command (subcommands grow with the compiler).

* `atheena import MODEL -o out.mlir` / `--example b-lenet`: PyTorch -> `atheena` dialect.
* `atheena train MODEL --data DIR -o weights.pt`: BranchyNet joint training.
* `atheena profile MODEL --thresholds ...`: exit rates and accuracy on calibration data.
* `atheena dse MODEL --board B --budgets ...`: fastest folding per budget, early exit vs baseline.
* `atheena compile MODEL -o OUT`: all of the above, then RTL, simulation and a report (`atheena.compile`).
* `atheena examples`: the built-in example networks.

MODEL is `path/to/file.py:ClassName`, `--example NAME`, or (for `profile`) an
`.mlir` file in the atheena dialect.

This module is only the entry point (the console script and `python -m
atheena.tools.cli`): it assembles the parser and dispatches.  Each command's
arguments and flow live in `atheena.tools.commands.<command>`, and what they
share in `atheena.tools.commands.common`; their public names are re-exported
here for callers of the earlier single-module CLI.
"""

from __future__ import annotations

import argparse

from atheena import errors
from atheena.tools.commands import compile_, dse, examples, import_, profile, simulate, synth, train
from atheena.tools.commands.common import load_network, parse_thresholds
from atheena.tools.commands.compile_ import cmd_compile, format_compile_summary
from atheena.tools.commands.dse import cmd_dse, format_dse_table
from atheena.tools.commands.examples import cmd_examples
from atheena.tools.commands.import_ import cmd_import, exit_summary
from atheena.tools.commands.profile import cmd_profile, format_table
from atheena.tools.commands.simulate import cmd_simulate
from atheena.tools.commands.synth import cmd_synth
from atheena.tools.commands.train import cmd_train, parse_weights

__all__ = [
    "COMMANDS", "build_parser", "cmd_compile", "cmd_dse", "cmd_examples", "cmd_import", "cmd_profile", "cmd_simulate",
    "cmd_synth", "cmd_train", "entry", "exit_summary", "format_compile_summary", "format_dse_table", "format_table",
    "load_network", "main", "parse_thresholds", "parse_weights",
]

# `atheena --help` lists the commands in this order.
_PARSERS = (import_, train, profile, dse, simulate, synth, examples, compile_)

COMMANDS = {"compile": cmd_compile, "simulate": cmd_simulate, "synth": cmd_synth, "import": cmd_import,
            "train": cmd_train, "profile": cmd_profile, "dse": cmd_dse, "examples": cmd_examples}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="atheena", description="Compile early-exit PyTorch networks to streaming FPGA accelerators.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _PARSERS:
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with errors.reported_as_user_errors("atheena"):
        return COMMANDS[args.command](args)


def entry() -> None:
    """Console-script entry point: run, then exit without a slow teardown."""
    errors.run_and_exit(main)


if __name__ == "__main__":
    entry()
