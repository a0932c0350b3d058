"""Lane converters in Verilator: words keep their order under stalls; no bubbles at full rate."""

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.convert import converter_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


def _beats(words: list[int], lanes: int) -> list[int]:
    return [sum(w << (16 * i) for i, w in enumerate(words[t : t + lanes])) for t in range(0, len(words), lanes)]


@pytest.mark.parametrize("lanes_in, lanes_out", [(4, 1), (1, 4), (2, 4)])
@pytest.mark.parametrize("p_in, p_out", [(1.0, 1.0), (0.6, 0.5)])
def test_converter_keeps_word_order(lanes_in, lanes_out, p_in, p_out):
    top = f"atheena_convert_{lanes_in}_to_{lanes_out}"
    files = emit([converter_module(lanes_in, lanes_out)], top)
    words = [int(v) for v in np.random.default_rng(lanes_in * 10 + lanes_out).integers(0, 2**16, 960)]
    result = simulate(files, top, _beats(words, lanes_in), len(words) // lanes_out, p_in, p_out, seed=3)
    assert result.words == _beats(words, lanes_out)
    if p_in == p_out == 1.0:
        per_sample = 96 // lanes_out  # 96 words per "sample" in this test
        assert result.interval(per_sample) == pytest.approx(96 / min(lanes_in, lanes_out), rel=0.02)


def test_lane_counts_must_divide():
    with pytest.raises(ValueError, match="one must divide the other"):
        converter_module(3, 2)
