"""Exit decision kernel in Verilator: bit-exact decisions against the reference, n cycles per sample."""

import math

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels.exit_decision import exit_decision_module
from atheena.hardware.sim import simulate
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat

pytestmark = pytest.mark.hw


def _logits(n: int, threshold: float, shift: int, samples: int, seed: int) -> np.ndarray:
    """Signed 16-bit logit codes mixing the cases that matter.

    Near the threshold (the margin of every other logit below the top one set so the
    exp sum lands close to 1/t, jittered by more than one ROM step: both outcomes are
    frequent), ties for the top,
    differences far beyond the ROM (the full int16 range, including -32768 vs 32767),
    and small logits whose differences stay inside it.
    """
    rng = np.random.default_rng(seed)
    x = np.empty((samples, n), dtype=np.int64)
    frac = FixedPointFormat().frac
    margin = -math.log((1 / threshold - 1) / max(n - 1, 1)) * 2**frac  # d of each runner-up for S = 1/t
    for s in range(samples):
        kind = s % 4
        if kind == 0:
            top = int(rng.integers(-20000, 20000))
            offset = rng.normal(0, 0.05 * margin + 2**shift)  # common to the row: S straddles 1/t
            row = top - np.rint(margin + offset + rng.normal(0, 0.01 * margin, n)).astype(np.int64)
            row[rng.integers(n)] = top
        elif kind == 1:
            row = rng.integers(-(2**15), 2**15, n)
            row[rng.integers(n)] = 2**15 - 1 if rng.random() < 0.5 else row.max()
            row[rng.integers(n)] = -(2**15)
        elif kind == 2:
            row = rng.integers(-600, 600, n)
            row[rng.permutation(n)[:2]] = row.max()  # a tie for the top
        else:
            row = rng.integers(-3000, 3000, n)
        x[s] = np.clip(row, -(2**15), 2**15 - 1)
    return x


# (n, threshold, exp_index_shift): one Verilator build each
CASES = [(10, 0.9, 0), (10, 0.996, 4), (3, 0.996, 1), (2, 0.9, 8)]


@pytest.mark.parametrize("n, threshold, shift", CASES)
def test_exit_decision_matches_reference(n, threshold, shift):
    samples = 400
    module = exit_decision_module(n, threshold, shift)
    top = module.__name__
    files = emit([module], top)
    x = _logits(n, threshold, shift, samples, seed=n + shift)
    arith = FixedArithmetic(exp_index_shift=shift)
    expected = [int(e) for e in arith.exits(arith.exit_score(x), threshold)]
    assert 0.2 < np.mean(expected) < 0.8  # the data exercises both outcomes
    words = [int(w) & 0xFFFF for w in x.reshape(-1)]
    for p_in, p_out, seed in [(1.0, 1.0, 1), (0.6, 0.5, 2), (1.0, 0.3, 3)]:
        result = simulate(files, top, words, samples, p_in, p_out, seed=seed)
        assert result.words == expected, f"p_in={p_in} p_out={p_out}"
        if p_in == p_out == 1.0:
            assert result.interval(1) == pytest.approx(n, rel=0.02)  # decision_configs: n cycles per sample


def test_impossible_parameters_are_refused():
    with pytest.raises(ValueError, match="at least one logit"):
        exit_decision_module(0, 0.9)
    with pytest.raises(ValueError, match="exp_index_shift"):
        exit_decision_module(10, 0.9, 16)
    with pytest.raises(ValueError, match="16-bit"):
        exit_decision_module(10, 0.9, 0, FixedPointFormat(12, 6))


@pytest.mark.parametrize("t", [0.5, 0.9, 0.99, 0.996, 0.999, 0.9999])
def test_exit_decision_against_an_independent_float64_softmax(t):
    """The kernel's decisions against `exit_oracle` (float64 softmax of the codes; neither the reference's
    ROM nor its threshold code) on adversarial logits, under stalls: every decision outside the
    quantisation band exact, and the data near enough the threshold that a constant 0.1% off fails."""
    import exit_oracle as oracle

    n, samples = 10, 480
    module = exit_decision_module(n, t)
    files = emit([module], module.__name__)
    x = oracle.adversarial_logits(n, t, samples, seed=7)
    assert oracle.sensitive_to(x, t, 1.001) > 0
    words = [int(w) & 0xFFFF for w in x.reshape(-1)]
    for p_in, p_out, seed in [(1.0, 1.0, 1), (0.7, 0.4, 2)]:
        result = simulate(files, module.__name__, words, samples, p_in, p_out, seed=seed)
        assert len(result.words) == samples
        assert oracle.violations(result.words, x, t) == [], f"p_in={p_in} p_out={p_out}"


@pytest.mark.parametrize("ties", [2, 4])
def test_strict_kernel_at_the_exact_boundary(ties):
    """`strict` (ONNX's Greater): rows whose max softmax is exactly t = 1 / ties stay (they exit under >=,
    checked in the reference), rows just above it exit; as a float64 softmax decides, under stalls."""
    import exit_oracle as oracle

    n, t = 10, 1 / ties
    module = exit_decision_module(n, t, strict=True)
    files = emit([module], module.__name__)
    at = oracle.boundary_logits(n, ties, 40, seed=ties)
    above = at.copy()
    above[np.arange(len(above)), at.argmax(axis=1)] += 1  # one tie broken by one code: max softmax > t
    x = np.concatenate([at, above])
    expected = oracle.exact_exits(x, t, strict=True)
    assert not expected[: len(at)].any() and expected[len(at):].all()
    words = [int(w) & 0xFFFF for w in x.reshape(-1)]
    result = simulate(files, module.__name__, words, len(x), 0.7, 0.5, seed=ties)
    assert result.words == [int(e) for e in expected]
