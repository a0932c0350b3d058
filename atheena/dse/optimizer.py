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

from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from atheena.dse import converters
from atheena.dse.boards import RESOURCES, Board
from atheena.dse.converters import Link
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
    sections: list[int] | None = None  # per layer, the early exits before it (`network.reach_sections`)
    headroom: float = 0.0  # the layers after an exit were folded for their reach x (1 + headroom)

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

    def section_cycles(self) -> list[float] | None:
        """Per section (0: before the first exit), the slowest layer's interval: its cycles per sample
        if every sample reached it (`atheena.dse.windows.fluid_cycles` of any reach); None if unknown."""
        if self.sections is None:
            return None
        from atheena.dse.windows import section_cycles

        return section_cycles(self.sections, [config.interval for config in self.choice])

    def summary(self) -> dict:
        """The rate-balanced prediction (`fold`'s; `atheena.dse.fold.Prediction` adds the buffered ones)."""
        out = {
            "throughput_sps": self.throughput_sps,
            "cycles_per_sample": self.cycles_per_sample,
            "model": "rate-balanced",
            "balanced_cycles_per_sample": self.cycles_per_sample,
            "resources": self.resources,
            "max_resource_share": self.max_resource_share,
        }
        if self.sections is not None:
            out["section_cycles"] = self.section_cycles()
        return out


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
    """Binary choice per layer; columns are (layer, config) pairs, then one per (link, lanes pair), then
    `extra_cols` continuous columns.

    A link's pair column z[a, b] is the product of "the producer gives a lanes" (u_a, a sum of the
    producer's binaries) and "the consumer asks b" (v_b): sum_b z[a, b] = u_a and sum_a z[a, b] = v_b.
    With the binaries integral, u and v each pick one value, and the only z meeting both sums is 1 at
    their pair and 0 elsewhere: exact, and tighter than one inequality per pair.  The converter's
    cost sits on z in the resource rows.
    """

    def __init__(self, layers: list[Layer], extra_cols: int = 0, links: Sequence[Link] = ()):
        self.layers = layers
        self.links = list(links)
        self.cols = [(li, ci) for li, layer in enumerate(layers) for ci in range(len(layer.configs))]
        self.start = np.cumsum([0] + [len(layer.configs) for layer in layers])
        nx = len(self.cols)
        self.pairs = [(i, pair) for i, link in enumerate(self.links) for pair in link.pairs]
        self.n = nx + len(self.pairs) + extra_cols
        self.extra = list(range(nx + len(self.pairs), self.n))
        self.h = _new_highs()
        for option, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                              ("mip_rel_gap", 0.0), ("mip_abs_gap", 0.0)):
            self.h.setOptionValue(option, value)
        inf = highspy.kHighsInf
        lower = np.zeros(self.n)
        upper = np.concatenate([np.ones(nx + len(self.pairs)), np.full(extra_cols, inf)])
        self.h.addVars(self.n, lower, upper)
        self.h.changeColsIntegrality(nx, np.arange(nx, dtype=np.int32), np.full(nx, highspy.HighsVarType.kInteger))
        for li, layer in enumerate(layers):  # exactly one configuration per layer
            idx = np.arange(self.start[li], self.start[li + 1], dtype=np.int32)
            self.row(idx, np.ones(len(idx)), 1.0, 1.0)
        self.resources = np.zeros((len(RESOURCES), self.n))
        if nx:
            self.resources[:, :nx] = np.array([c.resources for layer in layers for c in layer.configs]).T
        for t, (i, pair) in enumerate(self.pairs):
            self.resources[:, nx + t] = self.links[i].cost(*pair)
        for i, link in enumerate(self.links):
            self._link_rows(i, link, nx)

    def _link_rows(self, i: int, link: Link, nx: int) -> None:
        cols = {pair: nx + t for t, (k, pair) in enumerate(self.pairs) if k == i}
        for end, layer, lanes in ((0, link.producer, link.producer_lanes), (1, link.consumer, link.consumer_lanes)):
            for value in sorted({pair[end] for pair in link.pairs}):
                z = [col for pair, col in cols.items() if pair[end] == value]
                if layer is None:  # the network's output: always asks this
                    self.row(z, np.ones(len(z)), 1.0, 1.0)
                    continue
                x = [int(self.start[layer]) + k for k, v in enumerate(lanes) if v == value]
                self.row(z + x, [1.0] * len(z) + [-1.0] * len(x), 0.0, 0.0)

    def row(self, idx, values, lo, hi):
        self.h.addRow(lo, hi, len(idx), np.asarray(idx, dtype=np.int32), np.asarray(values, dtype=np.float64))

    def solve(self, cost: np.ndarray) -> tuple[bool, np.ndarray]:
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cost)
        self.h.setMinimize()
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return False, np.empty(0)
        return True, np.array(self.h.getSolution().col_value)

    def picked(self, x: np.ndarray) -> list[int]:
        """Each layer's configuration index in solution `x`."""
        index = [0] * len(self.layers)
        for (li, ci), v in zip(self.cols, x):
            if v > 0.5:
                index[li] = ci
        return index

    def design(self, x: np.ndarray, board: Board, budget: float) -> Design:
        index = self.picked(x)
        choice = [layer.configs[k] for layer, k in zip(self.layers, index)]
        return Design(self.layers, choice, board, budget, converters.overheads(self.links, index))


