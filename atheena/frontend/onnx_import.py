"""ONNX -> torch dialect, through torch-mlir's ONNX importer.

An ONNX file is read in three steps, all before MLIR sees it:

1. *Check*: `onnx.checker`, then models older than opset 13 are converted to
   opset 17 (torch-mlir's ONNX-to-torch patterns do not cover every old form,
   e.g. an opset-12 Softmax), and shapes are inferred.  The graph must take
   one float32 input of shape (1, C, H, W) (a symbolic batch is taken as 1) and
   hold only the ops in `SUPPORTED_OPS`; anything else is an error naming the
   node.
2. *Exits*: an early exit in ONNX is control flow.  ATHEENA's export (and
   fpgaConvNet's) writes each exit's decision into the graph as

       Softmax(logits) -> ReduceMax -> Greater(t) [-> Cast] -> If
           then: the exit's logits      else: the rest of the backbone

   with the next exit's `If` nested in the `else` branch.  `exit_graph`
   recognises this pattern (also `GreaterOrEqual`, no `Cast`, an `ArgMax`
   beside it) and rewrites the graph into the form the PyTorch frontend
   produces: one logits output per exit, earliest first, with no control
   flow.  The threshold of each exit is the constant of its comparison, and
   whether it is strict (`Greater`: exit iff max softmax > t) or not is
   kept, so the imported network decides as its ONNX does
   (`convert-torch-to-atheena`'s `comparisons` option).  Any other `If`,
   `Loop` or `Scan` is an error naming the node.  A graph with one output per
   exit (the training form) needs no rewriting; its thresholds come from the
   command line, as for PyTorch.
3. *Import*: `torch_mlir.extras.onnx_importer` writes the graph as `torch.operator
   "onnx.*"` ops, located at their node names, and the
   `convert-torch-onnx-to-torch` pass rewrites them into the same `aten`
   ops the FX importer writes, so one `convert-torch-to-atheena` maps both
   frontends.  Weights become inline dense constants (the importer would make
   `dense_resource` blobs, which Python cannot read back).

Why through torch-mlir rather than translating ONNX nodes directly: the ONNX
semantics (auto_pad, ceil_mode, Gemm's transposes, BatchNormalization,
Reshape's shape inputs) are then torch-mlir's, tested upstream, and the
network is checked and mapped to hardware by the same converter as a PyTorch
model's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atheena.errors import AtheenaError, UnsupportedModelError

#: ONNX ops a streaming network may hold (besides an early exit's decision, see `DECISION_OPS`)
SUPPORTED_OPS = ("Conv", "Gemm", "MatMul", "Add", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu",
                 "Flatten", "Reshape", "BatchNormalization", "Dropout", "Identity", "Constant")
#: the ops of an early exit's decision, removed when the exit is recognised
DECISION_OPS = ("Softmax", "ReduceMax", "Greater", "GreaterOrEqual", "Cast", "If", "ArgMax")
OPSET = 17  # older models are converted to this opset before import


@dataclass
class OnnxModel:
    """An ONNX network ready to import: one logits output per exit, earliest first, no control flow."""

    path: str
    proto: object  # onnx.ModelProto
    input_shape: tuple[int, int, int]  # (C, H, W) of one sample
    thresholds: tuple[float, ...] | None  # per early exit, from the graph's decisions; None: not in the graph
    comparisons: tuple[str, ...]  # per early exit: "gt" (Greater, exit iff max softmax > t) or "ge"

    @property
    def early_exits(self) -> int:
        return len(self.proto.graph.output) - 1


def is_onnx(spec: str | None) -> bool:
    return bool(spec) and str(spec).lower().endswith(".onnx")


def load_onnx(path: str | Path) -> OnnxModel:
    """Read, check and rewrite an ONNX file (steps 1 and 2 of the module docstring)."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise AtheenaError(f"ONNX file '{path}' not found")
    try:
        model = onnx.load(str(path))
    except Exception as err:  # protobuf's DecodeError and friends
        raise AtheenaError(f"could not read '{path}' as an ONNX model: {_first_line(err)}") from None
    try:
        onnx.checker.check_model(model)
    except Exception as err:
        raise UnsupportedModelError(f"{path} is not a valid ONNX model: {_first_line(err)}") from None
    model = _at_opset(model, path)
    shape = _input_shape(model, path)
    _check_ops(model.graph, path)
    graph, thresholds, comparisons = exit_graph(model.graph, path)
    rewritten = onnx.helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version,
                                       producer_name=model.producer_name)
    try:
        rewritten = onnx.shape_inference.infer_shapes(rewritten, strict_mode=True, data_prop=True)
    except Exception as err:
        raise UnsupportedModelError(f"{path}: ONNX shape inference failed: {_first_line(err)}") from None
    _inline_weights(rewritten.graph)
    return OnnxModel(str(path), rewritten, shape, thresholds, comparisons)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _at_opset(model, path: Path):
    import onnx
    from onnx import version_converter

    version = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if version is None:
        raise UnsupportedModelError(f"{path} imports no standard ONNX opset; only ai.onnx ops are supported")
    if version < 13:
        try:
            model = version_converter.convert_version(model, OPSET)
        except Exception as err:
            raise UnsupportedModelError(f"{path}: could not convert opset {version} to {OPSET}: "
                                        f"{_first_line(err)}") from None
    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as err:
        raise UnsupportedModelError(f"{path}: ONNX shape inference failed: {_first_line(err)}") from None


