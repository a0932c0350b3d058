"""Base class for ATHEENA's Python passes.

A pass is a small frozen dataclass: a command-line `name`, a one-line summary
(the first docstring line) and typed option fields that `from_options` fills
from MLIR's textual syntax, `name{key=value other=1,2 path="a b"}`, and that
`spec` writes back (`instantiate(p.spec()) == p`, so a pass can say how to
replay itself).  `apply` rewrites a module in place and reports a user-facing
problem by raising `PassFailure` with the op it concerns, or, when it can go
on, by `self.warn(op, message)`; the runner turns both into MLIR diagnostics
at the op's location (`error` / `warning`), so `--verify-diagnostics` and
reproducers work for our passes exactly as for upstream ones.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
import sys
import typing
from collections.abc import Iterator
from typing import ClassVar

from torch_mlir import ir

from atheena.errors import IRError


class PassFailure(Exception):
    """A pass cannot proceed; `where` is the op or location the message is about.

    `cause`: the typed error behind the message, if any (e.g. `NoFeasibleDesign` from `fold`), kept
    on the `PipelineError` so a caller can tell "no design fits" from a broken input without
    parsing the message or running the pass's work a second time.
    """

    def __init__(
        self,
        where: ir.Operation | ir.Location | None,
        message: str,
        more: list[tuple[ir.Operation | ir.Location | None, str]] = (),
        cause: Exception | None = None,
    ):
        super().__init__(message)
        self.problems = [(where, message), *more]
        self.cause = cause


Where = ir.Operation | ir.OpView | ir.Location | None

#: the warnings of the pass being run, while a runner collects them (see `collecting_warnings`)
_WARNINGS: contextvars.ContextVar[list | None] = contextvars.ContextVar("atheena_pass_warnings", default=None)


@contextlib.contextmanager
def collecting_warnings() -> Iterator[list[tuple[ir.Location | None, str]]]:
    """Collect the (location, message) of every `ModulePass.warn` inside the block."""
    found: list[tuple[ir.Location | None, str]] = []
    token = _WARNINGS.set(found)
    try:
        yield found
    finally:
        _WARNINGS.reset(token)


@dataclasses.dataclass(frozen=True)
class ModulePass:
    """A pass over a whole `builtin.module`."""

    name: ClassVar[str] = ""

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    def apply(self, module: ir.Operation) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def warn(self, where: Where, message: str) -> None:
        """Report a problem the pass could work around, at the op it concerns (a `warning` diagnostic).

        Under `PipelineRunner` the warning is printed like MLIR's
        (`file:line:col: warning: ...`, or `file: layer NAME: warning: ...`),
        checked by `--verify-diagnostics` (`expected-warning`) and returned
        by `run`; a pass applied directly prints `name: warning: message`.
        """
        found = _WARNINGS.get()
        if found is None:
            print(f"{self.name}: warning: {message}", file=sys.stderr)
            return
        found.append((where.location if hasattr(where, "location") else where, message))

    def spec(self) -> str:
        """The pass as a pipeline element, e.g. `fold{board=zcu102 budget=0.5}`.

        Options are written in field order, only those that differ from their
        defaults; `instantiate(p.spec())` (`atheena.pipeline`) builds a pass
        equal to `p`.
        """
        hints = typing.get_type_hints(type(self))
        items = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.default is not dataclasses.MISSING and value == field.default:
                continue
            if field.default_factory is not dataclasses.MISSING and value == field.default_factory():
                continue
            items.append(f"{field.name}={_format(value, hints[field.name], self.name, field.name)}")
        return f"{self.name}{{{' '.join(items)}}}" if items else self.name

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
        for item in option_items(text):
            key, sep, raw = item.partition("=")
            if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
                raw = raw[1:-1]
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


def option_items(text: str) -> list[str]:
    """`key=value` items separated by spaces; a value in double or single quotes may hold spaces and brackets."""
    items, current, quote = [], "", None
    for ch in text:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            current += ch
            quote = ch
        elif ch.isspace():
            if current:
                items.append(current)
            current = ""
        else:
            current += ch
    if quote:
        raise IRError(f"unterminated quote in pass options '{text}'")
    if current:
        items.append(current)
    return items


_PLAIN = re.compile(r"[^\s{}()\[\]<>\"',=]+")


def _format(value, hint, pass_name: str, option: str) -> str:
    """An option value as `from_options` reads it back."""
    if typing.get_origin(hint) is tuple:
        inner = typing.get_args(hint)[0]
        return ",".join(_format(v, inner, pass_name, option) for v in value)
    if hint is bool:
        return "true" if value else "false"
    if hint is float:
        return repr(float(value))
    if hint is int:
        return str(int(value))
    text = str(value)
    if _PLAIN.fullmatch(text):
        return text
    for quote in "\"'":
        if quote not in text:
            return f"{quote}{text}{quote}"
    raise IRError(f"option '{option}' of pass '{pass_name}' cannot be written in a pass pipeline: "
                  f"{text!r} holds both kinds of quote")


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
