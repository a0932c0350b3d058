"""`atheena-opt`: parse, verify, transform and print MLIR, like `mlir-opt`.

Upstream MLIR passes and ATHEENA's Python passes compose in one
`--pass-pipeline`.  The input is verified (IRDL structure plus the dialect's
semantic checks) before any pass and after every pass.  A failing pass leaves
its input in a reproducer file and prints the command that replays it.
Warnings of passes go to stderr (`file:line:col: warning: ...`); with
`--verify-diagnostics` they are checked against `expected-warning` like
errors against `expected-error`.  `--load-pass-plugin FILE.py` adds the
passes a Python file defines (as `mlir-opt --load-pass-plugin` does).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

from atheena import errors

SPLIT_MARKER = re.compile(r"^// -----[ \t]*(?:\n|$)", re.MULTILINE)
EXPECTED = re.compile(r"expected-(error|warning|note|remark)(-re)?\s*(@[^\s{]*)?\s*\{\{(.*?)\}\}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="atheena-opt",
        description="Run pass pipelines over MLIR files that use the atheena dialect "
        "(upstream MLIR passes and ATHEENA's passes in one pipeline).",
    )
    p.add_argument("input", nargs="?", default="-", help="input .mlir file ('-' for stdin, the default)")
    p.add_argument("-o", dest="output", default="-", help="output file ('-' for stdout, the default)")
    p.add_argument("--pass-pipeline", default="", metavar="PIPELINE",
                   help="e.g. 'builtin.module(convert-torch-to-atheena{thresholds=0.99},canonicalize)'")
    p.add_argument("--list-passes", action="store_true", help="list ATHEENA's passes and their options")
    p.add_argument("--load-pass-plugin", action="append", default=[], metavar="FILE.py",
                   help="also use the passes (ModulePass subclasses) this Python file defines; may be repeated")
    p.add_argument("--split-input-file", action="store_true",
                   help="process each chunk between '// -----' lines as its own module")
    p.add_argument("--verify-diagnostics", action="store_true",
                   help="check errors and warnings against 'expected-error' / 'expected-warning' annotations "
                   "in the input")
    p.add_argument("--mlir-print-ir-after-all", action="store_true", help="print the IR after every pass (stderr)")
    p.add_argument("--mlir-print-debuginfo", action="store_true", help="print locations (layer names)")
    p.add_argument("--mlir-elide-elementsattrs-if-larger", type=int, default=None, metavar="N",
                   help="print weight tensors with more than N elements as elided placeholders")
    return p


def list_passes() -> str:
    from atheena.pipeline import lookup, registered

    lines = ["ATHEENA passes (upstream MLIR passes can be used by their mlir-opt names too):"]
    for name in registered():
        cls = lookup(name)
        lines.append(f"  {name:<28} {cls.summary()}")
        for option, info in cls.option_help():
            lines.append(f"      {option:<24} {info}")
    return "\n".join(lines)


@dataclass
class Expectation:
    line: int
    kind: str
    text: str
    matched: bool = False


def expectations(text: str, first_line: int) -> list[Expectation]:
    """`expected-error` (and -warning, -note, -remark) annotations of a chunk; `first_line` is its first line's
    number."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for m in EXPECTED.finditer(line):
            where = first_line + i
            kind, regex, offset, message = m.group(1), m.group(2), m.group(3) or "", m.group(4)
            if regex:
                raise errors.AtheenaError(f"line {where}: expected-{kind}-re is not supported; "
                                          "write the expected text as a plain substring")
            if offset == "@above":
                where -= 1
            elif offset == "@below":
                where += 1
            elif re.fullmatch(r"@[+-]\d+", offset):
                where += int(offset[1:])
            elif offset:
                raise errors.AtheenaError(f"line {where}: cannot read the location '{offset}' of an expected-{kind}; "
                                          "use @+N, @-N, @above or @below")
            found.append(Expectation(where, kind, message))
    return found