def _input_shape(model, path: Path) -> tuple[int, int, int]:
    """The one graph input's (C, H, W); a symbolic batch dimension is fixed at 1."""
    graph = model.graph
    weights = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in weights]
    if len(inputs) != 1:
        raise UnsupportedModelError(f"{path}: the network must take exactly one input tensor, it takes "
                                    f"{len(inputs)} ({', '.join(i.name for i in inputs)})")
    (value,) = inputs
    tensor = value.type.tensor_type
    if tensor.elem_type != 1:  # onnx.TensorProto.FLOAT
        raise UnsupportedModelError(f"{path}: input '{value.name}' must be float32")
    dims = list(tensor.shape.dim)
    if len(dims) != 4:
        raise UnsupportedModelError(f"{path}: input '{value.name}' must be an image batch (N, C, H, W), it has "
                                    f"{len(dims)} dimensions")
    if not dims[0].HasField("dim_value"):
        dims[0].dim_value = 1  # a symbolic batch (N): the accelerator streams one sample at a time
    if any(not d.HasField("dim_value") or d.dim_value < 1 for d in dims[1:]):
        raise UnsupportedModelError(f"{path}: input '{value.name}' must have a fixed C, H and W; export the model "
                                    "with a fixed input size")
    if dims[0].dim_value != 1:
        raise UnsupportedModelError(f"{path}: input '{value.name}' has a batch of {dims[0].dim_value}; the "
                                    "accelerator streams one sample at a time: export with a batch of 1")
    return tuple(int(d.dim_value) for d in dims[1:])


def _node_label(node) -> str:
    return f"node '{node.name}' ({node.op_type})" if node.name else f"a {node.op_type} node (output '{node.output[0]}')"


def _check_ops(graph, path: Path) -> None:
    """Every node's op is supported, in the main graph and in every branch."""
    for node in graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedModelError(f"{path}: {_node_label(node)} is from the custom domain '{node.domain}'; "
                                        "only standard ONNX ops are supported")
        if node.op_type in ("Loop", "Scan"):
            raise UnsupportedModelError(f"{path}: {_node_label(node)} is a loop; a streaming network has no "
                                        "loops (only an early exit's If, see 'atheena import --help')")
        if node.op_type not in SUPPORTED_OPS + DECISION_OPS:
            raise UnsupportedModelError(
                f"{path}: {_node_label(node)} is not supported. ATHEENA maps these ONNX ops to hardware: "
                f"{', '.join(SUPPORTED_OPS)}, and early exits written as Softmax -> ReduceMax -> Greater -> "
                "If. Replace the layer, or export the model without it.")
        for attr in node.attribute:
            if attr.HasField("g"):
                _check_ops(attr.g, path)


# -- early exits ---------------------------------------------------------------------------------


