"""`convert-torch-to-atheena`: torch-dialect network -> streaming `atheena` graph.

Input: a `func.func` in the torch dialect as torch-mlir's FX importer writes it
for a batch-1 model whose `forward` returns one logits tensor per exit,
earliest exit first (a single result is a plain network).  Weights must be
inline dense constants (`atheena import` arranges that).

The pass works in three steps:

1. *Layers*: each supported torch op becomes a `Node` (conv, pool, relu,
   linear, flatten); constants are evaluated; identity ops (dropout, clone,
   ...) disappear; a batch norm is folded into the convolution before it.
2. *Exits*: the backbone is the chain that produces the last result; each
   earlier result's branch is walked back to the backbone value it leaves from.
3. *Emit*: the backbone is written in order, and at each exit's fork point the
   early-exit machinery is inserted (the kinds of `atheena.kinds` with those
   roles): a split (one copy to the exit branch, one onward), the exit
   classifier, a split of its logits, an exit decision, a split of the
   decision, a conditional buffer that drops the onward copy of samples that
   exit, one that forwards the exit's logits of samples that exit, and at
   the end one exit merge.

Options: `thresholds` (one softmax threshold per early exit; a single value is
used for all exits; default 0.9) and `comparisons` (per early exit, or one for
all: `ge`, exit iff max softmax >= threshold, PyTorch's usual test and the
default; `gt`, exit iff it is > threshold, as ONNX's `Greater` in ATHEENA's
exported models).  Errors name the model layer (the op's
location carries the model path, e.g. `layer4.1.conv2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from torch_mlir import ir
from torch_mlir.dialects import func as func_d

from atheena import kinds
from atheena.dialects import ops as O
from atheena.ir import layer_name
from atheena.kinds.exit_decision import COMPARISONS
from atheena.thresholds import threshold_problem
from atheena.pass_base import ModulePass, PassFailure

#: the torch ops each op kind imports (`OpKind.torch_ops`, `OpKind.from_torch`)
_FROM_TORCH = {name: kind for kind in kinds.KINDS.values() for name in kind.torch_ops}
SUPPORTED_LAYERS = ", ".join(k.torch_layers for k in kinds.KINDS.values() if k.torch_layers) + " and Dropout"

_VTENSOR = re.compile(r"!torch\.vtensor<\[([-\d,]*)\],(\w+)>")
_IDENTITY_OPS = {
    "torch.aten.dropout",
    "torch.aten.dropout_",
    "torch.aten.feature_dropout",
    "torch.aten.clone",
    "torch.aten.detach",
    "torch.aten.contiguous",
    "torch.aten.alias",
}
_NOT_CONSTANT = object()


@dataclass(eq=False)
class Node:
    """One streaming layer of the network (or its input, kind 'input')."""

    kind: str
    source: Node | None
    shape: tuple[int, ...]
    loc: ir.Location
    attrs: dict = field(default_factory=dict)
    users: list = field(default_factory=list)


def _where(loc: ir.Location) -> str:
    """The model path of a layer, or '<unnamed layer>' when the IR carries no names."""
    return layer_name(loc) or "<unnamed layer>"


def _prefix(loc: ir.Location) -> str:
    """'layer.path: ' for messages; empty when the IR has no layer names (the
    diagnostic's file position then says where)."""
    name = layer_name(loc)
    return f"{name}: " if name else ""


def _vtensor_shape(value: ir.Value) -> tuple[list[int], str] | None:
    match = _VTENSOR.search(str(value.type))
    if not match:
        return None
    dims = [int(d) for d in match.group(1).split(",") if d]
    return dims, match.group(2)


class _LayerBuilder:
    """Step 1: evaluate a torch function into `Node`s."""

    def __init__(self, func: ir.Operation):
        self.func = func
        self.env: dict[ir.Value, object] = {}
        self.outputs: list[Node] = []
        self.layers: list[Node] = []

    def fail(self, op: ir.Operation, message: str):
        raise PassFailure(op, f"{_prefix(op.location)}{message}")

    def stream(self, op: ir.Operation, index: int = 0) -> Node:
        value = self.env.get(op.operands[index])
        if not isinstance(value, Node):
            self.fail(op, f"{_short(op.name)} expects a feature-map stream as operand #{index}")
        return value

    def const(self, op: ir.Operation, index: int):
        value = op.operands[index]
        result = self.env.get(value, _NOT_CONSTANT)
        if result is _NOT_CONSTANT:
            self.fail(op, f"{_short(op.name)} operand #{index} must be a constant")
        if isinstance(result, Node):
            self.fail(op, f"{_short(op.name)} operand #{index} must be a constant, not a computed tensor")
        return result

    def pair(self, op: ir.Operation, index: int, what: str) -> tuple[int, int]:
        value = self.const(op, index)
        if isinstance(value, int):
            return (value, value)
        if isinstance(value, list) and len(value) == 1:
            return (int(value[0]), int(value[0]))
        if isinstance(value, list) and len(value) == 2:
            return (int(value[0]), int(value[1]))
        self.fail(op, f"{_short(op.name)} {what} must be one or two integers, got {value!r}")

    def out_shape(self, op: ir.Operation, result: int = 0) -> tuple[int, ...]:
        parsed = _vtensor_shape(op.results[result])
        if parsed is None:
            self.fail(op, f"result type {op.results[result].type} is not a static torch tensor")
        dims, dtype = parsed
        if dtype != "f32":
            self.fail(op, f"only float32 models are supported, got {dtype}")
        if not dims or dims[0] != 1:
            self.fail(op, f"expected a batch of 1 (shape [1, ...]), got {dims}")
        return tuple(dims[1:])

    def build(self) -> None:
        block = self.func.regions[0].blocks[0]
        if len(block.arguments) != 1:
            raise PassFailure(
                self.func,
                f"the network must take exactly one input tensor, got {len(block.arguments)}",
            )
        arg = block.arguments[0]
        parsed = _vtensor_shape(arg)
        if parsed is None or len(parsed[0]) != 4 or parsed[0][0] != 1 or parsed[1] != "f32":
            raise PassFailure(
                self.func,
                f"the network input must be a float32 image batch of shape [1, C, H, W], got {arg.type}",
            )
        self.env[arg] = Node("input", None, tuple(parsed[0][1:]), self.func.location)
        for op in O.body_ops(self.func):
            self.visit(op)
        for out in self.outputs:
            out.users.append(None)  # a network result counts as a consumer
        self.fold_batch_norms()

    def visit(self, op: ir.Operation) -> None:
        name = op.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, op)
        elif name in _IDENTITY_OPS:
            self.env[op.results[0]] = self.stream(op)
        elif name in _FROM_TORCH:
            _FROM_TORCH[name].from_torch(self, op)
        elif name == "func.return":
            for i, value in enumerate(op.operands):
                out = self.env.get(value)
                if not isinstance(out, Node) or out.kind == "input":
                    self.fail(op, f"result #{i} of the network is not computed from its input")
                self.outputs.append(out)
        else:
            self.fail(
                op,
                f"{_short(name)} is not supported. ATHEENA maps these layers to hardware: "
                f"{SUPPORTED_LAYERS}. Replace the layer, or remove it from the model's forward().",
            )

    # -- constants -----------------------------------------------------------------
    def constant(self, op: ir.Operation) -> None:
        if op.name == "torch.constant.none":
            self.env[op.results[0]] = None
            return
        attr = op.attributes["value"]
        if isinstance(attr, ir.IntegerAttr):
            value = ir.IntegerAttr(attr).value
            self.env[op.results[0]] = bool(value) if op.name == "torch.constant.bool" else value
        elif isinstance(attr, ir.FloatAttr):
            self.env[op.results[0]] = ir.FloatAttr(attr).value
        elif isinstance(attr, ir.BoolAttr):
            self.env[op.results[0]] = ir.BoolAttr(attr).value
        elif isinstance(attr, ir.StringAttr):
            self.env[op.results[0]] = ir.StringAttr(attr).value
        else:
            self.fail(op, f"unsupported constant {attr}")

    def list_construct(self, op: ir.Operation) -> None:
        items = [self.env.get(v, _NOT_CONSTANT) for v in op.operands]
        if any(isinstance(v, Node) or v is _NOT_CONSTANT for v in items):
            # a list of tensors (e.g. for aten.cat): the op that uses it reports what is unsupported
            self.env[op.results[0]] = _NOT_CONSTANT
        else:
            self.env[op.results[0]] = items

    def literal(self, op: ir.Operation) -> None:
        attr = op.attributes["value"]
        if not isinstance(attr, ir.DenseElementsAttr):
            self.fail(
                op,
                "weights are stored as a dense_resource blob, which cannot be read from Python. "
                "Import the model with 'atheena import' (it inlines weights as dense constants).",
            )
        self.env[op.results[0]] = np.array(ir.DenseElementsAttr(attr), dtype=np.float32)

    # -- layers --------------------------------------------------------------------
    def add(self, op: ir.Operation, kind: str, source: Node, result: int = 0, **attrs) -> Node:
        """A layer of op `kind` (its full name, or a frontend-only kind such as "batch_norm")."""
        layer = Node(kind, source, self.out_shape(op, result), op.location, attrs)
        source.users.append(layer)
        self.layers.append(layer)
        self.env[op.results[result]] = layer
        return layer

    def batch_norm(self, op: ir.Operation) -> None:
        source = self.stream(op)
        gamma, beta, mean, var = (self.const(op, i) for i in (1, 2, 3, 4))
        if mean is None or var is None:
            self.fail(op, "batch norm without running statistics (track_running_stats=False) cannot be folded "
                          "into the convolution before it")
        if op.name == "torch.aten.batch_norm":
            if self.const(op, 5):
                self.fail(op, "batch norm in training mode; call model.eval() before importing")
            eps = self.const(op, 7)
        else:
            eps = self.const(op, 6)
        scale = 1.0 / np.sqrt(var.astype(np.float64) + eps)
        if gamma is not None:
            scale = scale * gamma
        shift = -mean * scale + (0.0 if beta is None else beta)
        self.add(op, "batch_norm", source, scale=scale, shift=shift)

    def alias(self, op: ir.Operation, source: Node) -> None:
        """`op`'s result is `source` itself (a reshape that changes nothing)."""
        self.env[op.results[0]] = source

    def bias_add(self, op: ir.Operation) -> None:
        """`x + b` with a constant `b` (ONNX's Gemm and MatMul+Add import as `mm` then `add`): folded into the
        bias of the linear layer or convolution before it, as a batch norm is."""
        first, second = (self.env.get(op.operands[i], _NOT_CONSTANT) for i in (0, 1))
        if isinstance(second, Node) and not isinstance(first, Node):
            first, second = second, first
        if not isinstance(first, Node):
            self.fail(op, "add of two constants is not a layer")
        if isinstance(second, Node):
            self.fail(op, "adding two computed tensors (a residual connection) is not supported; ATHEENA maps "
                          "chains of layers")
        if not isinstance(second, (np.ndarray, int, float)) or self.const(op, 2) != 1:
            self.fail(op, "only a constant bias added to a layer's output (alpha = 1) is supported")
        shape = (1, *first.shape)
        try:
            full = np.broadcast_to(np.asarray(second, dtype=np.float64), shape).reshape(shape[0], shape[1], -1)
        except ValueError:
            self.fail(op, f"a constant of shape {list(np.shape(second))} cannot be added to a layer output of "
                          f"shape {list(first.shape)}")
        if not np.all(full == full[:, :, :1]):
            self.fail(op, "only a bias per channel can be added to a layer's output (it is folded into the layer)")
        self.add(op, "bias_add", first, scale=None, shift=full[0, :, 0])

    def fold_batch_norms(self) -> None:
        """Fold each batch norm (scale and shift per channel) and each constant bias add into the
        convolution or linear layer it follows, if that is its only consumer."""
        for layer in list(self.layers):
            if layer.kind not in ("batch_norm", "bias_add"):
                continue
            what = "batch norm" if layer.kind == "batch_norm" else "a constant added to a layer's output"
            target = layer.source
            kind = kinds.KINDS.get(target.kind)
            allowed = "absorbs_batch_norm" if layer.kind == "batch_norm" else "absorbs_bias"
            if not getattr(kind, allowed, False) or target.users != [layer]:
                where = "a convolution" if layer.kind == "batch_norm" else "a convolution or linear layer"
                raise PassFailure(layer.loc, f"{_prefix(layer.loc)}{what} is supported only directly after "
                                             f"{where} whose output nothing else uses (it is folded into it)")
            scale, shift = layer.attrs["scale"], layer.attrs["shift"]
            if scale is not None:
                per_out = (slice(None),) + (None,) * (target.attrs["weights"].ndim - 1)
                target.attrs["weights"] = (target.attrs["weights"] * scale[per_out]).astype(np.float32)
                target.attrs["bias"] = target.attrs["bias"] * scale
            target.attrs["bias"] = (target.attrs["bias"] + shift).astype(np.float32)
            target.users = list(layer.users)
            for user in layer.users:
                if user is not None:  # None: the layer is a network result
                    user.source = target
            self.outputs = [target if out is layer else out for out in self.outputs]
            self.layers.remove(layer)
        for out in self.outputs:
            out.users = [u for u in out.users if u is not None]

    def transpose(self, op: ir.Operation) -> None:
        """The transpose of a constant matrix (ONNX's Gemm with transB imports as `mm(x, transpose(W))`)."""
        value = self.env.get(op.operands[0], _NOT_CONSTANT)
        if not isinstance(value, np.ndarray) or value.ndim != 2:
            self.fail(op, "transposing a computed tensor is not supported (only constant weight matrices)")
        if op.name == "torch.aten.transpose.int" and sorted(self.const(op, i) % 2 for i in (1, 2)) != [0, 1]:
            self.fail(op, "a transpose of a matrix must swap its two dimensions")
        self.env[op.results[0]] = np.ascontiguousarray(value.T)

