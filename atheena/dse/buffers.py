"""Depth of the conditional buffers, by simulating the exit process.

At an early exit the backbone's data waits in a conditional buffer until the
exit decides.  Samples arrive no faster than the section before the exit can
make them (`interval`, its slowest layer); each continues with probability
`q_next / q_here`, independently; a continuing sample then needs `service`
cycles of the next backbone section (its slowest layer's interval).  The
section after the exit is rate-balanced for the *average* continuing
fraction, so runs of hard samples queue up.  A sample's decision comes
`latency` cycles after its arrival (the exit branch's pipeline).  The buffer
frees slots out of order, as its kernel does (a free list of slots,
`atheena.hardware.kernels.conditional_buffer`): a sample that exits holds its
slot from its arrival until its decision, a sample that continues until the
section after the exit has finished reading it.  (An in-order buffer would
keep an exiting sample's slot until every older continuing sample had been
read: at a high exit rate most of its slots would hold samples already
dropped.)  When every slot is taken the split stalls, and with it the whole
front of the network: that is the throughput a small buffer costs.

`buffer_depth` replays a fixed-seed Bernoulli exit pattern through this
queue and returns the smallest depth whose throughput is within `max_loss`
of an unbounded buffer's (a bisection: a slot more never slows the queue):
samples independent of each other at the profiled exit rate.  The pattern is
long (`SAMPLES`) because the figure is meant as the steady state of a stream:
a short run ends with the backlog of its last hard samples still draining,
which at full load costs about 1.5% over 4,000 samples and 0.1% over 16,000.  `cycles_per_sample` is the simulated rate
at a depth: the prediction `size-buffers` writes, which is what the RTL
measures (the deterministic rate of `fold` ignores the queue).  Real data
is burstier than independent samples: in MNIST's last 2,000 test images the
share of hard samples per 250 goes from 7% to 46%, and a design balanced for
the average then spends the hard stretches limited by the section after the
exit.  So the prediction replays the profiled exit sequence itself
(`ExitQueue.replay`) when the IR has it.

Deadlock: the buffer never waits for data that it blocks.  A sample's
decision depends only on that sample's data, which has passed the split
before the sample occupies a slot, so a full buffer always frees a slot
once the decisions it waits for arrive (or the section after it reads);
depth >= 1 is deadlock-free, and the simulation also needs a slot for every
sample in flight through the exit branch to keep up.
"""

from __future__ import annotations

import functools
import heapq
import math
from dataclasses import dataclass

import numpy as np

MIN_DEPTH = 2
MAX_DEPTH = 256  # samples; B-LeNet's backbone buffer at 1% loss and full load needs about 60
SAMPLES = 16000  # simulated samples: the end-of-run drain of a full-load queue shrinks as the run grows (~1/sqrt)


def throughput(depth: float, cont: np.ndarray, interval: float, service: float, latency: float) -> float:
    """Samples per cycle through a buffer of `depth` samples for the exit pattern `cont` (True = continues).

    The buffer releases slots out of order, as the kernel does (`kernels/conditional_buffer.py`: a free
    list of slots): an exiting sample's slot frees as soon as its decision is known, whatever older
    continuing samples still wait for the next section; a continuing sample's slot frees when the next
    section has read it (continuing samples are read in order, one every `service` cycles at most).  A
    sample arrives when a slot is free, at the earliest `interval` cycles after the previous one; an
    exiting sample whose decision is known as it arrives (`latency` 0) takes no slot at all.  When no
    slot is free the kernel writes the next sample into the slot being read, behind its reader, so that
    sample's arrival (`interval` cycles long) ends as the read ends: a continuing sample's slot takes the
    next arrival `min(interval, service)` cycles before its read ends.
    """
    n = len(cont)
    t = 0.0
    busy_until = 0.0
    slots = int(depth) if math.isfinite(depth) else n
    frees: list[float] = []  # heap: the cycle each occupied slot takes a new arrival (earlier ones stay listed)
    for i in range(n):
        needs_slot = bool(cont[i]) or latency > 0
        if needs_slot and len(frees) >= slots:  # wait for the first slot to free
            t = max(t, heapq.heappop(frees))
        decided = t + latency
        if cont[i]:
            start = max(decided, busy_until)
            busy_until = start + service
            leave = busy_until - min(interval, service)
        else:
            leave = decided
        if needs_slot:
            heapq.heappush(frees, leave)
        t += interval
    return n / max(t, busy_until)


@dataclass(frozen=True)
class ExitQueue:
    """One early exit's queue: the pattern and timing `throughput` replays."""

    continue_probability: float
    interval: float  # cycles between arrivals when nothing stalls (the section before the exit)
    service: float  # cycles per continuing sample of the section after the exit
    latency: float  # cycles from a sample's arrival to its decision
    samples: int = SAMPLES
    seed: int = 0
    trace: tuple[bool, ...] | None = None  # a recorded pattern (profiled data, in order) instead of Bernoulli
    reach: float = 1.0  # fraction of the network's samples that reach this exit

    @classmethod
    def replay(cls, trace, interval: float, service: float, latency: float, reach: float = 1.0) -> ExitQueue:
        """The queue fed by a recorded exit pattern (True = the sample continues past this exit)."""
        trace = tuple(bool(t) for t in trace)
        return cls(sum(trace) / max(1, len(trace)), interval, service, latency, len(trace), trace=trace, reach=reach)

    def pattern(self) -> np.ndarray:
        if self.trace is not None:
            return np.array(self.trace, dtype=bool)
        return np.random.default_rng(self.seed).random(self.samples) < self.continue_probability

    @functools.lru_cache(maxsize=256)  # size-buffers' budget fit asks for the same depths again and again
    def cycles_per_sample(self, depth: float) -> float:
        """Simulated cycles per network sample through a buffer of `depth` samples (math.inf: unbounded).

        The queue sees only the samples that reach its exit, a fraction `reach` of the network's.
        """
        return self.reach / throughput(depth, self.pattern(), self.interval, self.service, self.latency)

    def loss(self, depth: float) -> float:
        """Throughput lost against an unbounded buffer (0.02 = 2%)."""
        return max(0.0, 1.0 - self.cycles_per_sample(math.inf) / self.cycles_per_sample(depth))


def buffer_depth(queue: ExitQueue, max_loss: float = 0.01) -> tuple[int, float]:
    """(smallest depth with throughput loss <= max_loss, its loss); MAX_DEPTH if none is."""
    if queue.loss(MAX_DEPTH) > max_loss:
        return MAX_DEPTH, queue.loss(MAX_DEPTH)
    lo, hi = MIN_DEPTH - 1, MAX_DEPTH  # `hi` meets the bound, `lo` does not (or is below the minimum)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if queue.loss(mid) <= max_loss else (mid, hi)
    return hi, queue.loss(hi)
