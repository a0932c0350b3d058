"""Co-exploration of exit thresholds and board budgets: which design `compile` builds.

Every point of the exploration is one threshold setting (exit rates and
accuracy measured once by profiling, `atheena.profiling.ExitProfile`) at one
budget, with the throughput and resources that `fold` would give it.  The
optimiser's layers are built once and only their reach probabilities change
between points, so a point costs one HiGHS solve (about 0.2 s for B-LeNet),
not a whole `fold` pass (about 1 s, most of it enumerating foldings).

Each point is the design of `atheena.dse.fold.Folder`, the one fold that the
`fold` pass runs too (headroom after exits, lane converters within the
budget), and the baseline at each budget is the same fold of the backbone;
`compile` runs the real `fold` afterwards and a test checks that it predicts
exactly the chosen point's throughput.

Choosing (`explore`):

* the calibration images are split in two (`compile`): the first half (the
  calibration split) decides which threshold settings are admissible and
  offers `auto`'s candidates; every setting is folded for the upper bound of
  its reach on either half (`atheena.dse.windows.fold_reach`: never for less
  than the test split shows, plus a margin), and is ranked on the second half
  (the test split) by the rate of its worst window of W samples, then its
  throughput there, then its accuracy there (ties on throughput go to the
  more accurate setting), then the smaller largest resource share;
* with a budget: the best point at that budget;
* with a target throughput: the point needing the smallest budget to reach it
  (`smallest_budget_for`, exact: the cheapest design under the same model);
* with `--thresholds auto`, only points whose fixed-point accuracy is within
  `max_accuracy_drop` percentage points of the final exit alone compete;
  otherwise the given (or the network's own) thresholds are the only candidate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from atheena.dse import windows
from atheena.dse.fold import Folder
from atheena.errors import AtheenaError, NoFeasibleDesign
from atheena.ir import to_text
from atheena.parallel import Executor, run_jobs
from atheena.profiling import ExitProfile

# Thresholds tried for every early exit (one value for all exits at a time), besides the given ones.
THRESHOLD_GRID = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999)
# Budgets of the Pareto fronts (and of the co-exploration with `auto`), besides the chosen one.
BUDGET_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)


@dataclass
class Point:
    """One threshold setting at one budget and the design `fold` would build for it."""

    thresholds: tuple[float, ...]
    exit_rates: tuple[float, ...]  # fraction of all samples leaving at each early exit
    accuracy: dict  # {"float", "fixed"} overall accuracy under these thresholds
    budget: float
    design: dict | None  # throughput_sps, cycles_per_sample, resources, max_resource_share; None: does not fit
    admissible: bool | None = None  # within the accuracy drop (None when thresholds were not explored)
    fold_rates: tuple[float, ...] = ()  # the exit rates it is folded for (`windows.fold_reach`'s margin)
    test: dict | None = None  # on the test split: accuracy, exit_rates, throughput_sps and worst_window_sps

    @property
    def throughput_sps(self) -> float:
        return self.design["throughput_sps"] if self.design else 0.0

    def rank(self) -> tuple:
        """What `explore` maximises: the worst window's and the test split's throughput when there is a
        test split (else the design's), then accuracy, then the smaller largest resource share."""
        if not self.design:
            return (0.0,)
        share = -self.design["max_resource_share"]
        if self.test:
            return (self.test["worst_window_sps"], self.test["throughput_sps"], self.test["accuracy"]["fixed"],
                    share, self.thresholds)
        return (self.throughput_sps, self.accuracy["fixed"], share, self.thresholds)

    def as_dict(self) -> dict:
        out = {"thresholds": list(self.thresholds), "exit_rates": list(self.exit_rates),
               "accuracy": dict(self.accuracy), "budget": self.budget, "design": self.design,
               "admissible": self.admissible}
        if self.test is not None:
            out["fold_rates"] = list(self.fold_rates)
            out["test"] = self.test
        return out


@dataclass
class Exploration:
    """Every point evaluated, the baseline per budget, and the chosen point."""

    points: list[Point]
    baseline: dict[float, dict | None]  # budget -> baseline design summary (None: does not fit)
    chosen: Point
    final_accuracy: float  # fixed-point accuracy of the final exit alone
    max_accuracy_drop: float | None  # percentage points, when thresholds were chosen automatically
    target_throughput: float | None = None
    budgets: list[float] = field(default_factory=list)


class Explorer:
    """Predicts `fold`'s design for any exit rates and budget of one network on one board.

    `designs` evaluates many points at once: serially here, or as jobs on Dask (`where`, see
    `atheena.parallel`), each job the same `Folder.fold` on the network sent as IR text."""

    def __init__(self, module, board: str, headroom: float | None = None, where: Executor = Executor()):
        self.folder = Folder(module, board) if headroom is None else Folder(module, board, headroom)
        self.func = self.folder.func
        self.board = self.folder.board
        self.early_exits = self.folder.early_exits
        self.headroom = headroom
        self.where = where
        self._text = None if where.serial else to_text(module, debug_info=True)

    def designs(self, points: Sequence[tuple[Sequence[float] | None, float]], quiet: bool = True,
                what: str = "designs", bar: Callable | None = None) -> list[dict | None]:
        """`design(rates, budget)` for every (rates, budget), `baseline(budget)` where rates is None; in order.
        `bar(items, total, what)` shows serial progress (jobs on Dask have their own)."""
        if self.where.serial:
            items = bar(points, len(points), what) if bar else points
            return [self.baseline(b) if r is None else self.design(r, b) for r, b in items]
        from atheena.dse.sweeps import fold_point

        jobs = [(self._text, self.board, self.headroom, b, None if r is None else list(r)) for r, b in points]
        names = [f"{'baseline' if r is None else 'exit rates ' + ','.join(f'{x:.4g}' for x in r)} at budget {b:g}"
                 for r, b in points]
        return run_jobs(fold_point, jobs, names, self.where, quiet=quiet, what=what)

    def design(self, rates: Sequence[float], budget: float) -> dict | None:
        """Summary of the design `fold` builds at `budget` for these exit rates, or None if none fits."""
        try:
            return self.folder.fold(budget, rates).summary()
        except NoFeasibleDesign:
            return None

    def baseline(self, budget: float) -> dict | None:
        try:
            return self.folder.baseline(budget).summary()
        except NoFeasibleDesign:
            return None

    def smallest_budget(self) -> float:
        """The smallest budget at which any folding of the network fits."""
        return self.folder.smallest_budget()

    def smallest_budget_for(self, rates: Sequence[float], throughput_sps: float, below: float = 1.0
                            ) -> float | None:
        """The smallest budget, to 1e-4, at which `fold` reaches `throughput_sps`; None if no budget
        up to `below` (and never above 1) does.

        Bounds: no design of the network reaches the target under its true reach
        with less than `cheapest(true reach)`, and `fold` surely reaches it at
        `cheapest(inflated reach)` (its design is at least that fast under the
        inflated reach, so under the true one too).  Between them, bisection on
        a 1e-4 grid (`fold`'s throughput grows with the budget).
        """
        cycles = self.board.clock_mhz * 1e6 / throughput_sps
        sure = self.folder.cheapest(self.folder.reach(rates), cycles, inflate=True)
        if sure is None:
            return None
        bound = self.folder.cheapest(self.folder.reach(rates), cycles, inflate=False)

        def reaches(units: int) -> bool:
            design = self.design(rates, units / 1e4)
            return design is not None and design["throughput_sps"] >= throughput_sps

        hi = min(10_000, math.ceil(sure.budget * 1e4 - 1e-6))
        if sure.budget > 1.0 and not reaches(hi):  # beyond the whole device
            return None
        lo = max(1, math.floor(bound.budget * 1e4)) if bound is not None else hi
        if lo > round(below * 1e4):  # cannot beat what the caller already has
            return None
        if reaches(lo):
            return lo / 1e4
        # `sure` leaves out the lane converters, which `fold` keeps within the budget too: widen until it fits
        while not reaches(hi):
            if hi >= 10_000:
                return None
            lo, hi = hi, min(10_000, hi + max(1, (hi - lo)))
        while hi - lo > 1:  # invariant: `lo` does not reach the target, `hi` does
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
        return hi / 1e4

    def fastest(self, rates: Sequence[float]) -> float:
        design = self.design(rates, 1.0)
        return design["throughput_sps"] if design else 0.0


def candidate_thresholds(profile: ExitProfile, own: Sequence[float], auto_drop: float | None
                         ) -> list[tuple[float, ...]]:
    """Threshold settings to explore: the grid (one value for every early exit) up to the thresholds
    the fixed-point decisions resolve faithfully (`faithful_limit`), `own` (the given or the network's
    setting), and with `auto` the setting that minimises MACs within the accuracy drop."""
    n = profile.early_exits
    if n == 0:
        return [()]
    settings = {tuple([t] * n) for t in THRESHOLD_GRID if all(t <= profile.limit(k) for k in range(n))}
    settings.add(tuple(float(t) for t in own))
    if auto_drop is not None:
        settings.add(tuple(profile.auto_thresholds(auto_drop)))
    return sorted(settings)


def explore(explorer: Explorer, profile: ExitProfile, settings: list[tuple[float, ...]], own: tuple[float, ...],
            budget: float | None, target_throughput: float | None, auto_drop: float | None,
            bar: Callable[[Iterable, int, str], Iterable] = lambda it, n, what: it, quiet: bool = True,
            test: ExitProfile | None = None, window: int = windows.DEFAULT_WINDOW) -> Exploration:
    """Evaluate `settings` and choose a design (see the module docstring).

    Exactly one of `budget` and `target_throughput` is given.  With
    `auto_drop` (thresholds chosen automatically), every setting within the
    accuracy drop competes and every setting is evaluated at every budget of
    the grid (the co-exploration); otherwise `own` is the design and the
    other settings, evaluated at its budget, show what other thresholds
    would give.  `profile` (the calibration split) decides which settings
    are admissible; with a `test` split every setting is folded for the
    upper bound of its reach on either split and ranked by its worst
    `window`-sample window and its throughput on the test split
    (`atheena.dse.windows`), then by test accuracy.
    """
    co_explore = auto_drop is not None
    floor = profile.final_accuracy() - (auto_drop or 0.0) / 100.0
    records = {s: profile.record(s) for s in settings}
    sections = profile.early_exits + 1
    folded = {}
    if test is not None:
        for s in settings:
            folded[s] = windows.fold_reach([profile.exit_index(s), test.exit_index(s)], sections)

    def admissible(s) -> bool | None:
        if auto_drop is None:
            return None
        return records[s].accuracy["fixed"] >= floor - 1e-12

    def rates(s) -> tuple[float, ...]:
        """The exit rates setting `s` is folded for."""
        if test is not None:
            return tuple(windows.rates_for(folded[s]))
        return tuple(e.exit_rate for e in records[s].exits[:-1])

    def on_test(s, design: dict | None) -> dict | None:
        if test is None or not design:
            return None
        trace = test.exit_index(s)
        record = test.record(s)
        clock = explorer.board.clock_mhz * 1e6
        cycles = design["section_cycles"]
        worst = windows.worst_window_reach(trace, folded[s], window)
        return {"accuracy": dict(record.accuracy), "exit_rates": [e.exit_rate for e in record.exits[:-1]],
                "throughput_sps": clock / windows.fluid_cycles(cycles, windows.section_reach(trace, sections)),
                "worst_window_sps": clock / windows.fluid_cycles(cycles, worst), "worst_window_reach": worst,
                "window": window}

    competing = [s for s in settings if admissible(s)] if co_explore else [tuple(own)]
    if not competing:
        raise AtheenaError(
            f"no thresholds keep the accuracy within {auto_drop} points of the final exit alone "
            f"({profile.final_accuracy() * 100:.2f}%) on this data; allow a larger --max-accuracy-drop")
    need = explorer.smallest_budget()  # whether anything fits does not depend on the rates
    if need > 1.0:
        raise AtheenaError(
            f"the network does not fit on the {explorer.board.name} at all: its smallest folding needs {need:.0%} "
            "of the board's largest-used resource; choose a larger board (--board) or a smaller network")
    if target_throughput is not None:
        budget = _budget_for_target(explorer, competing, rates, target_throughput)
    elif need > budget:
        raise AtheenaError(
            f"the network does not fit in a budget of {budget:g} ({budget:.1%} of the {explorer.board.name}'s "
            f"DSP, BRAM18, LUT and FF): the smallest budget that fits is {need:.4f} ({need:.1%}); give "
            f"--budget {math.ceil(need * 1000) / 1000:g} or more")
    budgets = sorted({*BUDGET_GRID, budget})
    points: dict[tuple, Point] = {}

    def evaluate(pairs, what: str) -> None:
        """The points of these (setting, budget) pairs, each design computed once (serially or as jobs)."""
        todo = [(s, b) for s, b in pairs if (s, b) not in points]
        for (s, b), design in zip(todo, explorer.designs([(rates(s), b) for s, b in todo], quiet, what, bar)):
            measured = tuple(e.exit_rate for e in records[s].exits[:-1])
            points[(s, b)] = Point(tuple(s), measured, dict(records[s].accuracy), b, design, admissible(s),
                                   rates(s), on_test(s, design))

    evaluate([(s, b) for s in settings for b in (budgets if co_explore else [budget])],
             "thresholds x budgets" if co_explore else "thresholds")
    at_budget = [points[(s, budget)] for s in competing if points[(s, budget)].design]
    if not at_budget:  # the smallest folding fits, but not with the lane converters it needs between layers
        raise AtheenaError(
            f"no design of the network fits in a budget of {budget:g} on the {explorer.board.name} once the lane "
            "converters between its layers are counted; give a slightly larger --budget")
    chosen = max(at_budget, key=Point.rank)
    if not co_explore:
        evaluate([(chosen.thresholds, b) for b in budgets], "budgets")
    baseline = dict(zip(budgets, explorer.designs([(None, b) for b in budgets], quiet, "baseline", bar)))
    ordered = sorted(points.values(), key=lambda p: (p.thresholds, p.budget))
    return Exploration(ordered, baseline, chosen, profile.final_accuracy(), auto_drop, target_throughput, budgets)


def _budget_for_target(explorer: Explorer, competing, rates, target: float) -> float:
    """The smallest budget at which some competing setting reaches `target` samples per second."""
    best = None
    # the settings with the most early exits first: they usually need the least, and bound the rest
    for s in sorted(competing, key=lambda s: -sum(rates(s))):
        found = explorer.smallest_budget_for(rates(s), target, below=best if best is not None else 1.0)
        if found is not None and (best is None or found < best):
            best = found
    if best is None:
        best = max(explorer.fastest(rates(s)) for s in competing)
        raise AtheenaError(
            f"no design reaches {target:,.0f} samples/s on the {explorer.board.name}: the fastest within the "
            f"whole device reaches {best:,.0f} samples/s at these thresholds; lower --target-throughput")
    return best
