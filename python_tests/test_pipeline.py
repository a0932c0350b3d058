"""Pipeline text parsing, pass options and their spec, warnings, and failure reporting."""

import dataclasses
import typing
from dataclasses import dataclass

import pytest
from torch_mlir import ir

from atheena import ir as air
from atheena import passes, pipeline
from atheena.dialects import ops as O
from atheena.errors import IRError
from atheena.pass_base import ModulePass, PassFailure
from atheena.pipeline import PipelineError, PipelineRunner, instantiate, lookup, split_pipeline

TINY = """
func.func @f(%x: tensor<2x2x2xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x) : (tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %f = "atheena.flatten"(%r) : (tensor<2x2x2xf32>) -> tensor<8xf32>
  return %f : tensor<8xf32>
}
"""


def test_split_pipeline_keeps_nested_and_option_commas():
    text = "builtin.module(a, b{x=1,2 y=3}, func.func(c, d), e)"
    assert split_pipeline(text) == ["a", "b{x=1,2 y=3}", "func.func(c, d)", "e"]
    assert split_pipeline("a,b") == ["a", "b"]
    with pytest.raises(IRError, match="unbalanced"):
        split_pipeline("builtin.module(a(b)")


def test_pass_options_are_typed():
    p = instantiate("convert-torch-to-atheena{thresholds=0.5,0.75}")
    assert p.thresholds == (0.5, 0.75)
    assert instantiate("canonicalize") is None
    with pytest.raises(IRError, match="expects list of float, got 'x'"):
        instantiate("convert-torch-to-atheena{thresholds=x}")
    with pytest.raises(IRError, match="has no option 'depth=3'"):
        instantiate("convert-torch-to-atheena{depth=3}")


def test_runner_composes_upstream_and_python_passes():
    ctx = air.new_context()
    module = air.parse(TINY, ctx)
    PipelineRunner(ctx).run(module, "builtin.module(atheena-verify, canonicalize, func.func(cse))")
    assert '"atheena.flatten"' in air.to_text(module)


def test_failure_saves_a_reproducer(tmp_path):
    ctx = air.new_context()
    module = air.parse(TINY, ctx)
    # make the module invalid behind the parser's back: drop the flatten's result type check
    runner = PipelineRunner(ctx, reproducer_dir=str(tmp_path))
    with pytest.raises(PipelineError) as info:
        runner.run(module, "builtin.module(convert-torch-to-atheena)")
    err = info.value
    assert "no function with torch-dialect ops" in str(err)
    assert err.reproducer and err.reproducer.startswith(str(tmp_path))
    saved = (tmp_path / err.reproducer.split("/")[-1]).read_text()
    assert '"atheena.relu"' in saved  # the input of the failing pass
    assert f"atheena-opt {err.reproducer} --pass-pipeline='builtin.module(convert-torch-to-atheena)'" in str(err)


def test_reproducers_go_to_the_cache_and_only_the_newest_are_kept(tmp_path, monkeypatch):
    from atheena import pipeline

    monkeypatch.setenv("ATHEENA_CACHE", str(tmp_path))
    monkeypatch.setattr(pipeline, "REPRODUCERS_KEPT", 3)
    ctx = air.new_context()
    paths = []
    for _ in range(5):
        module = air.parse(TINY, ctx)
        with pytest.raises(PipelineError) as info:
            PipelineRunner(ctx).run(module, "builtin.module(convert-torch-to-atheena)")
        paths.append(info.value.reproducer)
        assert info.value.reproducer in str(info.value)
    folder = tmp_path / "reproducers"
    assert all(p.startswith(str(folder)) for p in paths)
    assert sorted(str(p) for p in folder.iterdir()) == sorted(paths[-3:]), "the newest three are kept"


def test_a_reproducer_still_saves_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    import tempfile

    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("ATHEENA_CACHE", str(tmp_path / "file" / "cache"))  # mkdir fails: NotADirectoryError
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ctx = air.new_context()
    with pytest.raises(PipelineError) as info:
        PipelineRunner(ctx).run(air.parse(TINY, ctx), "builtin.module(convert-torch-to-atheena)")
    assert info.value.reproducer.startswith(str(tmp_path)) and "no function with torch-dialect ops" in str(info.value)


def test_parse_errors_name_file_and_line():
    ctx = air.new_context()
    with pytest.raises(IRError, match=r"in\.mlir:3:\d+: error: 'atheena.relu' op"):
        air.parse('func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n\n  %r = "atheena.relu"(%x, %x) : '
                  "(tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n  return %r : tensor<4xf32>\n}", ctx, "in.mlir")


def test_print_is_deterministic_and_round_trips():
    ctx = air.new_context()
    text = air.to_text(air.parse(TINY, ctx))
    again = air.to_text(air.parse(text, air.new_context()))
    assert text == again
    assert isinstance(air.parse(text, ctx), ir.Module)


def _other_value(hint, default):
    """A value of type `hint` different from `default`, with characters a pipeline must quote."""
    if typing.get_origin(hint) is tuple:
        return {float: (0.25, 0.5), int: (3, 4), str: ("gt", "ge")}[typing.get_args(hint)[0]]
    if hint is bool:
        return not default
    if hint is float:
        return (default or 0.0) + 0.125
    if hint is int:
        return (default or 0) + 3
    return "/some dir/{a,b}(c)"


