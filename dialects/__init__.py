"""The `atheena` dialect: its IRDL definition, op helpers and semantic verifier.

This folder is installed as the `atheena.dialects` subpackage.  The dialect is
declared in `atheena.irdl.mlir` (structure) and checked further by `verify.py`
(meaning); `README.md` is the op reference.
"""

from __future__ import annotations

import re
from importlib import resources

from torch_mlir import ir
from torch_mlir.dialects import irdl

IRDL_FILE = "atheena.irdl.mlir"

_OPERATION = re.compile(r"^\s*irdl\.operation @(\w+)", re.MULTILINE)


def op_names() -> tuple[str, ...]:
    """Every op the IRDL definition declares, by its full name, in its order (the op kinds that give
    them meaning are `atheena.kinds`; a test keeps the two in step)."""
    return tuple(f"atheena.{name}" for name in _OPERATION.findall(irdl_source()))


def irdl_source() -> str:
    """The IRDL text that defines the dialect."""
    return resources.files(__name__).joinpath(IRDL_FILE).read_text()


def load(context: ir.Context) -> None:
    """Register the `atheena` dialect in `context` (idempotent)."""
    if context.is_registered_operation(op_names()[0]):
        return
    with context, ir.Location.unknown():
        irdl.load_dialects(ir.Module.parse(irdl_source()))
