"""An exit decision computed apart from the reference: float64 softmax of the logit codes, no exp ROM,
no threshold code.  Used by the reference's and the kernel's tests.

The hardware's score S (the ROM sum, `FixedArithmetic.exit_score`) stands for
V = 2**16 * sum_i exp(-(x_max - x_i) / 2**frac): the sample exits iff max softmax >= t, i.e.
V <= 2**16 / t.  Its ROM entries are each within half a code of their exp and the top one is exact,
so |S - V| <= (n - 1) / 2 at index shift 0; with the threshold code floored, the hardware may
differ from the exact decision only for samples with V within `band(n)` of 2**16 / t.
"""

from __future__ import annotations

import numpy as np

ONE = 2**16  # the score of a certain sample (EXP_FRAC = 16), by definition, not from the reference
FRAC = 8  # Q8.8 logit codes


def tail_value(codes: np.ndarray) -> np.ndarray:
    """V per sample (row of logit codes), in float64."""
    x = np.asarray(codes, dtype=np.int64)
    d = (x.max(axis=1, keepdims=True) - x).astype(np.float64)
    return ONE * np.exp(-d / 2.0**FRAC).sum(axis=1)


def band(n: int) -> float:
    """How far from 2**16 / t a sample's V may be and the hardware still decide either way."""
    return 0.5 * (n - 1) + 1.0  # ROM rounding of the n - 1 other terms, and the threshold code's floor


def exact_exits(codes: np.ndarray, t: float, strict: bool = False) -> np.ndarray:
    """max softmax >= t (V <= 2**16 / t), or > t when `strict` (V < 2**16 / t), in float64."""
    v = tail_value(codes)
    return v < ONE / t if strict else v <= ONE / t


def violations(decisions, codes: np.ndarray, t: float, strict: bool = False) -> list[int]:
    """Samples whose decision differs from the exact one although V is outside the band."""
    v = tail_value(codes)
    n = codes.shape[1]
    definite = np.abs(v - ONE / t) > band(n)
    wrong = np.asarray(decisions, dtype=bool) != exact_exits(codes, t, strict)
    return [int(i) for i in np.flatnonzero(definite & wrong)]


def sensitive_to(codes: np.ndarray, t: float, factor: float) -> int:
    """How many samples a threshold constant `factor` times too large would decide wrongly outside the
    band: the data's power to catch such an error (must be > 0 for the test to bite)."""
    v = tail_value(codes)
    n = codes.shape[1]
    return int(np.sum((v > ONE / t + band(n)) & (v <= factor * ONE / t - band(n))))


def boundary_logits(n: int, ties: int, samples: int, seed: int) -> np.ndarray:
    """Rows whose top `ties` logits are equal and the rest too far below to count (ROM index beyond the
    table: exp underflows to 0 in 16 fraction bits): max softmax is exactly 1 / ties, V exactly
    ties * 2**16, so `t = 1 / ties` is the case where `>` and `>=` decide differently."""
    rng = np.random.default_rng(seed)
    rows = np.full((samples, n), -(2**15), dtype=np.int64)
    for row in rows:
        row[rng.permutation(n)[:ties]] = int(rng.integers(2**13, 2**15))  # >= 32 units above -128: exp ~ 0
    return rows


def adversarial_logits(n: int, t: float, samples: int, seed: int) -> np.ndarray:
    """Signed 16-bit logit codes: half placed so V lands near 2**16 / t (within 0.5% and within 30%),
    the rest ties for the top, saturated values, all-equal rows and wide random rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(samples):
        kind = s % 8
        if kind < 4:  # near the threshold: the tail split at random over the n - 1 runner-ups
            spread = 0.005 if kind < 3 else 0.3
            target = max(1.0 / t * (1.0 + rng.uniform(-spread, spread)), 1.0 + 1e-9)
            weights = rng.dirichlet(np.ones(max(n - 1, 1)))[: n - 1]
            d = np.rint(-(2.0**FRAC) * np.log((target - 1.0) * weights)).clip(0, 2**16 - 1).astype(np.int64)
            top = int(rng.integers(-(2**15) + int(d.max(initial=0)), 2**15))
            row = np.concatenate([[top], top - d])
            rng.shuffle(row)
        elif kind == 4:  # ties for the top
            row = rng.integers(-800, 800, n)
            row[rng.permutation(n)[: 2 + s % 3]] = row.max()
        elif kind == 5:  # saturated
            row = rng.choice([-(2**15), 2**15 - 1, int(rng.integers(-(2**15), 2**15))], n)
        elif kind == 6:  # all equal
            row = np.full(n, int(rng.integers(-(2**15), 2**15)))
        else:
            row = rng.integers(-(2**15), 2**15, n)
        rows.append(np.clip(row, -(2**15), 2**15 - 1))
    return np.array(rows, dtype=np.int64)
