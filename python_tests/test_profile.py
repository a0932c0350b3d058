"""Exit profiling on real data, and the accuracy of the shipped example weights."""

import numpy as np
import pytest

from atheena import data, models
from atheena.errors import AtheenaError
from atheena.frontend import import_model
from atheena.profiling import check_thresholds, profile_exits
from atheena.reference import fixed_point



@pytest.fixture(scope="module")
def b_lenet_profile():
    module = import_model(models.get("b-lenet"), (1, 28, 28), thresholds=[0.996])
    return module, profile_exits(module, data.calibration_set())


def test_record_structure_and_rates(b_lenet_profile):
    _, profile = b_lenet_profile
    record = profile.record([0.9]).as_dict()
    assert set(record) == {"thresholds", "exits", "accuracy", "expected_macs"}
    assert [e["index"] for e in record["exits"]] == [0, 1]
    assert record["exits"][1]["threshold"] is None
    assert sum(e["exit_rate"] for e in record["exits"]) == pytest.approx(1.0)
    assert set(record["accuracy"]) == {"float", "fixed"}
    lenient, strict = profile.record([0.5]), profile.record([0.999])
    assert lenient.exits[0].exit_rate > strict.exits[0].exit_rate
    assert lenient.expected_macs < strict.expected_macs


def test_dense_profile_matches_the_streaming_reference(b_lenet_profile):
    module, profile = b_lenet_profile
    cal = data.calibration_set()
    streamed = fixed_point.run(module, cal.images)  # conditional buffers really drop samples
    np.testing.assert_array_equal(streamed.exit, profile.exit_index([0.996]))
    correct = streamed.logits.argmax(axis=1) == cal.labels
    assert correct.mean() == pytest.approx(profile.record([0.996]).accuracy["fixed"])


def test_auto_thresholds_respect_the_accuracy_bound(b_lenet_profile):
    _, profile = b_lenet_profile
    for drop in (0.0, 0.5):
        t = profile.auto_thresholds(drop)
        rec = profile.record(t)
        assert rec.accuracy["fixed"] >= profile.final_accuracy() - drop / 100 - 1e-12
    assert profile.record(profile.auto_thresholds(0.5)).exits[0].exit_rate >= \
        profile.record(profile.auto_thresholds(0.0)).exits[0].exit_rate


def test_no_candidate_is_beyond_what_the_decision_resolves(b_lenet_profile):
    """Above `faithful_limit` (0.99931 for B-LeNet's 10 classes) the fixed-point decision no longer
    follows the threshold: neither `auto` nor the explored grid offers such thresholds."""
    from atheena.compile.explore import THRESHOLD_GRID, candidate_thresholds

    _, profile = b_lenet_profile
    assert profile.limit(0) == pytest.approx(fixed_point.faithful_limit(10))
    for drop in (0.0, 0.5, 5.0):
        assert profile.auto_thresholds(drop)[0] <= profile.limit(0)
    settings = candidate_thresholds(profile, (0.996,), 0.0)
    assert max(THRESHOLD_GRID) > profile.limit(0) and all(s[0] <= profile.limit(0) for s in settings)
    assert (0.999,) in settings and (0.996,) in settings


def test_saturating_layers_are_named_with_their_range(b_lenet_profile):
    """In Q4.12 ([-8, 8)) B-LeNet's convolutions and linear layers reach beyond the format; the ReLUs and
    poolings after them only pass the excess on and are not named again.  Q8.8 holds everything."""
    module, default = b_lenet_profile
    assert default.saturated == []
    fmt = fixed_point.FixedPointFormat.parse("Q4.12")
    narrow = profile_exits(module, data.calibration_set(), fixed_point.FixedArithmetic(fmt, fmt))
    named = {s.layer: s for s in narrow.saturated}
    assert set(named) == {"exits.0.0", "exits.0.4", "stages.1.0", "stages.1.3", "stages.1.7"}
    worst = named["stages.1.3"]
    assert worst.low < -50 and worst.high > 25 and (worst.fmt_low, worst.fmt) == (-8.0, "Q4.12")
    assert "outputs reach [-55.76, 26.35]" in worst.message() and "outside Q4.12's [-8, 8]" in worst.message()
    # what the saturation costs: the exit rate moves (fixed point against float)
    assert narrow.record([0.996]).exits[0].exit_rate < narrow.record([0.996]).exits[0].float_exit_rate - 0.03


def test_auto_thresholds_refuse_an_impossible_bound(b_lenet_profile):
    _, profile = b_lenet_profile
    with pytest.raises(AtheenaError, match="must be >= 0"):
        profile.auto_thresholds(-1.0)


def test_three_exit_auto_search():
    module = import_model(models.get("b-lenet-3"), (1, 28, 28))
    profile = profile_exits(module, data.calibration_set().subset(0, 300, "first 300"))
    t = profile.auto_thresholds(1.0, grid=8)
    assert len(t) == 2
    assert profile.record(t).accuracy["fixed"] >= profile.final_accuracy() - 0.01 - 1e-12


def test_threshold_checks():
    assert check_thresholds([0.9], 2) == [0.9, 0.9]
    with pytest.raises(AtheenaError, match="1 early exit\\(s\\) but 2 threshold"):
        check_thresholds([0.9, 0.8], 1)
    with pytest.raises(AtheenaError, match="outside \\(0, 1\\)"):
        check_thresholds([1.5], 1)


def test_image_size_must_fit_the_model():
    module = import_model(models.get("b-alexnet"), (3, 32, 32))
    with pytest.raises(AtheenaError, match="images are 1x28x28 but the network expects 3x32x32"):
        profile_exits(module, data.calibration_set())


def test_shipped_b_lenet_meets_the_accuracy_targets(mnist_dir):
    """Issue targets on the 2,000 held-out images (MNIST test 8000-9999)."""
    module = import_model(models.get("b-lenet"), (1, 28, 28), thresholds=[0.996])
    profile = profile_exits(module, data.calibration_set(mnist_dir))
    assert len(profile.labels) == 2000
    assert profile.final_accuracy(fixed=False) >= 0.980
    assert profile.float_correct[0].mean() >= 0.975
    for t in (0.9, 0.996):
        rec = profile.record([t])
        assert abs(rec.accuracy["fixed"] - rec.accuracy["float"]) <= 0.003
        agree = np.mean(profile.exit_index([t], fixed=True) == profile.exit_index([t], fixed=False))
        assert agree >= 0.995


def test_public_api_returns_one_record_per_setting():
    import atheena

    records = atheena.profile("b-lenet", samples=200, thresholds=[[0.9], 0.99, [0.5]])
    assert [r.thresholds for r in records] == [[0.9], [0.99], [0.5]]
    auto = atheena.profile("b-lenet", samples=200, thresholds="auto", max_accuracy_drop=0.0)
    assert len(auto) == 1 and auto[0].accuracy["fixed"] >= records[0].accuracy["fixed"] - 0.02
