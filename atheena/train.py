"""BranchyNet-style joint training of early-exit networks.

The loss is a weighted sum of the cross-entropy of every exit (ATHEENA used
1.0 for early exits and 0.3 for the final one).  Training is deterministic for
a given seed on a given machine: seeded initialisation, seeded shuffling and
augmentation, deterministic kernels.  Augmentation shifts images by up to
`shift` pixels (zero fill), which matters when, as here, only 8,000 images
are available for training.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import nn

from atheena.data import Dataset


@dataclass
class EpochReport:
    epoch: int
    loss: float
    accuracy: list[float]  # per exit, on the evaluation set
    seconds: float


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    exit_weights: Sequence[float] | None = None  # default: 1.0 per early exit, 0.3 final
    shift: int = 2
    seed: int = 0
    history: list[EpochReport] = field(default_factory=list)


def outputs_of(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out = model(x)
    return out if isinstance(out, tuple) else (out,)


def accuracy(model: nn.Module, data: Dataset, batch_size: int = 500) -> list[float]:
    """Float accuracy of every exit on its own (all samples through all exits)."""
    model.eval()
    correct = None
    with torch.no_grad():
        for i in range(0, len(data), batch_size):
            x = torch.from_numpy(data.images[i : i + batch_size])
            y = torch.from_numpy(data.labels[i : i + batch_size])
            hits = [int((o.argmax(1) == y).sum()) for o in outputs_of(model, x)]
            correct = hits if correct is None else [a + b for a, b in zip(correct, hits)]
    return [c / len(data) for c in correct]


def _shift(x: torch.Tensor, shift: int, gen: torch.Generator) -> torch.Tensor:
    """Shift every image by a random whole-pixel offset in [-shift, shift], zero fill."""
    if shift == 0:
        return x
    n, c, h, w = x.shape
    padded = nn.functional.pad(x, (shift, shift, shift, shift))
    rows = torch.randint(0, 2 * shift + 1, (n, 1), generator=gen) + torch.arange(h)
    cols = torch.randint(0, 2 * shift + 1, (n, 1), generator=gen) + torch.arange(w)
    return padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def train(
    model: nn.Module,
    train_set: Dataset,
    eval_set: Dataset,
    config: TrainConfig,
    progress: Callable[[EpochReport], None] | None = None,
) -> TrainConfig:
    """Train `model` in place; returns `config` with its per-epoch history filled in."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    x_all = torch.from_numpy(train_set.images)
    y_all = torch.from_numpy(train_set.labels)
    n_exits = len(outputs_of(model.eval(), x_all[:1]))
    weights = list(config.exit_weights or [1.0] * (n_exits - 1) + [0.3])
    if len(weights) != n_exits:
        raise ValueError(f"{len(weights)} exit weights for a network with {n_exits} exits")
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * ((len(train_set) + config.batch_size - 1) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_set), generator=gen)
        total, count = 0.0, 0
        for i in range(0, len(order), config.batch_size):
            idx = order[i : i + config.batch_size]
            x = _shift(x_all[idx], config.shift, gen)
            outs = outputs_of(model, x)
            loss = sum(w * loss_fn(o, y_all[idx]) for w, o in zip(weights, outs))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
            count += len(idx)
        report = EpochReport(epoch, total / count, accuracy(model, eval_set), time.perf_counter() - started)
        config.history.append(report)
        if progress:
            progress(report)
    return config


__all__ = ["EpochReport", "TrainConfig", "accuracy", "train"]
