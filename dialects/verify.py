"""Semantic verification of `atheena` ops, beyond what IRDL checks.

IRDL verifies structure (operand counts, required attributes and their kinds).
This module checks meaning: each op kind's own rules (`OpKind.check` in
`atheena.kinds`: parameter ranges, weight and output shapes, thresholds,
buffer modes and depths), the streaming discipline that every stream has
exactly one consumer (fan-out is an explicit `atheena.split`), the exit
structure, and the attributes that passes write and a user may edit:
`folding` (legal for the op's kind, on every op or none), `interval` (the
kind's interval at that folding), `reach_probability` (a probability that
agrees with the graph: an op is reached by every sample that reaches its
input, only a conditional buffer lets fewer through) and a conditional
buffer's `mode` against where its result goes.  Each problem names the op
like MLIR's own verifier does ("'atheena.relu' op ..."), so the messages
read the same whether IRDL or this module found them, and a pass never meets
an attribute it cannot use.
"""

from __future__ import annotations

import math

from torch_mlir import ir

from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.errors import AtheenaError

Problem = tuple[ir.Operation, str]
REACH_TOLERANCE = 1e-6


def _kinds():
    from atheena import kinds

    return kinds


def _check_types(op: ir.Operation) -> str | None:
    """Streams are static tensors of f32 (i1 for decisions); integer attributes are i64."""
    kind = _kinds().of(op)
    for what, values, decisions in (("operand", op.operands, kind.decision_operands),
                                    ("result", op.results, kind.decision_results)):
        for i, v in enumerate(values):
            t = v.type
            if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
                return f"{what} #{i} must be a tensor with a static shape, got {t}"
            is_decision = i in decisions or (kind.role == "split" and t == O.decision_type())
            if not is_decision and not isinstance(t.element_type, ir.F32Type):
                return f"{what} #{i} must hold f32 values, got {t}"
    for name in ("groups", "exit"):
        if name in op.attributes and ir.IntegerAttr(op.attributes[name]).type != ir.IntegerType.get_signless(64):
            return f"attribute '{name}' must be an i64 integer, got {op.attributes[name]}"
    if "threshold" in op.attributes and not isinstance(ir.FloatAttr(op.attributes["threshold"]).type, ir.F64Type):
        return f"attribute 'threshold' must be an f64 number, got {op.attributes['threshold']}"
    return None


def _check_annotations(op: ir.Operation) -> str | None:
    """`folding` and `interval`, as `fold` writes them."""
    kind = _kinds().of(op)
    try:
        folding = A.folding(op)
    except AtheenaError as err:
        return str(err)
    if folding is not None:
        problem = kind.check_folding(op, folding)
        if problem:
            return problem + "; run the `fold` pass to choose one"
    if "interval" in op.attributes:
        attr = op.attributes["interval"]
        if not isinstance(attr, ir.IntegerAttr) or ir.IntegerAttr(attr).value < 0:
            return f"interval {attr} must be a non-negative integer number of cycles per sample"
        if folding is not None:
            from atheena.kinds.base import interval_of

            want = interval_of(kind, op, folding)
            if ir.IntegerAttr(attr).value != want:
                return (f"interval {ir.IntegerAttr(attr).value} does not match the folding, whose interval is "
                        f"{want} cycles per sample; run the `fold` pass again")
    if "reach_probability" in op.attributes:
        attr = op.attributes["reach_probability"]
        q = ir.FloatAttr(attr).value if isinstance(attr, ir.FloatAttr) else math.nan
        if not (math.isfinite(q) and 0.0 <= q <= 1.0):
            return f"reach_probability {attr} must be a probability in [0, 1]"
    return None


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
            try:
                A.function_annotations(func)
            except AtheenaError as err:
                found.append((func, f"'func.func' op {err}"))
        found.extend(_misplaced(module))
    return found


def _decision_source(value: ir.Value) -> ir.Operation | None:
    """The exit decision a decision stream comes from, through any splits."""
    kinds = _kinds()
    owner = value.owner
    while isinstance(owner, ir.OpView) or isinstance(owner, ir.Operation):
        op = owner.operation if hasattr(owner, "operation") else owner
        if kinds.role(op) == "decision":
            return op
        if kinds.role(op) != "split":
            return None
        owner = op.operands[0].owner
    return None


def _consumer(value: ir.Value) -> ir.Operation | None:
    uses = list(value.uses)
    return uses[0].owner if len(uses) == 1 else None


