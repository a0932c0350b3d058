"""The exit-process simulation behind size-buffers: the out-of-order buffer's queue model, checked against an
independent cycle-by-cycle simulation, and against an in-order buffer (which it never needs more slots than)."""

import math
from collections import deque

import numpy as np
import pytest

from atheena.dse.buffers import MAX_DEPTH, MIN_DEPTH, ExitQueue, buffer_depth, throughput


def test_no_continuing_sample_runs_at_the_arrival_rate_once_the_decisions_are_covered():
    cont = np.zeros(1000, dtype=bool)
    assert 1.0 / throughput(4, cont, 100.0, 5000.0, 300.0) == pytest.approx(100.0, rel=1e-3)
    # two slots cannot hide a 300-cycle decision: a slot frees 300 cycles after its sample arrived
    assert 1.0 / throughput(MIN_DEPTH, cont, 100.0, 5000.0, 300.0) == pytest.approx(150.0, rel=1e-2)


def test_every_sample_continuing_runs_at_the_service_rate():
    cont = np.ones(1000, dtype=bool)
    assert 1.0 / throughput(math.inf, cont, 100.0, 400.0, 300.0) == pytest.approx(400.0, rel=1e-2)


def test_deeper_buffers_are_never_slower_and_the_loss_falls():
    queue = ExitQueue(0.25, interval=100.0, service=400.0, latency=700.0, samples=2000)
    cycles = [queue.cycles_per_sample(d) for d in (2, 4, 8, 16, 32, math.inf)]
    assert cycles == sorted(cycles, reverse=True)
    assert queue.loss(2) > queue.loss(16) >= queue.loss(math.inf) == 0.0
    # the random arrivals of hard samples cost throughput against the average rate (100 cycles)
    assert cycles[0] > 110.0


def test_buffer_depth_is_the_smallest_within_the_loss():
    queue = ExitQueue(0.25, interval=100.0, service=400.0, latency=700.0, samples=2000)
    depth, loss = buffer_depth(queue, 0.02)
    assert MIN_DEPTH <= depth <= MAX_DEPTH and loss <= 0.02
    assert depth == MIN_DEPTH or queue.loss(depth - 1) > 0.02
    assert loss == pytest.approx(queue.loss(depth))


def test_a_faster_front_needs_a_shorter_buffer():
    """Slack before the exit refills the buffer between bursts of hard samples."""
    slow = ExitQueue(0.25, interval=100.0, service=400.0, latency=700.0, samples=2000)
    fast = ExitQueue(0.25, interval=80.0, service=400.0, latency=700.0, samples=2000)
    assert buffer_depth(fast)[0] < buffer_depth(slow)[0]


def test_a_later_exit_counts_cycles_per_network_sample():
    """An exit reached by 40% of the samples sees one arrival per 2.5 network samples."""
    first = ExitQueue(0.25, interval=100.0, service=400.0, latency=700.0, samples=2000)
    later = ExitQueue(0.25, interval=100.0, service=400.0, latency=700.0, samples=2000, reach=0.4)
    assert later.cycles_per_sample(8) == pytest.approx(0.4 * first.cycles_per_sample(8))
    assert later.loss(8) == pytest.approx(first.loss(8))


@pytest.mark.parametrize("p, interval, service, latency, max_loss", [
    (0.25, 100.0, 400.0, 700.0, 0.02), (0.25, 100.0, 390.0, 2000.0, 0.01), (0.5, 100.0, 150.0, 300.0, 0.005),
    (0.1, 50.0, 480.0, 900.0, 0.01)])
def test_the_bisection_finds_the_depth_a_scan_finds(p, interval, service, latency, max_loss):
    queue = ExitQueue(p, interval=interval, service=service, latency=latency, samples=3000)
    scan = next((d for d in range(MIN_DEPTH, MAX_DEPTH + 1) if queue.loss(d) <= max_loss), MAX_DEPTH)
    assert buffer_depth(queue, max_loss)[0] == scan


