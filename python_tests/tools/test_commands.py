"""The `atheena` command's layout: one module per subcommand, shared helpers in `common`, `cli` only dispatches."""

import importlib
import pkgutil

import pytest

from atheena import errors
from atheena.tools import cli, commands
from atheena.tools.commands import common

MODULES = {"import": "import_", "train": "train", "profile": "profile", "dse": "dse", "simulate": "simulate",
           "synth": "synth", "examples": "examples", "compile": "compile_"}


def _subcommands(parser):
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return sub.choices


def test_every_command_has_a_module_with_its_parser_and_function():
    assert list(_subcommands(cli.build_parser())) == list(MODULES)
    for name, module_name in MODULES.items():
        module = importlib.import_module(f"atheena.tools.commands.{module_name}")
        assert cli.COMMANDS[name] is getattr(module, f"cmd_{name}")
        assert callable(module.add_parser)


def test_every_module_says_why_it_exists():
    names = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    assert sorted(names) == sorted([*MODULES.values(), "common"])
    for module in [cli, commands, *(importlib.import_module(f"atheena.tools.commands.{n}") for n in names)]:
        assert module.__doc__ and module.__doc__.strip(), module.__name__


def test_the_earlier_names_are_still_importable_from_cli():
    for name in cli.__all__:
        assert getattr(cli, name) is not None
    assert cli.parse_thresholds is common.parse_thresholds and cli.load_network is common.load_network


def test_simulate_and_synth_take_a_file_only():
    choices = _subcommands(cli.build_parser())
    for name in ("simulate", "synth"):
        args = choices[name].parse_args(["folded.mlir"])
        assert args.model in ("folded.mlir", ["folded.mlir"]) and args.example is None  # synth takes several


@pytest.mark.parametrize(
    "text, message",
    [("", "must be comma-separated numbers"), ("0.9,x", "must be comma-separated numbers"),
     ("1", "threshold 1.0 is outside (0, 1)")],
)
def test_bad_thresholds_name_the_mistake(text, message):
    with pytest.raises(errors.AtheenaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        common.parse_thresholds(text)


def test_lists_and_settings():
    assert common.parse_thresholds(" 0.9, 0.99,") == [0.9, 0.99]
    assert common.settings(["0.9, 0.8; 0.7", "auto"]) == ["0.9,0.8", "0.7", "auto"]
    assert common.settings(None) == []
    with pytest.raises(errors.AtheenaError, match="--budgets 'nan' must be comma-separated finite numbers"):
        common.floats("nan", "--budgets")


def test_table_right_aligns_columns_two_spaces_apart():
    assert common.table(["a", "bbb"], [["10", "1"], ["2", "2222"]]).splitlines() == [
        " a   bbb", "10     1", " 2  2222"]
