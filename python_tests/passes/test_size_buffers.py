"""size-buffers: depths from the exit-process simulation, the prediction it implies, and the budget."""

import pytest
from torch_mlir import ir

from atheena import models
from atheena.dialects import ops as O
from atheena.dse import boards
from atheena.frontend import import_model
from atheena.pipeline import PipelineRunner, PipelineError


def _folded(budget: float = 0.5):
    module = import_model(models.get("b-lenet"), (1, 28, 28))
    PipelineRunner(module.context, save_reproducer=False).run(
        module, f"builtin.module(fold{{board=zc706 budget={budget} exit_probabilities=0.75}})")
    return module


def _design(module) -> dict:
    (func,) = O.network_functions(module)
    attr = ir.DictAttr(func.attributes["atheena.design"])
    return {attr[i].name: (ir.FloatAttr(attr[i].attr).value if isinstance(attr[i].attr, ir.FloatAttr)
                           else ir.IntegerAttr(attr[i].attr).value if isinstance(attr[i].attr, ir.IntegerAttr)
                           else None) for i in range(len(attr))}


def _depths(module) -> list[int]:
    (func,) = O.network_functions(module)
    return [O.int_attr(op, "depth") for op in O.body_ops(func) if op.name == "atheena.conditional_buffer"]


def _size(module, options: str = ""):
    PipelineRunner(module.context, save_reproducer=False).run(module, f"builtin.module(size-buffers{options})")


def test_the_prediction_becomes_the_simulated_rate():
    module = _folded()
    before = _design(module)
    _size(module)
    after = _design(module)
    (func,) = O.network_functions(module)
    exit0 = ir.DictAttr(ir.DictAttr(func.attributes["atheena.buffers"])["exit0"])
    simulated = ir.FloatAttr(exit0["cycles_per_sample"]).value
    assert after["balanced_cycles_per_sample"] == before["cycles_per_sample"]
    assert after["cycles_per_sample"] == max(simulated, before["cycles_per_sample"])
    assert after["cycles_per_sample"] >= before["cycles_per_sample"]  # bursts never make it faster
    assert after["throughput_sps"] == pytest.approx(after["clock_mhz"] * 1e6 / after["cycles_per_sample"])
    depths = _depths(module)
    assert depths[1] == 2 and depths[0] > 2
    # running it again changes nothing (the resources already count the chosen depths)
    _size(module)
    assert _design(module) == after and _depths(module) == depths


def test_the_prediction_for_given_samples_is_the_replay_of_their_exits():
    """`flow.predicted_for` (what compile and simulate compare the RTL with) on the whole profiled
    sequence is size-buffers' headline replay; on runs of hard samples it is slower, on easy ones it
    is the rate-balanced figure."""
    from atheena import data
    from atheena.dialects import attributes as A
    from atheena.hardware import flow

    module = import_model(models.get("b-lenet"), (1, 28, 28))
    PipelineRunner(module.context, save_reproducer=False).run(
        module, "builtin.module(annotate-exit-probabilities,fold{board=zc706 budget=0.5},size-buffers)")
    (func,) = O.network_functions(module)
    trace = A.exit_trace(func)
    assert len(trace) == len(data.calibration_set())
    headline = flow.predicted(module)
    assert headline["model"] == A.REPLAY
    assert flow.predicted_for(module, trace)["cycles_per_sample"] == pytest.approx(headline["cycles_per_sample"])
    hard = flow.predicted_for(module, [1] * 400)
    easy = flow.predicted_for(module, [0] * 400)
    assert hard["cycles_per_sample"] > headline["cycles_per_sample"]
    assert easy["cycles_per_sample"] == pytest.approx(headline["balanced_cycles_per_sample"])
    assert hard["model"] == "replay of these 400 samples' exits"


def test_buffers_are_shortened_to_stay_within_the_budget(tmp_path, capfd):
    """The ZC706 design checked against a board with one BRAM18 too few for the buffer it wants."""
    import json

    unconstrained = _folded()
    _size(unconstrained)
    wanted, needed = _depths(unconstrained)[0], _design(unconstrained)["bram18"]
    tight = {**boards.load("zc706").as_dict(), "name": "tight", "bram18": 2 * (needed - 1)}  # budget 0.5
    path = tmp_path / "tight.json"
    path.write_text(json.dumps(tight))
    module = _folded()
    _size(module, f"{{board={path}}}")
    assert _depths(module)[0] < wanted
    assert _design(module)["bram18"] <= needed - 1
    assert _design(module)["cycles_per_sample"] >= _design(unconstrained)["cycles_per_sample"]
    assert "buffer shortened from" in capfd.readouterr().err
    # a board is found by the name `fold` recorded only when it is built in
    with pytest.raises(PipelineError, match=r"unknown board 'tight'.*size-buffers\{board=path/to/board.json\}"):
        m = import_model(models.get("b-lenet"), (1, 28, 28))
        PipelineRunner(m.context, save_reproducer=False).run(
            m, f"builtin.module(fold{{board={path} budget=0.5 exit_probabilities=0.75}}, size-buffers)")


def test_a_budget_without_room_for_any_buffer_fails_and_names_the_resource():
    module = _folded()
    (func,) = O.network_functions(module)
    entries = {a.name: a.attr for a in ir.DictAttr(func.attributes["atheena.design"])}
    with module.context:
        entries["budget"] = ir.FloatAttr.get_f64(0.01)
        func.attributes["atheena.design"] = ir.DictAttr.get(entries)
    with pytest.raises(PipelineError, match="over budget in dsp"):
        _size(module)