def check_diagnostics(diags, expected: list[Expectation], filename: str) -> list[str]:
    """Problems in matching produced diagnostics (errors, warnings) with expected ones (empty = all good)."""
    problems = []
    for d in diags:
        hit = next((e for e in expected if e.kind == d.severity and e.line == d.line and e.text in d.message
                    and not e.matched), None)
        if hit:
            hit.matched = True
        else:
            problems.append(f"{filename}:{d.line}:{d.col}: unexpected {d.severity}: {d.message}")
    for e in expected:
        if not e.matched:
            problems.append(f"{filename}:{e.line}: expected {e.kind} \"{e.text}\" was not produced")
    return problems


def process_chunk(text: str, args, filename: str):
    """(output text or None, diagnostics) for one module."""
    from atheena import ir as air
    from atheena.pipeline import PipelineError, PipelineRunner

    context = air.new_context()
    with context:
        try:
            module = air.ir.Module.parse(text)
        except air.ir.MLIRError as err:
            return None, air.diagnostics_of(err, filename)
        # with --verify-diagnostics, warnings are checked instead of printed
        runner = PipelineRunner(context, args.mlir_print_ir_after_all, filename,
                                save_reproducer=not args.verify_diagnostics,
                                print_warnings=not args.verify_diagnostics)
        diags = runner.verify(module)
        if diags:
            return None, diags
        if args.pass_pipeline:
            try:
                runner.run(module, args.pass_pipeline)
            except PipelineError as err:
                if not args.verify_diagnostics:
                    raise
                return None, runner.warnings + err.diagnostics
        asm = module.operation.get_asm(
            enable_debug_info=args.mlir_print_debuginfo,
            large_elements_limit=args.mlir_elide_elementsattrs_if_larger,
        )
        return asm, runner.warnings if args.verify_diagnostics else []


def chunks(text: str, split: bool) -> list[tuple[str, int]]:
    """(chunk text padded so line numbers match the file, first line number)."""
    if not split:
        return [(text, 1)]
    out, start_line, pos = [], 1, 0
    for m in SPLIT_MARKER.finditer(text):
        out.append((text[pos : m.start()], start_line))
        start_line += text[pos : m.end()].count("\n")
        pos = m.end()
    out.append((text[pos:], start_line))
    return [("\n" * (first - 1) + body, first) for body, first in out]


def run(args) -> int:
    if args.load_pass_plugin:
        from atheena.pipeline import load_plugin

        for path in args.load_pass_plugin:
            load_plugin(path)
    if args.list_passes:
        print(list_passes())
        return 0
    filename = "<stdin>" if args.input == "-" else args.input
    if args.input == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(args.input, encoding="utf-8") as f:
                text = f.read()
        except OSError as err:
            raise errors.AtheenaError(f"cannot read input file '{args.input}': {err.strerror}") from None
        except UnicodeDecodeError as err:
            raise errors.AtheenaError(f"input file '{args.input}' is not UTF-8 text (byte {err.start}); "
                                      "MLIR files are text") from None
    outputs, mismatches = [], []
    from atheena.errors import IRError
    from atheena.ir import format_diagnostics

    failures = []
    for body, first in chunks(text, args.split_input_file):
        try:
            asm, diags = process_chunk(body, args, filename)
        except IRError as err:  # a failed pipeline (reproducer saved): report it with the others
            asm, diags = None, []
            failures.append(str(err))
        if args.verify_diagnostics:
            mismatches += check_diagnostics(diags, expectations(body, 1), filename)
        elif diags:
            failures.append(format_diagnostics(diags))
        if asm is not None:
            outputs.append(asm)
    if args.verify_diagnostics and mismatches:
        print("\n".join(mismatches), file=sys.stderr)
        return 1
    if failures:
        raise IRError("\n".join(failures))
    write_output(args.output, "// -----\n".join(outputs))
    return 0


def write_output(path: str, text: str) -> None:
    """Write the result; a file appears only complete (temp file, then rename)."""
    if path == "-":
        sys.stdout.write(text)
        return
    from atheena.fileio import write_atomic

    write_atomic(path, text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with errors.reported_as_user_errors("atheena-opt"):
        return run(args)


def entry() -> None:
    """Console-script entry point: run, then exit without a slow teardown."""
    errors.run_and_exit(main)


if __name__ == "__main__":
    entry()
