"""Fixed-point reference: each rule on its own, each op against float, and the exit test."""

import math

import numpy as np
import pytest
import torch

from atheena import ir as air
from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.kinds.conv2d import conv_sums, conv_sums_int64
from atheena.kinds.relu import KIND as RELU
from atheena.reference.fixed_point import (
    EXP_FRAC, FixedArithmetic, FixedPointFormat, exp_rom, requantize, threshold_code,
)
from atheena.reference.float_model import FloatArithmetic, max_softmax

Q88 = FixedPointFormat()


def _op(body: str, arg: str, result: str):
    text = f"func.func @f(%x: {arg}) -> {result} {{\n  %y = {body}\n  return %y : {result}\n}}"
    module = air.parse(text, air.new_context())
    (func,) = O.network_functions(module)
    return module, O.body_ops(func)[0]


def test_quantize_rounds_half_up_and_saturates():
    np.testing.assert_array_equal(Q88.quantize([0.5 / 256, -0.5 / 256, 1.0, 200.0, -200.0]),
                                  [1, 0, 256, 32767, -32768])
    assert (Q88.lo, Q88.hi, str(Q88)) == (-32768, 32767, "Q8.8")
    assert FixedPointFormat.parse("q4.12") == FixedPointFormat(16, 12)
    with pytest.raises(AtheenaError, match="must look like Q8.8"):
        FixedPointFormat.parse("8.8.8")


def test_requantize_rule():
    # round to nearest, ties toward +infinity, arithmetic shift, then saturate
    acc = np.array([384, 383, -384, -385, 256 * 40000])
    np.testing.assert_array_equal(requantize(acc, 8, Q88), [2, 1, -1, -2, 32767])


def test_exp_rom():
    rom = exp_rom(Q88)
    assert rom[0] == 2**EXP_FRAC and rom[-1] > 0 and np.all(np.diff(rom) <= 0)
    d = len(rom)  # first index whose value would round to 0
    assert math.floor(2**EXP_FRAC * math.exp(-d / 256) + 0.5) == 0
    coarse = exp_rom(Q88, index_shift=2)
    np.testing.assert_array_equal(coarse[:10], rom[: 40 : 4])


def test_threshold_code():
    assert threshold_code(0.5) == 2 ** (EXP_FRAC + 1)
    assert threshold_code(0.996) == math.floor(65536 / 0.996)
    with pytest.raises(AtheenaError):
        threshold_code(1.0)


def test_threshold_code_strict():
    """`>` (ONNX's Greater) differs from `>=` only when 2**16 / t is a whole number."""
    assert threshold_code(0.5, strict=True) == 2 ** (EXP_FRAC + 1) - 1
    assert threshold_code(0.25, strict=True) == 2 ** (EXP_FRAC + 2) - 1
    for t in (0.9, 0.996, 0.3):
        assert threshold_code(t, strict=True) == threshold_code(t)


@pytest.mark.parametrize("ties", [2, 3, 4])
def test_strict_comparison_at_the_exact_boundary(ties):
    """Rows whose max softmax is exactly 1 / ties: at t = 1 / ties they exit under >= and stay under >,
    as a float64 softmax says."""
    import exit_oracle as oracle

    arith = FixedArithmetic()
    codes = oracle.boundary_logits(10, ties, 50, seed=ties)
    score = arith.exit_score(codes)
    t = 1 / ties
    assert np.all(score == ties * 2**EXP_FRAC)
    for strict in (False, True):
        expected = oracle.exact_exits(codes, t, strict)
        np.testing.assert_array_equal(arith.exits(score, t, strict), expected)
        np.testing.assert_array_equal(FloatArithmetic().exits(max_softmax(Q88.dequantize(codes)), t, strict),
                                      expected)
    assert np.all(oracle.exact_exits(codes, t, False)) and not np.any(oracle.exact_exits(codes, t, True))


