"""Conditional buffer in Verilator: forwards exactly the samples whose decision is `forward_on`.

The harness offers every input with the same probability, and one decision
beat is much shorter than a sample, so on its own it would always deliver
decisions early.  The kernel is therefore simulated inside a small test
wrapper whose 16-bit `decision` channel carries the decision in bit 0 and a lag
in bits 15:1: the wrapper holds each decision for that many cycles before
offering it to the kernel.  Phases of zero lag (decisions run ahead of the
data and wait for it) alternate with phases of long lags (the data fills the
buffer and waits for the decisions), under several stall settings.

A second wrapper (`_stressed`) also delays each input beat by a gap it carries
and gates the output with a schedule of bursts (let n beats through, then
refuse for m cycles, m up to thousands): random decisions, gaps and long
stalls at depths 1, 2, 3 and larger, several lane counts and both modes; an
out-of-order test (a stalled forwarded sample must not hold up a run of dropped
ones, which an in-order buffer does); and the kernel's cycles against the
DSE's queue model (`atheena.dse.buffers.throughput`).
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


def _delayed(p, valid, data, payload: int, take, name: str):
    """A one-beat holding register that offers each loaded beat `data[payload:]` cycles after it was loaded:
    (valid towards the kernel, the payload `data[0:payload]`, ready towards the harness).  `take(valid)`
    returns the kernel's ready for that valid."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits, UInt

    bits = data.type.width - payload
    have = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name=f"{name}_have")
    wait = Reg(Bits(bits), clk=p.clk, rst=p.rst, rst_value=0, name=f"{name}_wait")
    held = Reg(Bits(payload), clk=p.clk, rst=p.rst, rst_value=0, name=f"{name}_held")
    idle = wait == Bits(bits)(0)
    due = have & idle
    given = due & take(due)
    ready = ~have | given
    load = valid & ready
    countdown = Mux(idle, (wait.as_uint() + UInt(bits)(2**bits - 1)).as_bits()[0:bits], wait)
    wait.assign(Mux(load, countdown, data[payload:]))
    held.assign(Mux(load, held, data[0:payload]))
    have.assign(Mux(load, have & ~given, Bits(1)(1)))
    return due, held, ready


@cache
def _stressed(words: int, lanes: int, depth: int, forward_on: int):
    """The kernel with delayed inputs and a gated output: {file: SV text} and the top module's name.

    `in`: a beat in the low 16*lanes bits and the cycles to hold it back in the 16 bits above;
    `decision`: as `_lagged`; `stall`: (n, m) as n | m << 16: let n output beats through, then
    refuse the output for m cycles (no entry: the output is open)."""
    from pycde.constructs import Mux, Reg, Wire
    from pycde.types import Bits, UInt

    kernel = conditional_buffer_module(words, lanes, depth, forward_on)
    width = 16 * lanes

    def build(p):
        k_in_ready, k_dec_ready = Wire(Bits(1), "k_in_ready"), Wire(Bits(1), "k_dec_ready")
        in_valid, in_data, in_ready = _delayed(p, p.in_valid, p.in_data, width, lambda v: k_in_ready, "in")
        dec_valid, dec_data, dec_ready = _delayed(p, p.decision_valid, p.decision_data, 1, lambda v: k_dec_ready,
                                                  "dec")
        have = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="st_have")
        passing = Reg(Bits(16), clk=p.clk, rst=p.rst, rst_value=0, name="st_pass")
        closed = Reg(Bits(16), clk=p.clk, rst=p.rst, rst_value=0, name="st_close")
        opening = passing != Bits(16)(0)
        shut = closed != Bits(16)(0)
        gate = ~have | opening
        k = kernel(clk=p.clk, rst=p.rst, in_data=in_data, in_valid=in_valid, decision_data=dec_data,
                   decision_valid=dec_valid, out_ready=p.out_ready & gate)
        k_in_ready.assign(k.in_ready)
        k_dec_ready.assign(k.decision_ready)
        moved = k.out_valid & p.out_ready & gate
        done = have & ~opening & ~shut
        st_ready = ~have | done
        load = p.stall_valid & st_ready
        minus = lambda r: (r.as_uint() + UInt(16)(2**16 - 1)).as_bits()[0:16]  # noqa: E731
        passing.assign(Mux(load, Mux(moved & have, passing, minus(passing)), p.stall_data[0:16]))
        closed.assign(Mux(load, Mux(have & ~opening & shut, closed, minus(closed)), p.stall_data[16:32]))
        have.assign(Mux(load, have & ~done, Bits(1)(1)))
        p.stall_ready = st_ready
        p.in_ready = in_ready
        p.decision_ready = dec_ready
        p.out_data = k.out_data
        p.out_valid = k.out_valid & gate

    top = f"stressed_w{words}_l{lanes}_d{depth}_f{forward_on}"
    return emit([stream_module(top, {"in": width + 16, "decision": 16, "stall": 32}, {"out": width}, build)],
                top), top