def _short(name: str) -> str:
    return name.removeprefix("torch.")


_HANDLERS = {
    "torch.constant.int": _LayerBuilder.constant,
    "torch.constant.float": _LayerBuilder.constant,
    "torch.constant.bool": _LayerBuilder.constant,
    "torch.constant.none": _LayerBuilder.constant,
    "torch.constant.str": _LayerBuilder.constant,
    "torch.prim.ListConstruct": _LayerBuilder.list_construct,
    "torch.vtensor.literal": _LayerBuilder.literal,
    "torch.aten.batch_norm": _LayerBuilder.batch_norm,
    "torch.aten._native_batch_norm_legit_no_training": _LayerBuilder.batch_norm,
    "torch.aten.add.Tensor": _LayerBuilder.bias_add,
    "torch.aten.transpose.int": _LayerBuilder.transpose,
    "torch.aten.t": _LayerBuilder.transpose,
}


@dataclass
class _Exit:
    index: int
    fork: Node  # backbone layer whose output the exit branch reads
    branch: list[Node]  # exit classifier layers, in order


def _layer_macs(layer: Node) -> int:
    """Multiply-accumulates per sample of a layer (as `atheena.analysis.network.macs`): every weight is used
    once per output pixel."""
    if "weights" not in layer.attrs:
        return 0
    pixels = layer.shape[1] * layer.shape[2] if len(layer.shape) == 3 else 1
    return int(layer.attrs["weights"].size) * pixels


