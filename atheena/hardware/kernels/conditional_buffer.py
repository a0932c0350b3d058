"""Conditional buffer kernel: holds each sample's tensor until its decision, then forwards or drops it.

Ports: `in_data[16*lanes]`, `in_valid`, `in_ready` (the sample tensors, `words / lanes`
beats per sample); `decision_data[1]`, `decision_valid`, `decision_ready` (one beat per
sample, in sample order); `out_data[16*lanes]`, `out_valid`, `out_ready`; `clk`, `rst`.
A sample is forwarded when its decision equals `forward_on`: 0 is the dialect's
`drop_on_exit` (the backbone continues with the samples that did not exit), 1 is
`forward_on_exit` (the exit's own logits leave only for samples that exited).
Forwarded samples leave whole and in order; dropped samples leave nothing.

Storage is one simple dual-port RAM (`memory.ram`) of `depth * words / lanes`
beats, used as a circular buffer of `depth` sample slots of `B = words / lanes`
beats each.  The writer fills the slot of the sample it receives; the reader
works on the *head*, the oldest sample not yet released.  `held` counts the
samples written completely and not yet released, so the writer's slot is the
head's slot exactly when `held` is 0 or `depth`:

* `held` = 0: the writer is filling the head itself.  Data and decision may come
  in any order, and a forwarded head leaves *cut-through*: beat `r` is read as
  soon as the writer has passed it, without waiting for the rest of the sample.
* `held` = `depth`: the writer has wrapped round into the head's slot and may
  refill a beat once the reader has read it, or in the cycle it is read (the
  RAM reads first), or as the head is dropped.  So `in_ready` is low only when
  all `depth * B` beats hold unread data, and even `depth` = 1 streams at one
  beat per cycle.  Only in that full state does `in_ready` follow `out_ready`
  combinationally (through the read being issued), as in a skid-less register.

Dropping is O(1): the read pointer jumps one slot.  If the dropped head has not
arrived completely (`held` = 0), the write pointer jumps with it and the rest
of that sample's beats are accepted and discarded as they arrive (`skip`), so
a dropped sample never takes storage and never waits for its producer; a run
of dropped samples flows in at the input rate even with `depth` = 1.  (Waiting
for the whole sample first would cost a bubble per dropped sample at
`depth` = 1 and hold storage for data that is never read.)  While the writer
skips, the next head has no data yet, so its decision waits for the skip to
end; nothing can leave in those cycles anyway.

One decision register holds the head's decision; it reloads on the cycle the
head is released, so consecutive forwarded samples leave back to back.
Decisions further ahead wait at `decision_ready`; in the frontend's topology
that cannot deadlock, because the decision of sample k+1 exists only once sample
k+1 has passed the split, so sample k's data has already arrived here.  The RAM's registered read is
the output register: a read is issued only when that register is empty or
being taken, and its clock enable holds the word under back-pressure, so no
word is lost or repeated and a forwarded stream moves one beat per cycle.

Interval at full rate: `words / lanes` cycles per forwarded sample; a dropped
sample costs no output cycles (only its input beats, at one per cycle).
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.memory import ram


@cache
def conditional_buffer_module(words: int, lanes: int, depth: int, forward_on: int):
    """The PyCDE module class of a conditional buffer of `depth` samples of `words` words."""
    if min(words, lanes, depth) < 1:
        raise ValueError(f"conditional buffer: words ({words}), lanes ({lanes}) and depth ({depth}) must be >= 1")
    if words % lanes:
        raise ValueError(f"conditional buffer: lanes ({lanes}) must divide words ({words})")
    if forward_on not in (0, 1):
        raise ValueError(f"conditional buffer: forward_on must be 0 (drop_on_exit) or 1 (forward_on_exit), "
                         f"not {forward_on}")
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    width = WORD * lanes
    beats = words // lanes
    entries = depth * beats
    abits = max(1, (entries - 1).bit_length())  # the RAM's address width
    bbits = max(1, (beats - 1).bit_length())
    hbits = depth.bit_length()

    def add(x, y, bits):
        """x + y modulo 2**bits (x, y Bits or int)."""
        y = Bits(bits)(y % (1 << bits)) if isinstance(y, int) else y
        return (x.as_uint() + y.as_uint()).as_bits()[0:bits]

    def build(p):
        def reg(bits, name):
            return Reg(Bits(bits), clk=p.clk, rst=p.rst, rst_value=0, name=name)

        held = reg(hbits, "held")  # samples fully written, not yet released
        wbase, wbeat = reg(abits, "wbase"), reg(bbits, "wbeat")  # writer: slot base address, beat in sample
        rbase, rbeat = reg(abits, "rbase"), reg(bbits, "rbeat")  # reader (head): slot base, next beat to read
        skip = reg(1, "skip")  # the writer is discarding the rest of a dropped sample
        have = reg(1, "have")  # the head's decision is known
        verdict = reg(1, "verdict")  # and its value
        full = reg(1, "full")  # the RAM's read register holds a beat not yet taken

        def next_slot(base):
            return Mux(base == Bits(abits)((depth - 1) * beats), add(base, beats, abits), Bits(abits)(0))

        last = Bits(bbits)(beats - 1)
        none_held = held == Bits(hbits)(0)
        all_held = held == Bits(hbits)(depth)
        behind = rbeat.as_uint() < wbeat.as_uint()  # beat rbeat of the writer's sample is in the RAM
        verdict_forward = verdict == Bits(1)(forward_on)
        forward = have & verdict_forward
        drop = have & ~verdict_forward & (~none_held | ~skip)
        avail = ~none_held | (~skip & behind)
        issue = forward & avail & (~full | p.out_ready)
        # All slots held: the writer is in the head's slot and may take the beats the reader has
        # read, including the one it reads now (read-first), or any beat of a head dropped now.
        freed = (wbeat.as_uint() < rbeat.as_uint()) | ((wbeat == rbeat) & issue) | drop
        room = skip | ~all_held | freed
        take = p.in_valid & room
        w_last = wbeat == last
        complete = take & w_last & ~skip
        r_last = rbeat == last
        release = (issue & r_last) | drop
        early_drop = drop & none_held & ~complete  # the head is still arriving: discard its remaining beats
        retire = release & ~early_drop  # the head was complete (or completes now): one fewer held

        p.out_data = ram("store", width, entries, p.clk, take & ~skip, add(wbase, wbeat.pad_or_truncate(abits), abits),
                         p.in_data, add(rbase, rbeat.pad_or_truncate(abits), abits), issue)
        held.assign(Mux(complete, Mux(retire, held, add(held, (1 << hbits) - 1, hbits)),
                        Mux(retire, add(held, 1, hbits), held)))
        wbase.assign(Mux(complete | early_drop, wbase, next_slot(wbase)))
        wbeat.assign(Mux(take, wbeat, Mux(w_last, add(wbeat, 1, bbits), Bits(bbits)(0))))
        skip.assign(Mux(early_drop, Mux(take & w_last, skip, Bits(1)(0)), Bits(1)(1)))
        rbase.assign(Mux(release, rbase, next_slot(rbase)))
        rbeat.assign(Mux(issue, rbeat, Mux(r_last, add(rbeat, 1, bbits), Bits(bbits)(0))))
        ready = ~have | release
        arrive = p.decision_valid & ready
        have.assign(Mux(arrive, Mux(release, have, Bits(1)(0)), Bits(1)(1)))
        verdict.assign(Mux(arrive, verdict, p.decision_data))
        full.assign(Mux(issue, Mux(p.out_ready, full, Bits(1)(0)), Bits(1)(1)))
        p.out_valid = full
        p.in_ready = room
        p.decision_ready = ready

    name = f"atheena_conditional_buffer_w{words}_l{lanes}_d{depth}_f{forward_on}"
    return stream_module(name, {"in": width, "decision": 1}, {"out": width}, build)
