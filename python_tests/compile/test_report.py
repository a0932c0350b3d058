"""A compile without simulation: the files in OUT, the report's schema, and its agreement with the IR."""

import json
import re
import shlex
from pathlib import Path

import pytest

from atheena import ir as air
from atheena.compile import CompileOptions, compile_network, plots
from atheena.compile import report as R
from atheena.dialects import verify
from atheena.frontend.loading import load_model, load_weights
from atheena.hardware import flow
from atheena.tools import opt

ROOT = Path(__file__).resolve().parents[2]
TINY = f"{ROOT / 'examples' / 'tiny_ee.py'}:TinyEE"
ISSUE_KEYS = {"model", "board", "clock_mhz", "budget", "exits", "accuracy", "predicted", "baseline", "gain"}
DESIGN_KEYS = {"throughput_sps", "cycles_per_sample", "model", "balanced_cycles_per_sample", "resources"}
PREDICTED_KEYS = DESIGN_KEYS | {"independent_cycles_per_sample"}  # after size-buffers
RESOURCE_KEYS = {"dsp", "bram18", "lut", "ff"}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = tmp_path_factory.mktemp("compile") / "tiny"
    model = load_model(TINY)
    load_weights(model, ROOT / "examples" / "tiny_ee.pt")  # trained: its early exit answers most samples
    report = compile_network(model, model.input_shape, out,
                             CompileOptions(budget=0.1, thresholds="auto", simulate=0),
                             label="tiny_ee", default_thresholds=model.thresholds, quiet=True)
    return out, report


