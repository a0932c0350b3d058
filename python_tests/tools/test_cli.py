"""The `atheena` command: exit codes, messages and no partial output on errors."""

import pytest

from atheena.tools import cli


def test_import_example_writes_the_file(tmp_path, capsys):
    out = tmp_path / "b.mlir"
    assert cli.main(["import", "--example", "b-lenet-baseline", "-o", str(out)]) == 0
    assert '"atheena.conv2d"' in out.read_text()
    assert "imported b-lenet-baseline (1 exit, input 1x28x28)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["import"], "give either MODEL"),
        (["import", "x.py:Net", "--example", "b-lenet"], "give either MODEL"),
        (["import", "--example", "b-lenet", "--thresholds", "abc"], "must be comma-separated numbers"),
        (["import", "--example", "b-lenet", "--thresholds", "0"], "threshold 0.0 is outside (0, 1)"),
        (["import", "--example", "b-lenet", "--input-shape", "1,28"], "must be three positive integers"),
        (["import", "--example", "b-lenet", "-o", "/no/such/dir/out.mlir"], "folder '/no/such/dir' does not exist"),
    ],
)
def test_user_errors_exit_2_with_one_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("atheena: error: ") and message in err and "Traceback" not in err


def test_failed_import_leaves_no_output(tmp_path, capsys):
    (tmp_path / "net.py").write_text(
        "from torch import nn\nclass Net(nn.Module):\n    input_shape = (1, 4, 4)\n"
        "    def __init__(self):\n        super().__init__()\n        self.act = nn.Sigmoid()\n"
        "    def forward(self, x):\n        return self.act(x).flatten(1)\n"
    )
    out = tmp_path / "out.mlir"
    with pytest.raises(SystemExit) as info:
        cli.main(["import", f"{tmp_path / 'net.py'}:Net", "-o", str(out)])
    assert info.value.code == 2
    assert "act: aten.sigmoid is not supported" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "net.py"] or \
        sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".pyc") == ["__pycache__", "net.py"]


@pytest.fixture(scope="module")
def folded_b_lenet(tmp_path_factory):
    from atheena import models
    from atheena.frontend import import_model
    from atheena.ir import to_text
    from atheena.pipeline import PipelineRunner

    entry = models.entry("b-lenet")
    module = import_model(models.get("b-lenet"), entry.build().input_shape, thresholds=entry.thresholds)
    PipelineRunner(module.context, save_reproducer=False).run(
        module, "builtin.module(annotate-exit-probabilities,fold{board=zc706 budget=0.5})")
    path = tmp_path_factory.mktemp("folded") / "folded.mlir"
    path.write_text(to_text(module))
    return path


@pytest.mark.parametrize("command", ["simulate", "synth"])
def test_unsizable_buffers_stop_simulate_and_synth(command, folded_b_lenet, tmp_path, capsys):
    """No silent fallback to other buffer depths: the design built would not be the one predicted."""
    text = folded_b_lenet.read_text()
    assert 'board = "ZC706"' in text
    broken = tmp_path / "folded.mlir"
    broken.write_text(text.replace('board = "ZC706"', 'board = "NoSuchBoard"'))
    with pytest.raises(SystemExit) as info:
        cli.main([command, str(broken)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "conditional buffers of" in err and "could not be sized" in err and "NoSuchBoard" in err, err
    assert "Traceback" not in err


def test_simulate_refuses_more_samples_than_the_data_holds(folded_b_lenet, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["simulate", str(folded_b_lenet), "--samples", "1000000"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--samples 1000000 asks for more images than" in err and "give at most" in err, err


@pytest.mark.parametrize("argv, message", [
    (["--stalls", "4:5000"], "--stalls 4:5000 is not OPEN:MIN:MAX"),
    (["--stalls", "0:10:20"], "--stalls 0:10:20 is not OPEN:MIN:MAX"),
    (["--stalls", "4:20:10"], "--stalls 4:20:10 is not OPEN:MIN:MAX"),
    (["--stalls", "4:10:20", "--back-pressure", "0.5"], "either --back-pressure (random stalls) or --stalls"),
])
def test_simulate_refuses_bad_stall_settings(argv, message, folded_b_lenet, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["simulate", str(folded_b_lenet), *argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_simulate_queues_names_each_kernel_instance_input():
    """`--queues` lists the kernels' own inputs (not their wrappers', not the handshake glue), one per instance."""
    from atheena.tools.commands.simulate import _queues

    counts = {"not_ready": 5, "refused": 3, "longest": 2}
    probes = {"top_sim.probe_in": counts, "top_sim.top.handshake_buffer3.probe_in0": counts,
              "top_sim.top.atheena_fifo_w16_d8_hs0.probe_in": counts,
              "top_sim.top.atheena_fifo_w16_d8_hs0.atheena_fifo_w16_d8.probe_in": counts,
              "top_sim.top.atheena_fifo_w16_d8_hs1.atheena_fifo_w16_d8.probe_in": counts,
              "top_sim.top.atheena_exit_merge_e2_w10_d64_hs0.atheena_exit_merge_e2_w10_d64.probe_dec0": counts}
    assert list(_queues(probes)) == ["atheena_exit_merge_e2_w10_d64_hs0.dec0", "atheena_fifo_w16_d8_hs0.in",
                                     "atheena_fifo_w16_d8_hs1.in"]
