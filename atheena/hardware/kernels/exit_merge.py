"""Exit merge kernel: tags every sample's result with its id and exit, and merges the exits' streams.

Ports (flat, as Yosys needs), each with `_data`, `_valid`, `_ready`:

* `in0 .. in{E-1}` (`16*words` bits): the logits leaving through exit k, one
  vector per beat, in sample order among the samples that leave there (the
  final classifier is exit E-1);
* `dec0 .. dec{E-2}` (1 bit): early exit k's decisions (1 = exit), in sample
  order among the samples that reach exit k (exit 0 sees every sample);
* `out` (`16*words + 32 + max(1, ceil(log2 E))` bits): one beat per sample,
  the logits in the low bits, then the 32-bit sample id (the index of the
  sample in the network's input order, from 0 after reset), then the exit index.

Ids come from the decisions alone: exit 0's k-th decision is sample k's; a
sample whose decision at exit k is 1 leaves through exit k, one with 0 goes
on to exit k+1.  FIFOs of `id_depth` ids remember, per early exit, the samples
that left there and await their results, and, per later exit, the samples that
reached it and await its decision (for the final exit: its result).  The id of
the j-th result of exit k is the j-th id pushed for exit k.  A decision is
taken only when the FIFO its value sends the id to has room (so `dec_ready`
depends on `dec_data`); the merge stalls no stream for any other reason, so it
cannot deadlock while the awaited results and decisions keep coming.

A result is eligible once its id is known; among eligible inputs one is chosen
round-robin (every exit waits at most E-1 grants), so results leave out of
order across exits and in order within one.  One output register: with
inputs always available the kernel emits one sample per cycle, interval = 1
cycle per sample whatever `words` is.  Memory: 2*(E-1) RAMs of `id_depth` x 32
bits (LUT RAM for small depths).
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.memory import ram

ID_BITS = 32


class _IdFifo:
    """A FIFO of ids in a RAM whose head is readable the cycle after it was pushed.

    The RAM reads (one cycle of latency) the address the head will have after this
    cycle's pop; when this cycle's push writes that very address (the FIFO was empty
    or about to be), the pushed id is taken from a register instead, because the
    read-first RAM still returns the old word.  `push`, `pop` and `data` are wires
    the user assigns; push only when not `full`, pop only when not `empty`.
    """

    def __init__(self, p, name: str, depth: int):
        from pycde.constructs import Mux, Reg, Wire
        from pycde.signals import BitsSignal
        from pycde.types import Bits

        pbits = max(1, (depth - 1).bit_length())
        cbits = depth.bit_length()
        self.push, self.pop, self.data = Wire(Bits(1)), Wire(Bits(1)), Wire(Bits(ID_BITS))

        def reg(width, label):
            return Reg(Bits(width), clk=p.clk, rst=p.rst, rst_value=0, name=f"{name}_{label}")

        def step(ptr):
            wrapped = ptr == Bits(pbits)(depth - 1)
            return Mux(wrapped, (ptr.as_uint() + 1).as_bits()[0:pbits], Bits(pbits)(0))

        head, tail, count = reg(pbits, "head"), reg(pbits, "tail"), reg(cbits, "count")
        following = Mux(self.pop, head, step(head))
        tail.assign(Mux(self.push, tail, step(tail)))
        head.assign(following)
        more = (count.as_uint() + 1).as_bits()[0:cbits]
        fewer = (count.as_uint() - 1).as_bits()[0:cbits]
        count.assign(Mux(BitsSignal.concat([self.push, self.pop]), count, fewer, more, count))
        stored = ram(name, ID_BITS, depth, p.clk, self.push, tail, self.data, following)
        bypass = (self.push & (tail == following)).reg(clk=p.clk, rst=p.rst, rst_value=0, name=f"{name}_bypass")
        pushed = self.data.reg(clk=p.clk, ce=self.push, name=f"{name}_pushed")
        self.head = Mux(bypass, stored, pushed)
        self.empty = count == Bits(cbits)(0)
        self.full = count == Bits(cbits)(depth)


def _first(requests):
    """One-hot: the lowest-index request that is high."""
    from pycde.types import Bits

    grants, before = [], Bits(1)(0)
    for r in requests:
        grants.append(r & ~before)
        before = before | r
    return grants


@cache
def exit_merge_module(n_exits: int, words: int, id_depth: int):
    """The PyCDE module class merging `n_exits` result streams of `words` logits, `id_depth` ids per FIFO."""
    if n_exits < 2:
        raise ValueError(f"exit merge of {n_exits} exits: a network with early exits has at least 2")
    if words < 1:
        raise ValueError(f"exit merge of {words} logits per result: a result has at least one logit")
    if id_depth < 2:
        raise ValueError(f"exit merge with id FIFOs of depth {id_depth}: use at least 2")
    from pycde.constructs import Mux, Reg
    from pycde.signals import BitsSignal
    from pycde.types import Bits, UInt

    width = WORD * words
    xbits = max(1, (n_exits - 1).bit_length())
    early = n_exits - 1

    def build(p):
        def port(prefix, k, field):
            return getattr(p, f"{prefix}{k}_{field}")

        # left[k]: ids of samples that left through early exit k, awaiting their results;
        # reached[k]: ids of samples that reached exit k >= 1, awaiting its decision (its result
        # for the final exit)
        left = [_IdFifo(p, f"left{k}", id_depth) for k in range(early)]
        reached = [None] + [_IdFifo(p, f"reached{k}", id_depth) for k in range(1, n_exits)]

        counter = Reg(Bits(ID_BITS), clk=p.clk, rst=p.rst, rst_value=0, name="next_id")
        for k in range(early):
            exits = port("dec", k, "data")
            room = Mux(exits, ~reached[k + 1].full, ~left[k].full)
            ready = room if k == 0 else room & ~reached[k].empty
            taken = port("dec", k, "valid") & ready
            sample = counter if k == 0 else reached[k].head
            left[k].push.assign(taken & exits)
            left[k].data.assign(sample)
            reached[k + 1].push.assign(taken & ~exits)
            reached[k + 1].data.assign(sample)
            if k == 0:
                counter.assign(Mux(taken, counter, (counter.as_uint() + 1).as_bits()[0:ID_BITS]))
            else:
                reached[k].pop.assign(taken)
            setattr(p, f"dec{k}_ready", ready)

        # round-robin among the exits whose next result and its id are both there
        ids = left + [reached[-1]]
        requests = [port("in", k, "valid") & ~ids[k].empty for k in range(n_exits)]
        turn = Reg(Bits(xbits), clk=p.clk, rst=p.rst, rst_value=0, name="turn")
        from_turn = [r & (turn.as_uint() <= UInt(xbits)(k)) for k, r in enumerate(requests)]
        anyone_from_turn = Bits(1)(0)
        for r in from_turn:
            anyone_from_turn = anyone_from_turn | r
        grants = [Mux(anyone_from_turn, a, b) for a, b in zip(_first(requests), _first(from_turn))]
        chosen = Bits(xbits)(0)
        for k in range(1, n_exits):
            chosen = chosen | Mux(grants[k], Bits(xbits)(0), Bits(xbits)(k))
        anyone = Bits(1)(0)
        for r in requests:
            anyone = anyone | r

        out_full = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="out_full")
        advance = ~out_full | p.out_ready
        fire = advance & anyone
        choices = 2**xbits
        pad = [n_exits - 1] * (choices - n_exits)  # indices no grant produces
        logits = Mux(chosen, *[port("in", k, "data") for k in list(range(n_exits)) + pad])
        sample = Mux(chosen, *[ids[k].head for k in list(range(n_exits)) + pad])
        beat = BitsSignal.concat([chosen, sample, logits])
        p.out_data = beat.reg(clk=p.clk, ce=fire, name="beat")
        out_full.assign(Mux(advance, out_full, anyone))
        p.out_valid = out_full
        after = Mux(chosen == Bits(xbits)(n_exits - 1), (chosen.as_uint() + 1).as_bits()[0:xbits], Bits(xbits)(0))
        turn.assign(Mux(fire, turn, after))
        for k in range(n_exits):
            ids[k].pop.assign(grants[k] & advance)
            setattr(p, f"in{k}_ready", grants[k] & advance)

    inputs = {f"in{k}": width for k in range(n_exits)} | {f"dec{k}": 1 for k in range(early)}
    return stream_module(f"atheena_exit_merge_e{n_exits}_w{words}_d{id_depth}", inputs,
                         {"out": width + ID_BITS + xbits}, build)
