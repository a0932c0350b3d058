"""lower-atheena-to-handshake's user errors (the lowering itself is tested in python_tests/hardware)."""

import pytest

from atheena import ir as air
from atheena.pipeline import PipelineError, PipelineRunner

TWO = "\n".join(
    f'func.func @{n}(%x: tensor<8xf32>) -> tensor<8xf32> {{\n  %r = "atheena.relu"(%x) : (tensor<8xf32>) -> '
    "tensor<8xf32>\n  return %r : tensor<8xf32>\n}" for n in "ab")


def _fails(text: str, pipeline: str) -> PipelineError:
    ctx = air.new_context()
    with pytest.raises(PipelineError) as info:
        PipelineRunner(ctx, filename="in.mlir", save_reproducer=False).run(air.parse(text, ctx), pipeline)
    return info.value


def test_needs_exactly_one_network():
    err = _fails(TWO, "lower-atheena-to-handshake{rtl=out}")
    assert not err.internal and "in.mlir: error: expected one network function, found 2" in str(err)


def test_an_unwritable_directory_is_a_user_error(monkeypatch):
    class Design:
        def write(self, path):
            raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("atheena.hardware.lower.lower", lambda module, top: Design())
    err = _fails(TWO.split("\nfunc.func @b")[0], "lower-atheena-to-handshake{rtl=/root/no}")
    assert not err.internal
    assert "cannot write the SystemVerilog into '/root/no': Permission denied" in str(err)
