"""Exit decision kernel: does a sample's classifier trust itself enough to exit here?

Computes exactly `FixedArithmetic.exit_score` / `exits` of the reference
(ARCHITECTURE section 4): with `x_max` the largest of the sample's `n` logit
codes and `d_i = x_max - x_i` (0 .. 65535), `S = sum_i rom[min(d_i >> shift,
len(rom) - 1)]` where `rom` is the exp table with a 0 appended, and the sample
exits iff `S <= threshold_code(threshold, strict)` (`strict`: the `>` test).

Ports: `in_data[16]` (one logit code per beat, `n` beats per sample) and
`out_data[1]` (one beat per sample, 1 = exit), plus valid/ready and `clk`, `rst`.

The maximum is needed before the first exp can be looked up, so the logits go
over the data twice.  They are stored in two banks of a RAM (ping-pong): while
the sum pass reads one sample from one bank, the next sample is written to the
other bank and its maximum taken on the way in.  A bank is written for `n`
cycles and read for `n` cycles, so with no back-pressure the kernel takes a
logit every cycle: interval = n cycles per sample.  Latency from the last
logit to the decision: `decision_latency(n)` cycles.  The sum pass is a
pipeline (logit RAM read, subtract and clamp, exp ROM read, the ROM output
registered again, accumulate, compare) that stalls as a whole while the output
register is full and its skid buffer not ready; the write pass only waits for a
free bank.

Memory: the logit RAM has 2 * 2**ceil(log2 n) words (LUT RAM for small n); the
exp ROM has len(rom) entries of 17 bits (3018 at shift 0 in Q8.8: one RAMB18
or two, fewer LUTs with a larger `exp_index_shift`).
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.memory import ram, rom
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat, threshold_code


def decision_latency(n: int) -> int:
    """Cycles from a sample's last logit in to its decision out: the sum pass over n logits, six
    pipeline stages, the output register and its skid buffer."""
    return n + 8


@cache
def exit_decision_module(n: int, threshold: float, exp_index_shift: int = 0,
                         fmt: FixedPointFormat = FixedPointFormat(), strict: bool = False):
    """The PyCDE module class deciding exits for `n` logits per sample in format `fmt` (a 16-bit word):
    max softmax >= threshold, or > threshold if `strict` (both are the one comparison S <= limit)."""
    if n < 1:
        raise ValueError(f"exit decision over {n} logits: a sample needs at least one logit")
    if fmt.word != WORD:
        raise ValueError(f"exit decision in {fmt}: the hardware's words are {WORD}-bit, use a {WORD}-bit format")
    if not 0 <= exp_index_shift < WORD:
        raise ValueError(f"exp_index_shift {exp_index_shift} must be in 0..{WORD - 1}")
    from pycde.constructs import Mux, Reg
    from pycde.signals import BitsSignal
    from pycde.types import Bits

    table = [int(v) for v in FixedArithmetic(fmt, exp_index_shift=exp_index_shift).rom]
    limit = threshold_code(threshold, strict)
    ibits = max(1, (n - 1).bit_length())  # index of a logit within a sample
    abits = max(1, (len(table) - 1).bit_length())  # ROM address
    ewidth = max(table).bit_length()
    swidth = max(n * max(table), limit).bit_length()
    shift = exp_index_shift

    def build(p):
        def reg(width, name, ce=None):
            return Reg(Bits(width), clk=p.clk, rst=p.rst, rst_value=0, ce=ce, name=name)

        def const(width, value):
            return Bits(width)(value)

        def inc(x):
            return (x.as_uint() + 1).as_bits()[0:x.type.width]

        one, zero = const(1, 1), const(1, 0)
        full = [reg(1, "full0"), reg(1, "full1")]  # bank holds a whole sample not yet summed
        peak = [reg(WORD, "max0"), reg(WORD, "max1")]  # that sample's largest logit

        # write pass: logits into bank `wbank`, running maximum on the way
        wbank, wcount, running = reg(1, "wbank"), reg(ibits, "wcount"), reg(WORD, "running")
        ready = ~Mux(wbank, full[0], full[1])
        take = p.in_valid & ready
        first_in = wcount == const(ibits, 0)
        last_in = wcount == const(ibits, n - 1)
        bigger = p.in_data.as_sint() > running.as_sint()
        largest = Mux(first_in | bigger, running, p.in_data)
        running.assign(Mux(take, running, largest))
        stored = take & last_in
        wcount.assign(Mux(take, wcount, Mux(last_in, inc(wcount), const(ibits, 0))))
        wbank.assign(Mux(stored, wbank, ~wbank))

        # sum pass: read bank `rbank` while the pipeline advances
        out_full = reg(1, "out_full")
        advance = ~out_full | p.out_ready
        rbank, rcount = reg(1, "rbank"), reg(ibits, "rcount")
        issue = Mux(rbank, full[0], full[1]) & advance
        last_read = rcount == const(ibits, n - 1)
        released = issue & last_read
        rcount.assign(Mux(issue, rcount, Mux(last_read, inc(rcount), const(ibits, 0))))
        rbank.assign(Mux(released, rbank, ~rbank))
        for b in range(2):
            mine = (wbank == const(1, b)) & stored
            done = (rbank == const(1, b)) & released  # never the bank being filled
            full[b].assign(Mux(mine, Mux(done, full[b], zero), one))
            peak[b].assign(Mux(mine, peak[b], largest))

        logit = ram("logits", WORD, 2 << ibits, p.clk, take, BitsSignal.concat([wbank, wcount]), p.in_data,
                    BitsSignal.concat([rbank, rcount]), read_enable=advance)
        # stage 1: the logit is out of the RAM; d = x_max - x fits 16 unsigned bits
        valid1 = issue.reg(clk=p.clk, rst=p.rst, rst_value=0, ce=advance, name="valid1")
        first1 = (rcount == const(ibits, 0)).reg(clk=p.clk, ce=advance, name="first1")
        last1 = last_read.reg(clk=p.clk, ce=advance, name="last1")
        peak1 = Mux(rbank, peak[0], peak[1]).reg(clk=p.clk, ce=advance, name="peak1")
        diff = (peak1.as_uint() - logit.as_uint()).as_bits()[0:WORD]
        index = diff[shift:WORD]
        if index.type.width < abits:
            index = BitsSignal.concat([const(abits - index.type.width, 0), index])
        # (d >> shift) >= len - 1, compared on all of d (its low bits are otherwise unused)
        beyond = diff.as_uint() >= (len(table) - 1) << shift
        index = Mux(beyond, index[0:abits], const(abits, len(table) - 1))

        def stage(signal, name, valid=False):
            if valid:
                return signal.reg(clk=p.clk, rst=p.rst, rst_value=0, ce=advance, name=name)
            return signal.reg(clk=p.clk, ce=advance, name=name)

        # stage 2: the ROM address registered (the subtraction and the clamp are a cycle of their own)
        index2 = stage(index, "index2")
        valid2, first2, last2 = stage(valid1, "valid2", True), stage(first1, "first2"), stage(last1, "last2")
        # stage 3: exp(-d) is out of the ROM; stage 4: registered again (a block RAM's output register)
        exp = stage(rom("exp", table, ewidth, index2, p.clk, enable=advance), "exp4")
        valid3, first3, last3 = stage(valid2, "valid3", True), stage(first2, "first3"), stage(last2, "last3")
        valid4, first4, last4 = stage(valid3, "valid4", True), stage(first3, "first4"), stage(last3, "last4")
        # stage 5: accumulated; on the sample's last logit the sum is final and compared a cycle later
        acc = reg(swidth, "acc", advance & valid4)
        total = (Mux(first4, acc, const(swidth, 0)).as_uint() + exp.as_uint()).as_bits()[0:swidth]
        acc.assign(total)
        decided = stage(valid4 & last4, "decided5", True)
        p.out_data = (acc.as_uint() <= limit).as_bits().reg(clk=p.clk, ce=advance & decided, name="decision")
        out_full.assign(Mux(advance, out_full, decided))
        p.out_valid = out_full
        p.in_ready = ready

    tag = f"_q{fmt.word - fmt.frac}_{fmt.frac}" if fmt != FixedPointFormat() else ""
    return stream_module(f"atheena_exit_decision_n{n}_t{limit}_s{shift}{tag}", WORD, {"out": 1}, build)
