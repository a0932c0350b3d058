"""Model zoo: the reference early-exit networks and their no-exit baselines.

`get("b-lenet")` builds a network (with its shipped trained weights, if any);
`get("b-lenet-baseline")` its backbone alone.  Each entry records its input shape and the early-exit
thresholds ATHEENA used, so `atheena import --example NAME` needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from atheena.errors import AtheenaError
from atheena.models import zoo
from atheena.models.early_exit import Backbone, EarlyExitNet


@dataclass(frozen=True)
class ZooEntry:
    name: str
    build: Callable[[], EarlyExitNet]
    dataset: str
    thresholds: tuple[float, ...]
    summary: str


ENTRIES: dict[str, ZooEntry] = {
    e.name: e
    for e in (
        ZooEntry("b-lenet", zoo.b_lenet, "mnist", (0.996,), "B-LeNet, MNIST, one early exit"),
        ZooEntry("b-alexnet", zoo.b_alexnet, "cifar10", (0.6,), "B-AlexNet, CIFAR-10, one early exit"),
        ZooEntry("triple-wins", zoo.triple_wins, "mnist", (0.6,), "Triple-Wins SmallCNN, MNIST, one early exit"),
        ZooEntry("b-lenet-3", zoo.b_lenet_3, "mnist", (0.99, 0.99), "B-LeNet with two early exits (three in all)"),
    )
}

BASELINE_SUFFIX = "-baseline"


def names() -> list[str]:
    """Every zoo name, early-exit networks and their baselines."""
    return [n for name in ENTRIES for n in (name, name + BASELINE_SUFFIX)]


def entry(name: str) -> ZooEntry:
    base = name.removesuffix(BASELINE_SUFFIX)
    if base not in ENTRIES:
        raise AtheenaError(f"there is no example network '{name}'; the examples are: {', '.join(names())}")
    return ENTRIES[base]


def weights_file(name: str) -> Path:
    """Where the trained weights of zoo network `name` ship (may not exist)."""
    return Path(str(resources.files(__name__).joinpath("weights"))) / f"{entry(name).name}.pt"


def has_trained_weights(name: str) -> bool:
    return weights_file(name).is_file()


def get(name: str, trained: bool = True, seed: int = 0) -> nn.Module:
    """Build zoo network `name` (an early-exit net, or its backbone with `-baseline`).

    With `trained` (the default) the weights shipped with ATHEENA are loaded
    when there are any (MNIST networks); otherwise weights are initialised
    from `seed`, so the same name always gives the same network and IR.
    A baseline shares the backbone weights of its early-exit network.
    """
    spec = entry(name)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = spec.build()
    if trained and has_trained_weights(name):
        net.load_state_dict(torch.load(weights_file(name), map_location="cpu", weights_only=True))
    return net.backbone_only() if name.endswith(BASELINE_SUFFIX) else net


__all__ = ["Backbone", "EarlyExitNet", "ENTRIES", "ZooEntry", "entry", "get", "has_trained_weights", "names", "weights_file"]