def _stress_run(words, lanes, depth, forward_on, decisions, lags, gaps, stalls, p_in, p_out, seed, **kw):
    files, top = _stressed(words, lanes, depth, forward_on)
    beats = words // lanes
    rng = np.random.default_rng(seed)
    data = [int.from_bytes(rng.bytes(2 * lanes), "little") for _ in range(len(decisions) * beats)]
    expected = [b for s, d in enumerate(decisions) if d == forward_on for b in data[s * beats:(s + 1) * beats]]
    inputs = {"in": [(g << (16 * lanes)) | w for w, g in zip(data, gaps)],
              "decision": [(lag << 1) | d for d, lag in zip(decisions, lags)],
              "stall": [n | (m << 16) for n, m in stalls] or [1]}
    return simulate(files, top, inputs, len(expected), p_in, p_out, seed=seed, **kw), expected


def _random_pattern(rng, n: int, beats: int, forward_on: int):
    """Decisions (runs and independent stretches at a random forward rate), decision lags, input gaps and
    output bursts (including stalls of hundreds to thousands of cycles)."""
    decisions = []
    while len(decisions) < n:
        rate = float(rng.choice([0.05, 0.3, 0.5, 0.8, 0.97]))
        decisions += [int(rng.random() < rate) for _ in range(int(rng.integers(5, 40)))]
    decisions = [d if forward_on else 1 - d for d in decisions[:n]]
    decisions[-1] = forward_on
    lags = [int(rng.choice([0, 0, rng.integers(0, beats + 1), rng.integers(0, 6 * beats + 1)])) for _ in range(n)]
    gaps = [int(rng.choice([0, 0, 0, 0, 0, 0, rng.integers(1, 4), rng.integers(10, 120)]))
            for _ in range(n * beats)]
    stalls = []
    for _ in range(4 * n):
        stalls.append((int(rng.integers(0, 3 * beats)), int(rng.choice([0, rng.integers(1, 20),
                                                                         rng.integers(100, 3000)]))))
    return decisions, lags, gaps, stalls


STRESS_POINTS = [  # words, lanes, depth, forward_on
    (12, 1, 1, 0),
    (12, 1, 2, 1),
    (6, 2, 3, 0),  # 3 beats x 3 slots
    (16, 4, 2, 0),
    (4, 4, 1, 1),  # one beat per sample
    (4, 4, 3, 0),
    (10, 1, 5, 1),
    (24, 2, 8, 0),
    (8, 1, 13, 1),
]


