"""Frontend: PyTorch early-exit networks -> the `atheena` dialect."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch_mlir import ir

from atheena import ir as air
from atheena.frontend.torch_import import import_torch
from atheena.errors import UnsupportedModelError
from atheena.pipeline import PipelineError, PipelineRunner


def import_model(
    model: nn.Module,
    example_input: torch.Tensor | Sequence[int],
    thresholds: Sequence[float] | float | None = None,
    context: ir.Context | None = None,
    func_name: str = "forward",
    convert: bool = True,
) -> ir.Module:
    """Import a PyTorch early-exit network as an `atheena` module.

    `example_input` is a batch-1 tensor or the per-sample shape (C, H, W), or (1, C, H, W).
    `forward` must return one logits tensor per exit, earliest first; a single
    tensor is a plain network.  `thresholds` gives one softmax threshold per
    early exit (a single value applies to all; default 0.9).  With
    `convert=False` the torch-dialect module is returned as torch-mlir wrote it.
    """
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
    module = import_torch(model, example_input, context, func_name=func_name)
    if not convert:
        return module
    from atheena.passes.convert_torch_to_atheena import ConvertTorchToAtheena

    if thresholds is None:
        convert_pass = ConvertTorchToAtheena()
    else:
        values = [thresholds] if isinstance(thresholds, (int, float)) else thresholds
        convert_pass = ConvertTorchToAtheena(thresholds=tuple(float(t) for t in values))
    runner = PipelineRunner(context, tool="atheena", save_reproducer=False)
    try:
        runner.run(module, f"builtin.module({convert_pass.spec()})")
    except PipelineError as err:
        if err.internal:  # a bug in the pass, not something the user's model can fix
            raise
        raise UnsupportedModelError("\n".join(d.message for d in err.diagnostics)) from None
    return module
