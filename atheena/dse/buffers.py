"""Depth of the conditional buffers, by simulating the exit process.

At an early exit the backbone's data waits in a conditional buffer until the
exit decides.  Samples arrive every `interval` cycles (the design's rate);
each continues with probability `q_next / q_here`, independently; a
continuing sample then needs `service` cycles of the next backbone section
(its slowest layer's interval).  The section is rate-balanced for the
*average* continuing fraction, so runs of hard samples queue up.  A sample
holds a buffer slot from its arrival until the section has finished reading
it, and its decision comes `latency` cycles after its arrival (the exit
branch's pipeline).  When every slot is taken the split stalls, and with it
the whole front of the network: that is the throughput a small buffer costs.

`buffer_depth` replays a fixed-seed Bernoulli exit pattern through this
queue for increasing depths and returns the smallest whose throughput is
within `max_loss` of an unbounded buffer's.  The pattern is independent
across samples, which is what profiling measures (the exit rate); a test
set sorted by difficulty would be burstier than this.

Deadlock: the buffer never waits for data that it blocks.  A sample's
decision depends only on that sample's data, which has passed the split
before the sample occupies a slot, so a full buffer always frees a slot
once the decisions it waits for arrive; depth >= 1 is deadlock-free, and
the simulation also needs a slot for every sample in flight through the
exit branch to keep up.
"""

from __future__ import annotations

import math

import numpy as np

MIN_DEPTH = 2
MAX_DEPTH = 64


def throughput(depth: float, cont: np.ndarray, interval: float, service: float, latency: float) -> float:
    """Samples per cycle through a buffer of `depth` samples for the exit pattern `cont` (True = continues).

    The buffer releases slots in sample order (it applies decisions in order): an exiting sample's
    slot frees once its decision is known *and* every earlier sample has left, so exiting samples
    queue behind a continuing one that the next section has not finished reading.
    """
    n = len(cont)
    t = 0.0
    busy_until = 0.0
    last_free = 0.0
    frees: list[float] = []  # release cycle of every sample, in order (non-decreasing)
    for i in range(n):
        if i >= depth:  # wait for the slot of sample i - depth
            t = max(t, frees[i - int(depth)])
        decided = t + latency
        if cont[i]:
            start = max(decided, busy_until)
            busy_until = start + service
            leave = busy_until
        else:
            leave = decided
        last_free = max(last_free, leave)
        frees.append(last_free)
        t += interval
    return n / max(t, busy_until)


def buffer_depth(continue_probability: float, interval: float, service: float, latency: float,
                 max_loss: float = 0.02, samples: int = 4000, seed: int = 0) -> tuple[int, float]:
    """(smallest depth with throughput loss <= max_loss, its loss) for one early exit."""
    rng = np.random.default_rng(seed)
    cont = rng.random(samples) < continue_probability
    best = throughput(math.inf, cont, interval, service, latency)
    loss = 0.0
    for depth in range(MIN_DEPTH, MAX_DEPTH + 1):
        loss = 1.0 - throughput(depth, cont, interval, service, latency) / best
        if loss <= max_loss:
            return depth, max(loss, 0.0)
    return MAX_DEPTH, loss
