"""The `atheena` dialect: its IRDL definition, op helpers and semantic verifier.

This folder is installed as the `atheena.dialects` subpackage.  The dialect is
declared in `atheena.irdl.mlir` (structure) and checked further by `verify.py`
(meaning); `README.md` is the op reference.
"""

from __future__ import annotations

from importlib import resources

from torch_mlir import ir
from torch_mlir.dialects import irdl

IRDL_FILE = "atheena.irdl.mlir"

#: Every op of the dialect, by its full name.
OP_NAMES = (
    "atheena.conv2d",
    "atheena.max_pool2d",
    "atheena.avg_pool2d",
    "atheena.relu",
    "atheena.linear",
    "atheena.flatten",
    "atheena.split",
    "atheena.exit_decision",
    "atheena.conditional_buffer",
    "atheena.exit_merge",
)


def irdl_source() -> str:
    """The IRDL text that defines the dialect."""
    return resources.files(__name__).joinpath(IRDL_FILE).read_text()


def load(context: ir.Context) -> None:
    """Register the `atheena` dialect in `context` (idempotent)."""
    if context.is_registered_operation("atheena.conv2d"):
        return
    with context, ir.Location.unknown():
        irdl.load_dialects(ir.Module.parse(irdl_source()))
