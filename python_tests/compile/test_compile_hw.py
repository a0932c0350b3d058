"""The whole flow on the tutorial network: RTL simulated bit-exact in Verilator (and synthesised, slow)."""

import json
from pathlib import Path

import pytest

from atheena.tools import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = [f"{EXAMPLES / 'tiny_ee.py'}:TinyEE", "--weights", str(EXAMPLES / "tiny_ee.pt")]


@pytest.mark.hw
def test_compile_simulates_bit_exact(tmp_path, capsys):
    out = tmp_path / "tiny"
    assert cli.main(["compile", *TINY, "--budget", "0.1", "--simulate", "60", "--json", "-q", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "atheena: [" not in captured.err  # --quiet: no stage lines
    report = json.loads(captured.out)
    assert json.loads((out / "report.json").read_text()) == report
    sim = report["simulation"]
    assert set(sim) >= {"samples", "bit_exact", "cycles_per_sample", "throughput_sps"}
    assert sim["samples"] == 60 and sim["bit_exact"] and sum(sim["exits"]) == 60
    assert all(n > 0 for n in sim["exits"]), "samples leave at both exits in hardware"
    assert sim["throughput_sps"] == pytest.approx(report["clock_mhz"] * 1e6 / sim["cycles_per_sample"])
    assert "bit-exact against the fixed-point reference" in (out / "report.md").read_text()


@pytest.mark.hw
@pytest.mark.slow
def test_compile_synthesises(tmp_path, capsys):
    out = tmp_path / "tiny"
    assert cli.main(["compile", *TINY, "--budget", "0.1", "--simulate", "0", "--synth", "--json", "-q",
                     "-o", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    used = report["synthesis"]["resources"]
    assert set(used) == {"dsp", "bram18", "lut", "ff"} and used["dsp"] > 0 and used["lut"] > 0
