"""Whole networks in RTL: B-LeNet lowered through handshake, simulated on real digits in Verilator."""

import pytest

from atheena.data import calibration_set
from atheena.hardware import flow
from atheena.pipeline import PipelineRunner

pytestmark = pytest.mark.hw
RATE_SAMPLES = 400  # bundled digits profiled, then streamed through the RTL in the same order


@pytest.fixture(scope="module")
def folded_b_lenet():
    from atheena import models
    from atheena.frontend import import_model

    entry = models.entry("b-lenet")
    module = import_model(models.get("b-lenet"), entry.build().input_shape, thresholds=entry.thresholds)
    PipelineRunner(module.context, save_reproducer=False).run(
        module, f"builtin.module(annotate-exit-probabilities{{samples={RATE_SAMPLES}}},"
                "fold{board=zc706 budget=0.3},size-buffers)")
    return module


@pytest.fixture(scope="module")
def design(folded_b_lenet):
    return flow.rtl(folded_b_lenet, name="blenet")


def test_b_lenet_is_bit_exact_on_real_digits(design, folded_b_lenet):
    images = calibration_set(None).images[:60]
    run = flow.simulate(design, folded_b_lenet, images)
    assert run.bit_exact, run
    assert sum(run.exits) == 60 and min(run.exits) > 0  # both exits used


def test_b_lenet_runs_at_the_predicted_rate(design, folded_b_lenet):
    """The prediction replays the profiled exit sequence (size-buffers); the RTL sees the same digits."""
    images = calibration_set(None).images[:RATE_SAMPLES]
    run = flow.simulate(design, folded_b_lenet, images)
    predicted = flow.predicted(folded_b_lenet)
    assert run.bit_exact, run
    assert run.cycles_per_sample == pytest.approx(predicted["cycles_per_sample"], rel=0.05)
    assert predicted["cycles_per_sample"] > predicted["balanced_cycles_per_sample"]  # the bursts cost something


def test_b_lenet_loses_nothing_under_back_pressure(design, folded_b_lenet):
    images = calibration_set(None).images[60:120]
    run = flow.simulate(design, folded_b_lenet, images, back_pressure=0.5, seed=3)
    assert run.bit_exact and run.missing == 0 and run.duplicated == 0, run


def test_rtl_is_deterministic_and_listed(design, folded_b_lenet, tmp_path):
    again = flow.rtl(folded_b_lenet, name="blenet", out_dir=tmp_path)
    assert again.files == design.files
    listed = (tmp_path / "filelist.f").read_text().split()
    assert listed[-1] == "blenet.sv"  # the top level last
    assert set(listed) == {n for n in design.files if n.endswith(".sv")}
    assert "handshake.func @blenet" in (tmp_path / "handshake.mlir").read_text()
