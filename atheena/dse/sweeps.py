"""Design-space sweeps: boards x budgets x exit probabilities, early exit vs baseline.

Every design is `atheena.dse.fold.Folder`'s, the one the `fold` pass
writes (headroom after exits, lane converters counted), so a sweep's figures
are those `fold` gives at the same point.  `sweep` returns one record per (board, exit probabilities, budget) with the
stable keys `board`, `budget`, `exit_probabilities`, `early_exit` and
`baseline` (each: `throughput_sps`, `cycles_per_sample` and the `model` they
come from, `resources` with `dsp`, `bram18`, `lut`, `ff`, and
`max_resource_share`; the early-exit design also its `buffer_depths` and the
`headroom` its layers after an exit were folded with, see `Folder.predict`),
`gain` (early-exit throughput / baseline throughput at
the same budget), `family` (the board's device family) and `resource_model`
(the family whose fit costed it: `atheena.dse.families`).  A design
that does not fit a budget is `None` in its record.  `pareto` keeps the
records no other beats on both throughput and resource share; `plot_pareto`
draws the fronts.
"""

from __future__ import annotations

import functools
from typing import Iterable, Sequence

from atheena.dse.fold import Folder
from atheena.errors import NoFeasibleDesign
from atheena.parallel import Executor, run_jobs


def _summary_or_none(fold, budget):
    try:
        return fold(budget).summary()
    except NoFeasibleDesign:
        return None


@functools.lru_cache(maxsize=4)
def _folder(ir_text: str, board, headroom: float | None = None) -> Folder:
    """The network's `Folder` on `board`, built once per process (a worker's jobs share it)."""
    from atheena import ir as air

    module = air.parse(ir_text, air.new_context())
    return Folder(module, board) if headroom is None else Folder(module, board, headroom)


def fold_point(ir_text: str, board, headroom: float | None, budget: float, rates) -> dict | None:
    """A job of the threshold/budget co-exploration (`atheena.compile.explore`): `Folder.fold`'s design
    summary for these exit rates (`rates` None: the baseline's), None when nothing fits."""
    folder = _folder(ir_text, board, headroom)
    if rates is None:
        return _summary_or_none(folder.baseline, budget)
    return _summary_or_none(lambda b: folder.fold(b, rates), budget)


def early_exit_point(ir_text: str, board, budget: float, rates, trace) -> dict | None:
    """One sweep job: `Folder.predict`'s design summary at this point (None: nothing fits).  Its inputs are
    values (the IR as text, a `Board`), so it runs the same in this process and on a Dask worker."""
    return _summary_or_none(lambda b: _folder(ir_text, board, None).predict(b, rates, trace), budget)


