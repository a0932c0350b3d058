"""Exact rate-balanced folding: a mixed-integer program solved by HiGHS.

Every layer `l` picks one configuration `k` (binary `x[l,k]`), with interval
`I[l,k]` and resources `r[l,k]`.  A streaming design's cycles per sample are
`max_l q_l * I[l,k_l]` (`q_l`: the fraction of samples that reach `l`).

* `optimise`: minimise `t` subject to `t >= sum_k q_l I[l,k] x[l,k]` for
  every layer and `sum r_j x <= budget * device_j` for every resource `j`;
  then, at that `t`, minimise the sum of resource shares, so the design
  returned is the cheapest of the fastest.
* `cheapest`: the smallest largest-resource-share design that reaches a
  given cycles per sample (how little of the device matches a throughput).

Both are exact under the model (HiGHS with a zero optimality gap), and
deterministic (one thread, fixed seed).  Dominated configurations are pruned
beforehand (`model.pareto_prune`), which cannot change the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from atheena.dse.boards import RESOURCES, Board
from atheena.dse.model import Config, Layer, total_resources
from atheena.errors import AtheenaError, NoFeasibleDesign


@dataclass
class Design:
    """A folding for every layer and what the model predicts for it."""

    layers: list[Layer]
    choice: list[Config]
    board: Board
    budget: float
    overheads: dict = field(default_factory=dict)  # what the lowering adds between layers (lane converters)

    @property
    def cycles_per_sample(self) -> float:
        return max((layer.reach * c.interval for layer, c in zip(self.layers, self.choice)), default=0.0)

    @property
    def throughput_sps(self) -> float:
        return self.board.clock_mhz * 1e6 / self.cycles_per_sample

    @property
    def resources(self) -> dict:
        """The layers' configurations and the `overheads` between them: the whole design."""
        layers = total_resources(self.choice)
        return {k: v + self.overheads.get(k, 0) for k, v in layers.items()}

    def foldings(self) -> dict:
        """{op: folding dict} of the choice, for the netlist plan before `fold` writes it."""
        return {layer.op: config.as_dict() for layer, config in zip(self.layers, self.choice)}

    @property
    def max_resource_share(self) -> float:
        used = self.resources
        return max(used[k] / self.board.capacity(k) for k in RESOURCES)

    @property
    def bottleneck(self) -> str:
        return max(zip(self.layers, self.choice), key=lambda lc: lc[0].reach * lc[1].interval)[0].name

    def annotation(self):
        """The `atheena.design` the `fold` pass writes for this design (the rate-balanced prediction)."""
        from atheena.dialects import attributes as A

        return A.DesignSummary(self.board.name, self.budget, self.board.clock_mhz, self.cycles_per_sample,
                               self.resources, model=A.RATE_BALANCED)

    def summary(self) -> dict:
        """The rate-balanced prediction (`fold`'s; `atheena.dse.fold.Prediction` adds the buffered ones)."""
        return {
            "throughput_sps": self.throughput_sps,
            "cycles_per_sample": self.cycles_per_sample,
            "model": "rate-balanced",
            "balanced_cycles_per_sample": self.cycles_per_sample,
            "resources": self.resources,
            "max_resource_share": self.max_resource_share,
        }


_banner_shown = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance; its one-time banner goes to /dev/null, not into our stdout (--json)."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    import ctypes
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _banner_shown = True
    return h


class _Problem:
    """Binary choice per layer; columns are (layer, config) pairs, plus extra continuous columns."""

    def __init__(self, layers: list[Layer], extra_cols: int = 0):
        self.layers = layers
        self.cols = [(li, ci) for li, layer in enumerate(layers) for ci in range(len(layer.configs))]
        self.n = len(self.cols) + extra_cols
        self.extra = list(range(len(self.cols), self.n))
        self.h = _new_highs()
        for option, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                              ("mip_rel_gap", 0.0), ("mip_abs_gap", 0.0)):
            self.h.setOptionValue(option, value)
        inf = highspy.kHighsInf
        lower = np.zeros(self.n)
        upper = np.concatenate([np.ones(len(self.cols)), np.full(extra_cols, inf)])
        self.h.addVars(self.n, lower, upper)
        self.h.changeColsIntegrality(len(self.cols), np.arange(len(self.cols), dtype=np.int32),
                                     np.full(len(self.cols), highspy.HighsVarType.kInteger))
        start = 0
        for layer in layers:  # exactly one configuration per layer
            idx = np.arange(start, start + len(layer.configs), dtype=np.int32)
            self.row(idx, np.ones(len(idx)), 1.0, 1.0)
            start += len(layer.configs)

    def row(self, idx, values, lo, hi):
        self.h.addRow(lo, hi, len(idx), np.asarray(idx, dtype=np.int32), np.asarray(values, dtype=np.float64))

    def column_values(self, fn) -> np.ndarray:
        return np.array([fn(self.layers[li], self.layers[li].configs[ci]) for li, ci in self.cols], dtype=np.float64)

    def solve(self, cost: np.ndarray) -> tuple[bool, np.ndarray]:
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cost)
        self.h.setMinimize()
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return False, np.empty(0)
        return True, np.array(self.h.getSolution().col_value)

    def choice(self, x: np.ndarray) -> list[Config]:
        picked = [None] * len(self.layers)
        for (li, ci), v in zip(self.cols, x):
            if v > 0.5:
                picked[li] = self.layers[li].configs[ci]
        return picked


