"""One way to fold a network: the design the `fold` pass writes, `atheena dse` sweeps, `compile` explores,
and every baseline is measured by.

`Folder(module, board)` builds the network's layers and their configurations
once (the slow part: about a second for B-LeNet); `design(budget, rates)` is
then one or two HiGHS solves, so sweeps and explorations pay for the
configurations once.

* **Headroom** (default 2%).  Layers after an exit are folded for
  `1 + headroom` times the fraction of samples that reach them (capped at 1).
  Hard samples arrive at random, so a section folded for exactly the average
  fraction is a queue at full load; the conditional buffer in front of it
  absorbs the runs of hard samples, and `size-buffers` sizes it to lose at
  most 1% against an unbounded one (a steady-state simulation).  Measured on
  B-LeNet at ZC706 budgets 10%..100% (exit rates 0.75 and 0.755), that
  buffered throughput is highest with little or no headroom (0.25, the
  former default, is 7-20% slower: what headroom gives the layers after the
  exit is taken from the layers before it, which every sample needs).  Not
  none: without any, the cheapest design at the best speed takes all slack
  from the section after the exit (B-LeNet at the full ZC706, profiled
  rate: a second conv at 2600 cycles, 99.5% load, a 90-sample buffer and
  1.3% slower on 2,000 shuffled digits); 2% keeps it at 98% or less and
  costs nothing at rate 0.75 and at 8 of 10 budgets at 0.755 (2-3% at 20%
  and 40%).  More headroom suits data burstier than independent samples.
  The design's prediction uses the true fractions.
* **Converters.** Lane converters sit between layers of different lanes, so
  they depend on two layers' choices; the optimiser prices every pair
  (`atheena.dse.converters`), so the design is the fastest with its
  converters within the budget, and its resources are the whole netlist
  plan's: layers and converters.
* **Buffers.** `design` counts the conditional buffers at their current
  depth (the minimum before `size-buffers` chooses); `predict`, and so
  `fold`, folds again with the depths the sizing wants when the first design
  leaves them no room, and keeps the faster under the buffered model.

`baseline(budget)` folds the backbone alone the same way (every layer reached
by every sample, so the headroom has no effect) with its own converters: the
no-exit network measured like for like.  No design within the budget raises
`NoFeasibleDesign`, which names the smallest budget that fits.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from atheena.dse import boards
from atheena.dse.boards import RESOURCES, Board
from atheena.dse.network import baseline_layers, early_exit_count, layer_reach, network_layers
from atheena.dse.optimizer import Design, cheapest, optimise, smallest_budget
from atheena.errors import AtheenaError, NoFeasibleDesign

HEADROOM = 0.02
#: conditional buffer depths (samples) `predict` folds for when the budget shortened a buffer
DEPTHS = (3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
#: headrooms `predict` also folds the layers after an exit with when the budget shortened a buffer or the
#: buffered rate falls more than `max_loss` short of the rate-balanced one
HEADROOMS = (0.5, 1.0, 2.0, 3.0)


def check_headroom(headroom: float) -> float:
    if not 0.0 <= headroom <= 4.0:
        raise AtheenaError(f"headroom {headroom} must be in [0, 4] (0.25 = fold the layers after an "
                           "exit for 25% more samples than the profiled fraction; default 0.02)")
    return headroom


def _costed(method):
    """Run a `Folder` method with the resource model of its board's device family."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from atheena.dse.model import costing

        with costing(self.board):
            return method(self, *args, **kwargs)

    return wrapper