def _exit_structure(func: ir.Operation) -> list[Problem]:
    """Exit decisions are numbered 0..n-1 in program order; each buffer obeys the decision of its exit, and
    its mode fits where its result goes (an exit's result buffer feeds the exit merge, the backbone's
    buffer the rest of the backbone)."""
    kinds = _kinds()
    found: list[Problem] = []
    decisions = O.exit_decisions(func)
    for k, op in enumerate(decisions):
        if O.int_attr(op, "exit") != k:
            found.append((op, f"'{op.name}' op has exit = {O.int_attr(op, 'exit')}, but it is early exit "
                              f"#{k} in program order; number the exits 0, 1, ... from the earliest"))
    for op in O.body_ops(func):
        if kinds.role(op) != "buffer":
            continue
        kind = kinds.of(op)
        k = kind.exit(op)
        source = _decision_source(op.operands[1])
        if source is None:
            found.append((op, f"'{op.name}' op decision operand must come from an '{kinds.by_role('decision').name}' "
                              "(possibly through splits)"))
        elif O.int_attr(source, "exit") != k:
            found.append((op, f"'{op.name}' op has exit = {k} but obeys the decision of exit "
                              f"{O.int_attr(source, 'exit')}"))
        user = _consumer(op.results[0])
        to_merge = user is not None and kinds.role(user) == "merge"
        mode = kind.mode(op)
        if to_merge != (mode == "forward_on_exit"):
            where = "the exit merge" if to_merge else "the rest of the backbone"
            want = "forward_on_exit" if to_merge else "drop_on_exit"
            found.append((op, f"'{op.name}' op has mode \"{mode}\" but its result goes to {where}, which "
                              f"needs \"{want}\" (an exit's result buffer forwards the samples that exit, the "
                              "backbone's buffer drops them)"))
    return found


def _function_problems(func: ir.Operation) -> list[Problem]:
    kinds = _kinds()
    found: list[Problem] = []
    for op in O.body_ops(func):
        kind = kinds.KINDS.get(op.name)
        message = (_check_types(op) or kind.check(op) or _check_annotations(op)) if kind else None
        if message:
            found.append((op, f"'{op.name}' op {message}"))
    found.extend(_stream_discipline(func))
    if not found:
        found.extend(_exit_structure(func))
    if not found:
        found.extend(_complete(func, "folding", "run the `fold` pass again: it writes one on every op"))
        found.extend(_complete(func, "reach_probability",
                               "run annotate-exit-probabilities again: it writes one on every op"))
    if not found:
        found.extend(_reach_flow(func))
    return found


def _complete(func: ir.Operation, name: str, fix: str) -> list[Problem]:
    """An annotation on some ops must be on all: passes read it from every op."""
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    having = [op for op in ops if name in op.attributes]
    if not having or len(having) == len(ops):
        return []
    return [(op, f"'{op.name}' op has no '{name}' but other ops of the network do; {fix}")
            for op in ops if name not in op.attributes]


def _reach_flow(func: ir.Operation) -> list[Problem]:
    """Reach probabilities agree with the graph.

    Every sample that reaches an op's input reaches the op; only a conditional buffer lets fewer
    through (those its exit decides), so its consumer may be reached by any fraction up to the
    buffer's own; the exit merge is reached by what its inputs bring.
    """
    kinds = _kinds()
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    if not ops or "reach_probability" not in ops[0].attributes:
        return []
    exact: dict = {func.regions[0].blocks[0].arguments[0]: 1.0}  # value -> fraction of samples on it
    bound: dict = {}  # value -> at most this fraction (a conditional buffer's output)
    found: list[Problem] = []
    for op in ops:
        q = ir.FloatAttr(op.attributes["reach_probability"]).value
        role = kinds.role(op)
        inputs = op.operands if role == "merge" else op.operands[:1]
        if all(v in exact for v in inputs):
            want = min(1.0, sum(exact[v] for v in inputs))
            if abs(q - want) > REACH_TOLERANCE:
                found.append((op, f"'{op.name}' op has reach_probability {q:g}, but {want:g} of the samples reach "
                                  "its input and every one of them reaches it; run annotate-exit-probabilities "
                                  "again (or fold with exit_probabilities)"))
                q = want  # go on from what the graph says, so that one wrong op is one error
        elif any(v in bound for v in inputs) and q > min(1.0, sum(bound.get(v, exact.get(v, 1.0))
                                                                 for v in inputs)) + REACH_TOLERANCE:
            found.append((op, f"'{op.name}' op has reach_probability {q:g}, more than the conditional buffer "
                              "in front of it lets through; run annotate-exit-probabilities again"))
        for r in op.results:
            (bound if role == "buffer" else exact)[r] = q
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
