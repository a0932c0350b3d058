"""PyTorch -> torch dialect, through torch-mlir's FX importer.

Two things are adjusted from torch-mlir's defaults, both in this one file
because both reach into the importer's internals:

* weights are inlined as `DenseElementsAttr` (the default `dense_resource`
  blobs cannot be read back from Python), via `FxImporterHooks.resolve_literal`;
* each op's location is the model path of the layer that produced it
  (`loc("stages.1.0")`, from the FX node's `nn_module_stack`) instead of
  source-file positions, so errors name layers and output is the same on
  every machine.

No decompositions are applied: the graph keeps high-level ops (convolutions,
`aten.linear`, `aten.batch_norm`), which is what `convert-torch-to-atheena`
maps onto streaming layers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings

import torch
from torch_mlir import fx, ir
from torch_mlir.extras.fx_importer import ContextCache, FxImporter, FxImporterHooks

from atheena.errors import AtheenaError, UnsupportedModelError


class _InlineWeights(FxImporterHooks):
    def resolve_literal(self, gni, literal, info):
        if not isinstance(literal, torch.Tensor) or literal.dtype != torch.float32:
            return None
        array = literal.detach().cpu().contiguous().numpy()
        with gni._c:
            attr = ir.DenseElementsAttr.get(array)
            vtype = gni._cc.tensor_to_vtensor_type(literal)
            return ir.Operation.create("torch.vtensor.literal", results=[vtype], attributes={"value": attr}).result


def module_path(node: torch.fx.Node) -> str | None:
    """The dotted path of the innermost module that produced an FX node."""
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return None
    path = list(stack.values())[-1][0]
    return path or None


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def node_name(node: torch.fx.Node) -> str | None:
    """The layer path of an FX node, or for a functional call in forward() the
    place in the user's file (`net.py:12`, file name only so output does not
    depend on where the file lives)."""
    path = module_path(node)
    if path:
        return path
    frames = _FRAME.findall(node.meta.get("stack_trace") or "")
    if frames:
        file, line = frames[-1]
        return f"{os.path.basename(file)}:{line}"
    return None


class _LayerLocations(ContextCache):
    def get_node_location(self, node):
        name = node_name(node)
        return ir.Location.name(name, context=self._c) if name else ir.Location.unknown(context=self._c)


@contextlib.contextmanager
def _quiet_torch():
    """Silence warnings and the tracebacks torch logs while a failing trace unwinds."""
    loggers = [logging.getLogger(n) for n in ("torch._subclasses.fake_tensor", "torch.fx.experimental.symbolic_shapes",
                                              "torch._dynamo", "torch.export")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def check_float32(model: torch.nn.Module) -> None:
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        if tensor.is_floating_point() and tensor.dtype != torch.float32:
            raise UnsupportedModelError(f"{name} is {str(tensor.dtype).removeprefix('torch.')}; ATHEENA imports "
                                        "float32 models: call model.float() first")


def export_program(model: torch.nn.Module, example_input: torch.Tensor) -> torch.export.ExportedProgram:
    """`torch.export` with user-facing errors."""
    model = model.eval()
    check_float32(model)
    try:
        with _quiet_torch():
            return torch.export.export(model, (example_input,), strict=False)
    except Exception as err:  # torch raises many types; all mean "cannot trace"
        first = str(err).strip().splitlines()[0].rstrip(".") if str(err).strip() else type(err).__name__
        raise UnsupportedModelError(
            f"torch.export could not trace the model's forward() with an input of shape "
            f"{list(example_input.shape)}: {first}. Check the input shape, and keep forward() free "
            "of data-dependent Python control flow (return one logits tensor per exit instead)."
        ) from None


def import_torch(
    model: torch.nn.Module, example_input: torch.Tensor, context: ir.Context, func_name: str = "forward"
) -> ir.Module:
    """Import `model` into `context` as a torch-dialect module (weights inline)."""
    program = export_program(model, example_input)
    importer = FxImporter(context=context, hooks=_InlineWeights())
    importer._cc = _LayerLocations(context, py_attr_tracker=importer._py_attr_tracker)
    try:
        with _quiet_torch():
            return fx.export_and_import(program, fx_importer=importer, decomposition_table={}, func_name=func_name)
    except AtheenaError:
        raise
    except Exception as err:
        node_hint = ""
        for node in program.graph.nodes:
            if node.op == "call_function" and str(node.target) in str(err):
                node_hint = f"{node_name(node) or node.name}: "
                break
        raise UnsupportedModelError(
            f"{node_hint}torch-mlir could not import the model: {str(err).strip().splitlines()[0]}"
        ) from None