class Folder:
    """Folds one network on one board, for any exit rates and budget (costed with the board's device family's
    resource model)."""

    def __init__(self, module, board: str | Board, headroom: float = HEADROOM):
        from atheena.hardware.plan import network_function

        self.module = module
        self.func = network_function(module)
        self.board = board if isinstance(board, Board) else boards.load(board)
        self.headroom = check_headroom(headroom)
        self.early_exits = early_exit_count(self.func)
        self._layers = None
        self._base = None
        self._links = None
        self._base_links = None
        self._sections = None
        self._predictions: dict[tuple, Prediction | NoFeasibleDesign] = {}

    @property
    def layers(self):
        """The network's layers (their `reach` is that of the last design asked for)."""
        if self._layers is None:
            from atheena.dse.model import costing

            with costing(self.board):
                self._layers = network_layers(self.module, [0.0] * self.early_exits)
        return self._layers

    @property
    def base_layers(self):
        if self._base is None:
            from atheena.dse.model import costing

            with costing(self.board):
                self._base = baseline_layers(self.module)
        return self._base

    @property
    def links(self):
        """The converters between the network's layers (`atheena.dse.converters`)."""
        if self._links is None:
            from atheena.dse.converters import links
            from atheena.dse.model import costing

            with costing(self.board):
                self._links = links(self.func, self.layers)
        return self._links

    @property
    def base_links(self):
        if self._base_links is None:
            from atheena.dse.converters import links
            from atheena.dse.model import costing

            with costing(self.board):
                self._base_links = links(self.func, self.base_layers, baseline=True)
        return self._base_links

    @property
    def sections(self) -> list[int]:
        """Per layer, how many early exits come before it (`network.reach_sections`)."""
        if self._sections is None:
            from atheena.dse.network import reach_sections

            self._sections = reach_sections(self.func)
        return self._sections

    def reach(self, rates: Sequence[float] | None = None) -> list[float]:
        """Each layer's reach probability: from `rates` (fraction of all samples leaving at each early
        exit) when given, else from the IR's `reach_probability` attributes."""
        return [q for _, q in layer_reach(self.func, None if rates is None else list(rates))]

    def set_reach(self, reach: Sequence[float], inflate: bool, headroom: float | None = None) -> list:
        """The layers at these reach probabilities, inflated by `headroom` (default: the Folder's) if `inflate`."""
        headroom = self.headroom if headroom is None else headroom
        for layer, q in zip(self.layers, reach, strict=True):
            layer.reach = min(1.0, q * (1.0 + headroom)) if inflate and q < 1.0 else q
        return self.layers

    @_costed
    def design(self, budget: float, rates: Sequence[float] | None = None, depths: Mapping | None = None,
               headroom: float | None = None) -> Design:
        """The fastest design within `budget` of every resource, folded with `headroom` (default: the
        Folder's) and predicted at the true reach; its conditional buffers counted at `depths`
        ({op: samples}) or their minimum."""
        headroom = self.headroom if headroom is None else headroom
        reach = self.reach(rates)
        layers = self.set_reach(reach, inflate=True, headroom=headroom)
        if depths:
            layers = _at_depths(layers, depths)
        design = self._optimise(layers, budget, self.links)
        design.layers = [dataclasses.replace(layer, reach=q) for layer, q in zip(design.layers, reach)]
        design.sections = self.sections
        design.headroom = headroom
        return design

    def fold(self, budget: float, rates: Sequence[float] | None = None) -> Design:
        """The design the `fold` pass writes: `predict`'s for a network with early exits (its buffers may
        have made it re-fold), else `design`."""
        return self.predict(budget, rates).design if self.early_exits else self.design(budget, rates)

    @_costed
    def predict(self, budget: float, rates: Sequence[float] | None = None, trace: list[int] | None = None,
                max_loss: float = 0.01) -> "Prediction":
        """The design `fold` writes with its conditional buffers sized (`atheena.dse.sizing`): what `fold`
        then `size-buffers` write.  `trace`, the profiled exit sequence, defaults to the IR's when the rates
        come from the IR.

        `design` counts the buffers at their minimum depth, so where its layers take all of a resource the
        sizing must shorten a buffer (Triple-Wins at 50% of a ZC706: 13 samples wanted, 4 fit); and even at
        the depth wanted, the buffered rate can fall short of the rate-balanced one by more than `max_loss`
        (Triple-Wins at 100%: the profiled sequence's runs of hard samples, 1,631 against 1,296 cycles per
        sample).  Then two things can buy back throughput, and the search tries both:

        * deeper buffers: the network folded again with the shortened buffers counted deeper, at the
          depths `DEPTHS` beyond the one that fitted (up to the one wanted).  Deeper buffers leave the
          layers less, so the buffered rate first improves, then worsens: the search stops after two
          depths without improvement or when nothing fits;
        * faster layers after the exit (`HEADROOMS`, each with its own depth search): a sample that does
          not exit holds its slot until the section after the exit has read all of it, at that
          section's pace, and folded for its reach exactly that section is busy nearly all the time, so
          a slot is nearly always held.  Folded for 1.5-4x its reach, the section frees it sooner and the
          slots left cover the exit branch's decision latency.  The search stops after two headrooms
          without improvement.

        The fastest under the buffered model is the prediction (and the folding `fold` writes).
        Triple-Wins at 50%: 4,043 cycles per sample (replayed) at the default headroom, 68.6% of its
        rate-balanced rate; 3,511 at headroom 2 with 5 slots, 98.4% of its own."""
        from atheena.dialects import attributes as A

        if rates is None and trace is None:
            trace = A.exit_trace(self.func)
        key = (budget, None if rates is None else tuple(rates), None if trace is None else tuple(trace), max_loss)
        if key not in self._predictions:  # a sweep asks again (a budget bisection, its check): same answer
            try:
                self._predictions[key] = self._search(budget, rates, trace, max_loss)
            except NoFeasibleDesign as err:
                self._predictions[key] = err
        found = self._predictions[key]
        if isinstance(found, NoFeasibleDesign):
            raise found
        return found

    def _search(self, budget: float, rates, trace, max_loss: float) -> "Prediction":
        first = self._sized(self.design(budget, rates), max_loss, trace)
        if not first.sizing.shortened and first.cycles_per_sample <= (1 + max_loss) * first.design.cycles_per_sample:
            return first
        return _best_of(self._deeper(first, budget, rates, trace, max_loss), (
            lambda h=h: self._deeper(self._sized(self.design(budget, rates, headroom=h), max_loss, trace),
                                     budget, rates, trace, max_loss)
            for h in HEADROOMS if h > self.headroom))

    def _deeper(self, best: "Prediction", budget: float, rates, trace, max_loss: float) -> "Prediction":
        """`best`, or the fastest of its design folded again with its shortened buffers counted deeper."""
        short = best.sizing.shortened
        if not short:
            return best
        depths = [d for d in DEPTHS if min(s.depth for s in short) < d <= max(s.wanted for s in short)]
        return _best_of(best, (
            lambda d=d: self._sized(self.design(budget, rates, {s.op: min(d, s.wanted) for s in short},
                                                best.design.headroom), max_loss, trace)
            for d in depths))

    def _sized(self, design: Design, max_loss: float, trace) -> "Prediction":
        from atheena.dse.sizing import size

        ops = [layer.op for layer in design.layers]
        sizing = size(self.func, design.foldings(), {op: c.interval for op, c in zip(ops, design.choice)},
                      {layer.op: layer.reach for layer in design.layers}, self.board, design.budget,
                      design.cycles_per_sample, max_loss, trace)
        return Prediction(design, sizing)

    @_costed
    def baseline(self, budget: float) -> Design:
        """The no-exit network (the backbone alone) folded the same way: one section, as a network without
        exits has (so it sums up exactly as that network's `design` does)."""
        design = self._optimise(self.base_layers, budget, self.base_links)
        design.sections = [0] * len(design.layers)
        return design

    @_costed
    def smallest_budget(self) -> float:
        """The smallest budget, to 0.1%, at which a folding of the network fits with its lane converters."""
        return _to_permille(smallest_budget(self.layers, self.board, self.links))

    @_costed
    def cheapest(self, reach: Sequence[float], cycles_per_sample: float, inflate: bool) -> Design | None:
        """The design with the smallest largest-resource-share reaching `cycles_per_sample` at `reach`."""
        return cheapest(self.set_reach(reach, inflate), self.board, cycles_per_sample, self.links)

    def _optimise(self, layers, budget: float, links) -> Design:
        if not 0.0 < budget <= 1.0:
            raise AtheenaError(f"budget {budget} must be in (0, 1]: the largest fraction of each device resource "
                               "to use")
        try:
            design = optimise(layers, self.board, budget, links)
        except NoFeasibleDesign as err:  # the optimiser found the smallest budget already
            need = _to_permille(err.smallest)
        else:
            return design
        where = f"{need:.1%}" if need <= 1.0 else "more than the whole device"
        raise NoFeasibleDesign(
            f"no folding of the network fits in {budget:.0%} of the {self.board.name}'s resources; the smallest "
            f"budget that fits is {where} (largest share of DSP, BRAM18, LUT and FF)", need)


