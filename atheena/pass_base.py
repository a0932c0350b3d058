"""Base class for ATHEENA's Python passes.

A pass is a small frozen dataclass: a command-line `name`, a one-line summary
(the first docstring line) and typed option fields that `from_options` fills
from MLIR's textual syntax, `name{key=value other=1,2}`.  `apply` rewrites a
module in place and reports a user-facing problem by raising `PassFailure`
with the op it concerns; the runner turns that into an MLIR diagnostic at the
op's location, so `--verify-diagnostics` and reproducers work for our passes
exactly as for upstream ones.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import ClassVar

from torch_mlir import ir

from atheena.errors import IRError


class PassFailure(Exception):
    """A pass cannot proceed; `where` is the op or location the message is about."""

    def __init__(
        self,
        where: ir.Operation | ir.Location | None,
        message: str,
        more: list[tuple[ir.Operation | ir.Location | None, str]] = (),
    ):
        super().__init__(message)
        self.problems = [(where, message), *more]


@dataclasses.dataclass(frozen=True)
class ModulePass:
    """A pass over a whole `builtin.module`."""

    name: ClassVar[str] = ""

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    def apply(self, module: ir.Operation) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def option_help(cls) -> list[tuple[str, str]]:
        """(option, type and default) for `--list-passes`."""
        out = []
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            default = field.default if field.default is not dataclasses.MISSING else None
            shown = ",".join(str(v) for v in default) if isinstance(default, tuple) else default
            out.append((field.name, f"{_type_name(hints[field.name])}, default {shown!r}"))
        return out

    @classmethod
    def from_options(cls, text: str) -> "ModulePass":
        """Build the pass from the text between braces, e.g. `thresholds=0.9,0.99`."""
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}
        values = {}
        for item in text.split():
            key, sep, raw = item.partition("=")
            key = key.replace("-", "_")
            if not sep or key not in known:
                names = ", ".join(known) or "none"
                raise IRError(f"pass '{cls.name}' has no option '{item}' (its options: {names})")
            try:
                values[key] = _convert(raw, hints[key])
            except ValueError:
                raise IRError(
                    f"option '{key}' of pass '{cls.name}' expects {_type_name(hints[key])}, got '{raw}'"
                ) from None
        return cls(**values)


def _type_name(hint) -> str:
    if typing.get_origin(hint) is tuple:
        return f"list of {typing.get_args(hint)[0].__name__}"
    return getattr(hint, "__name__", str(hint))


def _convert(raw: str, hint):
    if typing.get_origin(hint) is tuple:
        inner = typing.get_args(hint)[0]
        return tuple(_convert(v, inner) for v in raw.split(",") if v)
    if hint is bool:
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(raw)
    return hint(raw)