def sweep(
    module,
    boards: Sequence[str] = ("zc706",),
    budgets: Iterable[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    exit_probabilities: Sequence[Sequence[float]] | None = None,
    progress=None,
    traces: Sequence[Sequence[int]] | None = None,
    where: Executor = Executor(),
    keep_going: bool = False,
    quiet: bool = True,
    checks: Sequence[str] | None = None,
    images=None,
) -> list[dict]:
    """Optimise the early-exit network and its baseline at every point of the grid.

    `exit_probabilities` is a list of settings, each the fraction of all
    samples that leave at every early exit; None uses the reach probabilities
    already in the IR (from `annotate-exit-probabilities`) and its exit trace.
    `traces` (one per setting, from `exit_traces_for`) are the profiled exit
    sequences the buffered prediction replays; without them it is that of
    independent samples.  Each early-exit design is `Folder.predict`'s: what
    `fold` and `size-buffers` write for the same network, board, budget and
    exit rates.  Every design is one job (`atheena.parallel`): `where` runs them
    serially (the default) or on Dask, with the same records in the same order;
    with `keep_going` a failed point's design is an `atheena.parallel.Failed`
    record instead of stopping the sweep.  `progress(record)` sees each record
    once all are done.

    With `checks` (one IR text per setting, the network annotated by
    `annotate-exit-probabilities` at that setting's thresholds) and `images`,
    every early-exit design is also folded, lowered and simulated on the
    images (`atheena.hardware.check.rtl_check`, one more job per design): its
    record gets `rtl`, bit-exactness and measured against predicted samples/s.
    """
    from atheena.dse import boards as board_table
    from atheena.ir import to_text

    budgets = list(budgets)
    settings = list(exit_probabilities) if exit_probabilities is not None else [None]
    sequences = list(traces) if traces is not None else [None] * len(settings)
    if len(sequences) != len(settings):
        raise ValueError("one trace per exit probability setting")
    if checks is not None and (len(checks) != len(settings) or images is None):
        raise ValueError("RTL checks need one annotated IR per exit probability setting, and images")
    from atheena.dialects import ops as O
    from atheena.dse.network import layer_reach

    (func,) = O.network_functions(module)
    for rates in settings:  # a wrong setting is the caller's mistake, said once and before any job runs
        layer_reach(func, None if rates is None else list(rates))
    text = to_text(module, debug_info=True)
    loaded = [board_table.load(name) for name in boards]
    jobs, points = [], []
    for board in loaded:
        for budget in budgets:
            jobs.append(("baseline", text, board, budget))
            points.append(f"baseline at budget {budget:g} on {board.name}")
        for k, (rates, trace) in enumerate(zip(settings, sequences)):
            for budget in budgets:
                jobs.append(("early exit", text, board, budget, None if rates is None else list(rates), trace))
                probs = ",".join(f"{p:g}" for p in rates) if rates is not None else "the IR's rates"
                points.append(f"early exit at budget {budget:g} on {board.name}, exit probabilities {probs}")
    designs = len(jobs)
    if checks is not None:  # after every design: the fast jobs first, so a wrong point fails early
        for board in loaded:
            for k, annotated in enumerate(checks):
                for budget in budgets:
                    jobs.append(("rtl", annotated, board, budget, images))
                    points.append(f"RTL check at budget {budget:g} on {board.name}, setting {k + 1}")
    results = run_jobs(_job, jobs, points, where, keep_going=keep_going, quiet=quiet,
                       what="designs and RTL checks" if checks is not None else "designs",
                       preload=("pycde",) if checks is not None else ())
    checked = iter(results[designs:])
    results = results[:designs]
    records, at = [], 0
    for board in loaded:
        base = dict(zip(budgets, results[at:at + len(budgets)]))
        at += len(budgets)
        for rates in settings:
            probs = list(rates) if rates is not None else _rates_from_ir(module)
            for budget in budgets:
                ee = results[at]
                at += 1
                fine = isinstance(ee, dict) and isinstance(base[budget], dict)
                gain = ee["throughput_sps"] / base[budget]["throughput_sps"] if fine else None
                records.append({"board": board.name, "budget": budget, "exit_probabilities": probs,
                                "early_exit": _plain(ee), "baseline": _plain(base[budget]), "gain": gain,
                                "family": board.family, "resource_model": board.device_family.model_family.key})
                if checks is not None:
                    records[-1]["rtl"] = _plain(next(checked))
                if progress:
                    progress(records[-1])
    return records


def _job(kind: str, ir_text: str, board, budget: float, *more):
    """A sweep job: a baseline, an early-exit design (`more`: rates, trace) or an RTL check (`more`: images)."""
    if kind == "early exit":
        return early_exit_point(ir_text, board, budget, *more)
    if kind == "rtl":
        from atheena.hardware.check import rtl_check

        return rtl_check(ir_text, board, budget, *more)
    return fold_point(ir_text, board, None, budget, None)


def _plain(result):
    from atheena.parallel import Failed

    return result.as_dict() if isinstance(result, Failed) else result


def exit_probabilities_for(module, thresholds: Sequence[Sequence[float]], data=None) -> list[list[float]]:
    """Exit probabilities measured by profiling (fixed point) at each threshold setting,
    for `sweep(..., exit_probabilities=...)`; `data` as for `atheena.profile`."""
    return exit_traces_for(module, thresholds, data)[0]


def exit_traces_for(module, thresholds: Sequence[Sequence[float]], data=None
                    ) -> tuple[list[list[float]], list[list[int]]]:
    """(exit probabilities, exit sequences) measured by profiling (fixed point) at each threshold setting, for
    `sweep(..., exit_probabilities=..., traces=...)`: the exit each calibration sample takes, in order, is what
    the buffered prediction replays (as `size-buffers` does after `annotate-exit-probabilities`)."""
    from atheena.data import Dataset, calibration_set
    from atheena.profiling import check_thresholds, profile_exits

    dataset = data if isinstance(data, Dataset) else calibration_set(data)
    profile = profile_exits(module, dataset)
    checked = [check_thresholds(t, profile.early_exits) for t in thresholds]
    rates = [[e.exit_rate for e in profile.record(t).exits[:-1]] for t in checked]
    return rates, [[int(k) for k in profile.exit_index(t)] for t in checked]


def _rates_from_ir(module) -> list[float]:
    from atheena.dialects import attributes as A
    from atheena.dialects import ops as O

    (func,) = O.network_functions(module)
    return [A.exit_rate(op) for op in O.exit_decisions(func) if A.exit_rate(op) is not None]


def pareto(points: Iterable[dict]) -> list[dict]:
    """Designs ({'throughput_sps', 'max_resource_share', ...}) that no other is at least as
    fast and as small as, with one of the two strictly better; sorted by resource share."""
    pts = [p for p in points if p and "failed" not in p]  # designs that fit (a failed job's record is none)
    front = [p for p in pts if not any(
        (q["throughput_sps"] >= p["throughput_sps"] and q["max_resource_share"] <= p["max_resource_share"])
        and (q["throughput_sps"] > p["throughput_sps"] or q["max_resource_share"] < p["max_resource_share"])
        for q in pts)]
    unique = {(p["throughput_sps"], p["max_resource_share"]): p for p in front}
    return sorted(unique.values(), key=lambda p: (p["max_resource_share"], p["throughput_sps"]))


def plot_pareto(records: list[dict], path: str, title: str = "") -> None:
    """PNG: throughput against largest resource share, early-exit and baseline fronts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from atheena.fileio import write_atomic_bytes
    import io

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    groups: dict = {}
    for r in records:  # one front per board and exit-probability setting
        groups.setdefault((r["board"], tuple(r["exit_probabilities"])), []).append(r)
    several_boards = len({b for b, _ in groups}) > 1
    baselines_drawn = set()
    for (board, probs), rows in groups.items():
        where = f" {board}" if several_boards else ""
        setting = f", exit prob. {','.join(f'{p:.2f}' for p in probs)}" if len(groups) > 1 else ""
        front = pareto(r["early_exit"] for r in rows)
        if front:
            ax.plot([100 * p["max_resource_share"] for p in front], [p["throughput_sps"] for p in front],
                    "o-", label=f"early exit{where}{setting}")
        if board not in baselines_drawn:
            baselines_drawn.add(board)
            front = pareto(r["baseline"] for r in rows)
            if front:
                ax.plot([100 * p["max_resource_share"] for p in front], [p["throughput_sps"] for p in front],
                        "s--", label=f"baseline (no exits){where}")
    ax.set_xlabel("largest share of device resources used (%)")
    ax.set_ylabel("throughput (samples/s)")
    ax.set_title(title or "Pareto fronts")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    write_atomic_bytes(path, buffer.getvalue())
