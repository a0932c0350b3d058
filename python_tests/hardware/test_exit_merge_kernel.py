"""Exit merge kernel in Verilator: every sample leaves once, with its id, exit and logits, at one per cycle."""

import random

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.exit_merge import exit_merge_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw


def _exits(n_exits: int, samples: int, seed: int) -> list[int]:
    """The exit each sample leaves through: runs of one exit, some long (tens of samples), some short."""
    rng = np.random.default_rng(seed)
    out: list[int] = []
    while len(out) < samples:
        run = int(rng.geometric(1 / 40)) if rng.random() < 0.3 else int(rng.integers(1, 4))
        out += [int(rng.integers(n_exits))] * run
    return out[:samples]


def _streams(exits: list[int], n_exits: int, words: int, seed: int):
    """Input beats per channel (as the network would produce them) and the logits of each sample."""
    rng = random.Random(seed)
    logits = [rng.getrandbits(16 * words) for _ in exits]
    beats = {f"in{k}": [logits[s] for s, e in enumerate(exits) if e == k] for k in range(n_exits)}
    for k in range(n_exits - 1):  # early exit k sees the samples that did not leave before it
        beats[f"dec{k}"] = [int(e == k) for e in exits if e >= k]
    return beats, logits


@pytest.mark.parametrize("n_exits, words, id_depth", [(2, 10, 4), (3, 2, 3)])
def test_exit_merge_tags_and_merges(n_exits, words, id_depth):
    samples = 1500
    module = exit_merge_module(n_exits, words, id_depth)
    top = module.__name__
    files = emit([module], top)
    exits = _exits(n_exits, samples, seed=n_exits)
    beats, logits = _streams(exits, n_exits, words, seed=words)
    mask = 2 ** (16 * words) - 1
    for p_in, p_out, seed in [(1.0, 1.0, 1), (0.6, 0.5, 2), (0.9, 0.3, 3), (0.3, 1.0, 4)]:
        result = simulate(files, top, beats, samples, p_in, p_out, seed=seed)
        seen = [(w >> 16 * words & 0xFFFFFFFF, w >> 16 * words + 32, w & mask) for w in result.words]
        assert sorted(s for s, _, _ in seen) == list(range(samples)), "every sample exactly once"
        for sample, exit_, value in seen:
            assert (exit_, value) == (exits[sample], logits[sample]), f"sample {sample}"
        for k in range(n_exits):
            order = [s for s, e, _ in seen if e == k]
            assert order == sorted(order), f"exit {k} reordered"
        if p_in == p_out == 1.0:
            assert result.interval(1) == pytest.approx(1, rel=0.02)  # one sample per cycle
        else:  # the test is only worth something if easy samples overtook hard ones
            assert any(a > b for (a, _, _), (b, _, _) in zip(seen, seen[1:]))


def test_impossible_parameters_are_refused():
    with pytest.raises(ValueError, match="at least 2"):
        exit_merge_module(1, 10, 4)
    with pytest.raises(ValueError, match="at least one logit"):
        exit_merge_module(2, 0, 4)
    with pytest.raises(ValueError, match="at least 2"):
        exit_merge_module(2, 10, 1)
