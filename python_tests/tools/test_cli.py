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
