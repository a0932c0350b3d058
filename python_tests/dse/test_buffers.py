"""The exit-process simulation behind size-buffers."""

import math

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