@pytest.mark.parametrize("name", sorted(passes.REGISTRY))
def test_every_pass_spec_round_trips(name):
    cls = lookup(name)
    assert cls().spec() == name and instantiate(name) == cls()
    hints = typing.get_type_hints(cls)
    changed = cls(**{f.name: _other_value(hints[f.name], f.default) for f in dataclasses.fields(cls)})
    assert instantiate(changed.spec()) == changed, changed.spec()
    assert split_pipeline(f"builtin.module({changed.spec()}, cse)") == [changed.spec(), "cse"]
    for field in dataclasses.fields(cls):  # one option at a time: only that one is written
        single = cls(**{field.name: _other_value(hints[field.name], field.default)})
        assert single.spec().startswith(f"{name}{{{field.name}=") and instantiate(single.spec()) == single


def test_spec_writes_changed_options_in_field_order():
    fold, annotate = lookup("fold"), lookup("annotate-exit-probabilities")
    assert fold(budget=0.5, board="zcu102").spec() == "fold{board=zcu102 budget=0.5}"
    assert fold(board="zc706", budget=1).spec() == "fold"  # the defaults, however given
    spec = annotate(thresholds=(0.9, 0.99), data="/my data").spec()
    assert spec == 'annotate-exit-probabilities{data="/my data" thresholds=0.9,0.99}'
    assert instantiate(spec).data == "/my data"
    assert fold(budget=0.1 + 0.2).spec() == "fold{budget=0.30000000000000004}"  # repr: every bit survives


@dataclass(frozen=True)
class WarnRelus(ModulePass):
    """Warn at every relu; with `crash`, then fail like a bug would; with `fail`, like a user problem."""

    name = "test-pipeline-warn-relus"
    crash: bool = False
    fail: bool = False

    def apply(self, module):
        relus = [op for op in O.body_ops(O.network_functions(module)[0]) if op.name == "atheena.relu"]
        for op in relus:
            self.warn(op, "this relu")
        if self.crash:
            raise KeyError("board")
        if self.fail:
            raise PassFailure(relus[0], "stop here")


@pytest.fixture
def warn_pass(monkeypatch):
    monkeypatch.setattr(pipeline, "_PLUGINS", {})
    return pipeline.register(WarnRelus)


def test_warnings_are_diagnostics_at_the_op(warn_pass, capsys):
    ctx = air.new_context()
    module = air.parse(TINY, ctx, "tiny.mlir")
    runner = PipelineRunner(ctx, filename="tiny.mlir")
    found = runner.run(module, f"builtin.module({warn_pass.name}, canonicalize)")
    assert [(d.severity, d.line, d.col, d.message) for d in found] == [("warning", 3, 8, "this relu")]
    assert runner.warnings == found
    assert capsys.readouterr().err == "tiny.mlir:3:8: warning: this relu\n"
    quiet = PipelineRunner(ctx, filename="tiny.mlir", print_warnings=False)
    assert len(quiet.run(module, warn_pass.name)) == 1 and capsys.readouterr().err == ""


def test_warnings_at_a_layer_name(warn_pass, capsys):
    ctx = air.new_context()
    module = air.parse(TINY.replace("-> tensor<2x2x2xf32>\n", '-> tensor<2x2x2xf32> loc("stem.2")\n'), ctx)
    (found,) = PipelineRunner(ctx, filename="net").run(module, warn_pass.name)
    assert (found.line, found.layer) == (0, "stem.2")
    assert capsys.readouterr().err == "net: layer stem.2: warning: this relu\n"


def test_warn_outside_a_runner_prints(capsys):
    ctx = air.new_context()
    module = air.parse(TINY, ctx)
    with ctx, module.operation.location:
        WarnRelus().apply(module.operation)
    assert capsys.readouterr().err == "test-pipeline-warn-relus: warning: this relu\n"


def test_user_problem_and_internal_error(warn_pass, capsys):
    ctx = air.new_context()
    runner = PipelineRunner(ctx, filename="tiny.mlir", save_reproducer=False)
    with pytest.raises(PipelineError) as info:
        runner.run(air.parse(TINY, ctx, "tiny.mlir"), f"{warn_pass.name}{{fail=true}}")
    assert not info.value.internal and "tiny.mlir:3:8: error: stop here" in str(info.value)
    with pytest.raises(PipelineError) as info:
        runner.run(air.parse(TINY, ctx, "tiny.mlir"), f"{warn_pass.name}{{crash=true}}")
    err = info.value
    assert err.internal and "internal error in pass 'test-pipeline-warn-relus': KeyError: 'board'" in str(err)
    assert ":1:1:" not in str(err) and "tiny.mlir: error: internal error" in str(err)  # no made-up position
    assert len(runner.warnings) == 2  # warnings before a failure are kept (and were printed)
    assert capsys.readouterr().err.count("warning: this relu") == 2


def test_implicit_module_is_not_a_layer():
    ctx = air.new_context()
    module = air.parse(TINY, ctx)
    assert air.layer_name(module.operation.location) is None
    assert air.layer_name(ir.Location.name("stem.0", context=ctx)) == "stem.0"
    assert air.diagnostic_at(module.operation.location, "m", "in.mlir").__str__() == "in.mlir: error: m"


def test_split_pipeline_keeps_quoted_option_values():
    assert split_pipeline("builtin.module(a{data=\"x, (y)}\"}, b)") == ['a{data="x, (y)}"}', "b"]