def test_decision_matches_float_rule_away_from_the_threshold():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (5000, 10))
    codes = Q88.quantize(logits)
    arith = FixedArithmetic()
    for t in (0.5, 0.9, 0.996):
        fixed = arith.exits(arith.exit_score(codes), t)
        real = max_softmax(Q88.dequantize(codes)) >= t
        margin = np.abs(max_softmax(Q88.dequantize(codes)) - t)
        assert np.all(fixed[margin > 1e-3] == real[margin > 1e-3])
        assert np.mean(fixed == real) > 0.995


def test_decision_never_overflows_on_extreme_logits():
    arith = FixedArithmetic()
    codes = np.array([[Q88.hi] + [Q88.lo] * 9, [Q88.hi] * 10, [Q88.lo] * 10])
    s = arith.exit_score(codes)
    np.testing.assert_array_equal(s, [2**EXP_FRAC, 10 * 2**EXP_FRAC, 10 * 2**EXP_FRAC])
    np.testing.assert_array_equal(arith.exits(s, 0.9), [True, False, False])


CONV = ('"atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 2, 1>, padding = array<i64: 1, 1>, '
        'groups = 1 : i64, weights = dense<W> : tensor<4x3x3x3xf32>, bias = dense<[0.5, -0.25, 1.0, 0.0]> : tensor<4xf32>}'
        " : (tensor<3x6x6xf32>) -> tensor<4x3x6xf32>")


def _weights(shape, seed=0):
    w = np.random.default_rng(seed).normal(0, 0.3, shape).astype(np.float32)
    return w, '"0x' + w.astype("<f4").tobytes().hex().upper() + '"'


def test_conv_against_pytorch_within_quantization_error():
    w, text = _weights((4, 3, 3, 3))
    module, op = _op(CONV.replace("dense<W>", f"dense<{text}>"), "tensor<3x6x6xf32>", "tensor<4x3x6xf32>")
    x = np.random.default_rng(1).uniform(-2, 2, (8, 3, 6, 6))
    arith = FixedArithmetic()
    got = Q88.dequantize(arith.layer(op, arith.input(x)))
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w, dtype=torch.float64),
                                     torch.tensor([0.5, -0.25, 1.0, 0.0], dtype=torch.float64),
                                     stride=(2, 1), padding=1).numpy()
    # error: input and weight rounding (half an LSB each, over 27 products) plus the output rounding
    bound = 27 * (2.0 * 0.5 / 256 + 0.3 * 4 * 0.5 / 256) + 0.5 / 256
    assert np.max(np.abs(got - ref)) < bound
    np.testing.assert_allclose(FloatArithmetic().layer(op, x), ref, atol=1e-5)


def test_exact_float64_path_equals_int64_path():
    w, text = _weights((4, 3, 3, 3), seed=2)
    _, op = _op(CONV.replace("dense<W>", f"dense<{text}>"), "tensor<3x6x6xf32>", "tensor<4x3x6xf32>")
    codes = np.random.default_rng(3).integers(Q88.lo, Q88.hi + 1, (5, 3, 6, 6))
    wq = Q88.quantize(w)
    exact = conv_sums_int64(op, codes, wq)
    fast = np.rint(conv_sums(op, codes, wq)).astype(np.int64)
    np.testing.assert_array_equal(fast, exact)


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
def test_pooling_against_pytorch(kind):
    body = (f'"atheena.{kind}"(%x) {{kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}}'
            " : (tensor<2x7x7xf32>) -> tensor<2x4x4xf32>")
    module, op = _op(body, "tensor<2x7x7xf32>", "tensor<2x4x4xf32>")
    x = np.random.default_rng(4).uniform(-3, 3, (6, 2, 7, 7))
    arith = FixedArithmetic()
    got = Q88.dequantize(arith.layer(op, arith.input(x)))
    fn = torch.nn.functional.max_pool2d if kind == "max_pool2d" else torch.nn.functional.avg_pool2d
    ref = fn(torch.tensor(Q88.dequantize(Q88.quantize(x))), 3, 2, 1).numpy()
    assert np.max(np.abs(got - ref)) <= (0 if kind == "max_pool2d" else 0.5 / 256 + 1e-12)


