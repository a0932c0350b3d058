"""The networks of ATHEENA's evaluation, layer for layer as published.

Shapes and MAC counts are those of `ANCHORS.md` (the ATHEENA paper's
B-LeNet, B-AlexNet and Triple-Wins SmallCNN); `b-lenet-3` is our own
three-exit extension of B-LeNet, used to test more than one early exit.
"""

from __future__ import annotations

from torch import nn

from atheena.models.early_exit import EarlyExitNet


def b_lenet() -> EarlyExitNet:
    """B-LeNet (MNIST, 1x28x28): one early exit after the first conv block."""
    shared = nn.Sequential(nn.Conv2d(1, 5, 5, padding=4), nn.MaxPool2d(2, 2), nn.ReLU())
    exit0 = nn.Sequential(
        nn.Conv2d(5, 10, 3, padding=1), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(640, 10)
    )
    rest = nn.Sequential(
        nn.Conv2d(5, 10, 5, padding=4), nn.MaxPool2d(2, 2), nn.ReLU(),
        nn.Conv2d(10, 20, 5, padding=3), nn.MaxPool2d(2, 2), nn.ReLU(),
        nn.Flatten(), nn.Linear(720, 10),
    )
    return EarlyExitNet([shared, rest], [exit0], (1, 28, 28))


def b_alexnet() -> EarlyExitNet:
    """B-AlexNet (CIFAR-10, 3x32x32): one early exit after the first conv block."""
    shared = nn.Sequential(nn.Conv2d(3, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2))
    exit0 = nn.Sequential(
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Linear(288, 10),
    )
    rest = nn.Sequential(
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 96, 3, padding=1), nn.ReLU(),
        nn.Conv2d(96, 96, 3, padding=1), nn.ReLU(),
        nn.Conv2d(96, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Linear(576, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    return EarlyExitNet([shared, rest], [exit0], (3, 32, 32))


def triple_wins() -> EarlyExitNet:
    """Triple-Wins SmallCNN (MNIST, 1x28x28): one early exit after the first conv."""
    shared = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU())
    exit0 = nn.Sequential(
        nn.Conv2d(32, 16, 3, stride=2), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(576, 200), nn.Linear(200, 200), nn.Linear(200, 10),
    )
    rest = nn.Sequential(
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(1024, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10),
    )
    return EarlyExitNet([shared, rest], [exit0], (1, 28, 28))


def b_lenet_3() -> EarlyExitNet:
    """B-LeNet with a second early exit after its second conv block (three exits)."""
    shared = nn.Sequential(nn.Conv2d(1, 5, 5, padding=4), nn.MaxPool2d(2, 2), nn.ReLU())
    exit0 = nn.Sequential(
        nn.Conv2d(5, 10, 3, padding=1), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(640, 10)
    )
    middle = nn.Sequential(nn.Conv2d(5, 10, 5, padding=4), nn.MaxPool2d(2, 2), nn.ReLU())
    exit1 = nn.Sequential(
        nn.Conv2d(10, 10, 3, padding=1), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(250, 10)
    )
    rest = nn.Sequential(
        nn.Conv2d(10, 20, 5, padding=3), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(720, 10)
    )
    return EarlyExitNet([shared, middle, rest], [exit0, exit1], (1, 28, 28))
