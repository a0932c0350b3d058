"""ONNX files for the ONNX frontend's tests, written in the test by PyTorch's own exporter (nothing downloaded).

`export_if` writes an early-exit network the way ATHEENA's published models were made: the
network's forward, with the exit test as Python control flow, compiled by TorchScript and
exported by `torch.onnx.export` (the TorchScript exporter), which writes
`Softmax -> ReduceMax -> Greater -> Cast -> If` with the next exit nested in the else-branch.
(TorchScript reads the source of these classes, so they live in a file.)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn


def _confident(logits: torch.Tensor, t: float, strict: bool) -> bool:
    top = torch.max(nn.functional.softmax(logits, dim=-1))
    if strict:
        return bool(top > t)
    return bool(top >= t)


class OneExit(nn.Module):
    """An `EarlyExitNet` with one early exit, returning the logits of the exit a sample takes."""

    def __init__(self, net, threshold: float, strict: bool = True):
        super().__init__()
        self.stages = net.stages
        self.exits = net.exits
        self.threshold = threshold
        self.strict = strict

    def forward(self, x):
        x = self.stages[0](x)
        e0 = self.exits[0](x)
        if _confident(e0, self.threshold, self.strict):
            return e0
        return self.stages[1](x)


class TwoExits(nn.Module):
    """An `EarlyExitNet` with two early exits: the second If nests in the first one's else-branch."""

    def __init__(self, net, thresholds: tuple[float, float], strict: bool = True):
        super().__init__()
        self.stages = net.stages
        self.exits = net.exits
        self.t0, self.t1 = thresholds
        self.strict = strict

    def forward(self, x):
        x = self.stages[0](x)
        e0 = self.exits[0](x)
        if _confident(e0, self.t0, self.strict):
            return e0
        x = self.stages[1](x)
        e1 = self.exits[1](x)
        if _confident(e1, self.t1, self.strict):
            return e1
        return self.stages[2](x)


def export(model: nn.Module, shape, path: Path, opset: int = 12, script: bool = False) -> Path:
    """`torch.onnx.export` (the TorchScript exporter) of `model` for one sample of `shape` (C, H, W)."""
    model = model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exported = torch.jit.script(model) if script else model
        torch.onnx.export(exported, (torch.zeros(1, *shape),), str(path), dynamo=False, opset_version=opset,
                          input_names=["input"])
    return path


def export_if(net, thresholds, path: Path, strict: bool = True) -> Path:
    """`net` (an `EarlyExitNet` with one or two early exits) in ATHEENA's exported form."""
    wrapper = OneExit(net, thresholds[0], strict) if len(net.exits) == 1 else TwoExits(net, tuple(thresholds), strict)
    return export(wrapper, net.input_shape, path, script=True)
