"""Sweep records, Pareto fronts and plots."""

from atheena import models
from atheena.dse.sweeps import pareto, plot_pareto, sweep
from atheena.frontend import import_model


def test_sweep_records_have_the_documented_keys(tmp_path):
    module = import_model(models.get("b-lenet"), (1, 28, 28))
    records = sweep(module, ["zc706", "zedboard"], [0.5, 1.0], [[0.75], [0.5]])
    assert len(records) == 2 * 2 * 2
    r = records[0]
    assert set(r) == {"board", "budget", "exit_probabilities", "early_exit", "baseline", "gain", "family",
                      "resource_model"}
    assert r["family"] == r["resource_model"] == "xc7"
    assert set(r["early_exit"]) == {"throughput_sps", "cycles_per_sample", "model", "balanced_cycles_per_sample",
                                    "independent_cycles_per_sample", "resources", "max_resource_share",
                                    "buffer_depths", "headroom", "section_cycles"}
    assert r["early_exit"]["model"] == "buffered, independent samples"  # given rates: no exit sequence to replay
    assert set(r["baseline"]) == {"throughput_sps", "cycles_per_sample", "model", "balanced_cycles_per_sample",
                                  "resources", "max_resource_share", "section_cycles"}
    assert set(r["early_exit"]["resources"]) == {"dsp", "bram18", "lut", "ff"}
    by = {(x["board"], x["budget"], x["exit_probabilities"][0]): x for x in records}
    # more samples leaving early -> a faster early-exit design at the same budget
    assert by[("ZC706", 1.0, 0.75)]["gain"] > by[("ZC706", 1.0, 0.5)]["gain"]
    assert by[("ZC706", 1.0, 0.75)]["early_exit"]["throughput_sps"] > by[("ZedBoard", 1.0, 0.75)]["early_exit"]["throughput_sps"]
    png = tmp_path / "front.png"
    plot_pareto(records, str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pareto_front():
    pts = [{"throughput_sps": t, "max_resource_share": s} for t, s in [(10, 0.1), (20, 0.3), (15, 0.3), (20, 0.2), (5, 0.05)]]
    assert [(p["throughput_sps"], p["max_resource_share"]) for p in pareto(pts)] == [(5, 0.05), (10, 0.1), (20, 0.2)]
    assert pareto([None, {"throughput_sps": 1, "max_resource_share": 1}]) == [{"throughput_sps": 1, "max_resource_share": 1}]
