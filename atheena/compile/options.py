"""What `atheena compile` is asked for, checked before any slow step.

Kept apart from the driver (and free of heavy imports) so that building the
command line's parser, which shows the defaults, costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from atheena.errors import AtheenaError
from atheena.thresholds import check_threshold, threshold_problem

DEFAULT_BUDGET = 0.5
DEFAULT_ACCURACY_DROP = 0.5  # percentage points, for thresholds="auto"
DEFAULT_SIMULATE = 500  # samples: Verilator build + run of B-LeNet in about 1.5 minutes on two cores
DEFAULT_WINDOW = 500  # samples per window of the worst-window rate (`atheena.dse.windows.DEFAULT_WINDOW`)


@dataclass(frozen=True)
class CompileOptions:
    """What `atheena compile` was asked for (its command-line options)."""

    board: str = "zc706"
    budget: float | None = None  # fraction of every resource; DEFAULT_BUDGET when no target is given
    target_throughput: float | None = None  # samples/s: the smallest budget that reaches it
    thresholds: Sequence[float] | str | None = None  # one per early exit (or one for all), "auto", or the network's
    max_accuracy_drop: float | None = None  # percentage points below the final exit alone, with "auto"
    data: str | None = None  # MNIST folder; None: the images bundled with ATHEENA
    simulate: int = DEFAULT_SIMULATE  # samples to simulate in Verilator (0: no simulation)
    synth: bool = False
    force: bool = False  # replace a non-empty OUT
    jobs: int | None = None  # explore on a local Dask cluster of this many worker processes (None: serially)
    scheduler: str | None = None  # or on the Dask cluster at this address (`atheena.parallel`)
    window: int = DEFAULT_WINDOW  # samples per window of the worst-window rate the design is ranked by

    @property
    def auto(self) -> bool:
        return isinstance(self.thresholds, str)


def check_options(options: CompileOptions) -> CompileOptions:
    """Reject impossible options with a message; returns them with defaults filled in."""
    from atheena.dse import boards

    if options.budget is not None and options.target_throughput is not None:
        raise AtheenaError("give either --budget or --target-throughput, not both: a target throughput decides "
                           "the budget (the smallest that reaches it)")
    if options.budget is not None and not (math.isfinite(options.budget) and 0.0 < options.budget <= 1.0):
        raise AtheenaError(f"budget {options.budget:g} must be in (0, 1]: the largest fraction of each of the "
                           "board's resources (DSP, BRAM18, LUT, FF) the design may use")
    if options.target_throughput is not None and not (math.isfinite(options.target_throughput)
                                                      and options.target_throughput > 0):
        raise AtheenaError(f"target throughput {options.target_throughput:g} must be a positive number of "
                           "samples per second")
    if isinstance(options.thresholds, str) and options.thresholds != "auto":
        raise AtheenaError(f"thresholds '{options.thresholds}' must be numbers or 'auto'")
    if not options.auto and options.thresholds is not None:
        if not options.thresholds:
            raise AtheenaError(threshold_problem("(none)"))
        for t in options.thresholds:
            check_threshold(t)
    if options.max_accuracy_drop is not None:
        if not options.auto:
            raise AtheenaError("--max-accuracy-drop only applies with --thresholds auto (it bounds how much "
                               "accuracy the automatically chosen thresholds may cost)")
        if not (math.isfinite(options.max_accuracy_drop) and 0.0 <= options.max_accuracy_drop <= 100.0):
            raise AtheenaError(f"--max-accuracy-drop {options.max_accuracy_drop:g} must be between 0 and 100 "
                               "percentage points")
    if options.simulate < 0:
        raise AtheenaError(f"--simulate {options.simulate} must be 0 (no simulation) or a number of samples")
    if options.window < 1:
        raise AtheenaError(f"--window {options.window} must be a positive number of samples (the length of the "
                           f"runs whose worst rate ranks the designs; default {DEFAULT_WINDOW})")
    boards.load(options.board)  # an unknown board fails now, not after the import
    from atheena.parallel import executor

    executor(options.jobs, options.scheduler)  # and so do impossible --jobs / --scheduler settings
    return replace(options,
                   budget=DEFAULT_BUDGET if options.budget is None and options.target_throughput is None
                   else options.budget,
                   max_accuracy_drop=DEFAULT_ACCURACY_DROP if options.auto and options.max_accuracy_drop is None
                   else options.max_accuracy_drop)
