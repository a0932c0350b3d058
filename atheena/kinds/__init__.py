"""The registry of `atheena` op kinds: one module per kind (or family), each an `OpKind`.

Everything the flow knows about a kind of op (its meaning and checks, its
semantics for the references, its MACs, its folding space and interval, and
the hardware it becomes) is in its module; the verifier, the references, the
analysis, the DSE and the lowering iterate over this registry instead of
switching on op names.  `docs/extending.md` says how to add a kind.
"""

from __future__ import annotations

import importlib
import pkgutil

from torch_mlir import ir

from atheena.kinds.base import OpKind


def _discover() -> dict[str, OpKind]:
    """Every `OpKind` instance at the top level of this package's modules, ordered by `OpKind.order`
    (the dialect reference's order), so a new kind is one new module."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, OpKind) and v.name]
    return {k.name: k for k in sorted(found, key=lambda k: (k.order, k.name))}


#: every op kind, by its op's full name
KINDS: dict[str, OpKind] = _discover()


def of(op: ir.Operation) -> OpKind:
    """The kind of an `atheena` op."""
    return KINDS[op.name]


def role(op: ir.Operation) -> str | None:
    """The role of an op in the early-exit structure (see `OpKind.role`); None if it is not an atheena op."""
    kind = KINDS.get(op.name)
    return kind.role if kind else None


def by_role(role: str) -> OpKind:
    """The kind that plays `role` in the early-exit structure ("split", "decision", "buffer", "merge")."""
    (kind,) = [k for k in KINDS.values() if k.role == role]
    return kind


def names() -> tuple[str, ...]:
    return tuple(KINDS)
