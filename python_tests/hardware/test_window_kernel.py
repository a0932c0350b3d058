"""Sliding window in Verilator: every window of the padded map, in order, at one visited position per cycle."""

import numpy as np
import pytest
from hw_streams import beats, padded, windows

from atheena.hardware.emit import emit
from atheena.hardware.kernels.window import WindowShape, window_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


def _window_beats(x, shape, pad):
    out = []
    for _, _, win in windows(padded(x, shape, pad), shape):
        for g in range(shape.groups):
            part = win[g * shape.lanes:(g + 1) * shape.lanes]  # lanes x kh x kw
            words = part.transpose(1, 2, 0).reshape(-1) & 0xFFFF  # (i, j, lane)
            out.append(sum(int(v) << (16 * k) for k, v in enumerate(words)))
    return out


def _block_beats(x, shape, pad):
    """P windows a beat, window m of the beat in the words m*kh*kw*C .. (each in a one-window beat's layout)."""
    per = shape.pixels_out
    singles = _window_beats(x, shape, pad)
    width = 16 * shape.kernel[0] * shape.kernel[1] * shape.channels
    return [sum(w << (width * m) for m, w in enumerate(singles[k:k + per])) for k in range(0, len(singles), per)]


@pytest.mark.parametrize("shape", [
    WindowShape(2, 6, 5, kernel=(3, 3), padding=(1, 1)),
    WindowShape(4, 7, 7, kernel=(3, 2), stride=(2, 1), padding=(1, 0), lanes=2),
    WindowShape(8, 6, 6, kernel=(5, 5), padding=(2, 2), lanes=4),  # four copies of the control, a lane each
    # padding wider than the kernel (windows wholly in the padding) and a stride leaving the last column unused
    WindowShape(2, 5, 7, kernel=(2, 3), stride=(2, 2), padding=(2, 3)),
    # pixel lanes: several pixels a beat (every channel), the windows they end in one beat
    WindowShape(1, 8, 8, kernel=(5, 5), padding=(4, 4), lanes=1, columns=2),  # B-LeNet's first conv, 2 pixels a beat
    WindowShape(3, 5, 8, kernel=(3, 5), padding=(1, 4), lanes=3, columns=4),  # 4 windows a beat
    WindowShape(2, 6, 8, kernel=(2, 2), stride=(2, 2), lanes=2, columns=4),  # pooling: 4 pixels in, 2 windows out
    WindowShape(2, 5, 6, kernel=(3, 3), stride=(1, 1), padding=(0, 0), lanes=2, columns=2),  # valid: blocks before
    # blocks of several beats: 8 columns a block in beats of 4 (the last block of a row half padding), and
    # 'same' padding, whose first image column is the last of its block (one column a beat)
    WindowShape(1, 5, 12, kernel=(5, 5), padding=(4, 4), columns=8),
    WindowShape(2, 5, 8, kernel=(3, 3), padding=(1, 1), lanes=2, columns=2),
])
def test_window_emits_every_padded_window(shape):
    pad = -32768
    top = f"atheena_window_{shape.tag()}"
    files = emit([window_module(shape, pad & 0xFFFF)], top)
    rng = np.random.default_rng(shape.channels + shape.columns)
    xs = [rng.integers(-32768, 32768, (shape.channels, shape.height, shape.width)) for _ in range(4)]
    words = [b for x in xs for b in beats(x, shape.lanes * shape.beat_columns)]
    expected = [b for x in xs for b in _block_beats(x, shape, pad)]
    for p_in, p_out in [(1.0, 1.0), (0.6, 0.5)]:
        result = simulate(files, top, words, len(expected), p_in, p_out, seed=5)
        assert result.words == expected
        if p_in == p_out == 1.0:
            assert result.sample_interval(len(expected) // 4) == shape.positions


def test_pixel_lanes_take_the_widest_beats_that_fill_whole_slots_of_a_block():
    # B-LeNet's first conv, 8 columns a block: the 28 image columns come 4 a beat (two beats a block, one for
    # the last block of a row, whose other four columns are padding)
    conv1 = WindowShape(1, 28, 28, kernel=(5, 5), padding=(4, 4), columns=8)
    assert conv1.beat_columns == 4 and conv1.positions == 32 * (3 * 2 + 1)
    # 'same' 3 x 3: the first image column is the last of its block, so one column a beat
    assert WindowShape(1, 8, 8, kernel=(3, 3), padding=(1, 1), columns=2).beat_columns == 1
    with pytest.raises(ValueError, match="every channel"):
        WindowShape(4, 8, 8, kernel=(3, 3), padding=(2, 2), lanes=2, columns=2)
    with pytest.raises(ValueError, match="must divide the output width"):
        WindowShape(1, 7, 7, kernel=(3, 3), padding=(2, 2), columns=2)


def test_the_walk_skips_padding_that_neither_holds_data_nor_ends_a_window():
    # B-LeNet's first conv: 28 x 28 with padding 4 under a 5 x 5 window: its 32 x 32 windows end on rows and
    # columns 4..35 of the padded 36 x 36 grid, and every real pixel lies among them
    conv1 = WindowShape(1, 28, 28, kernel=(5, 5), padding=(4, 4))
    assert conv1.positions == 32 * 32 and conv1.row_walk().first == 4
    # 'same' 3 x 3 over 8 x 8: rows and columns 1..9 (the first real one ends no window, the last padding one does)
    same = WindowShape(1, 8, 8, kernel=(3, 3), padding=(1, 1))
    assert same.positions == 9 * 9
    walk = same.col_walk()
    assert walk.first == 1 and walk.ends == (False,) + (True,) * 8 and walk.real == (True,) * 8 + (False,)
    assert walk.masks[1] == 0b110 and walk.masks[-1] == 0b011  # the left and right padding columns are masked


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


def test_overlapping_pixel_lane_windows_share_the_words_they_read_alike():
    """The cost model's window register (`block_window_columns`): what synthesis keeps once registers with the
    same input merge."""
    from atheena.hardware.kernels.window import block_taps, block_window_columns

    # no padding: every window reads its columns unmasked, so a row holds the block and its history
    assert block_window_columns(12, kw=3, sw=1, pw=0, columns=4) == 4 + 2
    assert block_window_columns(16, kw=2, sw=2, pw=0, columns=4) == 4  # 2x2 pooling, stride 2: no overlap
    # padding: words masked differently by different windows stay apart, never more than one per tap
    padded = block_window_columns(28, kw=5, sw=1, pw=4, columns=8)
    assert 8 + 4 < padded < len(block_taps(5, 1, 8)) == 40
