"""Packing network input into beats: the vectorised packer against the plain definition."""

import numpy as np
import pytest

from atheena.hardware.network_sim import input_beats


def _by_definition(codes: np.ndarray, lanes: int) -> list[int]:
    flat = [int(v) & 0xFFFF for v in codes.transpose(0, 2, 3, 1).reshape(-1)]
    return [sum(w << (16 * k) for k, w in enumerate(flat[i:i + lanes])) for i in range(0, len(flat), lanes)]


@pytest.mark.parametrize("lanes", [1, 2, 3, 4, 5, 8, 9, 12])
def test_beats_hold_the_words_in_hwc_order_lane_k_at_bit_16k(lanes):
    codes = np.random.default_rng(lanes).integers(-(2**15), 2**15, (3, 2, 5, 7))
    assert input_beats(codes, lanes) == _by_definition(codes, lanes)
