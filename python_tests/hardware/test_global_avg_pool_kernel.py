"""Global average pooling in Verilator: bit-exact with the reference under random stalls, at the model's interval."""

import numpy as np
import pytest
from hw_streams import beats, pack

from atheena import ir as air
from atheena.dialects import ops as O
from atheena.hardware.emit import emit
from atheena.hardware.kernels.global_avg_pool import global_avg_pool_module
from atheena.hardware.sim import simulate
from atheena.kinds.global_avg_pool import KIND
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat

pytestmark = pytest.mark.hw


def _op(c: int, h: int, w: int):
    text = (f'func.func @f(%x: tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32> {{\n'
            f'  %y = "atheena.global_avg_pool2d"(%x) : (tensor<{c}x{h}x{w}xf32>) -> tensor<{c}x1x1xf32>\n'
            f'  return %y : tensor<{c}x1x1xf32>\n}}')
    module = air.parse(text, air.new_context())
    return module, O.body_ops(O.network_functions(module)[0])[0]


def _independent(x: np.ndarray, fmt: FixedPointFormat) -> np.ndarray:
    """The channel means by the rule in plain integers (not the kind's code)."""
    c, h, w = x.shape
    p = h * w
    multiplier = (2**17 + p) // (2 * p)
    return np.array([min(max((int(x[k].sum()) * multiplier + 2**15) >> 16, fmt.lo), fmt.hi) for k in range(c)])


# (C, H, W, lanes, activation word): one group (G = 1), two (flip-flops), several (SRLs), a power-of-two map
# (the output register drops the bits that cannot change the average), a 1x1 map (every beat is a last
# pixel), 16 lanes, and 12-bit activations (saturation at Q4.8's bounds).
POINTS = [
    (4, 3, 3, 4, 16), (4, 4, 4, 2, 16), (8, 7, 7, 1, 16), (16, 4, 4, 4, 16), (6, 1, 1, 3, 16), (5, 2, 3, 1, 16),
    (32, 3, 3, 16, 16), (8, 5, 5, 2, 12),
]


@pytest.mark.parametrize("c, h, w, lanes, word", POINTS, ids=[f"c{c}h{h}w{w}l{l}q{q}" for c, h, w, l, q in POINTS])
def test_global_avg_pool_is_bit_exact_under_stalls_and_on_the_model(c, h, w, lanes, word):
    _module, op = _op(c, h, w)
    fmt = FixedPointFormat(word, 8)
    arith = FixedArithmetic(act=fmt)
    kernel = global_avg_pool_module(c, h * w, lanes, word)
    top = kernel.__name__
    files = emit([kernel], top)
    rng = np.random.default_rng(c * 100 + h * 10 + lanes)
    n = 6
    xs = rng.integers(fmt.lo, fmt.hi + 1, (n, c, h, w))
    xs[0] = fmt.hi  # rounds up past the largest code: saturates
    xs[1] = fmt.lo
    xs[2] = rng.integers(-2, 3, (c, h, w))  # rounding ties
    expected_codes = KIND.evaluate(op, xs, arith)
    for x, out in zip(xs, expected_codes):
        np.testing.assert_array_equal(out.ravel(), _independent(x, fmt))
    words = [b for x in xs for b in beats(x, lanes)]
    expected = [b for out in expected_codes for b in pack(out.ravel(), lanes)]
    for p_in, p_out, seed in [(1.0, 1.0, 1), (0.6, 0.5, 2), (1.0, 0.2, 3), (0.3, 1.0, 4), (0.8, 0.8, 5)]:
        result = simulate(files, top, words, len(expected), p_in, p_out, seed=seed)
        assert result.words == expected, f"p_in={p_in}, p_out={p_out}"
        if p_in == p_out == 1.0:
            # one input beat per cycle, the output of a sample overlapping the next: the kind's interval exactly
            assert result.sample_interval(c // lanes) == KIND.interval(op, {"coarse": lanes}) == h * w * c / lanes


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="must divide the channels"):
        global_avg_pool_module(6, 4, 4)
    with pytest.raises(ValueError, match="at most 131,072 pixels"):
        global_avg_pool_module(1, 2**18, 1)