def test_linear_and_relu_against_pytorch():
    w, text = _weights((3, 5))
    body = (f'"atheena.linear"(%x) {{weights = dense<{text}> : tensor<3x5xf32>, bias = dense<0.125> : tensor<3xf32>}}'
            " : (tensor<5xf32>) -> tensor<3xf32>")
    _, op = _op(body, "tensor<5xf32>", "tensor<3xf32>")
    x = np.random.default_rng(5).uniform(-4, 4, (10, 5))
    arith = FixedArithmetic()
    got = Q88.dequantize(RELU.evaluate(None, arith.layer(op, arith.input(x)), arith))
    ref = np.maximum(x @ w.T.astype(np.float64) + 0.125, 0)
    assert np.max(np.abs(got - ref)) < 5 * (0.5 / 256 + 4 * 0.5 / 256) + 0.5 / 256


def test_accumulator_overflow_is_refused():
    body = ('"atheena.linear"(%x) {weights = dense<100.0> : tensor<2x4096xf32>, bias = dense<0.0> : tensor<2xf32>}'
            " : (tensor<4096xf32>) -> tensor<2xf32>")
    _, op = _op(body, "tensor<4096xf32>", "tensor<2xf32>")
    wide = FixedPointFormat(24, 16)
    with pytest.raises(AtheenaError, match="48-bit accumulator could overflow"):
        FixedArithmetic(wide, wide).layer(op, np.zeros((1, 4096), dtype=np.int64))


def test_accumulator_check_uses_exact_integers():
    # Q16.16 weights of 32.0 over 1024 inputs: 1024 * 2**21 * 2**31 = 2**62 would wrap in int64
    body = ('"atheena.linear"(%x) {weights = dense<32.0> : tensor<2x1024xf32>, bias = dense<0.0> : tensor<2xf32>}'
            " : (tensor<1024xf32>) -> tensor<2xf32>")
    _, op = _op(body, "tensor<1024xf32>", "tensor<2xf32>")
    q16 = FixedPointFormat(32, 16)
    with pytest.raises(AtheenaError, match="48-bit accumulator could overflow"):
        FixedArithmetic(q16, q16).layer(op, np.zeros((1, 1024), dtype=np.int64))


def test_quantize_clips_before_casting():
    np.testing.assert_array_equal(Q88.quantize([1e17, -1e17, np.inf]), [Q88.hi, Q88.lo, Q88.hi])
    with pytest.raises(AtheenaError, match="NaN"):
        Q88.quantize([np.nan])
    assert threshold_code(1e-300) == 2 ** (EXP_FRAC + 16)


