"""The reach margin and the worst-window model, against exact arithmetic and brute force."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from atheena.dse import windows as W


def _cdf_exact(k: int, n: int, p: Fraction) -> Fraction:
    return sum(Fraction(math.comb(n, i)) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


@pytest.mark.parametrize("count, n", [(0, 1000), (0, 20), (3, 50), (120, 1000), (999, 1000)])
def test_upper_bound_is_the_clopper_pearson_bound(count, n):
    """P(X <= count) at the bound is 1 - confidence (exactly, in rationals), and any smaller p gives more."""
    p = W.upper_bound(count, n, 0.99)
    exact = float(_cdf_exact(count, n, Fraction(p)))
    assert exact == pytest.approx(0.01, rel=1e-6)
    assert float(_cdf_exact(count, n, Fraction(p * (1 - 1e-4)))) > 0.01
    if count == 0:  # the closed form: 1 - alpha^(1/n)
        assert p == pytest.approx(1 - 0.01 ** (1 / n), rel=1e-9)
    assert W.upper_bound(n, n) == 1.0


@pytest.mark.parametrize("n, p", [(500, 0.12), (500, 0.0046), (100, 0.5), (20, 0.01)])
def test_binomial_quantile_is_the_smallest_k_reaching_q(n, p):
    k = W.binomial_quantile(n, p, 0.999)
    q = Fraction(p)
    assert _cdf_exact(k, n, q) >= Fraction(999, 1000)
    assert k == 0 or _cdf_exact(k - 1, n, q) < Fraction(999, 1000)
    assert W.binomial_quantile(n, 0.0) == 0


def test_window_reach_matches_a_loop():
    rng = np.random.default_rng(3)
    trace = rng.integers(0, 3, 97)
    fast = W.window_reach(trace, 3, 10)
    slow = np.array([[np.mean(trace[i:i + 10] >= k) for k in range(3)] for i in range(len(trace) - 9)])
    assert fast.shape == slow.shape and np.allclose(fast, slow)
    assert W.window_reach([0, 1], 2, 10).tolist() == [[1.0, 0.5]]  # a trace shorter than the window


def test_fold_reach_never_folds_for_less_than_either_split_shows():
    """A threshold every calibration image passes (reach 0) is folded for the upper bound, not for nothing;
    a split with more hard samples raises the bound; later sections never reach more than earlier ones."""
    calibration = [0] * 1000
    test = [0] * 990 + [1] * 10
    reach = W.fold_reach([calibration], 2)
    assert reach[1] == pytest.approx(1 - 0.01 ** (1 / 1000)) and reach[1] > 0
    both = W.fold_reach([calibration, test], 2)
    assert both[1] >= 10 / 1000 and both[1] == pytest.approx(W.upper_bound(10, 1000))
    three = W.fold_reach([[0] * 50 + [2] * 50], 3)
    assert three[1] == three[2] and three[1] > 0.5
    assert W.rates_for([1.0, 0.3, 0.1]) == pytest.approx([0.7, 0.2])


def test_worst_window_takes_the_worse_of_the_split_and_the_quantile():
    calm = [0] * 1000 + [1] * 0
    assert W.worst_window_reach(calm, [1.0, 0.1], 500) == [1.0, W.binomial_quantile(500, 0.1) / 500]
    bursty = [0] * 800 + [1] * 200  # one window of 500 holds 200 hard samples
    assert W.worst_window_reach(bursty, [1.0, 0.1], 500)[1] == pytest.approx(0.4)
    assert W.fluid_cycles([100.0, 400.0], [1.0, 0.4]) == 160.0
    assert W.section_cycles([0, 0, 1, 1, 0], [10, 30, 50, 20, 1]) == [30.0, 50.0]


def test_reach_for_inverts_rates_for():
    reach = [1.0, 0.25, 0.0625]
    assert W.reach_for(W.rates_for(reach)) == reach
