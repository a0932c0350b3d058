"""Semantic verification of `atheena` ops, beyond what IRDL checks.

IRDL verifies structure (operand counts, required attributes and their kinds).
This module checks meaning: parameter ranges, weight and output shapes, exit
thresholds, and the streaming discipline that every stream has exactly one
consumer (fan-out is an explicit `atheena.split`).  Each problem names the op
like MLIR's own verifier does ("'atheena.conv2d' op ..."), so the messages
read the same whether IRDL or this module found them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O

Problem = tuple[ir.Operation, str]


def window_output(size: int, kernel: int, stride: int, pad: int) -> int:
    """Output extent of a sliding window (floor mode, as PyTorch's default)."""
    return (size + 2 * pad - kernel) // stride + 1


def _window_params(op: ir.Operation) -> str | None:
    for name in ("kernel", "stride", "padding"):
        if not isinstance(op.attributes[name], ir.DenseI64ArrayAttr):
            return f"attribute '{name}' must be an array<i64: ...>, got {op.attributes[name]}"
    kernel, stride, padding = (O.int_array(op, n) for n in ("kernel", "stride", "padding"))
    for name, arr in (("kernel", kernel), ("stride", stride), ("padding", padding)):
        if len(arr) != 2:
            return f"attribute '{name}' must have 2 values (height, width), got {len(arr)}"
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        return "kernel and stride must be >= 1 and padding >= 0"
    in_shape = O.shape_of(op.operands[0])
    if len(in_shape) != 3:
        return f"input must be a C x H x W feature map, got shape {list(in_shape)}"
    _, h, w = in_shape
    ho, wo = (window_output(s, k, st, p) for s, k, st, p in zip((h, w), kernel, stride, padding))
    if ho < 1 or wo < 1:
        return f"kernel {kernel} does not fit the padded {h}x{w} input"
    out = O.shape_of(op.results[0])
    return None if len(out) == 3 and out[1:] == (ho, wo) else (
        f"output shape {list(out)} does not match the window arithmetic: expected [C, {ho}, {wo}]"
    )


def _check_conv2d(op: ir.Operation) -> str | None:
    problem = _window_params(op)
    if problem:
        return problem
    c, _, _ = O.shape_of(op.operands[0])
    f = O.shape_of(op.results[0])[0]
    groups = O.int_attr(op, "groups")
    if groups < 1 or c % groups or f % groups:
        return f"groups = {groups} must divide the input channels ({c}) and output channels ({f})"
    kh, kw = O.int_array(op, "kernel")
    problem = _check_dense(op, "weights", (f, c // groups, kh, kw)) or _check_dense(op, "bias", (f,))
    return problem


def _check_pool(op: ir.Operation) -> str | None:
    problem = _window_params(op)
    if problem:
        return problem
    kernel, padding = O.int_array(op, "kernel"), O.int_array(op, "padding")
    if any(2 * p > k for p, k in zip(padding, kernel)):
        return f"padding {padding} must be at most half the kernel {kernel}"
    if O.shape_of(op.results[0])[0] != O.shape_of(op.operands[0])[0]:
        return "pooling must keep the number of channels"
    return None


def _check_same_type(op: ir.Operation) -> str | None:
    if op.results[0].type != op.operands[0].type:
        return f"result type {op.results[0].type} must equal the input type {op.operands[0].type}"
    return None


def _check_linear(op: ir.Operation) -> str | None:
    (n_in,) = _vector(op.operands[0]) or (None,)
    (n_out,) = _vector(op.results[0]) or (None,)
    if n_in is None or n_out is None:
        return "input and result must be vectors (flatten feature maps first)"
    return _check_dense(op, "weights", (n_out, n_in)) or _check_dense(op, "bias", (n_out,))


def _check_flatten(op: ir.Operation) -> str | None:
    in_shape = O.shape_of(op.operands[0])
    out = _vector(op.results[0])
    if len(in_shape) != 3 or out is None or out[0] != int(np.prod(in_shape)):
        return f"must turn a C x H x W map into a vector of C*H*W elements, got {list(in_shape)} -> {op.results[0].type}"
    return None


def _check_split(op: ir.Operation) -> str | None:
    if len(op.results) < 2:
        return "must have at least 2 results (a split to one consumer is the input itself)"
    for r in op.results:
        if r.type != op.operands[0].type:
            return f"every result must have the input type {op.operands[0].type}"
    return None


def _check_types(op: ir.Operation) -> str | None:
    """Streams are static tensors of f32 (i1 for decisions); integer attributes are i64."""
    for what, values in (("operand", op.operands), ("result", op.results)):
        for i, v in enumerate(values):
            t = v.type
            if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
                return f"{what} #{i} must be a tensor with a static shape, got {t}"
            is_decision = (op.name == "atheena.exit_decision" and what == "result") or (
                op.name == "atheena.conditional_buffer" and what == "operand" and i == 1
            ) or (op.name == "atheena.split" and t.element_type == ir.IntegerType.get_signless(1) and t.rank == 0)
            if not is_decision and not isinstance(t.element_type, ir.F32Type):
                return f"{what} #{i} must hold f32 values, got {t}"
    for name in ("groups", "exit"):
        if name in op.attributes and ir.IntegerAttr(op.attributes[name]).type != ir.IntegerType.get_signless(64):
            return f"attribute '{name}' must be an i64 integer, got {op.attributes[name]}"
    if "threshold" in op.attributes and not isinstance(ir.FloatAttr(op.attributes["threshold"]).type, ir.F64Type):
        return f"attribute 'threshold' must be an f64 number, got {op.attributes['threshold']}"
    return None


def _check_exit_decision(op: ir.Operation) -> str | None:
    if _vector(op.operands[0]) is None:
        return "logits must be a vector"
    if op.results[0].type != O.decision_type():
        return f"result must be tensor<i1> (one decision per sample), got {op.results[0].type}"
    t = O.float_attr(op, "threshold")
    if not 0.0 < t < 1.0:
        return f"threshold {t} must be in (0, 1): it is a softmax probability"
    if O.int_attr(op, "exit") < 0:
        return "exit index must be >= 0"
    return None


def _check_conditional_buffer(op: ir.Operation) -> str | None:
    mode = O.str_attr(op, "mode")
    if mode not in ("drop_on_exit", "forward_on_exit"):
        return f"mode \"{mode}\" must be \"drop_on_exit\" or \"forward_on_exit\""
    if op.operands[1].type != O.decision_type():
        return f"decision operand must be tensor<i1>, got {op.operands[1].type}"
    return _check_same_type(op)


def _check_exit_merge(op: ir.Operation) -> str | None:
    if len(op.operands) < 2:
        return "must merge at least 2 exits"
    if _vector(op.results[0]) is None:
        return "result must be a vector of logits"
    for v in op.operands:
        if v.type != op.results[0].type:
            return f"every input must have the result type {op.results[0].type}, got {v.type}"
    return None


def _vector(value: ir.Value) -> tuple[int] | None:
    shape = O.shape_of(value)
    return shape if len(shape) == 1 else None


def _check_dense(op: ir.Operation, name: str, shape: tuple[int, ...]) -> str | None:
    attr = op.attributes[name]
    if not isinstance(attr, ir.DenseFPElementsAttr) or not isinstance(
        ir.ShapedType(attr.type).element_type, ir.F32Type
    ):
        return f"attribute '{name}' must be a dense f32 tensor"
    got = tuple(ir.ShapedType(ir.DenseElementsAttr(attr).type).shape)
    if got != shape:
        return f"attribute '{name}' has shape {list(got)}, expected {list(shape)}"
    return None


CHECKS: dict[str, Callable[[ir.Operation], str | None]] = {
    "atheena.conv2d": _check_conv2d,
    "atheena.max_pool2d": _check_pool,
    "atheena.avg_pool2d": _check_pool,
    "atheena.relu": _check_same_type,
    "atheena.linear": _check_linear,
    "atheena.flatten": _check_flatten,
    "atheena.split": _check_split,
    "atheena.exit_decision": _check_exit_decision,
    "atheena.conditional_buffer": _check_conditional_buffer,
    "atheena.exit_merge": _check_exit_merge,
}


def _stream_discipline(func: ir.Operation) -> list[Problem]:
    """Every stream produced or received by a network has exactly one consumer."""
    problems: list[Problem] = []
    block = func.regions[0].blocks[0]
    for op in O.body_ops(func):
        if not op.name.startswith("atheena."):
            continue
        for i, result in enumerate(op.results):
            n = len(list(result.uses))
            if n != 1:
                what = "is never used" if n == 0 else f"has {n} consumers"
                problems.append(
                    (op, f"'{op.name}' op result #{i} {what}; every stream needs exactly one "
                         "consumer (use 'atheena.split' to copy a stream)")
                )
    for i, arg in enumerate(block.arguments):
        n = len(list(arg.uses))
        if n > 1:
            problems.append((func, f"network input #{i} has {n} consumers; use 'atheena.split' to copy it"))
    return problems


def problems(module: ir.Module | ir.Operation) -> list[Problem]:
    """All semantic problems in a module's `atheena` ops, in program order."""
    found: list[Problem] = []
    with module.context, ir.Location.unknown(module.context):
        for func in O.network_functions(module):
            found.extend(_function_problems(func))
        found.extend(_misplaced(module))
    return found


def _decision_source(value: ir.Value) -> ir.Operation | None:
    """The exit_decision a decision stream comes from, through any splits."""
    owner = value.owner
    while isinstance(owner, ir.OpView) or isinstance(owner, ir.Operation):
        op = owner.operation if hasattr(owner, "operation") else owner
        if op.name == "atheena.exit_decision":
            return op
        if op.name != "atheena.split":
            return None
        owner = op.operands[0].owner
    return None


def _exit_structure(func: ir.Operation) -> list[Problem]:
    """Exit decisions are numbered 0..n-1 in program order; each buffer obeys the decision of its exit."""
    found: list[Problem] = []
    decisions = O.exit_decisions(func)
    for k, op in enumerate(decisions):
        if O.int_attr(op, "exit") != k:
            found.append((op, f"'atheena.exit_decision' op has exit = {O.int_attr(op, 'exit')}, but it is early exit "
                              f"#{k} in program order; number the exits 0, 1, ... from the earliest"))
    for op in O.body_ops(func):
        if op.name != "atheena.conditional_buffer":
            continue
        k = O.int_attr(op, "exit")
        source = _decision_source(op.operands[1])
        if source is None:
            found.append((op, "'atheena.conditional_buffer' op decision operand must come from an "
                              "'atheena.exit_decision' (possibly through splits)"))
        elif O.int_attr(source, "exit") != k:
            found.append((op, f"'atheena.conditional_buffer' op has exit = {k} but obeys the decision of exit "
                              f"{O.int_attr(source, 'exit')}"))
    return found


def _function_problems(func: ir.Operation) -> list[Problem]:
    found: list[Problem] = []
    for op in O.body_ops(func):
        check = CHECKS.get(op.name)
        message = (_check_types(op) or check(op)) if check else None
        if message:
            found.append((op, f"'{op.name}' op {message}"))
    found.extend(_stream_discipline(func))
    if not found:
        found.extend(_exit_structure(func))
    return found


def _misplaced(module: ir.Module | ir.Operation) -> list[Problem]:
    """atheena ops anywhere but directly in a function body."""
    found: list[Problem] = []
    top = module.operation if isinstance(module, ir.Module) else module

    def visit(op):
        op = op.operation if hasattr(op, "operation") else op
        if op.name.startswith("atheena.") and (op.parent is None or op.parent.name != "func.func"):
            found.append((op, f"'{op.name}' op must be directly in the body of a func.func (a network)"))
        return ir.WalkResult.ADVANCE

    top.walk(visit)
    return found