def test_out_holds_every_stage_the_rtl_and_the_report(compiled):
    out, report = compiled
    for name in ("imported.mlir", "profiled.mlir", "folded.mlir", "buffered.mlir", "report.json", "report.md",
                 "rtl/filelist.f", "rtl/handshake.mlir"):
        assert (out / name).is_file(), name
    listed = (out / "rtl" / "filelist.f").read_text().split()
    assert listed[-1] == "atheena_top.sv" and all((out / "rtl" / f).is_file() for f in listed)
    for png in ("pareto.png", "accuracy_throughput.png", "layers.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "report.json").read_text()) == report
    assert not list(out.parent.glob(".tiny.*")), "the staging folder is gone"


def test_every_stage_loads_and_verifies(compiled):
    out, _ = compiled
    for name in ("imported", "profiled", "folded", "buffered"):
        module = air.parse((out / f"{name}.mlir").read_text(), air.new_context(), name)
        assert verify.problems(module) == [], name
    module = air.parse((out / "buffered.mlir").read_text(), air.new_context(), "buffered")
    assert flow.predicted(module)["throughput_sps"] == compiled[1]["predicted"]["throughput_sps"]


def test_report_md_replays_every_stage_with_atheena_opt(compiled, tmp_path):
    """The atheena-opt commands report.md gives (the passes' own spec) reproduce each stage's .mlir byte for byte."""
    out, _ = compiled
    md = (out / "report.md").read_text()
    commands = [shlex.split(line) for line in md.splitlines() if line.startswith("atheena-opt ")]
    replayed = {}
    for argv in commands:
        source, target = argv[1], argv[argv.index("-o") + 1]
        if target == "/dev/null":  # the lowering writes rtl/: covered by the hardware tests
            continue
        argv[1] = str(out / source)
        argv[argv.index("-o") + 1] = str(tmp_path / target)
        assert opt.main(argv[1:]) == 0, argv
        replayed[target] = (tmp_path / target).read_bytes()
    assert set(replayed) == {"profiled.mlir", "folded.mlir", "buffered.mlir"}
    for name, text in replayed.items():
        assert text == (out / name).read_bytes(), name
    assert "fold{budget=0.1 exit_probabilities=" in md and "annotate-exit-probabilities{thresholds=" in md


def test_report_has_the_documented_keys(compiled):
    _, r = compiled
    assert ISSUE_KEYS <= set(r)
    assert "simulation" not in r and "synthesis" not in r  # only when run
    assert r["model"] == "tiny_ee" and r["board"] == "ZC706" and r["clock_mhz"] == 125.0 and r["budget"] == 0.1
    assert [e["index"] for e in r["exits"]] == [0, 1]
    assert all(set(e) == {"index", "threshold", "comparison", "exit_rate", "accuracy", "float_exit_rate"} for e in r["exits"])
    assert r["exits"][-1]["threshold"] is None and r["exits"][0]["threshold"] == r["thresholds"][0]
    assert sum(e["exit_rate"] for e in r["exits"]) == pytest.approx(1.0)
    assert set(r["accuracy"]) == {"float", "fixed"}
    for block in (r["predicted"], r["baseline"]):
        assert set(block) in (DESIGN_KEYS, PREDICTED_KEYS) and set(block["resources"]) == RESOURCE_KEYS
    assert r["predicted"]["model"] in ("buffered, profiled sequence", "buffered, independent samples")
    assert r["baseline"]["model"] == "rate-balanced"
    assert r["gain"] == pytest.approx(r["predicted"]["throughput_sps"] / r["baseline"]["throughput_sps"])
    assert r["predicted"]["throughput_sps"] == pytest.approx(r["clock_mhz"] * 1e6 / r["predicted"]["cycles_per_sample"])


def test_every_top_level_key_is_documented(compiled):
    doc = (ROOT / "docs" / "report-schema.md").read_text()
    top = doc.split("## Top level", 1)[1].split("## Objects", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", top, re.MULTILINE))
    assert set(compiled[1]) | {"simulation", "synthesis"} == documented


def test_layers_add_up_to_the_prediction(compiled):
    _, r = compiled
    for kind in RESOURCE_KEYS:  # the layer table (dse.model's config at each op's folding and depth) explains the total
        assert sum(layer["resources"][kind] for layer in r["layers"]) == r["predicted"]["resources"][kind], (
            f"{kind}: the report's layers do not add up to atheena.design after size-buffers; the model's per-op "
            "configs and what fold/size-buffers count must agree (or the report needs a row for parts between layers)")
    # the slowest layer bounds the rate; bursts of hard samples at the buffers can only slow it
    slowest = max(layer["cycles_per_sample"] for layer in r["layers"])
    assert r["predicted"]["cycles_per_sample"] == pytest.approx(
        max([slowest] + [b["cycles_per_sample"] for b in r["buffers"].values()]))
    assert all(b["pattern"] == "profiled" for b in r["buffers"].values())


def test_auto_picks_the_fastest_design_within_the_accuracy_drop(compiled):
    _, r = compiled
    x = r["exploration"]
    assert x["max_accuracy_drop"] == 0.5
    chosen = x["chosen"]
    assert chosen["admissible"] and chosen["thresholds"] == r["thresholds"] and chosen["budget"] == r["budget"]
    assert chosen["accuracy"]["fixed"] >= x["final_exit_accuracy"] - 0.005 - 1e-12
    rivals = [p for p in x["points"] if p["budget"] == r["budget"] and p["admissible"] and p["design"]]
    assert chosen["design"]["throughput_sps"] == max(p["design"]["throughput_sps"] for p in rivals)
    # the exploration predicts exactly what `fold` then built (before size-buffers)
    out = compiled[0]
    folded = flow.predicted(air.parse((out / "folded.mlir").read_text(), air.new_context(), "folded"))
    assert chosen["design"]["throughput_sps"] == folded["throughput_sps"]
    assert chosen["design"]["resources"] == {k: folded[k] for k in RESOURCE_KEYS}
    # co-exploration: every threshold setting at every budget
    settings = {tuple(p["thresholds"]) for p in x["points"]}
    budgets = {p["budget"] for p in x["points"]}
    assert len(x["points"]) == len(settings) * len(budgets) and len(settings) > 5 and r["budget"] in budgets
    assert any(not p["admissible"] for p in x["points"]), "the trade-off shows rejected settings too"


def test_figures_and_markdown_are_deterministic(compiled, tmp_path):
    out, r = compiled
    assert plots.write_all(r, tmp_path) == ["pareto.png", "accuracy_throughput.png", "layers.png"]
    for png in ("pareto.png", "accuracy_throughput.png", "layers.png"):
        assert (tmp_path / png).read_bytes() == (out / png).read_bytes()
    assert R.to_json(r) == (out / "report.json").read_text()