def _best_of(best: "Prediction", tries) -> "Prediction":
    """`best`, or the fastest of `tries` (callables that give a `Prediction`), tried in order: the search
    stops after two in a row without improvement, or at the first that does not fit."""
    worse = 0
    for attempt in tries:
        try:
            again = attempt()
        except NoFeasibleDesign:
            break
        if again.cycles_per_sample < best.cycles_per_sample:
            best, worse = again, 0
        else:
            worse += 1
            if worse == 2:
                break
    return best


def _at_depths(layers: list, depths: Mapping) -> list:
    """The layers with the conditional buffers (and the exit merge, whose id FIFOs follow them) costed at
    `depths` ({op: samples}); same configurations in the same order, so the converter links still
    index them."""
    from atheena import kinds
    from atheena.hardware.plan import Builder, instances_resources, standalone

    out = []
    for layer in layers:
        if kinds.role(layer.op) in ("buffer", "merge"):
            b = Builder(standalone=True, depths=depths)
            configs = [dataclasses.replace(c, resources=instances_resources(standalone(layer.op, c.as_dict(), b)
                                                                            .instances)) for c in layer.configs]
            layer = dataclasses.replace(layer, configs=configs)
        out.append(layer)
    return out


def _to_permille(share: float) -> float:
    """A budget share rounded up to 0.1% (a budget of that size fits)."""
    return math.ceil(share * 1000 - 1e-9) / 1000


