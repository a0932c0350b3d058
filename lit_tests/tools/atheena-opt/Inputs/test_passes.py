"""Passes for testing `atheena-opt` itself (loaded with --load-pass-plugin), not part of ATHEENA."""

from __future__ import annotations

from dataclasses import dataclass

from atheena.dialects import ops as O
from atheena.pass_base import ModulePass, PassFailure


@dataclass(frozen=True)
class TestWarnRelu(ModulePass):
    """Warn at every atheena.relu (and fail at the first one with fail=true); the IR is unchanged."""

    name = "test-warn-relu"
    message: str = "a relu"
    fail: bool = False

    def apply(self, module) -> None:
        for func in O.network_functions(module):
            for op in O.body_ops(func):
                if op.name == "atheena.relu":
                    self.warn(op, f"{self.message} here")
                    if self.fail:
                        raise PassFailure(op, "failing after the warning")
