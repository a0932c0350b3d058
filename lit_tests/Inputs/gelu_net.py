import torch
from torch import nn
class Net(nn.Module):
    """A tiny network with a layer ATHEENA cannot map (GELU)."""

    input_shape = (1, 4, 4)
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 2, 3)
        self.act = nn.GELU()
        self.fc = nn.Linear(8, 3)
    def forward(self, x):
        return self.fc(torch.flatten(self.act(self.conv(x)), 1))