def _cycle_by_cycle(depth: int, cont, interval: int, service: int, latency: int) -> int:
    """Cycles to stream `cont` through a buffer of `depth` slots, stepped one cycle at a time: an independent
    reading of the rule in `throughput`'s docstring.  Slots are an explicit table of the cycle each frees
    (None: free); the next section takes the decided continuing samples in order, one per `service` cycles.
    A sample arrives at the first cycle, at least `interval` after the previous arrival, that has a free slot
    (an exiting sample decided on arrival, latency 0, needs none); an exiting one frees its slot at its
    decision, a continuing one `min(interval, service)` before the section finishes reading it (the kernel
    writes the next sample behind its reader)."""
    slots: list[int | None] = [None] * depth
    section = deque()  # (slot or None, decided cycle) of the continuing samples not yet started, in order
    section_free = 0  # the cycle the section can start the next sample
    finished = 0
    i, earliest, cycle = 0, 0, 0
    def release():
        for k, free in enumerate(slots):
            if free is not None and free <= cycle:
                slots[k] = None

    def start():
        nonlocal section_free, finished
        if section and section[0][1] <= cycle and section_free <= cycle:  # the section starts a sample
            slot, _ = section.popleft()
            section_free = finished = cycle + service
            slots[slot] = finished - min(interval, service)
            release()

    while i < len(cont) or section:
        release()
        start()
        if i < len(cont) and cycle >= earliest:
            needs = bool(cont[i]) or latency > 0
            free = next((k for k, f in enumerate(slots) if f is None), None)
            if not needs or free is not None:
                if cont[i]:
                    slots[free] = 1 << 60  # held until the section has read it
                    section.append((free, cycle + latency))
                elif needs:
                    slots[free] = cycle + latency
                i, earliest = i + 1, cycle + interval
                start()  # a sample decided as it arrives starts at once if the section is free
        cycle += 1
    return max(finished, earliest)


def _in_order(depth: int, cont, interval: float, service: float, latency: float) -> float:
    """Samples per cycle of a buffer that frees its slots in sample order (as ATHEENA's kernel did before
    issue 15): an exiting sample's slot only once every older sample has left; otherwise as `throughput`."""
    t = busy = last = 0.0
    frees: list[float] = []
    for i, c in enumerate(cont):
        if i >= depth:
            t = max(t, frees[i - depth])
        decided = t + latency
        if c:
            busy = max(decided, busy) + service
            leave = busy - min(interval, service)
        else:
            leave = decided
        last = max(last, leave)
        frees.append(last)
        t += interval
    return len(cont) / max(t, busy)


PATTERNS = [  # continue probability, interval, service, latency
    (0.25, 100, 400, 700), (0.5, 100, 150, 300), (0.1, 50, 480, 900), (0.02, 20, 900, 60), (0.3, 20, 48, 0),
    (0.9, 40, 45, 10), (0.05, 30, 500, 0)]


@pytest.mark.parametrize("p, interval, service, latency", PATTERNS)
@pytest.mark.parametrize("depth", [1, 2, 3, 5, 9])
def test_the_model_matches_a_cycle_by_cycle_simulation(p, interval, service, latency, depth):
    cont = np.random.default_rng(depth).random(600) < p
    cont[-1] = True
    cycles = _cycle_by_cycle(depth, cont, interval, service, latency)
    predicted = len(cont) / throughput(depth, cont, float(interval), float(service), float(latency))
    assert predicted == pytest.approx(cycles, rel=1e-9)


@pytest.mark.parametrize("p, interval, service, latency", PATTERNS)
def test_out_of_order_is_never_slower_nor_needs_more_slots_than_in_order(p, interval, service, latency):
    cont = np.random.default_rng(7).random(3000) < p
    args = (cont, float(interval), float(service), float(latency))
    for depth in range(1, 40):
        assert throughput(depth, *args) >= _in_order(depth, *args) * (1 - 1e-12)
    unbounded = throughput(math.inf, *args)
    for max_loss in (0.005, 0.01, 0.05):
        ooo = next((d for d in range(1, 400) if throughput(d, *args) >= (1 - max_loss) * unbounded), 400)
        ino = next((d for d in range(1, 400) if _in_order(d, *args) >= (1 - max_loss) * unbounded), 400)
        assert ooo <= ino


def test_a_high_exit_rate_needs_few_slots_out_of_order():
    """Triple-Wins's regime: 98.6% of the samples exit, a continuing one occupies the section after the exit
    for 50 arrivals (a load of 0.7).  In order, every exiting sample behind a continuing one keeps its slot
    until that one has been read, so even 32 slots lose over a quarter of the throughput; out of order 8 lose
    under 5% (measured: 2.6% and 28%)."""
    cont = np.random.default_rng(3).random(16000) < 0.014
    args = (cont, 100.0, 5000.0, 300.0)
    unbounded = throughput(math.inf, *args)
    assert throughput(8, *args) > 0.95 * unbounded
    assert _in_order(32, *args) < 0.75 * unbounded