@pytest.mark.parametrize("words, lanes, depth, forward_on", STRESS_POINTS)
def test_stress_random_gaps_decisions_and_long_stalls(words, lanes, depth, forward_on):
    """Bit-exact, in order, nothing lost or repeated (the harness stops at the expected count and the
    comparison covers every forwarded word) under random decisions, input gaps and output bursts."""
    beats = words // lanes
    for i, (p_in, p_out) in enumerate([(1.0, 1.0), (0.7, 0.8), (0.95, 0.4)]):
        rng = np.random.default_rng(1000 * words + 100 * depth + 10 * lanes + i)
        decisions, lags, gaps, stalls = _random_pattern(rng, 150, beats, forward_on)
        result, expected = _stress_run(words, lanes, depth, forward_on, decisions, lags, gaps, stalls, p_in, p_out,
                                       seed=i + 3, max_cycles=5_000_000)
        assert len(result.words) == len(expected)
        assert result.words == expected, f"stalls {p_in}/{p_out}"


@pytest.mark.parametrize("forward_on, late", [(0, False), (0, True), (1, False), (1, True)])
def test_dropped_samples_do_not_wait_behind_a_stalled_forwarded_one(forward_on, late):
    """Out of order: depth 2, sample 0 forwarded while the output is shut for 3,000 cycles, then 60 dropped
    samples and one forwarded.  The dropped ones flow in during the stall (their decisions either ahead of
    their data or after it, `late`), so once the output opens both forwarded samples leave at once.  An
    in-order buffer keeps sample 0 at its head and takes at most one more sample during the stall: the last
    word would then leave about 60 sample times after the output opens."""
    words, lanes, depth, beats = 8, 1, 2, 8
    n = 62
    decisions = [forward_on] + [1 - forward_on] * (n - 2) + [forward_on]
    lags = [3 * beats if late else 0] * n
    gaps = [0] * (n * beats)
    shut = 3000
    stalls = [(1, shut)]  # one beat through, then shut (from the cycle that beat leaves)
    result, expected = _stress_run(words, lanes, depth, forward_on, decisions, lags, gaps, stalls, 1.0, 1.0, seed=5)
    assert result.words == expected
    # decisions with lag L are offered one per L + 1 cycles: all have arrived long before the output opens
    assert n * (lags[0] + 2) < shut
    assert result.cycles[-1] < result.cycles[0] + shut + 2 * beats + 20, result.cycles


@pytest.mark.parametrize("depth, rate, seed", [(1, 0.3, 1), (1, 0.1, 7), (2, 0.2, 2), (2, 0.5, 3), (4, 0.3, 4),
                                               (3, 0.6, 5)])
def test_cycles_match_the_queue_model(depth, rate, seed):
    """Samples arrive every `interval` cycles, each decision ahead of its data (latency 0), and the output
    takes a forwarded sample at most every `service` cycles (its beats spread over them): the cycles of the
    whole run in RTL against `buffers.throughput` for the same pattern, within 2% (the model sees samples,
    the RTL beats: a few cycles of pipeline are the difference; measured 0-0.7%)."""
    from atheena.dse.buffers import throughput

    words, lanes, forward_on = 16, 1, 0
    beats, interval, service = 16, 20, 48
    n = 400
    rng = np.random.default_rng(seed)
    cont = rng.random(n) < rate
    cont[-1] = True  # the run ends with its last forwarded sample
    decisions = [forward_on if c else 1 - forward_on for c in cont]
    gaps = [(interval - beats) if b == 0 else 0 for _ in range(n) for b in range(beats)]
    # the next section reads a sample evenly over its interval, a beat every 3 cycles (an entry (1, m) of the
    # schedule takes m + 2 cycles: the beat, m shut, one to load the next), so its slot frees at the end of
    # the interval, as the model assumes
    stalls = [(1, service // beats - 2)] * (beats * int(cont.sum()))
    result, expected = _stress_run(words, lanes, depth, forward_on, decisions, [0] * n, gaps, stalls, 1.0, 1.0,
                                   seed=seed)
    assert result.words == expected
    predicted = n / throughput(depth, cont, interval, service, 0.0)
    assert result.cycles[-1] == pytest.approx(predicted, rel=0.02)