class _Graph:
    """The values of a graph and of the graphs around it: who produces a name, and constants."""

    def __init__(self, graph, outer: _Graph | None = None):
        self.graph = graph
        self.outer = outer
        self.producer = {out: node for node in graph.node for out in node.output}
        self.constants = {t.name: t for t in graph.initializer}

    def node_of(self, name: str):
        here = self
        while here is not None:
            if name in here.producer:
                return here.producer[name]
            here = here.outer
        return None

    def constant(self, name: str):
        """The value of `name` as a numpy array if it is an initializer or a Constant node's output."""
        from onnx import numpy_helper

        here = self
        while here is not None:
            if name in here.constants:
                return numpy_helper.to_array(here.constants[name])
            node = here.producer.get(name)
            if node is not None:
                if node.op_type == "Constant":
                    for attr in node.attribute:
                        if attr.name == "value":
                            return numpy_helper.to_array(attr.t)
                        if attr.name in ("value_float", "value_floats"):
                            return np.array(attr.f if attr.name == "value_float" else list(attr.floats))
                return None
            here = here.outer
        return None


def _through(g: _Graph, name: str, ops: tuple[str, ...]) -> str:
    """Follow `name` back through nodes of the given ops (one input each): Identity, Cast."""
    node = g.node_of(name)
    while node is not None and node.op_type in ops:
        name = node.input[0]
        node = g.node_of(name)
    return name


def _decision(g: _Graph, if_node, path: Path) -> tuple[str, float, str]:
    """(logits name, threshold, "gt"/"ge") of an early exit's If, or an error naming the node."""
    where = f"{path}: {_node_label(if_node)}"
    expected = ("branches on something other than an early-exit decision; ATHEENA reads an If only as an early "
                "exit: If(Greater(ReduceMax(Softmax(logits)), t)) whose then-branch returns those logits")
    compare = g.node_of(_through(g, if_node.input[0], ("Cast", "Identity")))
    if compare is None or compare.op_type not in ("Greater", "GreaterOrEqual"):
        raise UnsupportedModelError(f"{where} {expected}")
    t = g.constant(compare.input[1])
    if t is None or t.size != 1:
        raise UnsupportedModelError(f"{where}: the threshold of {_node_label(compare)} must be one constant number")
    reduce = g.node_of(_through(g, compare.input[0], ("Identity",)))
    if reduce is None or reduce.op_type != "ReduceMax":
        raise UnsupportedModelError(f"{where} {expected}")
    softmax = g.node_of(_through(g, reduce.input[0], ("Identity",)))
    if softmax is None or softmax.op_type != "Softmax":
        raise UnsupportedModelError(f"{where} {expected}")
    # one sample, so reducing over every axis or over the class axis is the same; the axis of the softmax
    # must be the class axis (1 or -1 of a (1, classes) tensor)
    axis = next((a.i for a in softmax.attribute if a.name == "axis"), -1)
    if axis not in (1, -1):
        raise UnsupportedModelError(f"{where}: {_node_label(softmax)} must take the softmax over the classes "
                                    f"(axis 1), not axis {axis}")
    value = float(np.asarray(t, dtype=np.float64).reshape(()))
    if t.dtype == np.float32:  # the shortest decimal that is this float32 (0.996, not 0.9959999918937683)
        value = float(np.format_float_positional(np.float32(value), unique=True))
    if not (0.0 < value < 1.0) or not math.isfinite(value):
        raise UnsupportedModelError(f"{where}: threshold {value} of {_node_label(compare)} must lie in (0, 1)")
    return _through(g, softmax.input[0], ("Identity",)), value, "gt" if compare.op_type == "Greater" else "ge"


def _branch(if_node, name: str):
    for attr in if_node.attribute:
        if attr.name == name:
            return attr.g
    raise UnsupportedModelError(f"{_node_label(if_node)} has no {name}")


