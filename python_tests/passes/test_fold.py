"""fold: every layer meets the design's rate once scaled by how many samples reach it."""

import pytest
from torch_mlir import ir

from atheena import models
from atheena.dialects import ops as O
from atheena.frontend import import_model
from atheena.pipeline import PipelineRunner


def test_rate_balanced_folding_is_written_into_the_ir():
    module = import_model(models.get("b-lenet-3"), (1, 28, 28))
    PipelineRunner(module.context).run(
        module, "builtin.module(annotate-exit-probabilities{samples=300}, fold{board=zcu102 budget=0.4})")
    (func,) = O.network_functions(module)
    design = ir.DictAttr(func.attributes["atheena.design"])
    cycles = ir.FloatAttr(design["cycles_per_sample"]).value
    assert ir.FloatAttr(design["throughput_sps"]).value == pytest.approx(200e6 / cycles)
    convs = 0
    for op in O.body_ops(func):
        if not op.name.startswith("atheena."):
            continue
        q = ir.FloatAttr(op.attributes["reach_probability"]).value
        interval = ir.IntegerAttr(op.attributes["interval"]).value
        assert q * interval <= cycles + 1e-9, op.name
        folding = ir.DictAttr(op.attributes["folding"])
        if op.name == "atheena.conv2d":
            convs += 1
            for key in ("coarse_in", "coarse_out", "fine"):
                assert ir.IntegerAttr(folding[key]).value >= 1
    assert convs == 5
    assert ir.IntegerAttr(design["dsp"]).value <= 0.4 * 2520


def test_a_budget_nothing_fits_fails_with_the_typed_cause():
    """The RTL check of a sweep point tells "no design fits" from a broken input by the error's cause
    (`hardware/check.py`), without folding a second time to find out."""
    from atheena.errors import NoFeasibleDesign
    from atheena.pipeline import PipelineError

    module = import_model(models.get("b-lenet"), (1, 28, 28))
    with pytest.raises(PipelineError) as failed:
        PipelineRunner(module.context, save_reproducer=False, print_warnings=False).run(
            module, "builtin.module(fold{board=zc706 budget=0.0001 exit_probabilities=0.5})")
    assert isinstance(failed.value.cause, NoFeasibleDesign)
    assert "budget" in str(failed.value)
