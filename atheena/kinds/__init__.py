"""The registry of `atheena` op kinds: one module per kind (or family), each an `OpKind`.

Everything the flow knows about a kind of op (its meaning and checks, its
semantics for the references, its MACs, its folding space and interval, and
the hardware it becomes) is in its module; the verifier, the references, the
analysis, the DSE and the lowering iterate over this registry instead of
switching on op names.  `docs/extending.md` says how to add a kind.
"""

from __future__ import annotations

from torch_mlir import ir

from atheena.kinds import conditional_buffer, conv2d, exit_decision, exit_merge, flatten, linear, pool, relu, split
from atheena.kinds.base import OpKind

#: every op kind, by its op's full name, in the dialect reference's order
KINDS: dict[str, OpKind] = {k.name: k for k in (
    conv2d.KIND, pool.MAX, pool.AVG, relu.KIND, linear.KIND, flatten.KIND, split.KIND,
    exit_decision.KIND, conditional_buffer.KIND, exit_merge.KIND,
)}


def of(op: ir.Operation) -> OpKind:
    """The kind of an `atheena` op."""
    return KINDS[op.name]


def role(op: ir.Operation) -> str | None:
    """The role of an op in the early-exit structure (see `OpKind.role`); None if it is not an atheena op."""
    kind = KINDS.get(op.name)
    return kind.role if kind else None


def names() -> tuple[str, ...]:
    return tuple(KINDS)
