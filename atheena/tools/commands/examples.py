"""`atheena examples`: the built-in networks that `--example NAME` accepts.

So users can find the names (and whether trained weights ship with them) without reading the source.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    sub.add_parser("examples", help="list the built-in example networks")


def cmd_examples(args) -> int:
    from atheena import models

    for name, entry in models.ENTRIES.items():
        trained = "trained weights shipped" if models.has_trained_weights(name) else "untrained (seeded) weights"
        print(f"{name:<14} {entry.summary}; thresholds {','.join(map(str, entry.thresholds))}; {trained}")
        print(f"{name + models.BASELINE_SUFFIX:<14}   its backbone without early exits")
    return 0
