"""Convolution kernel in Verilator: bit-exact with the reference at the extremes of its folding,
and its measured interval equals the timing model's."""

import numpy as np
import pytest

from atheena.dse.timing import conv_interval
from atheena.hardware.emit import emit
from atheena.hardware.kernels.conv import ConvParams, conv_module
from atheena.hardware.kernels.window import WindowShape
from atheena.hardware.sim import simulate
from atheena.reference.fixed_point import FixedArithmetic
from hw_streams import beats, conv_reference

pytestmark = pytest.mark.hw


def _run(params: ConvParams, xs, expected, stalls=((1.0, 1.0), (0.6, 0.5))):
    s = params.shape
    files = emit([conv_module(params)], params.name())
    words = [b for x in xs for b in beats(x, s.lanes)]
    flat = [b for y in expected for b in beats(y, params.coarse_out)]
    kk = s.kernel[0] * s.kernel[1]
    work = params.filters // params.coarse_out * s.groups * kk // params.fine
    for p_in, p_out in stalls:
        result = simulate(files, params.name(), words, len(flat), p_in, p_out, seed=11)
        assert result.words == flat, f"mismatch at stalls {p_in}/{p_out}"
        if p_in == p_out == 1.0:
            measured = result.sample_interval(len(flat) // len(xs))
            model = int(conv_interval(s.padded, s.kernel, s.stride, s.groups, work)[0])
            assert measured == model


@pytest.mark.parametrize("shape, filters, coarse_out, fine", [
    (WindowShape(2, 6, 6, kernel=(3, 3), padding=(1, 1)), 3, 1, 1),  # fully folded
    (WindowShape(2, 6, 6, kernel=(3, 3), lanes=2), 4, 4, 9),  # fully unfolded: one pixel per cycle
    (WindowShape(4, 8, 8, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=2), 6, 3, 3),
])
def test_conv_random_layer(shape, filters, coarse_out, fine):
    rng = np.random.default_rng(filters)
    weights = rng.integers(-300, 300, (filters, shape.channels, *shape.kernel))
    weights[0] = 32767  # filter 0 saturates high on positive windows, low on negative ones
    bias = rng.integers(-2**18, 2**18, filters)
    params = ConvParams(shape, weights, bias, coarse_out, fine, shift=8)
    xs = [rng.integers(-2000, 2000, (shape.channels, shape.height, shape.width)) for _ in range(4)]
    _run(params, xs, [conv_reference(x, weights, bias, shape) for x in xs])


def test_conv_matches_the_reference_on_b_lenet(imported):
    """B-LeNet's first convolution on real MNIST digits, against the fixed-point reference op."""
    from atheena.data import calibration_set
    from atheena.dialects import ops as O

    func = O.network_functions(imported("b-lenet"))[0]
    conv = next(op for op in O.body_ops(func) if op.name == "atheena.conv2d")
    arith = FixedArithmetic()
    weights, bias = arith.parameters(conv)
    c, h, w = O.shape_of(conv.operands[0])
    shape = WindowShape(c, h, w, kernel=tuple(O.int_array(conv, "kernel")), stride=tuple(O.int_array(conv, "stride")),
                        padding=tuple(O.int_array(conv, "padding")))
    images = calibration_set(None).images[:3]  # the bundled held-out digits
    xs = [arith.input(img) for img in images]
    expected = [arith.layer(conv, x[None])[0] for x in xs]
    _run(ConvParams(shape, weights, bias, coarse_out=5, fine=5, shift=arith.weight.frac), xs, expected,
         stalls=((1.0, 1.0),))


def test_folding_must_divide():
    shape = WindowShape(2, 4, 4, kernel=(3, 3))
    with pytest.raises(ValueError, match="must divide"):
        ConvParams(shape, np.zeros((4, 2, 3, 3)), np.zeros(4), coarse_out=3, fine=1, shift=8)
