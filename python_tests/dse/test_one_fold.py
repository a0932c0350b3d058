"""One fold, one prediction: `atheena.dse.fold.Folder` gives what the `fold` + `size-buffers` passes write.

`atheena dse` (sweeps), `compile` and the passes all fold through `Folder`; these tests hold the
library and the pipeline to the same figures, to the cycle and to the LUT, for the same network,
board, budget and exit rates: with rates given (independent samples) and with the profiled
reach and exit sequence in the IR (the sequence replayed).
"""

import pytest

from atheena import ir as air
from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.dse.fold import Folder
from atheena.dse.sweeps import sweep
from atheena.errors import AtheenaError, NoFeasibleDesign
from atheena.pipeline import PipelineRunner


_KEEP_ALIVE = []


def _fresh(imported, name: str):
    """A copy of the cached zoo network that this test may change."""
    module = air.parse(air.to_text(imported(name)), air.new_context())
    _KEEP_ALIVE.append(module)
    return module


def _pipeline(module, steps: str):
    PipelineRunner(module.context, save_reproducer=False).run(module, f"builtin.module({steps})")
    (func,) = O.network_functions(module)
    return A.design(func)


def _same(prediction, written):
    assert prediction.cycles_per_sample == written.cycles_per_sample
    assert prediction.sizing.balanced_cycles_per_sample == written.balanced_cycles_per_sample
    assert prediction.sizing.independent_cycles_per_sample == written.independent_cycles_per_sample
    assert prediction.sizing.model == written.model
    assert prediction.sizing.resources == written.resources


@pytest.mark.parametrize("budget", [0.1, 0.5])
def test_given_rates_predict_what_the_passes_write(imported, budget):
    prediction = Folder(imported("b-lenet"), "zc706").predict(budget, [0.75])
    written = _pipeline(_fresh(imported, "b-lenet"), f"fold{{board=zc706 budget={budget} "
                                                     "exit_probabilities=0.75},size-buffers")
    _same(prediction, written)
    assert written.model == A.INDEPENDENT
    record = sweep(imported("b-lenet"), ["zc706"], [budget], [[0.75]])[0]["early_exit"]
    assert record["cycles_per_sample"] == written.cycles_per_sample and record["resources"] == written.resources


def test_profiled_reach_and_sequence_predict_what_the_passes_write(imported):
    module = _fresh(imported, "b-lenet-3")
    _pipeline(module, "annotate-exit-probabilities{samples=300}")
    prediction = Folder(module, "zc706").predict(0.3)
    record = sweep(module, ["zc706"], [0.3])[0]["early_exit"]
    written = _pipeline(module, "fold{board=zc706 budget=0.3},size-buffers")
    _same(prediction, written)
    assert written.model == A.REPLAY and record["model"] == A.REPLAY
    assert record["cycles_per_sample"] == written.cycles_per_sample
    # the replay can only be slower than the rate-balanced figure it starts from
    assert written.cycles_per_sample >= written.balanced_cycles_per_sample


def test_a_budget_too_small_is_a_typed_error_naming_the_smallest(imported):
    with pytest.raises(NoFeasibleDesign) as err:
        Folder(imported("b-lenet"), "zc706").design(0.01, [0.75])
    assert err.value.smallest is not None and 0.01 < err.value.smallest < 0.1
    assert "the smallest budget that fits is" in str(err.value)
    with pytest.raises(AtheenaError, match="headroom 5 must be in"):
        Folder(imported("b-lenet"), "zc706", headroom=5)


def test_when_the_budget_shortens_a_buffer_the_layers_after_the_exit_are_folded_faster(imported):
    """Triple-Wins at 50% of a ZC706, 98.6% of samples exiting: folded for its reach, the section after the
    exit is busy nearly all the time, a hard sample holds its slot (21 BRAM18) until that section has read
    it, and the budget holds 2 slots: 7,385 cycles per sample against 2,712 rate-balanced.  `predict` also
    folds that section for 1.5-4x its reach (`HEADROOMS`), with deeper buffers, and takes the fastest;
    the `fold` and `size-buffers` passes write the same design."""
    from atheena.dse import fold

    folder = Folder(imported("triple-wins"), "zc706")
    plain = folder._sized(folder.design(0.5, [0.986]), 0.01, None)
    assert plain.sizing.shortened and plain.cycles_per_sample > 2.5 * plain.design.cycles_per_sample
    prediction = folder.predict(0.5, [0.986])
    assert prediction.design.headroom in fold.HEADROOMS
    assert prediction.cycles_per_sample < 0.5 * plain.cycles_per_sample
    assert prediction.cycles_per_sample <= 1.02 * prediction.design.cycles_per_sample  # buffers no longer bind
    written = _pipeline(_fresh(imported, "triple-wins"), "fold{board=zc706 budget=0.5 "
                                                        "exit_probabilities=0.986},size-buffers")
    _same(prediction, written)
