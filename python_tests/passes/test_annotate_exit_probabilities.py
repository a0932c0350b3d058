"""annotate-exit-probabilities writes reach probabilities consistent with the profile."""

import pytest
from torch_mlir import ir

from atheena import data, models
from atheena.dialects import ops as O
from atheena.frontend import import_model
from atheena.pipeline import PipelineError, PipelineRunner
from atheena.profiling import profile_exits


def _reach(op):
    return ir.FloatAttr(op.attributes["reach_probability"]).value


def test_reach_probabilities_follow_the_exit_rates():
    module = import_model(models.get("b-lenet-3"), (1, 28, 28), thresholds=[0.9, 0.95])
    PipelineRunner(module.context).run(module, "builtin.module(annotate-exit-probabilities{samples=400})")
    expected = profile_exits(module, data.calibration_set().subset(0, 400, "x")).record([0.9, 0.95])
    (func,) = O.network_functions(module)
    decisions = [op for op in O.body_ops(func) if op.name == "atheena.exit_decision"]
    r0, r1 = (ir.FloatAttr(d.attributes["exit_rate"]).value for d in decisions)
    assert (r0, r1) == (expected.exits[0].exit_rate, expected.exits[1].exit_rate)
    convs = [op for op in O.body_ops(func) if op.name == "atheena.conv2d"]
    # stage0 conv, exit0 conv, stage1 conv, exit1 conv, stage2 conv
    assert [_reach(c) for c in convs] == pytest.approx([1, 1, 1 - r0, 1 - r0, 1 - r0 - r1])
    merge = next(op for op in O.body_ops(func) if op.name == "atheena.exit_merge")
    assert _reach(merge) == pytest.approx(1.0)
    summary = ir.DictAttr(func.attributes["atheena.profile"])
    assert ir.IntegerAttr(summary["samples"]).value == 400
    assert ir.StringAttr(summary["format"]).value == "Q8.8"


def test_thresholds_option_rewrites_the_ir_and_errors_are_reported():
    module = import_model(models.get("b-lenet"), (1, 28, 28), thresholds=[0.9])
    runner = PipelineRunner(module.context, save_reproducer=False)
    runner.run(module, "builtin.module(annotate-exit-probabilities{samples=50 thresholds=0.75})")
    (func,) = O.network_functions(module)
    decision = next(op for op in O.body_ops(func) if op.name == "atheena.exit_decision")
    assert ir.FloatAttr(decision.attributes["threshold"]).value == 0.75
    with pytest.raises(PipelineError, match="threshold 1.5 is outside"):
        runner.run(module, "builtin.module(annotate-exit-probabilities{thresholds=1.5})")
    with pytest.raises(PipelineError, match="data folder '/no/such' not found"):
        runner.run(module, "builtin.module(annotate-exit-probabilities{data=/no/such})")
