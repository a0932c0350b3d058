"""Frontend: PyTorch and ONNX early-exit networks -> the `atheena` dialect.

PyTorch models go through torch-mlir's FX importer (`torch_import`), ONNX
files through its ONNX importer (`onnx_import`, which first turns an early
exit's `If` into one output per exit); both then meet in
`convert-torch-to-atheena`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from torch import nn
from torch_mlir import ir

from atheena import ir as air
from atheena.frontend.torch_import import import_torch
from atheena.errors import UnsupportedModelError
from atheena.pipeline import PipelineError, PipelineRunner


def import_model(
    model,
    example_input: torch.Tensor | Sequence[int] | None = None,
    thresholds: Sequence[float] | float | None = None,
    context: ir.Context | None = None,
    func_name: str = "forward",
    convert: bool = True,
) -> ir.Module:
    """Import an early-exit network as an `atheena` module.

    `model` is an `nn.Module`, an ONNX file's path, or a loaded `onnx_import.OnnxModel`.
    `example_input` is a batch-1 tensor or the per-sample shape (C, H, W), or (1, C, H, W)
    (an ONNX model's own input shape when None).
    A PyTorch `forward` must return one logits tensor per exit, earliest first; a single
    tensor is a plain network.  `thresholds` gives one softmax threshold per
    early exit (a single value applies to all); default: an ONNX graph's own (the
    constants of its exits' `Greater`), else 0.9.  With
    `convert=False` the torch-dialect module is returned as torch-mlir wrote it.
    """
    from atheena.frontend import onnx_import

    if isinstance(model, (str, Path)):
        if not onnx_import.is_onnx(str(model)):
            raise UnsupportedModelError(f"'{model}' is not an ONNX file (.onnx); give an nn.Module or a .onnx path")
        model = onnx_import.load_onnx(model)
    comparisons: tuple[str, ...] = ()
    if isinstance(model, onnx_import.OnnxModel):
        from atheena.frontend.loading import sample_shape

        if example_input is not None:
            given = tuple(example_input.shape) if isinstance(example_input, torch.Tensor) else example_input
            if sample_shape(given) != model.input_shape:
                raise UnsupportedModelError(f"{model.path} takes inputs of shape {list(model.input_shape)}, not "
                                            f"{list(sample_shape(given))}; leave the input shape out for an ONNX model")
        context = context or air.new_context()
        module = onnx_import.import_onnx(model, context, func_name=func_name)
        thresholds = model.thresholds if thresholds is None else thresholds
        comparisons = model.comparisons
    else:
        if example_input is None:
            raise UnsupportedModelError("give the input shape (C, H, W) of a PyTorch model")
        module = _import_torch(model, example_input, context, func_name)
    if not convert:
        return module
    from atheena.passes.convert_torch_to_atheena import ConvertTorchToAtheena

    options = {}
    if thresholds is not None:
        values = [thresholds] if isinstance(thresholds, (int, float)) else thresholds
        options["thresholds"] = tuple(float(t) for t in values)
    if comparisons:
        options["comparisons"] = tuple(comparisons)
    convert_pass = ConvertTorchToAtheena(**options)
    runner = PipelineRunner(module.context, tool="atheena", save_reproducer=False)
    try:
        runner.run(module, f"builtin.module({convert_pass.spec()})")
    except PipelineError as err:
        if err.internal:  # a bug in the pass, not something the user's model can fix
            raise
        raise UnsupportedModelError("\n".join(d.message for d in err.diagnostics)) from None
    return module


def _import_torch(model: nn.Module, example_input, context, func_name: str) -> ir.Module:
    if not isinstance(example_input, torch.Tensor):
        from atheena.frontend.loading import sample_shape

        example_input = sample_shape(example_input)
        size = 1
        for d in example_input:
            size *= int(d)
        if size > 2**28:
            raise UnsupportedModelError(f"an input of shape {list(example_input)} ({size:,} values per sample) is "
                                        "too large for a streaming accelerator; check --input-shape")
        example_input = torch.zeros(1, *example_input)
    context = context or air.new_context()
    return import_torch(model, example_input, context, func_name=func_name)
