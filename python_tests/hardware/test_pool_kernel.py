"""Max and average pooling in Verilator: bit-exact with the reference, on the window's schedule."""

import numpy as np
import pytest
from hw_streams import beats, pool_reference

from atheena.hardware.emit import emit
from atheena.hardware.kernels.pool import pool_module
from atheena.hardware.kernels.window import WindowShape
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


@pytest.mark.parametrize("kind, shape", [
    ("max", WindowShape(3, 8, 8, kernel=(2, 2), stride=(2, 2))),  # B-LeNet's pools, folded
    ("max", WindowShape(4, 5, 5, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=4)),  # unfolded, padded
    ("avg", WindowShape(4, 7, 7, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=2)),
    # pixel lanes: B-LeNet's first pool behind a conv giving 2 pixels a beat, and 4 pixels in, 2 windows out
    ("max", WindowShape(5, 8, 8, kernel=(2, 2), stride=(2, 2), lanes=5, columns=2)),
    ("avg", WindowShape(2, 6, 8, kernel=(3, 3), stride=(2, 2), padding=(1, 1), lanes=2, columns=4)),
])
def test_pool_is_bit_exact_and_on_schedule(kind, shape):
    top = f"atheena_{kind}pool_{shape.tag()}"
    files = emit([pool_module(shape, kind)], top)
    rng = np.random.default_rng(7)
    xs = [rng.integers(-32768, 32768, (shape.channels, shape.height, shape.width)) for _ in range(4)]
    xs[0][:] = 32767  # averages of extreme codes round and saturate at the top
    words = [b for x in xs for b in beats(x, shape.lanes * shape.beat_columns)]
    expected = [b for x in xs for b in beats(pool_reference(x, shape, kind), shape.lanes * shape.pixels_out)]
    for p_in, p_out in [(1.0, 1.0), (0.6, 0.5)]:
        result = simulate(files, top, words, len(expected), p_in, p_out, seed=9)
        assert result.words == expected
        if p_in == p_out == 1.0:
            assert result.sample_interval(len(expected) // 4) == shape.positions


def test_pool_kind_is_checked():
    with pytest.raises(ValueError, match="must be 'max' or 'avg'"):
        pool_module(WindowShape(1, 4, 4, kernel=(2, 2)), "min")
