"""Building blocks for early-exit networks in the form the compiler expects.

`EarlyExitNet` runs backbone stages in order and, after every stage but the
last, an exit classifier on that stage's output; `forward` returns one logits
tensor per exit, earliest first.  `backbone_only()` gives the no-exit baseline
(same stage modules, so the same weights): the comparison every gain is
measured against.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class EarlyExitNet(nn.Module):
    """Backbone `stages` with one exit classifier after each stage but the last."""

    def __init__(self, stages: Sequence[nn.Module], exits: Sequence[nn.Module], input_shape: tuple[int, ...]):
        super().__init__()
        if len(exits) != len(stages) - 1:
            raise ValueError("an early-exit network has one exit after every stage but the last")
        self.stages = nn.ModuleList(stages)
        self.exits = nn.ModuleList(exits)
        self.input_shape = tuple(input_shape)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i < len(self.exits):
                outputs.append(self.exits[i](x))
        return (*outputs, x)

    def backbone_only(self) -> "Backbone":
        """The network with its early exits removed (shares this network's weights)."""
        return Backbone(self.stages, self.input_shape)


class Backbone(nn.Module):
    """A plain network: the stages of an early-exit network run in sequence."""

    def __init__(self, stages: nn.ModuleList, input_shape: tuple[int, ...]):
        super().__init__()
        self.stages = stages
        self.input_shape = tuple(input_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages:
            x = stage(x)
        return x
