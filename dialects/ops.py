"""Reading and building `atheena` ops from Python.

IRDL gives no generated op classes, so passes use these helpers to read
attributes as Python/numpy values and to create ops with a uniform layout.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from torch_mlir import ir


def shape_of(value: ir.Value) -> tuple[int, ...]:
    """Static shape of a stream value (the per-sample tensor shape)."""
    return tuple(ir.RankedTensorType(value.type).shape)


def tensor_type(shape: Sequence[int], element: ir.Type | None = None) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element or ir.F32Type.get())


def decision_type() -> ir.RankedTensorType:
    """Type of an exit decision stream: one i1 per sample."""
    return ir.RankedTensorType.get([], ir.IntegerType.get_signless(1))


def is_decision(value: ir.Value) -> bool:
    """Whether a stream carries exit decisions (one i1 per sample); needs no context."""
    t = ir.RankedTensorType(value.type)
    return t.rank == 0 and isinstance(t.element_type, ir.IntegerType) and ir.IntegerType(t.element_type).width == 1


def int_array(op: ir.Operation, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


def int_attr(op: ir.Operation, name: str) -> int:
    return ir.IntegerAttr(op.attributes[name]).value


def float_attr(op: ir.Operation, name: str) -> float:
    return ir.FloatAttr(op.attributes[name]).value


def str_attr(op: ir.Operation, name: str) -> str:
    return ir.StringAttr(op.attributes[name]).value


def dense(op: ir.Operation, name: str) -> np.ndarray:
    """A weights/bias attribute as a numpy array (copy)."""
    return np.array(ir.DenseElementsAttr(op.attributes[name]))


def attrs_for(**values) -> dict[str, ir.Attribute]:
    """Build an attribute dict from Python values with the dialect's conventions.

    Lists/tuples of ints become `array<i64: ...>`, ints `i64`, floats `f64`,
    strings `StringAttr`, numpy arrays dense f32 tensors.
    """
    out: dict[str, ir.Attribute] = {}
    for key, value in values.items():
        if isinstance(value, ir.Attribute):
            out[key] = value
        elif isinstance(value, np.ndarray):
            out[key] = ir.DenseElementsAttr.get(np.ascontiguousarray(value, dtype=np.float32))
        elif isinstance(value, bool):
            out[key] = ir.BoolAttr.get(value)
        elif isinstance(value, int):
            out[key] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)
        elif isinstance(value, float):
            out[key] = ir.FloatAttr.get_f64(value)
        elif isinstance(value, str):
            out[key] = ir.StringAttr.get(value)
        elif isinstance(value, (list, tuple)):
            out[key] = ir.DenseI64ArrayAttr.get([int(v) for v in value])
        else:
            raise TypeError(f"cannot make an attribute of {key}={value!r}")
    return out


def create(
    name: str,
    operands: Iterable[ir.Value],
    result_types: Sequence[ir.Type],
    loc: ir.Location | None = None,
    **attributes,
) -> ir.Operation:
    """Create an `atheena` op at the current insertion point."""
    return ir.Operation.create(
        name,
        results=list(result_types),
        operands=list(operands),
        attributes=attrs_for(**attributes),
        loc=loc,
    )


def module_body(module: ir.Module | ir.Operation) -> ir.Block:
    """The top-level block of a module given as `Module` or as its `builtin.module` op."""
    if isinstance(module, ir.Module):
        return module.body
    return module.regions[0].blocks[0]


def network_functions(module: ir.Module | ir.Operation) -> list[ir.Operation]:
    """The `func.func` ops of a module that contain `atheena` ops."""
    funcs = []
    for op in module_body(module).operations:
        op = op.operation
        if op.name != "func.func":
            continue
        body = op.regions[0].blocks[0]
        if any(inner.operation.name.startswith("atheena.") for inner in body.operations):
            funcs.append(op)
    return funcs


def body_ops(func: ir.Operation) -> list[ir.Operation]:
    """Ops of a function body in program order (which is a topological order)."""
    return [op.operation for op in func.regions[0].blocks[0].operations]


def exit_decisions(func: ir.Operation) -> list[ir.Operation]:
    """The network's exit decision ops, earliest exit first."""
    from atheena import kinds

    return [op for op in body_ops(func) if kinds.role(op) == "decision"]
