"""atheena.global_avg_pool2d: import, semantics (float against PyTorch, fixed point against integer loops),
folding space and the instances it becomes."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import atheena
from atheena import ir as air
from atheena.dialects import ops as O
from atheena.errors import UnsupportedModelError
from atheena.hardware.plan import op_instances
from atheena.kinds import KINDS
from atheena.kinds.global_avg_pool import KIND, global_pool_resources
from atheena.kinds.pool import AVG
from atheena.reference import fixed_point, float_model
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat
from atheena.reference.float_model import FloatArithmetic


def _op(c: int, h: int, w: int):
    text = (f'func.func @f(%x: tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32> {{\n'
            f'  %y = "atheena.global_avg_pool2d"(%x) : (tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32>\n'
            f'  return %y : tensor<{c}x1x1xf32>\n}}')
    module = air.parse(text, air.new_context())
    (func,) = O.network_functions(module)
    return module, O.body_ops(func)[0]


class _Head(nn.Module):
    """conv -> relu -> `pool` -> linear; `flat` flattens the pooled map first."""

    def __init__(self, pool, flat=True):
        super().__init__()
        torch.manual_seed(3)
        self.conv, self.pool, self.fc, self.flat = nn.Conv2d(2, 6, 3), pool, nn.Linear(6, 4), flat

    def forward(self, x):
        y = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(y, 1) if self.flat else y)


class _Mean(nn.Module):
    def __init__(self, dims, keepdim):
        super().__init__()
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        return x.mean(self.dims, keepdim=self.keepdim)


@pytest.mark.parametrize("pool, flat", [
    (nn.AdaptiveAvgPool2d(1), True),
    (nn.AdaptiveAvgPool2d((1, 1)), True),
    (_Mean((2, 3), False), False),  # the vector: global_avg_pool2d and a flatten
    (_Mean((-2, -1), True), True),
    (nn.AvgPool2d((5, 6)), True),  # a window over the whole 5x6 map
    (nn.AvgPool2d((5, 6), stride=1, ceil_mode=True), True),  # still one window
], ids=["adaptive", "adaptive-pair", "mean", "mean-keepdim", "avgpool-whole", "avgpool-whole-stride1"])
def test_every_form_imports_as_global_average_pooling_and_runs_as_pytorch(pool, flat):
    net = _Head(pool, flat).eval()
    module = atheena.import_model(net, (2, 7, 8))
    (func,) = O.network_functions(module)
    names = [op.name for op in O.body_ops(func)]
    assert names == ["atheena.conv2d", "atheena.relu", "atheena.global_avg_pool2d", "atheena.flatten",
                     "atheena.linear", "func.return"]
    x = np.random.default_rng(0).normal(size=(6, 2, 7, 8)).astype(np.float32)
    expected = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(float_model.run(module, x).logits, expected, atol=1e-5)
    # Q8.8: within a few codes of float (weights, inputs and activations are quantised)
    assert np.abs(fixed_point.run(module, x).logits / 256 - expected).max() < 0.02


def test_avg_pool_over_part_of_the_map_stays_avg_pool():
    for pool in (nn.AvgPool2d(2), nn.AvgPool2d((5, 6), padding=1)):
        net = nn.Sequential(pool, nn.Flatten(), nn.Linear(6 * math.prod(pool(torch.zeros(1, 6, 5, 6)).shape[2:]), 3))
        module = atheena.import_model(net, (6, 5, 6))
        names = [op.name for op in O.body_ops(O.network_functions(module)[0])]
        assert "atheena.avg_pool2d" in names and "atheena.global_avg_pool2d" not in names


@pytest.mark.parametrize("pool, message", [
    (nn.AdaptiveAvgPool2d(2), r"adaptive average pooling to \[2, 2\] is not supported; only to 1 x 1"),
    (nn.AdaptiveAvgPool2d((None, 1)), r"adaptive average pooling to \[5, 1\] is not supported"),
    (nn.AvgPool2d((5, 6), divisor_override=7), "divisor_override is not supported"),
])
def test_what_is_not_global_pooling_is_refused(pool, message):
    net = nn.Sequential(pool, nn.Flatten(), nn.LazyLinear(3))
    net(torch.zeros(1, 6, 5, 6))
    with pytest.raises(UnsupportedModelError, match=message):
        atheena.import_model(net, (6, 5, 6))


@pytest.mark.parametrize("c, h, w", [(3, 5, 6), (8, 1, 1), (4, 7, 7), (16, 4, 4)])
def test_float_semantics_are_pytorch_adaptive_avg_pool(c, h, w):
    _module, op = _op(c, h, w)
    x = np.random.default_rng(c * h).normal(size=(5, c, h, w))
    expected = nn.AdaptiveAvgPool2d(1)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(KIND.evaluate(op, x, FloatArithmetic()), expected, rtol=1e-12, atol=1e-12)


def _integer_reference(codes: np.ndarray, fmt: FixedPointFormat) -> np.ndarray:
    """Global average pooling in Python integers, written from the rule, not from the code under test:
    sum, times round(2**16 / P) (ties up), plus 2**15, floor-shift by 16, saturate."""
    n, c, h, w = codes.shape
    p = h * w
    multiplier = (2**17 + p) // (2 * p)  # floor(2**16 / p + 1/2)
    out = np.zeros((n, c, 1, 1), dtype=np.int64)
    for i in range(n):
        for k in range(c):
            total = sum(int(v) for v in codes[i, k].ravel())
            value = (total * multiplier + 2**15) >> 16
            out[i, k, 0, 0] = min(max(value, fmt.lo), fmt.hi)
    return out


@pytest.mark.parametrize("c, h, w", [(3, 5, 6), (8, 1, 1), (4, 7, 7), (16, 4, 4), (2, 13, 13), (5, 2, 3)])
@pytest.mark.parametrize("fmt", [FixedPointFormat(), FixedPointFormat(12, 8)], ids=["Q8.8", "Q4.8"])
def test_fixed_point_is_bit_exact_with_integer_loops_and_within_quantisation_error(c, h, w, fmt):
    _module, op = _op(c, h, w)
    rng = np.random.default_rng(c + h + w)
    codes = rng.integers(fmt.lo, fmt.hi + 1, (6, c, h, w))
    codes[0] = fmt.hi  # the mean of the largest codes rounds up past it: saturates
    codes[1] = fmt.lo
    codes[2] = rng.integers(-3, 4, (c, h, w))  # small sums: rounding ties
    arith = FixedArithmetic(act=fmt)
    out = KIND.evaluate(op, codes, arith)
    assert out.shape == (6, c, 1, 1) and out.dtype == np.int64
    np.testing.assert_array_equal(out, _integer_reference(codes, fmt))
    # the same codes as average pooling with the whole map as its window
    np.testing.assert_array_equal(out, AVG.evaluate(_avg_pool_op(c, h, w)[1], codes, arith))
    # within quantisation error of the exact mean: half a code for the rounding, plus the error of
    # round(2**16 / P) (at most half a unit, i.e. |mean| * P / 2**17 codes)
    mean = codes.reshape(6, c, -1).mean(axis=2)
    bound = 0.5 + np.abs(mean) * h * w / 2**17 + 1e-9
    assert np.all(np.abs(out[:, :, 0, 0] - np.clip(mean, fmt.lo, fmt.hi)) <= bound)


def _avg_pool_op(c, h, w):
    text = (f'func.func @f(%x: tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32> {{\n'
            f'  %y = "atheena.avg_pool2d"(%x) {{kernel = array<i64: {h}, {w}>, stride = array<i64: 1, 1>, '
            f'padding = array<i64: 0, 0>}} : (tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32>\n'
            f'  return %y : tensor<{c}x1x1xf32>\n}}')
    module = air.parse(text, air.new_context())
    return module, O.body_ops(O.network_functions(module)[0])[0]


def test_folding_space_interval_and_macs():
    _module, op = _op(12, 5, 6)
    assert KINDS["atheena.global_avg_pool2d"] is KIND
    assert KIND.macs(op) == 0 and KIND.check(op) is None
    assert KIND.foldings(op) == [({"coarse": d}, 5 * 6 * 12 / d) for d in (1, 2, 3, 4, 6, 12)]


@pytest.mark.parametrize("coarse, behind", [(2, ("fifo", 32, 6)), (6, ("buffer", 96, 2))])
def test_hardware_is_the_kernel_and_a_fifo_of_its_output_burst(coarse, behind):
    _module, op = _op(12, 5, 6)
    instances = op_instances(op, {"coarse": coarse})
    assert [i.key for i in instances] == [("kernel", "atheena.global_avg_pool2d"), behind]
    kernel = instances[0]
    assert kernel.resources == global_pool_resources(12, 30, coarse).resources
    dsp, bram, lut, ff = kernel.resources
    assert dsp == 0 and bram == 0 and lut > 0 and ff > 0
    assert kernel.outputs[0].lanes == coarse and kernel.outputs[0].words == 12


def test_the_kind_brings_its_characterisation_family():
    from atheena.hardware.characterise import FAMILIES

    family = FAMILIES["global_avg_pool2d"]
    assert family.kind == "global_avg_pool2d" and 12 <= len(family.points) <= 16
    estimate = family.model(family.points[0])
    assert estimate.kind == "global_avg_pool2d" and set(family.features) <= {"base", *estimate.features}