def _check(layers: list[Layer], budget: float) -> None:
    if not 0.0 < budget <= 1.0:
        raise AtheenaError(f"budget {budget} must be in (0, 1]: the largest fraction of each device resource to use")
    for layer in layers:
        if not layer.configs:
            raise AtheenaError(f"layer {layer.name} has no legal folding")


def smallest_budget(layers: list[Layer], board: Board) -> float:
    """The smallest budget (largest resource share) at which any design fits."""
    return _min_share(layers, board, cycles=None)[0]


def _min_share(layers: list[Layer], board: Board, cycles: float | None):
    p = _Problem(layers, extra_cols=1)
    s = p.extra[0]
    for j, kind in enumerate(RESOURCES):  # sum r_j x - s * D_j <= 0
        vals = p.column_values(lambda layer, c: c.resources[j])
        p.row(np.append(np.arange(len(p.cols)), s), np.append(vals, -board.capacity(kind)), -highspy.kHighsInf, 0.0)
    if cycles is not None:
        for li, layer in enumerate(layers):
            idx = [i for i, (l2, _) in enumerate(p.cols) if l2 == li]
            vals = [layer.reach * layer.configs[p.cols[i][1]].interval for i in idx]
            p.row(idx, vals, -highspy.kHighsInf, cycles * (1 + 1e-12))
    cost = np.zeros(p.n)
    cost[s] = 1.0
    ok, x = p.solve(cost)
    if not ok:
        return None, None
    return float(x[s]), p.choice(x[: len(p.cols)])


def optimise(layers: list[Layer], board: Board, budget: float) -> Design:
    """The fastest design within `budget` of every resource (cheapest among equally fast)."""
    _check(layers, budget)
    p = _Problem(layers, extra_cols=1)
    t = p.extra[0]
    for j, kind in enumerate(RESOURCES):
        vals = p.column_values(lambda layer, c: c.resources[j])
        p.row(np.arange(len(p.cols)), vals, -highspy.kHighsInf, budget * board.capacity(kind))
    for li, layer in enumerate(layers):  # q_l * I_l - t <= 0
        idx = [i for i, (l2, _) in enumerate(p.cols) if l2 == li]
        vals = [layer.reach * layer.configs[p.cols[i][1]].interval for i in idx]
        p.row(idx + [t], vals + [-1.0], -highspy.kHighsInf, 0.0)
    cost = np.zeros(p.n)
    cost[t] = 1.0
    ok, x = p.solve(cost)
    if not ok:
        need = smallest_budget(layers, board)
        raise NoFeasibleDesign(
            f"no folding of the network fits in {budget:.0%} of the {board.name}'s resources; the smallest "
            f"budget that fits is {need:.1%} (largest share of DSP, BRAM18, LUT and FF)", need)
    best = x[t]
    # second stage: the cheapest design at that speed (sum of resource shares)
    p.h.changeColBounds(t, 0.0, best * (1 + 1e-9) + 1e-9)
    cost = np.zeros(p.n)
    for j, kind in enumerate(RESOURCES):
        cost[: len(p.cols)] += p.column_values(lambda layer, c: c.resources[j]) / board.capacity(kind)
    ok2, x2 = p.solve(cost)
    return Design(layers, p.choice((x2 if ok2 else x)[: len(p.cols)]), board, budget)


def cheapest(layers: list[Layer], board: Board, cycles_per_sample: float) -> Design | None:
    """The design with the smallest largest-resource-share that needs at most `cycles_per_sample`."""
    share, choice = _min_share(layers, board, cycles_per_sample)
    if choice is None:
        return None
    return Design(layers, choice, board, share)
