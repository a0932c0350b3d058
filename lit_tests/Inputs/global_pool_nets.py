"""Small networks whose classifiers pool each channel over the whole map, three ways (global_avg_pool2d.mlir)."""

import torch
from torch import nn


class _Head(nn.Module):
    input_shape = (2, 7, 8)

    def __init__(self, pool: nn.Module):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(2, 3, 3)  # 3x5x6
        self.pool = pool
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))


class Adaptive(_Head):
    def __init__(self):
        super().__init__(nn.AdaptiveAvgPool2d(1))


class WholeMap(_Head):
    def __init__(self):
        super().__init__(nn.AvgPool2d((5, 6), stride=1))


class Mean(_Head):
    def __init__(self):
        super().__init__(nn.Identity())

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean((2, 3)))