def _chain_to(layer: Node) -> list[Node]:
    """Layers from the network input to `layer`, inclusive, in order."""
    chain = []
    while layer is not None:
        chain.append(layer)
        layer = layer.source
    return chain[::-1]


def _find_exits(func: ir.Operation, outputs: list[Node]) -> tuple[list[Node], list[_Exit]]:
    """Step 2: the backbone chain and, per early exit, where it leaves the backbone."""
    backbone = _chain_to(outputs[-1])
    position = {id(layer): i for i, layer in enumerate(backbone)}
    exits: list[_Exit] = []
    seen: dict[int, int] = {}
    for k, out in enumerate(outputs[:-1]):
        if id(out) in position:
            raise PassFailure(func, f"exit {k} returns a value of the backbone ({_where(out.loc)}); "
                                    "each early exit needs its own classifier layers")
        branch = []
        layer = out
        while id(layer) not in position:
            if id(layer) in seen:
                raise PassFailure(func, f"exits {seen[id(layer)]} and {k} share the layer "
                                        f"{_where(layer.loc)}; exit branches must be separate")
            seen[id(layer)] = k
            branch.append(layer)
            layer = layer.source
        exits.append(_Exit(k, layer, branch[::-1]))
    for earlier, later in zip(exits, exits[1:]):
        if position[id(earlier.fork)] >= position[id(later.fork)]:
            raise PassFailure(
                func,
                f"exit {later.index} leaves the backbone at or before exit {earlier.index}; "
                "forward() must return the exits earliest first, each at a later backbone layer",
            )
    for ex in exits:
        branch = sum(_layer_macs(layer) for layer in ex.branch)
        rest = sum(_layer_macs(layer) for layer in backbone[position[id(ex.fork)] + 1 :])
        if branch > rest:
            raise PassFailure(
                func,
                f"exit {ex.index} (leaving after {_where(ex.fork.loc)}) costs {branch:,} MACs per sample, more "
                f"than the {rest:,} of the backbone after it: an early exit must be cheaper than finishing the "
                "network. Check that forward() returns the early exits first and the final classifier last.",
            )
    shapes = {out.shape for out in outputs}
    if any(len(s) != 1 for s in shapes) or len(shapes) != 1:
        raise PassFailure(func, f"every exit must return a vector of logits of the same size, got "
                                f"{[list(out.shape) for out in outputs]}")
    return backbone, exits