def _check(layers: list[Layer], budget: float) -> None:
    if not 0.0 < budget <= 1.0:
        raise AtheenaError(f"budget {budget} must be in (0, 1]: the largest fraction of each device resource to use")
    for layer in layers:
        if not layer.configs:
            raise AtheenaError(f"layer {layer.name} has no legal folding")


def smallest_budget(layers: list[Layer], board: Board, links: Sequence[Link] = ()) -> float:
    """The smallest budget (largest resource share) at which any design fits, converters included."""
    return _min_share(layers, board, None, links)[0]


def _min_share(layers: list[Layer], board: Board, cycles: float | None, links: Sequence[Link] = ()):
    p = _Problem(layers, extra_cols=1, links=links)
    s = p.extra[0]
    for j, kind in enumerate(RESOURCES):  # sum r_j x - s * D_j <= 0
        vals = p.resources[j].copy()
        vals[s] = -board.capacity(kind)
        p.row(np.arange(p.n), vals, -highspy.kHighsInf, 0.0)
    if cycles is not None:
        _interval_rows(p, layers, None, cycles * (1 + 1e-12))
    cost = np.zeros(p.n)
    cost[s] = 1.0
    ok, x = p.solve(cost)
    if not ok:
        return None, None
    return float(x[s]), p.design(x, board, float(x[s]))


def _interval_rows(p: _Problem, layers: list[Layer], t: int | None, bound: float) -> None:
    """q_l * I_l <= t (the column `t`) or <= `bound` for every layer."""
    for li, layer in enumerate(layers):
        idx = list(range(int(p.start[li]), int(p.start[li + 1])))
        vals = [layer.reach * c.interval for c in layer.configs]
        if t is None:
            p.row(idx, vals, -highspy.kHighsInf, bound)
        else:
            p.row(idx + [t], vals + [-1.0], -highspy.kHighsInf, 0.0)


PROBES = 4  # cycle counts tried upwards from the bound before bisection decides


