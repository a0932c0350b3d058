"""Parse and run pass pipelines that mix upstream MLIR passes and ATHEENA's.

A pipeline is MLIR's textual form, `builtin.module(p1, p2{opt=v}, func.func(p3))`.
The bindings cannot register Python passes by name, so the runner splits the
top level itself: each element is either one of our passes (looked up in
`atheena.passes`) or upstream text handed to `PassManager.parse`.  Elements run
one at a time on the same module, which gives two things for free: the
semantic verifier runs after each one, and when one fails we know exactly
which, so we can save its input and print a command that reproduces it.

Our passes' problems become MLIR diagnostics at the op they concern: a
`PassFailure` an error, `ModulePass.warn` a warning.  Warnings are printed
to stderr as they come (`file:line:col: warning: ...`) and returned by
`run`; an exception of any other kind is a bug in ATHEENA and is reported
as an internal error, with no position (the pass did not say where).

Everything that runs passes (`atheena-opt`, the frontend, `atheena
compile`) goes through `PipelineRunner`, so a pass's `spec()` is also the
command that replays it.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from torch_mlir import ir
from torch_mlir.passmanager import PassManager

from atheena import passes
from atheena.dialects import verify
from atheena.errors import IRError
from atheena.ir import Diagnostic, diagnostic_at, diagnostics_of, format_diagnostics, to_text
from atheena.pass_base import ModulePass, PassFailure, collecting_warnings


class PipelineError(IRError):
    """A pipeline failed; `diagnostics` are the errors, `reproducer` the saved input.

    `internal` is True when the failure is a bug in ATHEENA rather than a
    problem in the input: a pass raised something other than `PassFailure`,
    or one of our passes produced IR that does not verify.
    """

    def __init__(self, message: str, diagnostics: list[Diagnostic], reproducer: str | None = None,
                 internal: bool = False, cause: Exception | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics
        self.reproducer = reproducer
        self.internal = internal
        self.cause = cause  # the failing pass's typed error (`PassFailure.cause`), if it gave one


#: passes loaded from plugin files (`atheena-opt --load-pass-plugin`), by name
_PLUGINS: dict[str, type[ModulePass]] = {}


def lookup(name: str) -> type[ModulePass] | None:
    """Our pass (built in or from a plugin) registered under `name`, or None."""
    return passes.lookup(name) or _PLUGINS.get(name)


def registered() -> list[str]:
    """The names of all our passes, built in and from plugins, sorted."""
    return sorted([*passes.REGISTRY, *_PLUGINS])


def load_plugin(path: str | os.PathLike) -> list[str]:
    """Register every `ModulePass` (with a `name`) that the Python file `path` defines; returns their names."""
    path = Path(path)
    if not path.is_file():
        raise IRError(f"pass plugin '{path}' not found")
    spec = importlib.util.spec_from_file_location(f"atheena_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and type hints look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - whatever the user's file raises, it is theirs to fix
        del sys.modules[spec.name]
        raise IRError(f"cannot load pass plugin '{path}': {type(exc).__name__}: {exc}") from None
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, ModulePass) and c.__module__ == module.__name__ and c.name]
    if not found:
        raise IRError(f"pass plugin '{path}' defines no pass (a ModulePass subclass with a `name`)")
    for cls in found:
        register(cls)
    return [c.name for c in found]


def register(cls: type[ModulePass]) -> type[ModulePass]:
    """Make a pass defined outside `atheena.passes` usable by name in pipelines (a plugin, or a test's pass)."""
    if not cls.name or cls.name in passes.REGISTRY:
        raise IRError(f"cannot register pass {cls.__name__}: its name '{cls.name}' is "
                      + ("empty" if not cls.name else "that of a built-in pass"))
    _PLUGINS[cls.name] = cls
    return cls


def _plugin_option(element: str) -> str:
    """` --load-pass-plugin FILE` when the element's pass came from a plugin file, so the replay finds it."""
    cls = _PLUGINS.get(pass_name(element))
    file = getattr(sys.modules.get(cls.__module__), "__file__", None) if cls else None
    return f" --load-pass-plugin {file}" if file else ""


def split_pipeline(text: str) -> list[str]:
    """Top-level elements of `builtin.module(...)` (or of a bare comma list)."""
    text = text.strip()
    if text.startswith("builtin.module(") and text.endswith(")"):
        text = text[len("builtin.module(") : -1]
    elements, depth, start, quote = [], 0, 0, None
    for i, ch in enumerate(text):
        if quote:  # an option value in quotes may hold brackets and commas
            if ch == quote:
                quote = None
        elif ch in "\"'" and depth:
            quote = ch
        elif ch in "({":
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
    cls = lookup(pass_name(element))
    if cls is None:
        return None
    rest = element[len(pass_name(element)) :].strip()
    if rest and not (rest.startswith("{") and rest.endswith("}")):
        raise IRError(f"pass '{cls.name}' takes options in braces, e.g. '{cls.name}{{key=value}}'; got '{element}'")
    return cls.from_options(rest[1:-1] if rest else "")


@dataclass
class _Outcome:
    """What one of our passes left behind in a run: its warnings, and whether it crashed."""

    warnings: list = field(default_factory=list)  # (location, message)
    internal: bool = False
    cause: Exception | None = None  # `PassFailure.cause`


def _adapter(the_pass: ModulePass, outcome: _Outcome):
    """Wrap a ModulePass as the callable `PassManager.add` expects."""

    def run(op, pass_handle):
        with op.context, op.location, collecting_warnings() as found:
            try:
                the_pass.apply(op)
            except PassFailure as failure:
                outcome.cause = failure.cause
                for where, message in failure.problems:
                    if where is not None and not isinstance(where, ir.Location):
                        where = where.location
                    (where or op.location).emit_error(message)
                pass_handle.signal_pass_failure()
            except Exception as exc:  # a compiler bug: report it like a failure, at no position
                if os.environ.get("ATHEENA_DEBUG"):
                    traceback.print_exc()
                outcome.internal = True
                ir.Location.unknown().emit_error(
                    f"internal error in pass '{the_pass.name}': {type(exc).__name__}: {exc} "
                    "(this is a bug in ATHEENA; set ATHEENA_DEBUG=1 for a traceback)"
                )
                pass_handle.signal_pass_failure()
            finally:
                outcome.warnings.extend(found)

    return run


REPRODUCERS_KEPT = 20  # reproducers kept in the default folder, the newest


@dataclass
class PipelineRunner:
    """Runs pipeline text on modules of one context.

    `filename` names the input in diagnostics; `tool` prefixes reproducer
    files.  Warnings are printed to stderr unless `print_warnings` is False,
    and every one is kept in `warnings`.
    """

    context: ir.Context
    print_ir_after_all: bool = False
    filename: str = "-"
    tool: str = "atheena-opt"
    save_reproducer: bool = True
    reproducer_dir: str | None = None
    print_warnings: bool = True
    warnings: list[Diagnostic] = field(default_factory=list)

    def _manager(self, element: str) -> tuple[PassManager, _Outcome | None]:
        with self.context:
            ours = instantiate(element)
            outcome = None
            if ours is not None:
                outcome = _Outcome()
                pm = PassManager("builtin.module")
                pm.add(_adapter(ours, outcome), name=ours.name, argument=ours.name)
            else:
                try:
                    pm = PassManager.parse(f"builtin.module({element})")
                except ValueError as err:
                    nested = [n for n in [*passes.REGISTRY, *_PLUGINS] if n in element]
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
            return pm, outcome

    def run(self, module: ir.Module, pipeline: str) -> list[Diagnostic]:
        """Run every element of `pipeline` on `module` in place; returns the warnings it produced."""
        elements = split_pipeline(pipeline)
        managers = [self._manager(e) for e in elements]  # reject bad names before running
        produced: list[Diagnostic] = []
        for element, (pm, outcome) in zip(elements, managers):
            before = module.operation.clone()
            invalid = False
            try:
                with self.context:
                    pm.run(module.operation)
                diags = self.verify(module)
                invalid = bool(diags)
            except ir.MLIRError as err:
                diags = diagnostics_of(err, self.filename)
            if outcome is not None:
                produced += self._report_warnings(outcome)
            if diags:
                what = "produced IR that does not verify" if invalid else "failed"
                message = f"pass '{pass_name(element)}' {what}:\n{format_diagnostics(diags)}"
                path = None
                if self.save_reproducer:
                    path = self._save_reproducer(before)
                    message += (
                        "\nThe input of the failing pass was saved; reproduce with:\n"
                        f"  atheena-opt {path}{_plugin_option(element)} --pass-pipeline='builtin.module({element})'"
                    )
                before.erase()
                sys.stderr.flush()
                internal = outcome is not None and (outcome.internal or invalid)
                raise PipelineError(message, diags, path, internal, outcome.cause if outcome else None)
            before.erase()
        return produced

    def _report_warnings(self, outcome: _Outcome) -> list[Diagnostic]:
        found = [diagnostic_at(loc, message, self.filename, "warning") for loc, message in outcome.warnings]
        outcome.warnings.clear()
        self.warnings += found
        if self.print_warnings and found:
            print(format_diagnostics(found), file=sys.stderr, flush=True)
        return found

    def verify(self, module: ir.Module) -> list[Diagnostic]:
        """The semantic verifier's problems as diagnostics."""
        return [diagnostic_at(where.location, message, self.filename) for where, message in verify.problems(module)]

    def _save_reproducer(self, module_op: ir.Operation) -> str:
        """Save the failing pass's input in `reproducer_dir`, by default `$ATHEENA_CACHE/reproducers`
        (~/.cache/atheena/reproducers), where only the newest `REPRODUCERS_KEPT` are kept: a fuzzing
        session once left 67 of them (12 MB) in /tmp."""
        from atheena.hardware.cache import cache_dir

        if self.reproducer_dir:
            folder = Path(self.reproducer_dir)
        else:
            try:
                folder = cache_dir("reproducers")
            except OSError:  # a read-only cache or home: the temporary folder, as before
                folder = Path(tempfile.gettempdir())
        stamp = f"{time.time_ns():020d}"  # names sort by age (file times are too coarse for that)
        fd, path = tempfile.mkstemp(prefix=f"{self.tool}-reproducer-{stamp}-", suffix=".mlir", dir=folder)
        with os.fdopen(fd, "w") as f:
            f.write(to_text(module_op, debug_info=True))
        if not self.reproducer_dir:
            saved = sorted(folder.glob("*-reproducer-*.mlir"), key=lambda p: p.name.split("-reproducer-")[-1])
            for old in saved[:-REPRODUCERS_KEPT]:
                old.unlink(missing_ok=True)
        return path
