"""`atheena compile`'s user errors: one paragraph, exit status 2, no traceback, and no OUT left behind."""

import re
from pathlib import Path

import pytest

from atheena.dialects import ops as O
from atheena.pass_base import PassFailure
from atheena.passes.fold import Fold
from atheena.tools import cli, opt

TINY = str(Path(__file__).resolve().parents[2] / "examples" / "tiny_ee.py")


def _fails(argv, capsys, out: Path, code: int = 2, printed: list | None = None) -> str:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == code
    err = capsys.readouterr().err
    if printed is not None:
        printed.append(err)
    assert err.count("atheena: error: ") == 1 and "Traceback" not in err
    # stage lines may come first; the error is the last thing printed, one paragraph
    message = err.split("atheena: error: ", 1)[1]
    assert "\natheena:" not in message and not message.rstrip("\n").count("\n\n")
    assert not out.exists(), "a failed compile must leave no output folder"
    assert not list(out.parent.glob(f".{out.name}.*")), "nor a staging folder"
    return message


@pytest.mark.parametrize(
    "args, message",
    [
        (["no/such/net.py:Net"], "model file 'no/such/net.py' not found"),
        ([f"{TINY}:Nope"], "class 'Nope' not found in"),
        (["--example", "b-lenet", "--thresholds", "1.5"], "threshold 1.5 is outside (0, 1)"),
        (["--example", "b-lenet", "--thresholds", "0"], "threshold 0.0 is outside (0, 1)"),
        (["--example", "b-lenet", "--data", "/no/such/mnist"], "data folder '/no/such/mnist' not found"),
        (["--example", "b-lenet", "--input-shape", "1,32,32"],
         "b-lenet takes inputs of shape 1x32x32 but the calibration images"),
        (["--example", "b-lenet", "--budget", "0"], "budget 0 must be in (0, 1]"),
        (["--example", "b-lenet", "--budget", "1.5"], "budget 1.5 must be in (0, 1]"),
        (["--example", "b-lenet", "--target-throughput", "-5"], "must be a positive number of samples per second"),
        (["--example", "b-lenet", "--max-accuracy-drop", "1"],
         "--max-accuracy-drop only applies with --thresholds auto"),
        (["--example", "b-lenet", "--thresholds", "auto", "--max-accuracy-drop", "-1"], "must be between 0 and 100"),
        (["--example", "b-lenet", "--simulate", "-1"], "--simulate -1 must be 0"),
        (["--example", "b-lenet", "--simulate", "5000"], "asks for more samples than the calibration data holds"),
        (["--example", "b-lenet", "--board", "nope"], "unknown board 'nope'"),
        (["--example", "nope"], "there is no example network 'nope'"),
    ],
)
def test_fast_errors(args, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert message in _fails(["compile", *args, "-o", str(out)], capsys, out)


def test_unsupported_layer(tmp_path, capsys):
    (tmp_path / "net.py").write_text(
        "from torch import nn\nclass Net(nn.Module):\n    input_shape = (1, 28, 28)\n"
        "    def __init__(self):\n        super().__init__()\n        self.act = nn.Sigmoid()\n"
        "        self.fc = nn.Linear(784, 10)\n"
        "    def forward(self, x):\n        return self.fc(self.act(x).flatten(1))\n")
    out = tmp_path / "out"
    err = _fails(["compile", f"{tmp_path / 'net.py'}:Net", "--simulate", "0", "-o", str(out)], capsys, out)
    assert "act: aten.sigmoid is not supported" in err


def test_input_shape_the_layers_cannot_take(tmp_path, capsys):
    (tmp_path / "net.py").write_text(
        "from torch import nn\nclass Net(nn.Module):\n    input_shape = (1, 28, 28)\n"
        "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 4, 3)\n"
        "        self.fc = nn.Linear(4 * 26 * 26, 10)\n"
        "    def forward(self, x):\n        return self.fc(self.conv(x).flatten(1))\n")
    out = tmp_path / "out"
    err = _fails(["compile", f"{tmp_path / 'net.py'}:Net", "--simulate", "0", "-o", str(out)], capsys, out)
    assert "could not trace the model's forward() with an input of shape [1, 1, 28, 28]" in err
    assert "Check the input shape" in err


def test_infeasible_budget_states_the_smallest_feasible_one(tmp_path, capsys):
    out = tmp_path / "out"
    err = _fails(["compile", "--example", "b-lenet", "--budget", "0.001", "--simulate", "0", "-o", str(out)],
                 capsys, out)
    assert "does not fit in a budget of 0.001" in err and "the smallest budget that fits is 0.0" in err
    assert "give --budget 0.0" in err


def test_unreachable_target_throughput(tmp_path, capsys):
    out = tmp_path / "out"
    err = _fails(["compile", "--example", "b-lenet", "--target-throughput", "1e9", "--simulate", "0", "-o",
                  str(out)], capsys, out)
    assert "no design reaches 1,000,000,000 samples/s on the ZC706" in err


def test_wrong_number_of_thresholds(tmp_path, capsys):
    out = tmp_path / "out"
    err = _fails(["compile", "--example", "b-lenet-3", "--thresholds", "0.9,0.9,0.9", "--simulate", "0", "-o",
                  str(out)], capsys, out)
    assert "the network has 2 early exit(s) but 3 threshold(s) were given" in err


def test_thresholds_on_a_network_without_exits(tmp_path, capsys):
    out = tmp_path / "out"
    err = _fails(["compile", "--example", "b-lenet-baseline", "--thresholds", "auto", "--simulate", "0", "-o",
                  str(out)], capsys, out)
    assert "has no early exits, so --thresholds does not apply" in err


def test_a_failing_pass_names_the_layer_and_saves_a_reproducer(tmp_path, capsys, monkeypatch):
    """A pass's problem (here a stand-in for fold's) is the user's: its diagnostic at the layer, the saved input
    and the atheena-opt command that replays the failure; warnings before it are shown at their layer too."""
    def apply(self, module):
        first = O.body_ops(O.network_functions(module)[0])[0]
        self.warn(first, "a warning before the failure")
        raise PassFailure(first, "cannot fold this layer")

    monkeypatch.setattr(Fold, "apply", apply)
    monkeypatch.setenv("ATHEENA_CACHE", str(tmp_path))  # the reproducer goes to its reproducers/
    out, printed = tmp_path / "out", []
    err = _fails(["compile", "--example", "b-lenet", "--simulate", "0", "-o", str(out)], capsys, out,
                 printed=printed)
    assert re.search(r"^b-lenet: layer \S+: warning: a warning before the failure$", printed[0], re.MULTILINE)
    assert err.startswith("pass 'fold' failed:\nb-lenet: layer ")
    assert ": error: cannot fold this layer\n" in err
    # compile folds for the reach margin (`atheena.dse.windows`), so the pass states its exit rates
    replay = re.search(r"reproduce with:\n  (atheena-opt (\S+) --pass-pipeline='(builtin.module\(fold\{budget=0.5 "
                       r"exit_probabilities=[0-9.]+\}\))')$", err)
    assert replay and replay.group(2).startswith(str(tmp_path / "reproducers")), err
    with pytest.raises(SystemExit) as info:  # the command fails the same way
        opt.main([replay.group(2), f"--pass-pipeline={replay.group(3)}"])
    assert info.value.code == 1 and "cannot fold this layer" in capsys.readouterr().err


def test_a_bug_in_a_pass_is_an_internal_error(imported, tmp_path, monkeypatch):
    """An exception other than PassFailure is ATHEENA's bug: not a user error (exit 1, not 2), and says so."""
    from atheena import ir as air
    from atheena.compile.driver import _run_pass
    from atheena.pipeline import PipelineError, PipelineRunner

    def apply(self, module):
        raise KeyError("board")

    monkeypatch.setattr(Fold, "apply", apply)
    module = air.parse(air.to_text(imported("b-lenet"), debug_info=True), air.new_context())
    runner = PipelineRunner(module.context, filename="b-lenet", tool="atheena", reproducer_dir=str(tmp_path))
    with pytest.raises(PipelineError) as info:
        _run_pass(runner, module, Fold(budget=0.5))
    err = info.value
    assert err.internal and err.exit_code == 1
    assert "b-lenet: error: internal error in pass 'fold': KeyError: 'board' (this is a bug in ATHEENA" in str(err)
    assert f"atheena-opt {err.reproducer} --pass-pipeline='builtin.module(fold{{budget=0.5}})'" in str(err)


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as info:
        cli.main(["compile", "--example", "b-lenet", "-o", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"output folder '{out}' exists and is not empty" in err and "--force" in err
    assert (out / "keep.txt").read_text() == "mine"


def test_output_is_a_file(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("x")
    with pytest.raises(SystemExit) as info:
        cli.main(["compile", "--example", "b-lenet", "-o", str(out)])
    assert info.value.code == 2
    assert "it exists and is not a folder" in capsys.readouterr().err


def test_budget_and_target_are_exclusive(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["compile", "--example", "b-lenet", "--budget", "0.5", "--target-throughput", "1000", "-o",
                  str(tmp_path / "out")])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
