"""Convolution kernel in Verilator: bit-exact with the reference at the extremes of its folding,
and its measured interval equals the timing model's."""

import numpy as np
import pytest
from hw_streams import beats, conv_reference

from atheena.dse.timing import conv_interval
from atheena.hardware.emit import emit
from atheena.hardware.kernels.conv import ConvParams, conv_module
from atheena.hardware.kernels.window import WindowShape
from atheena.hardware.sim import simulate
from atheena.reference.fixed_point import FixedArithmetic

pytestmark = pytest.mark.hw


def _run(params: ConvParams, xs, expected, stalls=((1.0, 1.0), (0.6, 0.5))):
    s = params.shape
    files = emit([conv_module(params)], params.name())
    words = [b for x in xs for b in beats(x, s.lanes * s.beat_columns)]
    flat = [b for y in expected for b in beats(y, params.out_lanes)]
    work = params.filter_groups * s.groups * params.position_groups
    for p_in, p_out in stalls:
        result = simulate(files, params.name(), words, len(flat), p_in, p_out, seed=11)
        assert result.words == flat, f"mismatch at stalls {p_in}/{p_out}"
        if p_in == p_out == 1.0:
            measured = result.sample_interval(len(flat) // len(xs))
            model = int(conv_interval(s, work)[0])
            assert measured == model


@pytest.mark.parametrize("shape, filters, coarse_out, fine", [
    (WindowShape(2, 6, 6, kernel=(3, 3), padding=(1, 1)), 3, 1, 1),  # fully folded
    (WindowShape(2, 6, 6, kernel=(3, 3), lanes=2), 4, 4, 9),  # fully unfolded: one pixel per cycle
    (WindowShape(4, 8, 8, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=2), 6, 3, 3),
    (WindowShape(4, 6, 6, kernel=(5, 5), padding=(2, 2), lanes=4), 2, 1, 5),  # its window in four copies
    (WindowShape(2, 6, 6, kernel=(3, 3), padding=(1, 1)), 2, 2, 2),  # fine not dividing 9: 5 steps, last partial
    (WindowShape(4, 7, 7, kernel=(5, 5), stride=(2, 2), padding=(2, 2), lanes=2), 3, 3, 7),  # 4 steps: 7, 7, 7, 4
    # pixel lanes: 2 windows a beat at one step each (B-LeNet's first conv, smaller), and 2 windows a beat at
    # two steps of 4 and 2 kernel positions over 'valid' blocks (one block a row before the first window)
    (WindowShape(1, 8, 8, kernel=(5, 5), padding=(4, 4), columns=2), 5, 5, 25),
    (WindowShape(2, 6, 8, kernel=(2, 3), lanes=2, columns=2), 3, 3, 4),
    # coarse_out not dividing the filters: groups of 2, 2 and 1 gathered into whole pixels; and with pixel lanes,
    # 4 pixels a beat and filter groups of 3 and 2 (every output beat 4 whole pixels of 5 words)
    (WindowShape(2, 6, 6, kernel=(3, 3), padding=(1, 1), lanes=1), 5, 2, 3),
    (WindowShape(1, 6, 8, kernel=(3, 5), padding=(1, 4), columns=4), 5, 3, 9),
    # blocks of two beats (8 columns in beats of 4 over a 12-wide map) and a 'same' conv one column a beat
    (WindowShape(1, 5, 12, kernel=(5, 5), padding=(4, 4), columns=8), 5, 5, 5),
    (WindowShape(2, 6, 8, kernel=(3, 3), padding=(1, 1), lanes=2, columns=2), 4, 2, 9),
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


def test_folding_must_fit():
    shape = WindowShape(2, 4, 4, kernel=(3, 3))
    with pytest.raises(ValueError, match="between 1 and the filters"):
        ConvParams(shape, np.zeros((4, 2, 3, 3)), np.zeros(4), coarse_out=5, fine=1, shift=8)
    with pytest.raises(ValueError, match="between 1 and the kernel positions"):
        ConvParams(shape, np.zeros((4, 2, 3, 3)), np.zeros(4), coarse_out=2, fine=10, shift=8)


def test_a_partial_step_holds_zero_weights():
    """fine 2 over a 3x3 kernel: five steps per beat, the fifth with one kernel position and a zero weight."""
    shape = WindowShape(1, 4, 4, kernel=(3, 3))
    weights = np.arange(1, 10).reshape(1, 1, 3, 3)
    params = ConvParams(shape, weights, np.zeros(1), coarse_out=1, fine=2, shift=8)
    assert params.position_groups == 5
    assert params.weight_rom() == [1 | 2 << 16, 3 | 4 << 16, 5 | 6 << 16, 7 | 8 << 16, 9]


def test_the_adder_tree_stays_a_tree_of_registered_two_input_adds():
    """CIRCT's canonicaliser flattens an unregistered tree of adds into one chained sum (the conv engine's
    critical path before issue 13); with a register after every level each add has two operands."""
    import math
    import re

    from atheena.hardware import characterise as ch

    params = {"c": 10, "h": 10, "w": 10, "f": 20, "k": 5, "s": 1, "p": 3, "ci": 2, "co": 2, "fine": 25}
    module, top = ch.FAMILIES["conv2d"].build(params)
    text = ch._emit(module, top)[f"{top}.sv"]
    levels = math.ceil(math.log2(params["ci"] * params["fine"]))  # 50 products: 6 levels
    for level in range(1, levels + 1):
        assert re.search(rf"reg\s+\[\d+:0\]\s+ce_sum0_l{level}_0;", text), f"no register after level {level}"
    assert not re.search(rf"ce_sum0_l{levels + 1}_", text)
    statements = re.findall(r"<=([^;]*);", text)
    tree_adds = [s for s in statements if "ce_p0_" in s or "ce_sum0_l" in s]
    assert tree_adds and all(s.count("+") <= 1 for s in tree_adds), [s for s in tree_adds if s.count("+") > 1][:2]
