"""The one rule for exit thresholds, and its one error message.

A threshold is the softmax probability an exit's most confident class must
reach for a sample to leave there, so it lies strictly between 0 and 1 (at 1
no sample could leave, at 0 every one would).  Every place that takes
thresholds (the importer, the CLI, `compile`, profiling, the verifier, the
fixed-point reference) checks them here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from atheena.errors import AtheenaError


def threshold_problem(t) -> str | None:
    """Why `t` is not a threshold, or None."""
    try:
        ok = math.isfinite(float(t)) and 0.0 < float(t) < 1.0
    except (TypeError, ValueError):
        ok = False
    if ok:
        return None
    return (f"threshold {t} is outside (0, 1); a threshold is the softmax probability an exit must reach to "
            "answer, e.g. 0.9")


def check_threshold(t) -> float:
    problem = threshold_problem(t)
    if problem:
        raise AtheenaError(problem)
    return float(t)


def check_thresholds(thresholds: Sequence[float], early_exits: int) -> list[float]:
    """One threshold per early exit (a single value applies to all), each checked."""
    values = [check_threshold(t) for t in thresholds]
    if len(values) == 1 and early_exits > 1:
        values = values * early_exits
    if len(values) != early_exits:
        raise AtheenaError(f"the network has {early_exits} early exit(s) but {len(values)} threshold(s) were "
                           f"given ({','.join(map(str, values))}); give one per early exit")
    return values
