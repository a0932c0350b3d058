"""`atheena-verify`: run the dialect's semantic verifier as a pipeline step.

`atheena-opt` verifies its input and the result of every pass anyway; this
pass exists so a pipeline can state the check explicitly and so the verifier
can be exercised on its own in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch_mlir import ir

from atheena.dialects import verify
from atheena.pass_base import ModulePass, PassFailure


@dataclass(frozen=True)
class AtheenaVerify(ModulePass):
    """Check shapes, parameters and stream discipline of every atheena op."""

    name = "atheena-verify"

    def apply(self, module: ir.Operation) -> None:
        found = verify.problems(module)
        if found:
            (where, message), *more = found
            raise PassFailure(where, message, more)
