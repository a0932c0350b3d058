"""The semantic verifier: each check fires on a broken op and stays quiet on a good one."""

import pytest

from atheena import ir as air
from atheena.dialects import verify

GOOD_CONV = ('"atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, '
             'groups = 2 : i64, weights = dense<0.1> : tensor<4x1x3x3xf32>, bias = dense<0.0> : tensor<4xf32>}'
             " : (tensor<2x5x5xf32>) -> tensor<4x3x3xf32>")


def _problems(body: str, arg: str, result: str):
    text = f"func.func @f(%x: {arg}) -> {result} {{\n  %y = {body}\n  return %y : {result}\n}}"
    ctx = air.new_context()
    return [m for _, m in verify.problems(air.parse(text, ctx))]


def test_grouped_strided_conv_is_valid():
    assert _problems(GOOD_CONV, "tensor<2x5x5xf32>", "tensor<4x3x3xf32>") == []


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("groups = 2", "groups = 3", "groups = 3 must divide the input channels (2)"),
        ("stride = array<i64: 2, 2>", "stride = array<i64: 0, 2>", "kernel and stride must be >= 1"),
        ("tensor<4xf32>}", "tensor<5xf32>}", "attribute 'bias' has shape [5], expected [4]"),
        ("dense<0.1> : tensor<4x1x3x3xf32>", "dense<1> : tensor<4x1x3x3xi32>", "'weights' must be a dense f32 tensor"),
    ],
)
def test_conv_checks(old, new, message):
    found = _problems(GOOD_CONV.replace(old, new), "tensor<2x5x5xf32>", "tensor<4x3x3xf32>")
    assert len(found) == 1 and message in found[0] and found[0].startswith("'atheena.conv2d' op")


def test_unused_stream_is_reported():
    text = ('func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n'
            '  %s:2 = "atheena.split"(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)\n'
            '  return %s#0 : tensor<4xf32>\n}')
    found = [m for _, m in verify.problems(air.parse(text, air.new_context()))]
    assert found == ["'atheena.split' op result #1 is never used; every stream needs exactly one consumer "
                     "(use 'atheena.split' to copy a stream)"]
