"""One place to make MLIR contexts, parse and print modules.

All of ATHEENA's MLIR work happens in the upstream bindings that torch-mlir
ships (`torch_mlir.ir`): a context here knows the upstream dialects, the torch
dialect and the `atheena` dialect.  Parsing and verification failures become
`IRError`s whose message lists each diagnostic as `file:line:col: error: ...`,
and printing is deterministic (same module, same bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from torch_mlir import ir
from torch_mlir.dialects import torch as torch_dialect

from atheena import dialects
from atheena.errors import IRError

_FILE_LOC = re.compile(r'"([^"]*)":(\d+):(\d+)')
_NAME_LOC = re.compile(r'^loc\("([^"]*)"(?=[)(])')  # loc("name") or loc("name"(child)), not loc("file":1:2)
_CURRENT_OP = re.compile(r'see current operation: (?:%[^=]*= )?"([\w.]+)"')


@dataclass(frozen=True)
class Diagnostic:
    """An error, warning or note at a place in a file (line 0 when the place is unknown)."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"
    layer: str | None = None  # the model path of the op, when its location is a name rather than a position

    def __str__(self) -> str:
        if self.line:
            where = f"{self.file}:{self.line}:{self.col}: "
        elif self.layer:
            where = f"{self.file}: layer {self.layer}: " if self.file and self.file != "-" else f"layer {self.layer}: "
        elif self.file and self.file != "-":
            where = f"{self.file}: "
        else:
            where = ""
        return f"{where}{self.severity}: {self.message}"


def diagnostic_at(loc: ir.Location | None, message: str, filename: str = "-", severity: str = "error") -> Diagnostic:
    """A diagnostic at `loc` (its file position, else its layer name, else just the file)."""
    if loc is None:
        return Diagnostic(filename, 0, 0, message, severity)
    file, line, col = location_of(loc, filename)
    return Diagnostic(file, line, col, message, severity, layer=layer_name(loc))


def new_context() -> ir.Context:
    """A context with the upstream, torch and atheena dialects available."""
    context = ir.Context()
    torch_dialect.register_dialect(context)
    dialects.load(context)
    return context


def location_of(loc: ir.Location, filename: str = "-") -> tuple[str, int, int]:
    """(file, line, col) of the first file position inside `loc`, or line 0."""
    match = _FILE_LOC.search(str(loc))
    if not match:
        return filename, 0, 0
    name = match.group(1)
    return (filename if name == "-" else name), int(match.group(2)), int(match.group(3))


def layer_name(loc: ir.Location) -> str | None:
    """The model path (e.g. `layer4.1.conv2`) a frontend attached to an op, if any."""
    match = _NAME_LOC.match(str(loc))
    return match.group(1) if match else None


def diagnostics_of(error: ir.MLIRError, filename: str = "-") -> list[Diagnostic]:
    """Flatten an MLIRError into diagnostics (without the 'see current operation' notes)."""
    result = []
    for info in error.error_diagnostics:
        file, line, col = location_of(info.location, filename)
        result.append(Diagnostic(file, line, col, _name_the_op(info), layer=layer_name(info.location)))
    if not result:
        result.append(Diagnostic(filename, 0, 0, str(error)))
    return result


def _name_the_op(info) -> str:
    """Some IRDL messages do not say which op they are about; take it from the note."""
    message = info.message
    if message.startswith("'"):
        return message
    for note in info.notes:
        match = _CURRENT_OP.search(note.message)
        if match:
            body = message[3:] if message.startswith("op ") else message
            return f"'{match.group(1)}' op {body}"
    return message


def format_diagnostics(diags: list[Diagnostic]) -> str:
    return "\n".join(str(d) for d in diags)


def parse(text: str, context: ir.Context, filename: str = "-") -> ir.Module:
    """Parse and verify MLIR text (IRDL checks included); `IRError` on failure."""
    with context:
        try:
            return ir.Module.parse(text)
        except ir.MLIRError as err:
            raise IRError(
                f"{filename} is not valid MLIR for ATHEENA:\n"
                + format_diagnostics(diagnostics_of(err, filename))
            ) from None


def to_text(module: ir.Module | ir.Operation, debug_info: bool = False) -> str:
    """Print a module in full (weights included), optionally with locations."""
    op = module.operation if isinstance(module, ir.Module) else module
    return op.get_asm(enable_debug_info=debug_info, large_elements_limit=None)
