"""The co-exploration predicts what `fold` builds, and chooses as documented."""

import pytest
from torch_mlir import ir

from atheena.compile import explore as X
from atheena.data import calibration_set
from atheena.hardware import flow
from atheena.passes.fold import Fold
from atheena.profiling import profile_exits


@pytest.fixture(scope="module")
def blenet():
    from atheena import models
    from atheena.frontend import import_model

    entry = models.entry("b-lenet")
    module = import_model(models.get("b-lenet"), entry.build().input_shape, thresholds=entry.thresholds)
    profile = profile_exits(module, calibration_set())
    return module, profile, X.Explorer(module, "zc706")


def _folded(module, rates, budget):
    clone = module.operation.clone()
    with module.context, ir.Location.unknown():
        Fold(board="zc706", budget=budget, exit_probabilities=tuple(rates)).apply(clone)
    try:
        return flow.predicted(clone)
    finally:
        clone.erase()


@pytest.mark.parametrize("rates, budget", [((0.75,), 0.5), ((0.75,), 0.1), ((0.3,), 0.2)])
def test_explorer_predicts_the_fold_pass(blenet, rates, budget):
    module, _, explorer = blenet
    mine = explorer.design(rates, budget)
    folded = _folded(module, rates, budget)
    assert mine["throughput_sps"] == folded["throughput_sps"]
    assert mine["resources"] == {k: folded[k] for k in ("dsp", "bram18", "lut", "ff")}


def test_smallest_budget_for_a_target_is_tight(blenet):
    module, _, explorer = blenet
    target = 30_000.0
    budget = explorer.smallest_budget_for((0.75,), target)
    assert _folded(module, (0.75,), budget)["throughput_sps"] >= target
    below = explorer.design((0.75,), round(budget - 1e-4, 4))
    assert below is None or below["throughput_sps"] < target


def test_own_thresholds_are_compiled_and_the_others_shown(blenet):
    _, profile, explorer = blenet
    settings = X.candidate_thresholds(profile, (0.996,), None)
    x = X.explore(explorer, profile, settings, (0.996,), 0.5, None, None)
    assert x.chosen.thresholds == (0.996,) and x.chosen.budget == 0.5 and x.max_accuracy_drop is None
    at_budget = [p for p in x.points if p.budget == 0.5]
    assert {p.thresholds for p in at_budget} == set(settings)
    assert {p.budget for p in x.points if p.thresholds == (0.996,)} == set(x.budgets)
    assert all(p.admissible is None for p in x.points)


def test_target_throughput_picks_the_smallest_budget(blenet):
    """Four settings, not the whole grid: every one is folded at every budget of the grid besides the
    bisection (minutes for ten)."""
    _, profile, explorer = blenet
    settings = [s for s in X.candidate_thresholds(profile, (0.996,), 0.5) if s[0] in (0.8, 0.9, 0.99, 0.996)]
    assert len(settings) == 4
    x = X.explore(explorer, profile, settings, (0.996,), None, 30_000.0, 0.5)
    assert x.chosen.design["throughput_sps"] >= 30_000.0 and x.chosen.admissible
    rates = [p.exit_rates for p in x.points if p.admissible]
    assert all((explorer.smallest_budget_for(r, 30_000.0) or 1.0) >= x.chosen.budget for r in rates)


def test_no_admissible_thresholds_is_a_user_error():
    from pathlib import Path

    from atheena.errors import AtheenaError
    from atheena.frontend import import_model
    from atheena.frontend.loading import load_model, load_weights

    examples = Path(__file__).resolve().parents[2] / "examples"
    net = load_model(f"{examples / 'tiny_ee.py'}:TinyEE")
    load_weights(net, examples / "tiny_ee.pt")
    module = import_model(net, net.input_shape)
    profile = profile_exits(module, calibration_set())
    losing = [(t,) for t in X.THRESHOLD_GRID if profile.record((t,)).accuracy["fixed"] < profile.final_accuracy()]
    assert losing, "a low threshold costs the tutorial network accuracy"
    with pytest.raises(AtheenaError, match="allow a larger --max-accuracy-drop"):
        X.explore(X.Explorer(module, "zc706"), profile, losing, losing[0], 0.5, None, 0.0)


def test_with_a_test_split_designs_are_folded_with_a_margin_and_ranked_on_it(blenet):
    """`compile`'s mode: settings admitted on the calibration split, folded for the upper 99% bound of their
    reach on either split (never for nothing, even where every calibration image exits), ranked by the
    worst window of the test split, then its throughput, then its accuracy."""
    from atheena.compile.driver import split_profile
    from atheena.dse import windows as W

    _, profile, explorer = blenet
    choose, test = split_profile(profile)
    assert len(choose.labels) + len(test.labels) == len(profile.labels) and len(choose.labels) == 500
    everything_exits = (1e-6,)
    settings = [everything_exits, (0.9,), (0.996,)]
    x = X.explore(explorer, choose, settings, (0.996,), 0.3, None, 5.0, test=test, window=200)
    for p in x.points:
        reach = 1.0 - sum(p.fold_rates)
        for split in (choose, test):
            hard = int((split.exit_index(p.thresholds) >= 1).sum())
            assert reach >= W.upper_bound(hard, len(split.labels)) - 1e-12
        if p.design is None:  # nothing fits this budget: no design to check
            assert p.test is None
            continue
        assert p.test["window"] == 200 and p.test["worst_window_sps"] <= p.test["throughput_sps"] + 1e-6
    overfit = next(p for p in x.points if p.thresholds == everything_exits and p.budget == 0.3)
    assert overfit.exit_rates == (1.0,) and 1.0 - sum(overfit.fold_rates) > 0.009  # 1 - 0.01^(1/500)
    assert overfit.test["worst_window_reach"][1] >= W.binomial_quantile(200, 0.009) / 200 > 0
    at_budget = [p for p in x.points if p.budget == 0.3 and p.admissible and p.design]
    assert x.chosen.rank() == max(p.rank() for p in at_budget)
    assert x.chosen.rank()[:2] == (x.chosen.test["worst_window_sps"], x.chosen.test["throughput_sps"])
