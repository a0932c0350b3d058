"""TinyEE: a small early-exit CNN for MNIST, written from scratch for the README tutorial.

The compiler's convention: `forward` returns one logits tensor per exit,
earliest first, the last being the final classifier.  `input_shape` is the
shape of one sample and `thresholds` the softmax confidence the early exit
needs (both read by `atheena import`/`compile` when not given on the
command line).

    atheena train examples/tiny_ee.py:TinyEE --data ~/mnist --epochs 3 -o tiny_ee.pt
    atheena compile examples/tiny_ee.py:TinyEE --weights tiny_ee.pt -o tiny_ee
"""

from torch import nn


class TinyEE(nn.Module):
    """Two conv blocks; an early exit after the first, the final classifier after the second."""

    input_shape = (1, 28, 28)
    thresholds = (0.9,)

    def __init__(self):
        super().__init__()
        # shared by both exits: 1x28x28 -> 4x13x13
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.ReLU())
        # the early exit: a cheap classifier on the stem's features
        self.early = nn.Sequential(nn.Flatten(), nn.Linear(4 * 13 * 13, 10))
        # the rest of the backbone, run only by the samples the early exit is not sure of
        self.rest = nn.Sequential(
            nn.Conv2d(4, 8, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(),  # 8x6x6
            nn.Conv2d(8, 16, 3), nn.ReLU(),  # 16x4x4
            nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
        )

    def forward(self, x):
        features = self.stem(x)
        return self.early(features), self.rest(features)