class _Emitter:
    """Step 3: write the `atheena` ops for the backbone, exits and merge."""

    def __init__(self, thresholds: list[float], comparisons: list[str]):
        self.thresholds = thresholds
        self.comparisons = comparisons
        self.results: list[ir.Value] = []

    def layer(self, layer: Node, value: ir.Value) -> ir.Value:
        kind = layer.kind
        result_type = O.tensor_type(layer.shape)
        op = O.create(kind, [value], [result_type], layer.loc, **layer.attrs)
        return op.results[0]

    def split(self, value: ir.Value, loc: ir.Location, n: int = 2) -> list[ir.Value]:
        op = O.create(kinds.by_role("split").name, [value], [value.type] * n, loc)
        return list(op.results)

    def early_exit(self, ex: _Exit, value: ir.Value) -> ir.Value:
        """Insert exit `ex` at backbone value `value`; return the onward stream."""
        loc = ir.Location.name(f"exit{ex.index}")
        to_exit, onward = self.split(value, loc)
        logits = to_exit
        for layer in ex.branch:
            logits = self.layer(layer, logits)
        to_decision, to_result = self.split(logits, loc)
        strict = {"comparison": "gt"} if self.comparisons[ex.index] == "gt" else {}  # ">=" is the default
        decision = O.create(kinds.by_role("decision").name, [to_decision], [O.decision_type()], loc,
                            threshold=float(self.thresholds[ex.index]), exit=ex.index, **strict).results[0]
        for_onward, for_result = self.split(decision, loc)
        buffer = kinds.by_role("buffer").name
        onward = O.create(buffer, [onward, for_onward], [onward.type], loc,
                          mode="drop_on_exit", exit=ex.index).results[0]
        result = O.create(buffer, [to_result, for_result], [to_result.type], loc,
                          mode="forward_on_exit", exit=ex.index).results[0]
        self.results.append(result)
        return onward

    def network(self, backbone: list[Node], exits: list[_Exit], arg: ir.Value) -> ir.Value:
        at_fork = {id(ex.fork): ex for ex in exits}
        value = arg
        for layer in backbone:
            if layer.kind != "input":
                value = self.layer(layer, value)
            if id(layer) in at_fork:
                value = self.early_exit(at_fork[id(layer)], value)
        if not exits:
            return value
        kind = kinds.by_role("merge")
        merge = O.create(kind.name, [*self.results, value], [value.type],
                         ir.Location.name(kind.name.removeprefix("atheena.")))
        return merge.results[0]


