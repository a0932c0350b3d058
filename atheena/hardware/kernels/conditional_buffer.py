"""Conditional buffer kernel: holds each sample's tensor until its decision, then forwards or drops it.

Ports: `in_data[16*lanes]`, `in_valid`, `in_ready` (the sample tensors, `words / lanes`
beats per sample); `decision_data[1]`, `decision_valid`, `decision_ready` (one beat per
sample, in sample order); `out_data[16*lanes]`, `out_valid`, `out_ready`; `clk`, `rst`.
A sample is forwarded when its decision equals `forward_on`: 0 is the dialect's
`drop_on_exit` (the backbone continues with the samples that did not exit), 1 is
`forward_on_exit` (the exit's own logits leave only for samples that exited).
Forwarded samples leave whole and in order; dropped samples leave nothing.

**Out of order.**  Storage is one simple dual-port RAM (`memory.ram`) of
`depth` sample slots of `B = words / lanes` beats.  A slot is named by its base
address, and slots are handed out by a free list, not in a ring: a dropped
sample's slot is free again the cycle after its decision, whatever older
forwarded samples still wait for the output.  (An in-order ring keeps a
dropped sample's slot until every older forwarded sample has been read, so at
a high exit rate a few slots spend most of their time holding samples that
were already dropped.)  Every slot is, at any time, in exactly one of:

* `fresh`: never used since reset (a counter of slot bases: the queues need no
  initialisation);
* the free queues `freed` (slots of dropped samples) and `read` (slots whose
  forwarded sample has been read out) -- two queues so that a drop and the end
  of a read in the same cycle each have a write port;
* the writer's slot (`whas`, `wbase`): the sample arriving now;
* `pending`: samples written completely whose decision has not come, in order;
* `ready`: forwarded samples not yet read, in order (its head is the reader's).

The four queues are FIFOs of slot bases in LUT RAM (`memory.lut_ram`: written at
one edge, readable the next cycle; a base is stored without its low bits,
which are 0 in every base: `slot_bits`), so every step moves one slot number in
O(1): a decision pops `pending` and pushes `ready` or `freed`; the reader pops
`ready` and pushes `read` after a sample's last beat; the writer takes a slot
from `fresh`, `freed` or `read` at a sample's first beat.  No search over slots.

**Decisions** come in sample order.  One applies to the head of `pending` when
that is not empty, else to the writer's sample, even before its first beat
(the `pending` count is exact: a completed sample is counted in the cycle it
completes).  A decision that runs ahead of the data (the writer's sample is
already decided) waits at `decision_ready` until that sample has arrived.  A
writer's sample that is dropped never takes storage: its remaining beats are
accepted and discarded as they arrive, and the slot it had (if any) stays
with the writer for the next sample, so a run of dropped samples flows in at
the input rate even with `depth` = 1.  A writer's sample forwarded early joins
`ready` at its first beat and leaves *cut-through*: when the reader's head is
the writer's own sample, beat `r` is read once the writer has passed it.

**Full.**  When no slot is free and none is pending, the writer may start the
next sample in the slot the reader is reading (the head of `ready`, a
complete older sample): beat `j` is written once the reader has read it, or
in the cycle it is read (the RAM reads first), and that slot is then not
freed when the read ends.  So even `depth` = 1 streams forwarded samples at
one beat per cycle, and `in_ready` is low only when all slots hold unread or
undecided data (it then follows `out_ready` through the read being issued, as
in a skid-less register).  Not while a sample is pending: its decision may
free a slot at once, and a writer waiting behind a stalled reader would miss
it (a run of dropped samples must not queue behind a forwarded one).  Which of
writer and reader waits for the other is never in doubt: `wbehind` says the
writer's slot is the reader's with an older sample in it.

The RAM's registered read is the output register: a read is issued only when
that register is empty or being taken, and its clock enable holds the word
under back-pressure, so no word is lost or repeated and a forwarded stream
moves one beat per cycle.

**Deadlock-free for any depth >= 1.**  The writer waits only while every slot
is pending (the decisions it needs are the next ones in order and depend only
on data already inside, so they come and are always taken) or is being read
(which needs only `out_ready`); the reader waits for the writer only on the
writer's own sample, whose beats need only the input.  A decision waits only
for its own sample's data, which cannot be blocked: the writer's current
sample is decided then, so nothing is pending and the writer has or gets a
slot as soon as the output moves.

Interval at full rate: `words / lanes` cycles per forwarded sample; a dropped
sample costs no output cycles (only its input beats, at one per cycle).
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.logic import Counter, const
from atheena.hardware.kernels.memory import lut_ram, ram


def slot_bits(words: int, lanes: int, depth: int) -> int:
    """Bits of a slot number as the queues store it: the bits of a slot's base address above those that are
    0 in every base (bases are multiples of `words / lanes`); at least 1."""
    beats = words // lanes
    abits = max(1, (depth * beats - 1).bit_length())
    return max(1, abits - ((beats & -beats).bit_length() - 1))


def queue_slots(depth: int) -> dict[str, int]:
    """Entries of each queue of slot bases: at most every slot, and `ready` one more (the slot the writer
    took from the reader, listed again for its new sample while its old one is still being read)."""
    return {"pending": depth, "freed": depth, "read": depth, "ready": depth + 1}


class _Queue:
    """A FIFO of slot bases in LUT RAM; its users never push more than `entries` (see `queue_slots`)."""

    def __init__(self, name: str, entries: int, width: int, clk, rst):
        from pycde.constructs import Mux, Reg, Wire
        from pycde.types import Bits

        self.push, self.pop = Wire(Bits(1), f"{name}_push"), Wire(Bits(1), f"{name}_pop")
        self.data = Wire(Bits(width), f"{name}_data")
        cbits = entries.bit_length()
        count = Reg(Bits(cbits), clk=clk, rst=rst, rst_value=0, name=f"{name}_count")
        write, read = Counter(entries, clk, rst, f"{name}_wp"), Counter(entries, clk, rst, f"{name}_rp")
        self.head = lut_ram(name, width, entries, clk, self.push, write.value, self.data, read.value)
        self.valid = count != const(cbits, 0)
        up = (count.as_uint() + 1).as_bits()[0:cbits]
        down = (count.as_uint() + (1 << cbits) - 1).as_bits()[0:cbits]
        count.assign(Mux(self.push, Mux(self.pop, count, down), Mux(self.pop, up, count)))
        write.step(self.push)
        read.step(self.pop)


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
    from pycde.signals import BitsSignal
    from pycde.types import Bits

    width = WORD * lanes
    beats = words // lanes
    entries = depth * beats
    abits = max(1, (entries - 1).bit_length())  # the RAM's address width; a slot is named by its base address
    bbits = max(1, (beats - 1).bit_length())
    fbits = entries.bit_length()  # the fresh-slot counter reaches depth * beats
    zeros = (beats & -beats).bit_length() - 1  # slot bases are multiples of `beats`: their low bits stay 0
    qbits = slot_bits(words, lanes, depth)  # the queues store the bits above those

    def add(x, y, bits):
        """x + y modulo 2**bits (x, y Bits or int)."""
        y = Bits(bits)(y % (1 << bits)) if isinstance(y, int) else y
        return (x.as_uint() + y.as_uint()).as_bits()[0:bits]

    def pack(base):
        """A slot base as the queues store it."""
        return base[zeros:abits] if zeros < abits else const(1, 0)

    def unpack(stored):
        if zeros >= abits:  # one slot (depth 1): the stored bit is always 0
            return stored.pad_or_truncate(abits)
        return BitsSignal.concat([stored, const(zeros, 0)]) if zeros else stored

    def build(p):
        def reg(bits, name):
            return Reg(Bits(bits), clk=p.clk, rst=p.rst, rst_value=0, name=name)

        sizes = queue_slots(depth)
        pending, freed, read, ready = (_Queue(n, sizes[n], qbits, p.clk, p.rst)
                                       for n in ("pending", "freed", "read", "ready"))
        for q in (pending, freed, read, ready):
            q.base = unpack(q.head)
        fresh = reg(fbits, "fresh")  # base of the next never-used slot (depth * beats: none left)
        whas, wbase = reg(1, "whas"), reg(abits, "wbase")  # the writer holds a slot, and its base
        wbeat = reg(bbits, "wbeat")  # next beat of the writer's sample
        wbehind = reg(1, "wbehind")  # the writer's slot is the reader's, holding an older sample
        wdec, wfwd = reg(1, "wdec"), reg(1, "wfwd")  # the writer's sample is decided, and forwarded
        wlisted = reg(1, "wlisted")  # the writer's (forwarded) sample is in `ready`
        rbeat = reg(bbits, "rbeat")  # next beat the reader reads of the head of `ready`
        full = reg(1, "full")  # the RAM's read register holds a beat not yet taken

        last = const(bbits, beats - 1)
        head = ready.base
        # Reader: the head of `ready`; if that is the writer's own sample (cut-through), behind the writer.
        cut = whas & ~wbehind & (wbase == head)
        avail = ready.valid & (~cut | (rbeat.as_uint() < wbeat.as_uint()))
        issue = avail & (~full | p.out_ready)
        r_last = rbeat == last
        finished = issue & r_last  # the head's last beat is read now

        # Decisions, in order: to the head of `pending`, else to the writer's sample if it is undecided.
        ready_d = pending.valid | ~wdec
        arrive = p.decision_valid & ready_d
        verdict = p.decision_data == Bits(1)(forward_on)
        to_pending = arrive & pending.valid
        to_writer = arrive & ~pending.valid
        decided = wdec | to_writer  # the writer's sample is decided (before or now)
        forwarded = Mux(wdec, verdict, wfwd)  # ... and forwarded (if decided)
        dropping = wdec & ~wfwd  # the writer discards its sample's beats

        # Writer: its slot, or at a sample's first beat a new one (fresh, freed, read, else the reader's).
        has_fresh = fresh != const(fbits, entries)
        from_freed = ~has_fresh & freed.valid
        from_read = ~has_fresh & ~freed.valid & read.valid
        claim = ~has_fresh & ~freed.valid & ~read.valid  # no free slot: the reader's, if it may be taken
        offer = Mux(has_fresh, Mux(freed.valid, Mux(read.valid, head, read.base), freed.base), fresh[0:abits])
        base = Mux(whas, offer, wbase)
        behind = Mux(whas, claim, wbehind)
        slot = whas | ~claim | (ready.valid & ~pending.valid)
        in_step = ~behind | (wbeat.as_uint() < rbeat.as_uint()) | ((wbeat == rbeat) & issue)
        room = dropping | (slot & in_step)
        take = p.in_valid & room
        write = take & ~dropping
        got = write & ~whas  # the writer takes its slot now
        w_last = wbeat == last
        complete = take & w_last
        keep = decided & ~forwarded  # a dropped sample's slot stays with the writer

        p.out_data = ram("store", width, entries, p.clk, write, add(base, wbeat.pad_or_truncate(abits), abits),
                         p.in_data, add(head, rbeat.pad_or_truncate(abits), abits), issue)

        list_writer = decided & forwarded & ~wlisted & (whas | write)  # forwarded, and its slot is known
        ready.push.assign(list_writer | (to_pending & verdict))
        ready.data.assign(Mux(list_writer, pending.head, pack(base)))
        ready.pop.assign(finished)
        pending.push.assign(write & w_last & ~decided)
        pending.data.assign(pack(base))
        pending.pop.assign(to_pending)
        freed.push.assign(to_pending & ~verdict)
        freed.data.assign(pending.head)
        freed.pop.assign(got & from_freed)
        read.push.assign(finished & ~wbehind & ~(got & claim))  # unless the writer has taken it
        read.data.assign(ready.head)
        read.pop.assign(got & from_read)

        fresh.assign(Mux(got & has_fresh, fresh, add(fresh, beats, fbits)))
        holds = Mux(write & w_last, whas | got, keep)
        whas.assign(holds)
        wbase.assign(Mux(got, wbase, offer))
        wbehind.assign((wbehind | (got & claim)) & ~finished & holds)
        wbeat.assign(Mux(take, wbeat, Mux(w_last, add(wbeat, 1, bbits), const(bbits, 0))))
        wdec.assign(Mux(complete, decided, Bits(1)(0)))
        wfwd.assign(Mux(complete, forwarded, Bits(1)(0)))
        wlisted.assign(Mux(complete, wlisted | list_writer, Bits(1)(0)))
        rbeat.assign(Mux(issue, rbeat, Mux(r_last, add(rbeat, 1, bbits), const(bbits, 0))))
        full.assign(Mux(issue, Mux(p.out_ready, full, Bits(1)(0)), Bits(1)(1)))
        p.out_valid = full
        p.in_ready = room
        p.decision_ready = ready_d

    name = f"atheena_conditional_buffer_w{words}_l{lanes}_d{depth}_f{forward_on}"
    return stream_module(name, {"in": width, "decision": 1}, {"out": width}, build)
