"""Reach you can trust: the margin a design is folded with, and how fast a window of W samples runs.

An early-exit design is folded for the fraction of samples that reach each
section (the layers between two exits).  That fraction is measured on a few
thousand images, and real data comes in runs: a window of W consecutive
samples can hold more hard samples than the average.  Two rules follow.

* **Fold for the upper bound of the measured reach** (`fold_reach`): each
  section's reach is the upper `CONFIDENCE` (99%) Clopper-Pearson bound of
  its measured count, the higher of the calibration and the test split.  The
  true average reach is below it with 99% confidence, so the backbone keeps
  up on average however the split fell; with 1,000 images and 12% hard that is
  14.6%, and a threshold every profiled image passes (reach 0 of 1,000) is
  folded for 0.46%, not for nothing (the overfit that `--thresholds auto`
  once made: 100% exits profiled, 43% slower on unseen images).
* **Predict the worst window, not only the average** (`worst_window_reach`):
  for windows much longer than the conditional buffers (a few dozen samples
  in the designs the DSE picks; `DEFAULT_WINDOW` is 500), the buffers cannot
  smooth a window, so its rate is the rate-balanced one at the window's own
  reach (the fluid model, `fluid_cycles`: cycles per sample = max over
  sections of C_k x reach_k, C_k the slowest layer of section k).  A window's
  reach per section is taken as the higher of the test split's worst W-sample
  window and the `WINDOW_QUANTILE` (99.9%) quantile of Binomial(W, folded
  reach) / W: a window of unseen independent samples exceeds it with
  probability 0.1%.

A trace is the exit each sample takes (0 = the first early exit, E = the
final exit), as `ExitProfile.exit_index` gives it; section k (0..E) is
reached by the samples whose exit index is at least k.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

CONFIDENCE = 0.99  # a section is folded for the upper bound of its measured reach at this confidence
WINDOW_QUANTILE = 0.999  # a window's predicted reach: exceeded by one window of unseen samples in 1,000
DEFAULT_WINDOW = 500  # samples: long against the conditional buffers, and the length of compile's simulation


def section_reach(trace: Sequence[int], sections: int) -> np.ndarray:
    """(sections,) fraction of the samples in `trace` that reach each section (section 0: all)."""
    taken = np.asarray(trace, dtype=np.int64)
    if taken.size == 0:
        return np.ones(sections)
    return np.array([float(np.mean(taken >= k)) for k in range(sections)])


def window_reach(trace: Sequence[int], sections: int, window: int) -> np.ndarray:
    """(windows, sections) reach of every window of `window` consecutive samples (the whole trace when
    it is shorter)."""
    taken = np.asarray(trace, dtype=np.int64)
    w = min(window, taken.size)
    if w == 0:
        return np.ones((1, sections))
    reached = (taken[:, None] >= np.arange(sections)[None, :]).astype(np.int64)
    totals = np.concatenate([np.zeros((1, sections), dtype=np.int64), np.cumsum(reached, axis=0)])
    return (totals[w:] - totals[:-w]) / w


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (n up to a few thousand)."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p)
            + (n - i) * math.log1p(-p) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


def upper_bound(count: int, n: int, confidence: float = CONFIDENCE) -> float:
    """Clopper-Pearson upper bound of a proportion seen `count` times in `n`: the largest p with
    P(X <= count) >= 1 - confidence (bisection; exact to 1e-9)."""
    if n <= 0:
        return 1.0
    if count >= n:
        return 1.0
    lo, hi = count / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _binomial_cdf(count, n, mid) > 1.0 - confidence else (lo, mid)
    return hi


def binomial_quantile(n: int, p: float, q: float = WINDOW_QUANTILE) -> int:
    """The smallest k with P(X <= k) >= q for X ~ Binomial(n, p)."""
    if p <= 0.0:
        return 0
    cdf, k = 0.0, 0
    logp, log1mp = math.log(p), math.log1p(-p) if p < 1.0 else -math.inf
    for k in range(n + 1):
        cdf += math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * logp
                        + (n - k) * log1mp) if p < 1.0 else (1.0 if k == n else 0.0)
        if cdf >= q - 1e-12:
            return k
    return n


def fold_reach(traces: Sequence[Sequence[int]], sections: int, confidence: float = CONFIDENCE) -> list[float]:
    """The reach each section is folded for: the highest upper bound over the splits' traces (section 0: 1)."""
    out = [1.0]
    for k in range(1, sections):
        out.append(max(upper_bound(int(np.sum(np.asarray(t) >= k)), len(t), confidence) for t in traces))
    for k in range(1, sections):  # a later section never reaches more samples than an earlier one
        out[k] = min(out[k], out[k - 1])
    return out


def rates_for(reach: Sequence[float]) -> list[float]:
    """Exit rates (fraction of all samples leaving at each early exit) that give these section reaches."""
    return [max(0.0, reach[k] - reach[k + 1]) for k in range(len(reach) - 1)]


def reach_for(rates: Sequence[float]) -> list[float]:
    """Section reaches (section 0: all samples) that these exit rates leave: the inverse of `rates_for`."""
    reach = [1.0]
    for rate in rates:
        reach.append(max(0.0, reach[-1] - rate))
    return reach


def worst_window_reach(test_trace: Sequence[int], folded: Sequence[float], window: int = DEFAULT_WINDOW
                       ) -> list[float]:
    """Per section, the reach a W-sample window is predicted to reach at worst: the test split's worst
    window, or the 99.9% quantile for independent samples at the `folded` reach, whichever is higher."""
    sections = len(folded)
    seen = window_reach(test_trace, sections, window).max(axis=0)
    return [max(float(seen[k]), binomial_quantile(window, folded[k]) / window) if k else 1.0
            for k in range(sections)]


def section_cycles(sections: Sequence[int], intervals: Sequence[float]) -> list[float]:
    """Per section, the slowest layer's interval (cycles per sample if every sample reached it), from
    each layer's section (`network.reach_sections`) and interval."""
    out = [0.0] * (max(sections, default=0) + 1)
    for k, interval in zip(sections, intervals, strict=True):
        out[k] = max(out[k], float(interval))
    return out


def fluid_cycles(section_cycles: Sequence[float], reach: Sequence[float]) -> float:
    """Cycles per sample of a design at these section reaches when the buffers smooth everything:
    max over sections of (slowest layer's interval x reach)."""
    return max(c * q for c, q in zip(section_cycles, reach, strict=True))