def _integer_conv(x, w, b, stride, pad, groups, act, weight):
    """Convolution written out sample by sample in Python integers: an independent oracle."""
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    ho, wo = (h + 2 * pad[0] - kh) // stride[0] + 1, (wd + 2 * pad[1] - kw) // stride[1] + 1
    out = np.zeros((n, f, ho, wo), dtype=np.int64)
    for ni, fi, i, j in np.ndindex(n, f, ho, wo):
        g = fi // (f // groups)
        acc = int(b[fi])
        for ci, a, bb in np.ndindex(cg, kh, kw):
            y, xx = i * stride[0] + a - pad[0], j * stride[1] + bb - pad[1]
            if 0 <= y < h and 0 <= xx < wd:
                acc += int(x[ni, g * cg + ci, y, xx]) * int(w[fi, ci, a, bb])
        if weight.frac:
            acc = (acc + (1 << (weight.frac - 1))) >> weight.frac
        out[ni, fi, i, j] = min(max(acc, act.lo), act.hi)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_conv_is_bit_exact_against_an_integer_oracle(seed):
    rng = np.random.default_rng(seed)
    act = FixedPointFormat(int(rng.choice([12, 16])), int(rng.integers(0, 10)))
    weight = FixedPointFormat(16, int(rng.integers(0, 14)))
    groups = int(rng.choice([1, 2]))
    c, f = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw, ph, pw = (int(v) for v in rng.integers([1, 1, 0, 0], [3, 3, 2, 2]))
    h, wd = int(rng.integers(kh, 7)), int(rng.integers(kw, 7))
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    w = rng.normal(0, 1.5, (f, c // groups, kh, kw)).astype(np.float32)
    b = rng.normal(0, 2, f).astype(np.float32)
    hexw = lambda a: '"0x' + a.astype("<f4").tobytes().hex().upper() + '"'
    body = (f'"atheena.conv2d"(%x) {{kernel = array<i64: {kh}, {kw}>, stride = array<i64: {sh}, {sw}>, '
            f"padding = array<i64: {ph}, {pw}>, groups = {groups} : i64, weights = dense<{hexw(w)}> : "
            f"tensor<{f}x{c // groups}x{kh}x{kw}xf32>, bias = dense<{hexw(b)}> : tensor<{f}xf32>}}"
            f" : (tensor<{c}x{h}x{wd}xf32>) -> tensor<{f}x{ho}x{wo}xf32>")
    _, op = _op(body, f"tensor<{c}x{h}x{wd}xf32>", f"tensor<{f}x{ho}x{wo}xf32>")
    x = rng.integers(act.lo, act.hi + 1, (3, c, h, wd))
    got = FixedArithmetic(act, weight).layer(op, x)
    bias_acc = np.floor(b.astype(np.float64) * 2.0 ** (act.frac + weight.frac) + 0.5).astype(np.int64)
    expected = _integer_conv(x, weight.quantize(w), bias_acc, (sh, sw), (ph, pw), groups, act, weight)
    np.testing.assert_array_equal(got, expected)


THRESHOLDS = (0.5, 0.9, 0.99, 0.996, 0.999, 0.9999)


def test_exp_rom_entries_are_their_exponentials_rounded():
    """Each entry against float64 exp directly (a wrong entry would pass the decision tests' band)."""
    for shift in (0, 1, 4):
        rom = exp_rom(Q88, index_shift=shift)
        exact = 2.0**EXP_FRAC * np.exp(-np.arange(len(rom)) * 2.0**shift / 256)
        assert np.max(np.abs(rom - exact)) <= 0.5
        assert 2.0**EXP_FRAC * math.exp(-len(rom) * 2.0**shift / 256) < 0.5  # what the table leaves out rounds to 0


@pytest.mark.parametrize("n", [2, 10])
def test_decision_against_an_independent_float64_softmax(n):
    """The reference's score and decision against `exit_oracle` (no ROM, no threshold code) at six
    thresholds on adversarial logits: S within (n - 1) / 2 of V, and every decision outside the
    quantisation band exact.  The data can fail the test: a threshold constant 0.1% off, or S off by
    one more than the bound, would be caught."""
    import exit_oracle as oracle

    arith = FixedArithmetic()
    for t in THRESHOLDS:
        codes = oracle.adversarial_logits(n, t, 4000, seed=n)
        score = arith.exit_score(codes)
        v = oracle.tail_value(codes)
        assert np.max(np.abs(score - v)) <= 0.5 * (n - 1)
        assert oracle.violations(arith.exits(score, t), codes, t) == []
        if 1 / t >= n:  # p >= 1/n >= t: every sample exits, whatever the constant
            assert np.all(arith.exits(score, t))
            continue
        assert oracle.sensitive_to(codes, t, 1.001) > 0, f"t={t}: nothing near the threshold"
        wrong = score <= math.floor(1.001 * 2**EXP_FRAC / t)  # the constant 0.1% too large
        assert oracle.violations(wrong, codes, t), f"t={t}: a wrong threshold constant would pass"


def test_faithful_limit():
    """The rule of `faithful_limit`: at the limit the worst score error is 10% of the tail room."""
    from atheena.reference.fixed_point import faithful_limit

    assert faithful_limit(1) == 1.0
    t = faithful_limit(10)
    assert 0.999 < t < 0.9999
    assert 0.5 * 9 == pytest.approx(0.1 * 2**EXP_FRAC * (1 / t - 1))
    assert faithful_limit(10, exp_index_shift=5) == 0.0  # the shift's own error is 13%
    assert faithful_limit(100) < faithful_limit(10) < faithful_limit(2)