@dataclass
class Prediction:
    """A folded design with its buffers sized, and every figure it predicts, each named by its model."""

    design: Design
    sizing: "object"  # atheena.dse.sizing.Sizing

    @property
    def cycles_per_sample(self) -> float:
        return self.sizing.cycles_per_sample

    @property
    def throughput_sps(self) -> float:
        return self.design.board.clock_mhz * 1e6 / self.cycles_per_sample

    def summary(self) -> dict:
        """`Design.summary()` at the sized buffers, with the headline figure's `model` and the others beside it."""
        board = self.design.board
        used = self.sizing.resources
        out = {"throughput_sps": self.throughput_sps, "cycles_per_sample": self.cycles_per_sample,
               "model": self.sizing.model, "balanced_cycles_per_sample": self.sizing.balanced_cycles_per_sample,
               "independent_cycles_per_sample": self.sizing.independent_cycles_per_sample}
        if self.sizing.replay_cycles_per_sample is not None:
            out["replay_cycles_per_sample"] = self.sizing.replay_cycles_per_sample
        out["resources"] = dict(used)
        out["max_resource_share"] = max(used[k] / board.capacity(k) for k in RESOURCES)
        out["buffer_depths"] = {name: e.depth for name, e in self.sizing.exits.items()}
        out["headroom"] = self.design.headroom  # the layers after an exit folded for reach x (1 + headroom)
        if self.design.sections is not None:
            out["section_cycles"] = self.design.section_cycles()
        return out
