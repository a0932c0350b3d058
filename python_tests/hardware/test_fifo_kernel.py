"""RAM FIFO in Verilator: order kept under stalls, one beat per cycle, holds exactly `depth` beats."""

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.fifo import fifo_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


@pytest.mark.parametrize("width, depth", [(16, 2), (80, 48)])
def test_fifo_keeps_order_and_rate(width, depth):
    top = f"atheena_fifo_w{width}_d{depth}"
    files = emit([fifo_module(width, depth)], top)
    beats = [int(v) for v in np.random.default_rng(depth).integers(0, 2**62, 500, dtype=np.int64)]
    beats = [b & ((1 << width) - 1) | (b << 62) & ((1 << width) - 1) for b in beats]
    for p_in, p_out in [(1.0, 1.0), (0.7, 0.4), (0.3, 0.9)]:
        result = simulate(files, top, beats, len(beats), p_in, p_out, seed=depth)
        assert result.words == beats
        if p_in == p_out == 1.0:
            assert result.interval(100) == pytest.approx(100, rel=0.02)


def test_fifo_needs_depth():
    with pytest.raises(ValueError, match="depth >= 2"):
        fifo_module(16, 1)


def test_output_bursts_fill_the_fifo_and_the_probe_counts_it():
    """`Bursts` of output stalls fill a FIFO (the probe bound to its input counts cycles at full); always
    ready, it never fills.  Open for one cycle in every 101, it lets one beat out per period; once full
    it takes the next beat one cycle later (its `in_ready` is registered) and is full again, so it
    refuses the input for runs of exactly 100 cycles, one run per beat after the first nine."""
    from atheena.hardware.sim import Bursts

    files = emit([fifo_module(16, 8)], "atheena_fifo_w16_d8")
    beats = list(range(600))
    flowing = simulate(files, "atheena_fifo_w16_d8", beats, len(beats), observe=True)
    assert flowing.words == beats and flowing.probes == {
        "atheena_fifo_w16_d8.probe_in": {"not_ready": 0, "refused": 0, "longest": 0}}
    stalled = simulate(files, "atheena_fifo_w16_d8", beats, len(beats), p_out=Bursts(1, 100, 100), observe=True)
    assert stalled.words == beats
    counts = stalled.probes["atheena_fifo_w16_d8.probe_in"]
    assert counts["longest"] == 100 and counts["not_ready"] >= counts["refused"] >= (600 - 10) * 100
