"""Linear kernel in Verilator: bit-exact with the reference under random stalls, on the model's interval."""

import numpy as np
import pytest

from atheena import ir as air
from atheena.dialects import ops as O
from atheena.kinds import linear
from atheena.kinds.base import interval_of
from atheena.hardware.emit import emit
from atheena.hardware.kernels.linear import linear_module
from atheena.hardware.sim import simulate
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat, requantize
from hw_streams import pack, unpack

pytestmark = pytest.mark.hw

LO, HI = -(2**15), 2**15 - 1  # the 16-bit word
Q88 = FixedArithmetic()
NARROW = FixedArithmetic(act=FixedPointFormat(12, 6), weight=FixedPointFormat(16, 12))  # Q6.6 data, Q4.12 weights


def _layer(n: int, m: int, seed: int, arith: FixedArithmetic = Q88):
    """Weight codes of realistic size (|w| ~ 0.15), bias codes (~0.5) at the accumulator's fraction, extremes.

    Row 0 mixes the extreme codes with zeros and powers of two (the fully unfolded kernel turns
    those into shifts or drops them), so its outputs saturate either way depending on the input;
    the last two rows have biases far past the output range, so they saturate high and low.
    """
    rng = np.random.default_rng(seed)
    fw, fa = arith.weight.frac, arith.act.frac
    w = np.clip(np.rint(rng.normal(0, 0.15 * 2**fw, (m, n))), LO, HI).astype(np.int64)
    b = np.rint(rng.normal(0, 0.5 * 2 ** (fa + fw), m)).astype(np.int64)
    w[0] = rng.choice([LO, HI, 0, 1, -1, 256, -256, 20000, -20000], n)
    b[-2:] = [2**36, -(2**36)]
    return w, b


def _inputs(n: int, samples: int, seed: int, act: FixedPointFormat) -> np.ndarray:
    """Activations around +-2, with some extreme codes."""
    rng = np.random.default_rng(seed + 100)
    x = np.clip(np.rint(rng.normal(0, 2 * 2**act.frac, (samples, n))), act.lo, act.hi).astype(np.int64)
    x.flat[rng.choice(x.size, x.size // 10, replace=False)] = rng.choice([act.lo, act.hi], x.size // 10)
    return x


def _model_interval(n: int, m: int, ci: int, co: int) -> float:
    """The DSE model's interval for this folding of an N -> M linear layer."""
    text = (f'func.func @f(%x: tensor<{n}xf32>) -> tensor<{m}xf32> {{\n'
            f'  %y = "atheena.linear"(%x) {{weights = dense<0.1> : tensor<{m}x{n}xf32>, '
            f'bias = dense<0.0> : tensor<{m}xf32>}} : (tensor<{n}xf32>) -> tensor<{m}xf32>\n'
            f'  return %y : tensor<{m}xf32>\n}}')
    module = air.parse(text, air.new_context())
    (func,) = O.network_functions(module)
    return interval_of(linear.KIND, O.body_ops(func)[0], {"coarse_in": ci, "coarse_out": co})


# (N, M, ci, co, samples, formats): fully folded (with a narrower activation word and another
# shift); fully unfolded (constant weights); a B-LeNet-like exit classifier folded in both
# directions; and one output group (co = M), where the next sample is written into the other
# copy exactly while the current one is read, at the full input rate.
POINTS = [(16, 6, 1, 1, 6, NARROW), (8, 4, 8, 4, 48, Q88), (120, 10, 4, 2, 5, Q88), (96, 10, 3, 10, 8, Q88)]


@pytest.mark.parametrize("n, m, ci, co, samples, arith", POINTS)
def test_linear_bit_exact_under_stalls_and_on_rate(n, m, ci, co, samples, arith):
    w, b = _layer(n, m, n + m, arith)
    x = _inputs(n, samples, n + m, arith.act)
    expected = requantize(x @ w.T + b, arith.weight.frac, arith.act)
    # the data reaches both saturation bounds and the range between them
    lo, hi, realistic = arith.act.lo, arith.act.hi, expected[:, 1:-2]
    assert (expected == hi).any() and (expected == lo).any() and ((realistic > lo) & (realistic < hi)).mean() > 0.9

    module = linear_module(w, b, ci, co, arith)
    top = module.__name__
    assert top.startswith(f"atheena_linear_{n}x{m}_ci{ci}_co{co}_")
    files = emit([module], top)
    beats = pack(x, ci)
    for seed, (p_in, p_out) in enumerate([(1.0, 1.0), (0.6, 0.5), (1.0, 0.2), (0.2, 1.0)]):
        result = simulate(files, top, beats, samples * m // co, p_in, p_out, seed=seed)
        np.testing.assert_array_equal(unpack(result.words, co).reshape(samples, m), expected,
                                      err_msg=f"p_in={p_in}, p_out={p_out}")
        if p_in == p_out == 1.0:
            # exact: one multiply step per cycle with no gap between passes or samples
            assert result.interval(m // co) == _model_interval(n, m, ci, co) == n * m / (ci * co)


def test_module_names_follow_the_weights():
    w, b = _layer(8, 4, seed=1)
    same = linear_module(w, b, 2, 2)
    assert linear_module(tuple(map(tuple, w)), tuple(b), 2, 2) is same  # numpy or tuples: one module
    w2 = w.copy()
    w2[1, 1] += 1
    b2 = b.copy()
    b2[1] += 1
    names = {m.__name__ for m in (same, linear_module(w2, b, 2, 2), linear_module(w, b2, 2, 2))}
    assert len(names) == 3


def test_impossible_parameters_are_refused():
    w, b = _layer(8, 4, seed=1)
    with pytest.raises(ValueError, match="coarse_in 3 must divide 8"):
        linear_module(w, b, 3, 1)
    with pytest.raises(ValueError, match="coarse_out 3 must divide 4"):
        linear_module(w, b, 1, 3)
    with pytest.raises(ValueError, match="M x N"):
        linear_module(w, b[:3], 1, 1)
    with pytest.raises(ValueError, match="signed 16-bit"):
        linear_module(w * 4, b, 1, 1)
    with pytest.raises(ValueError, match="accumulator could overflow"):
        linear_module(w, b + 2**47, 1, 1)