def exit_graph(graph, path: str | Path = "model.onnx"):
    """(graph with one output per exit and no If, thresholds or None, comparisons); see the module docstring."""
    import onnx

    path = Path(path)
    if len(graph.output) > 1:  # the training form: already one logits output per exit
        for node in graph.node:
            if node.op_type == "If":
                raise UnsupportedModelError(f"{path}: {_node_label(node)}: a graph with one output per exit must "
                                            "not hold If nodes as well")
        return _pruned(graph, list(graph.node), list(graph.output), list(graph.initializer)), None, ()
    nodes, weights, outputs = [], list(graph.initializer), []
    thresholds, comparisons = [], []
    g, result = _Graph(graph), graph.output[0].name
    while True:
        last = g.producer.get(_through(g, result, ("Identity",)))
        body = [n for n in g.graph.node if n is not last] if last is not None and last.op_type == "If" else None
        if body is None:  # no more exits: this graph computes the final classifier
            for node in g.graph.node:
                if node.op_type == "If":
                    raise UnsupportedModelError(f"{path}: {_node_label(node)} is not the last step of its graph; "
                                                "ATHEENA reads an If only as an early exit whose else-branch "
                                                "holds the rest of the network")
            nodes += list(g.graph.node)
            outputs.append(result)
            break
        logits, t, comparison = _decision(g, last, path)
        then, rest = _branch(last, "then_branch"), _branch(last, "else_branch")
        if len(then.output) != 1 or len(rest.output) != 1:
            raise UnsupportedModelError(f"{path}: {_node_label(last)}: each branch of an early exit's If must "
                                        "return one tensor (the logits)")
        then_g = _Graph(then, g)
        if _through(then_g, then.output[0].name, ("Identity",)) != logits:
            raise UnsupportedModelError(f"{path}: {_node_label(last)}: the then-branch must return the logits the "
                                        "decision was taken on (the exit's own classifier)")
        nodes += body
        weights += list(then.initializer)
        outputs.append(logits)
        thresholds.append(t)
        comparisons.append(comparison)
        g, result = _Graph(rest, g), rest.output[0].name
        weights += list(rest.initializer)
    values = [onnx.ValueInfoProto(name=name) for name in outputs]
    return _pruned(graph, nodes, values, weights), tuple(thresholds), tuple(comparisons)


def _pruned(graph, nodes: list, outputs: list, weights: list):
    """A graph of the nodes and weights the outputs need (dead decision nodes, ArgMax beside them, gone)."""
    import onnx

    producer = {out: node for node in nodes for out in node.output}
    needed, live, stack = set(), {}, [o.name for o in outputs]
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        node = producer.get(name)
        if node is not None and id(node) not in live:
            live[id(node)] = node
            stack += [i for i in node.input if i]
    live = [n for n in nodes if id(n) in live]  # in graph order
    used = [w for w in weights if w.name in needed]
    weight_names = {w.name for w in used}
    inputs = [i for i in graph.input if i.name not in weight_names or i.name in needed]
    for value in outputs:
        value.ClearField("type")  # shape inference writes each output's type
    return onnx.helper.make_graph(live, graph.name or "network", inputs, outputs, used)


def _inline_weights(graph) -> None:
    """Float initializers and Constant tensors as float_data, which the importer writes as dense constants."""
    from onnx import numpy_helper

    def plain(tensor):
        if tensor.data_type == 1 and tensor.HasField("raw_data"):
            array = numpy_helper.to_array(tensor)
            tensor.ClearField("raw_data")
            tensor.float_data.extend(array.reshape(-1).tolist())

    for tensor in graph.initializer:
        plain(tensor)
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                plain(attr.t)


def import_onnx(model: OnnxModel, context, func_name: str = "forward"):
    """The torch-dialect module of `model` (step 3), in `context`."""
    from torch_mlir import ir
    from torch_mlir.extras import onnx_importer
    from torch_mlir.passmanager import PassManager

    model.proto.graph.name = func_name
    try:
        info = onnx_importer.ModelInfo(model.proto)
        module = info.create_module(context=context)
        onnx_importer.NodeImporter.define_function(info.main_graph, module.operation).import_all()
    except Exception as err:
        raise UnsupportedModelError(f"{model.path}: torch-mlir could not import the ONNX graph: "
                                    f"{_first_line(err)}") from None
    try:
        PassManager.parse("builtin.module(func.func(convert-torch-onnx-to-torch),canonicalize)",
                          context=context).run(module.operation)
    except ir.MLIRError as err:
        detail = "; ".join(f"{d.location}: {d.message}" for d in err.error_diagnostics) or str(err)
        raise UnsupportedModelError(f"{model.path}: torch-mlir could not convert the ONNX ops: {detail}") from None
    for op in module.body.operations:  # the importer's bookkeeping, not part of the network
        for name in [a for a in op.operation.attributes if a.startswith("torch.onnx_meta")]:
            del op.operation.attributes[name]
    return module
