"""Split kernel in Verilator: every consumer gets every word, in order, under independent stalls."""

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.split import split_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


@pytest.mark.parametrize("lanes, outputs", [(1, 2), (2, 3)])
@pytest.mark.parametrize("p_in, p_out", [(1.0, 1.0), (0.7, 0.4)])
def test_split_copies_every_word_to_every_consumer(lanes, outputs, p_in, p_out):
    top = f"atheena_split_l{lanes}_o{outputs}"
    files = emit([split_module(lanes, outputs)], top)
    beats = [int(v) for v in np.random.default_rng(lanes).integers(0, 2 ** (16 * lanes), 600, dtype=np.uint64)]
    result = simulate(files, top, beats, len(beats), p_in, p_out, seed=outputs,
                      outputs=tuple(f"out{k}" for k in range(outputs)))
    assert len(result.channels) == outputs
    for channel in result.channels:
        assert channel == beats
    if p_in == p_out == 1.0:
        assert result.interval(100) == pytest.approx(100, rel=0.02)  # one beat per cycle