def optimise(layers: list[Layer], board: Board, budget: float, links: Sequence[Link] = ()) -> Design:
    """The fastest design within `budget` of every resource, the converters of `links` included
    (cheapest among equally fast).

    Solved in steps that keep it exact and fast: the fastest design without the converters bounds
    the cycles from below (converters only add resources); the cycle counts a design can have
    (q_l * I[l,k]) are tried upwards from there, each as "the cheapest design within this many
    cycles", and the first that has one is the optimum (nothing faster fits: the bound, or the
    count before it had none).  The converters seldom push the optimum past the bound (B-LeNet:
    never on a ZC706), so this is usually two solves.  After `PROBES` counts, bisection over the
    remaining counts finds the first that has a design ("a design within t cycles fits" only gets
    truer as t grows), each step a feasibility solve: a dozen solves where minimising t over the
    converters' pair columns directly (a weak relaxation) took minutes (B-LeNet at 5% of a ZC706).
    """
    _check(layers, budget)
    bound = _fastest(layers, board, budget)
    if bound is None:
        need = smallest_budget(layers, board, links)
        raise NoFeasibleDesign(
            f"no folding of the network fits in {budget:.0%} of the {board.name}'s resources; the smallest "
            f"budget that fits is {need:.1%} (largest share of DSP, BRAM18, LUT and FF)", need)
    counts = sorted({layer.reach * c.interval for layer in layers for c in layer.configs})
    counts = [t for t in counts if t >= bound * (1 - 1e-6)]
    for t in counts[:PROBES]:
        design = _cheapest_within(layers, board, budget, links, t)
        if design is not None:
            return design
    lo, hi = min(PROBES, len(counts)), len(counts)  # counts[:lo] have none: the first of counts[lo:] that has one
    while lo < hi:
        mid = (lo + hi) // 2
        if _fits_within(layers, board, budget, links, counts[mid]):
            hi = mid
        else:
            lo = mid + 1
    if lo == len(counts):
        need = smallest_budget(layers, board, links)
        raise NoFeasibleDesign(
            f"no folding of the network fits in {budget:.0%} of the {board.name}'s resources with its lane "
            f"converters; the smallest budget that fits is {need:.1%} (largest share of DSP, BRAM18, LUT and FF)",
            need)
    design = _cheapest_within(layers, board, budget, links, counts[lo])
    if design is None:
        raise AssertionError(f"a design fits within {counts[lo]} cycles per sample and {budget:.0%}, but the "
                             "cheapest-design solve found none")
    return design


def _budget_rows(p: _Problem, board: Board, budget: float) -> None:
    for j, kind in enumerate(RESOURCES):
        p.row(np.arange(p.n), p.resources[j], -highspy.kHighsInf, budget * board.capacity(kind))


def _fastest(layers: list[Layer], board: Board, budget: float) -> float | None:
    """The fewest cycles per sample of a design within `budget`, converters left out (a lower bound), or None."""
    p = _Problem(layers, extra_cols=1)
    t = p.extra[0]
    _budget_rows(p, board, budget)
    _interval_rows(p, layers, t, 0.0)
    cost = np.zeros(p.n)
    cost[t] = 1.0
    ok, x = p.solve(cost)
    return float(x[t]) if ok else None


def _within(layers: list[Layer], board: Board, budget: float, links: Sequence[Link], cycles: float) -> _Problem:
    """The designs within `budget` and `cycles` per sample, converters included."""
    p = _Problem(layers, links=links)
    _budget_rows(p, board, budget)
    _interval_rows(p, layers, None, cycles * (1 + 1e-9) + 1e-9)
    return p


def _fits_within(layers: list[Layer], board: Board, budget: float, links: Sequence[Link], cycles: float) -> bool:
    """Whether any design fits within `budget` and `cycles` per sample (a feasibility solve: no objective)."""
    p = _within(layers, board, budget, links, cycles)
    return p.solve(np.zeros(p.n))[0]


def _cheapest_within(layers: list[Layer], board: Board, budget: float, links: Sequence[Link], cycles: float
                     ) -> Design | None:
    """The design within `budget` and `cycles` per sample with the smallest sum of resource shares."""
    p = _within(layers, board, budget, links, cycles)
    cost = np.zeros(p.n)
    for j, kind in enumerate(RESOURCES):
        cost += p.resources[j] / board.capacity(kind)
    ok, x = p.solve(cost)
    return p.design(x, board, budget) if ok else None


def cheapest(layers: list[Layer], board: Board, cycles_per_sample: float, links: Sequence[Link] = ()) -> Design | None:
    """The design with the smallest largest-resource-share that needs at most `cycles_per_sample`."""
    return _min_share(layers, board, cycles_per_sample, links)[1]
