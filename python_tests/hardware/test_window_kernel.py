"""Sliding window in Verilator: every window of the padded map, in order, at one position per cycle."""

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.window import WindowShape, window_module
from atheena.hardware.sim import simulate

from hw_streams import beats, padded, windows

pytestmark = pytest.mark.hw


def _window_beats(x, shape, pad):
    out = []
    for _, _, win in windows(padded(x, shape, pad), shape):
        for g in range(shape.groups):
            part = win[g * shape.lanes:(g + 1) * shape.lanes]  # lanes x kh x kw
            words = part.transpose(1, 2, 0).reshape(-1) & 0xFFFF  # (i, j, lane)
            out.append(sum(int(v) << (16 * k) for k, v in enumerate(words)))
    return out


@pytest.mark.parametrize("shape", [
    WindowShape(2, 6, 5, kernel=(3, 3), padding=(1, 1)),
    WindowShape(4, 7, 7, kernel=(3, 2), stride=(2, 1), padding=(1, 0), lanes=2),
    WindowShape(8, 6, 6, kernel=(5, 5), padding=(2, 2), lanes=4),  # four copies of the control, a lane each
])
def test_window_emits_every_padded_window(shape):
    pad = -32768
    top = f"atheena_window_{shape.tag()}"
    files = emit([window_module(shape, pad & 0xFFFF)], top)
    rng = np.random.default_rng(shape.channels)
    xs = [rng.integers(-32768, 32768, (shape.channels, shape.height, shape.width)) for _ in range(4)]
    words = [b for x in xs for b in beats(x, shape.lanes)]
    expected = [b for x in xs for b in _window_beats(x, shape, pad)]
    for p_in, p_out in [(1.0, 1.0), (0.6, 0.5)]:
        result = simulate(files, top, words, len(expected), p_in, p_out, seed=5)
        assert result.words == expected
        if p_in == p_out == 1.0:
            assert result.sample_interval(len(expected) // 4) == shape.positions


def test_wide_windows_split_their_enables_among_copies_of_the_control():
    from atheena.hardware.kernels.window import MAX_ENABLE_FANOUT, window_copies

    # B-LeNet's first conv: 5x5, one lane, 720 enabled flip-flops: one copy (a lane cannot be split)
    assert window_copies(WindowShape(1, 28, 28, kernel=(5, 5), padding=(4, 4))) == 1
    # a 4-lane 5x5 window: 4 x 720 bits; two lanes a copy would still be 1,440
    assert window_copies(WindowShape(4, 13, 13, kernel=(5, 5), padding=(2, 2), lanes=4)) == 4
    # 3x3 over 2 lanes: 2 x 240 bits, one copy
    assert window_copies(WindowShape(2, 6, 6, kernel=(3, 3), lanes=2)) == 1
    assert MAX_ENABLE_FANOUT >= 720


def test_window_must_fit():
    with pytest.raises(ValueError, match="does not fit"):
        WindowShape(1, 2, 2, kernel=(3, 3))
    with pytest.raises(ValueError, match="must divide"):
        WindowShape(6, 4, 4, kernel=(3, 3), lanes=4)