@dataclass(frozen=True)
class ConvertTorchToAtheena(ModulePass):
    """Convert a torch-dialect early-exit network into the atheena dataflow dialect."""

    name = "convert-torch-to-atheena"
    thresholds: tuple[float, ...] = (0.9,)
    comparisons: tuple[str, ...] = ("ge",)

    def apply(self, module: ir.Operation) -> None:
        converted = 0
        for op in list(O.module_body(module).operations):
            op = op.operation
            if op.name == "func.func" and _has_torch_ops(op):
                self._convert(op)
                converted += 1
        if not converted:
            raise PassFailure(module, "no function with torch-dialect ops found; the input must be "
                                      "torch-mlir's import of a PyTorch model (see 'atheena import')")

    def _thresholds(self, func: ir.Operation, n_early: int) -> list[float]:
        values = list(self.thresholds)
        if n_early and len(values) == 1:
            values = values * n_early
        if len(values) != n_early and n_early:
            raise PassFailure(func, f"the network has {n_early} early exit(s) but {len(values)} thresholds "
                                    f"were given ({','.join(map(str, values))}); give one per early exit")
        for t in values[:n_early]:
            if threshold_problem(t):
                raise PassFailure(func, threshold_problem(t))
        return values

    def _comparisons(self, func: ir.Operation, n_early: int) -> list[str]:
        values = list(self.comparisons)
        bad = [c for c in values if c not in COMPARISONS]
        if bad:
            raise PassFailure(func, f"comparison '{bad[0]}' must be 'ge' (exit iff max softmax >= threshold) or "
                                    "'gt' (exit iff max softmax > threshold)")
        if n_early and len(values) == 1:
            values = values * n_early
        if len(values) != n_early and n_early:
            raise PassFailure(func, f"the network has {n_early} early exit(s) but {len(values)} comparisons "
                                    f"were given ({','.join(values)}); give one per early exit, or one for all")
        return values

    def _convert(self, func: ir.Operation) -> None:
        builder = _LayerBuilder(func)
        builder.build()
        backbone, exits = _find_exits(func, builder.outputs)
        thresholds = self._thresholds(func, len(exits))
        comparisons = self._comparisons(func, len(exits))
        name = ir.StringAttr(func.attributes["sym_name"]).value
        in_type = O.tensor_type(backbone[0].shape)
        out_type = O.tensor_type(builder.outputs[-1].shape)
        with ir.InsertionPoint(func), func.location:
            new = func_d.FuncOp(name, ir.FunctionType.get([in_type], [out_type]))
            entry = new.add_entry_block()
        with ir.InsertionPoint(entry), func.location:
            result = _Emitter(thresholds, comparisons).network(backbone, exits, entry.arguments[0])
            func_d.ReturnOp([result])
        func.erase()


def _has_torch_ops(func: ir.Operation) -> bool:
    return any(op.name.startswith("torch.") for op in O.body_ops(func))
