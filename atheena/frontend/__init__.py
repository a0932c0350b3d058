"""Frontend: PyTorch early-exit networks -> the `atheena` dialect."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch_mlir import ir

from atheena import ir as air
from atheena.frontend.torch_import import import_torch
from atheena.pipeline import PipelineRunner


def import_model(
    model: nn.Module,
    example_input: torch.Tensor | Sequence[int],
    thresholds: Sequence[float] | float | None = None,
    context: ir.Context | None = None,
    func_name: str = "forward",
) -> ir.Module:
    """Import a PyTorch early-exit network as an `atheena` module.

    `example_input` is a batch-1 tensor or the per-sample shape (C, H, W).
    `forward` must return one logits tensor per exit, earliest first; a single
    tensor is a plain network.  `thresholds` gives one softmax threshold per
    early exit (a single value applies to all; default 0.9).
    """
    if not isinstance(example_input, torch.Tensor):
        example_input = torch.zeros(1, *example_input)
    context = context or air.new_context()
    module = import_torch(model, example_input, context, func_name=func_name)
    if thresholds is None:
        option = ""
    else:
        values = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
        option = "{thresholds=" + ",".join(repr(float(t)) for t in values) + "}"
    PipelineRunner(context, tool="atheena").run(module, f"builtin.module(convert-torch-to-atheena{option})")
    return module
