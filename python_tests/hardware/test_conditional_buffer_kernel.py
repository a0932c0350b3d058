"""Conditional buffer in Verilator: forwards exactly the samples whose decision is `forward_on`.

The harness offers every input with the same probability, and one decision
beat is much shorter than a sample, so on its own it would always deliver
decisions early.  The kernel is therefore simulated inside a small test
wrapper whose 16-bit `decision` channel carries the decision in bit 0 and a lag
in bits 15:1: the wrapper holds each decision for that many cycles before
offering it to the kernel.  Phases of zero lag (decisions run ahead of the
data and wait for it) alternate with phases of long lags (the data fills the
buffer and waits for the decisions), under several stall settings.
"""

from functools import cache

import numpy as np
import pytest

from atheena.hardware.emit import emit
from atheena.hardware.kernels import stream_module
from atheena.hardware.kernels.conditional_buffer import conditional_buffer_module
from atheena.hardware.sim import simulate

pytestmark = pytest.mark.hw

STALLS = [(1.0, 1.0), (0.6, 0.5), (0.9, 0.3), (0.4, 1.0)]


@cache
def _lagged(words: int, lanes: int, depth: int, forward_on: int):
    """The kernel behind a decision delay line: {file: SV text} and the top module's name."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits, UInt

    kernel = conditional_buffer_module(words, lanes, depth, forward_on)

    def build(p):
        have = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="have")
        wait = Reg(Bits(15), clk=p.clk, rst=p.rst, rst_value=0, name="wait")
        verdict = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="verdict")
        idle = wait == Bits(15)(0)
        due = have & idle
        k = kernel(clk=p.clk, rst=p.rst, in_data=p.in_data, in_valid=p.in_valid, decision_data=verdict,
                   decision_valid=due, out_ready=p.out_ready)
        given = due & k.decision_ready
        ready = ~have | given
        load = p.decision_valid & ready
        countdown = Mux(idle, (wait.as_uint() + UInt(15)(2**15 - 1)).as_bits()[0:15], wait)
        wait.assign(Mux(load, countdown, p.decision_data[1:16]))
        verdict.assign(Mux(load, verdict, p.decision_data[0:1]))
        have.assign(Mux(load, have & ~given, Bits(1)(1)))
        p.decision_ready = ready
        p.in_ready = k.in_ready
        p.out_data = k.out_data
        p.out_valid = k.out_valid

    top = f"lagged_w{words}_l{lanes}_d{depth}_f{forward_on}"
    width = 16 * lanes
    return emit([stream_module(top, {"in": width, "decision": 16}, {"out": width}, build)], top), top


def _decisions(rng, n: int, forward_on: int) -> list[int]:
    """Long runs of each value (a sticky random walk); the last sample is forwarded, so a wrongly
    forwarded sample anywhere before it shows up as a mismatch."""
    out, value = [], int(rng.integers(0, 2))
    for _ in range(n):
        if rng.random() < 0.15:
            value ^= 1
        out.append(value)
    out[-1] = forward_on
    return out


def _lags(rng, n: int, beats: int) -> list[int]:
    """Blocks of 6 samples alternating between no lag, lags around a sample time and long lags."""
    out = []
    for start in range(0, n, 6):
        scale = [0, beats, 4 * beats][(start // 6) % 3]
        out += [int(rng.integers(0, scale + 1)) for _ in range(min(6, n - start))]
    return out


def _run(words, lanes, depth, forward_on, decisions, lags, p_in, p_out, seed):
    files, top = _lagged(words, lanes, depth, forward_on)
    beats = words // lanes
    rng = np.random.default_rng(seed)
    data = [int.from_bytes(rng.bytes(2 * lanes), "little") for _ in range(len(decisions) * beats)]
    expected = [b for s, d in enumerate(decisions) if d == forward_on for b in data[s * beats:(s + 1) * beats]]
    inputs = {"in": data, "decision": [(lag << 1) | d for d, lag in zip(decisions, lags)]}
    return simulate(files, top, inputs, len(expected), p_in, p_out, seed=seed), expected


POINTS = [  # words, lanes, depth, forward_on
    (16, 1, 1, 0),  # fully folded, one sample of storage, drop_on_exit
    (16, 4, 2, 1),  # 4 lanes, forward_on_exit
    (24, 2, 3, 0),  # 12 beats x 3 slots: slot bases and addresses wrap at a non-power of two
    (4, 4, 1, 1),  # fully unfolded: one beat per sample, a one-entry RAM
]


@pytest.mark.parametrize("words, lanes, depth, forward_on", POINTS)
def test_forwards_exactly_the_chosen_samples(words, lanes, depth, forward_on):
    beats = words // lanes
    for i, (p_in, p_out) in enumerate(STALLS):
        rng = np.random.default_rng(100 * words + 10 * depth + i)
        n = 60
        decisions = _decisions(rng, n, forward_on)
        result, expected = _run(words, lanes, depth, forward_on, decisions, _lags(rng, n, beats), p_in, p_out,
                                seed=i + 1)
        assert result.words == expected, f"stalls {p_in}/{p_out}"


@pytest.mark.parametrize("words, lanes, depth, forward_on", POINTS)
def test_one_beat_per_cycle_and_free_drops(words, lanes, depth, forward_on):
    """All forwarded: words/lanes cycles per sample (the model's interval).  Mixed: the input never
    stalls, so the last word leaves right after the last input beat (a drop costs no cycles; the few
    cycles of slack are the kernel's latency: its buffer RAM's read and the output skid buffer)."""
    beats = words // lanes
    n = 200
    result, expected = _run(words, lanes, depth, forward_on, [forward_on] * n, [0] * n, 1.0, 1.0, seed=7)
    assert result.words == expected
    assert result.interval(beats) == pytest.approx(beats, rel=0.02)
    decisions = _decisions(np.random.default_rng(words + depth), n, forward_on)
    result, expected = _run(words, lanes, depth, forward_on, decisions, [0] * n, 1.0, 1.0, seed=8)
    assert result.words == expected
    assert result.cycles[-1] <= n * beats + 4


@pytest.mark.parametrize("args, message", [
    ((10, 4, 2, 0), "must divide"),
    ((16, 4, 0, 0), "must be >= 1"),
    ((16, 4, 2, 2), "forward_on must be 0"),
])
def test_rejects_impossible_parameters(args, message):
    with pytest.raises(ValueError, match=message):
        conditional_buffer_module(*args)
