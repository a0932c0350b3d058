"""Parse and run pass pipelines that mix upstream MLIR passes and ATHEENA's.

A pipeline is MLIR's textual form, `builtin.module(p1, p2{opt=v}, func.func(p3))`.
The bindings cannot register Python passes by name, so the runner splits the
top level itself: each element is either one of our passes (looked up in
`atheena.passes`) or upstream text handed to `PassManager.parse`.  Elements run
one at a time on the same module, which gives two things for free: the
semantic verifier runs after each one, and when one fails we know exactly
which, so we can save its input and print a command that reproduces it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from dataclasses import dataclass

from torch_mlir import ir
from torch_mlir.passmanager import PassManager

from atheena import passes
from atheena.dialects import verify
from atheena.errors import IRError
from atheena.ir import Diagnostic, diagnostics_of, format_diagnostics, layer_name, location_of, to_text
from atheena.pass_base import ModulePass, PassFailure


class PipelineError(IRError):
    """A pipeline failed; `diagnostics` are the errors, `reproducer` the saved input."""

    def __init__(self, message: str, diagnostics: list[Diagnostic], reproducer: str | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics
        self.reproducer = reproducer


def split_pipeline(text: str) -> list[str]:
    """Top-level elements of `builtin.module(...)` (or of a bare comma list)."""
    text = text.strip()
    if text.startswith("builtin.module(") and text.endswith(")"):
        text = text[len("builtin.module(") : -1]
    elements, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth < 0:
                raise IRError(f"unbalanced brackets in pass pipeline '{text}'")
        elif ch == "," and depth == 0:
            elements.append(text[start:i].strip())
            start = i + 1
    if depth != 0:
        raise IRError(f"unbalanced brackets in pass pipeline '{text}'")
    elements.append(text[start:].strip())
    return [e for e in elements if e]


def pass_name(element: str) -> str:
    for i, ch in enumerate(element):
        if ch in "({":
            return element[:i].strip()
    return element.strip()


def instantiate(element: str) -> ModulePass | None:
    """Our pass for a pipeline element, or None if it is an upstream pass."""
    cls = passes.lookup(pass_name(element))
    if cls is None:
        return None
    rest = element[len(pass_name(element)) :].strip()
    if rest and not (rest.startswith("{") and rest.endswith("}")):
        raise IRError(f"pass '{cls.name}' takes options in braces, e.g. '{cls.name}{{key=value}}'; got '{element}'")
    return cls.from_options(rest[1:-1] if rest else "")


def _adapter(the_pass: ModulePass):
    """Wrap a ModulePass as the callable `PassManager.add` expects."""

    def run(op, pass_handle):
        with op.context, op.location:
            try:
                the_pass.apply(op)
            except PassFailure as failure:
                for where, message in failure.problems:
                    if isinstance(where, ir.Operation):
                        where = where.location
                    (where or op.location).emit_error(message)
                pass_handle.signal_pass_failure()
            except Exception as exc:  # a compiler bug: report it like a failure
                if os.environ.get("ATHEENA_DEBUG"):
                    traceback.print_exc()
                op.location.emit_error(
                    f"internal error in pass '{the_pass.name}': {type(exc).__name__}: {exc} "
                    "(this is a bug in ATHEENA; set ATHEENA_DEBUG=1 for a traceback)"
                )
                pass_handle.signal_pass_failure()

    return run


@dataclass
class PipelineRunner:
    """Runs pipeline text on modules of one context."""

    context: ir.Context
    print_ir_after_all: bool = False
    filename: str = "-"
    tool: str = "atheena-opt"
    save_reproducer: bool = True
    reproducer_dir: str | None = None

    def _manager(self, element: str) -> PassManager:
        with self.context:
            ours = instantiate(element)
            if ours is not None:
                pm = PassManager("builtin.module")
                pm.add(_adapter(ours), name=ours.name, argument=ours.name)
            else:
                try:
                    pm = PassManager.parse(f"builtin.module({element})")
                except ValueError as err:
                    nested = [n for n in passes.REGISTRY if n in element]
                    if nested:
                        raise IRError(
                            f"cannot use pass '{element}': ATHEENA's passes ({', '.join(nested)}) work on the whole "
                            "module; put them at the top level of the pipeline, e.g. "
                            f"'builtin.module({nested[0]})'"
                        ) from None
                    reason = str(err).strip().splitlines()[0].split("error: ", 1)[-1]
                    raise IRError(
                        f"cannot use pass '{element}': {reason}. "
                        f"Run '{self.tool} --list-passes' for ATHEENA's passes; upstream MLIR "
                        "passes are named as in mlir-opt (e.g. canonicalize, cse)."
                    ) from None
            if self.print_ir_after_all:
                pm.enable_ir_printing(print_after_all=True)
            return pm

    def run(self, module: ir.Module, pipeline: str) -> None:
        """Run every element of `pipeline` on `module` in place."""
        elements = split_pipeline(pipeline)
        managers = [self._manager(e) for e in elements]  # reject bad names before running
        for element, pm in zip(elements, managers):
            before = module.operation.clone()
            try:
                with self.context:
                    pm.run(module.operation)
                diags = self.verify(module)
            except ir.MLIRError as err:
                diags = diagnostics_of(err, self.filename)
            if diags:
                message = f"pass '{pass_name(element)}' failed:\n{format_diagnostics(diags)}"
                path = None
                if self.save_reproducer:
                    path = self._save_reproducer(before)
                    message += (
                        "\nThe input of the failing pass was saved; reproduce with:\n"
                        f"  atheena-opt {path} --pass-pipeline='builtin.module({element})'"
                    )
                before.erase()
                sys.stderr.flush()
                raise PipelineError(message, diags, path)
            before.erase()

    def verify(self, module: ir.Module) -> list[Diagnostic]:
        """The semantic verifier's problems as diagnostics."""
        diags = []
        for where, message in verify.problems(module):
            file, line, col = location_of(where.location, self.filename)
            diags.append(Diagnostic(file, line, col, message, layer=layer_name(where.location)))
        return diags

    def _save_reproducer(self, module_op: ir.Operation) -> str:
        fd, path = tempfile.mkstemp(prefix=f"{self.tool}-reproducer-", suffix=".mlir", dir=self.reproducer_dir)
        with os.fdopen(fd, "w") as f:
            f.write(to_text(module_op, debug_info=True))
        return path
