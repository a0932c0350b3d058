"""Pipelining blocks shared by the kernels: skid buffers, delays, registered adder trees, credits, FIFOs.

Why they exist (issue 13, timing closure): the clock a design reaches is set by
its longest path between two registers.  Four rules keep every path short:

* **Kernels meet at registers.**  Every kernel output leaves through a skid
  buffer (`skid`; `stream_module` adds one per output unless the kernel ends in
  its own FIFO), whose `in_ready` is a register.  So no combinational path runs
  from one kernel's `out_ready` to its `in_ready`, and ready chains cannot
  build up through a network of kernels: a path from one kernel into the next
  starts at a register of the first.
* **Arithmetic is pipelined like a DSP block.**  Multiplier operands, products
  and every level of an adder tree sit in registers (`adder_tree` registers each
  level, which also stops CIRCT's canonicaliser from flattening the tree into one
  chained sum: the registers separate the levels).
* **Pipelines never stall.**  A deep pipeline with a global stall (one enable to
  thousands of registers, driven by the next kernel's ready) is a long path of
  its own.  Instead a kernel issues work only when the FIFO at the pipeline's end
  is sure to have room for its result (`Credits`): the registers in between run
  freely and carry a valid bit.  The FIFO is sized for the pipeline's latency so
  credits never limit throughput when the output is read as fast as it is made.
* **Wide enables are split.**  Where stalls cannot be avoided (the sliding
  window waits for input), the enable is computed one LUT from registers and
  each copy of the control that computes it drives at most
  `window.MAX_ENABLE_FANOUT` flip-flops; the conv engine's window memory is
  split the same way, each slice addressed by its own registers.  ECP5 has no
  dedicated clock-enable routing: a net's delay grows with its fan-out.
"""

from __future__ import annotations

import math

from atheena.hardware.kernels.logic import Counter, add, const, sext
from atheena.hardware.kernels.memory import ram


def delay(signal, cycles: int, clk, name: str, rst=None, ce=None):
    """`signal` delayed by `cycles` registers (with reset to 0 when `rst` is given: for valid bits), each
    advancing only with `ce` when given (a stalling pipeline's stages)."""
    for k in range(cycles):
        if rst is not None:
            signal = signal.reg(clk=clk, rst=rst, rst_value=0, ce=ce, name=f"{name}_d{k + 1}")
        else:
            signal = signal.reg(clk=clk, ce=ce, name=f"{name}_d{k + 1}")
    return signal


def tree_levels(terms: int) -> int:
    """Register levels of `adder_tree` over `terms` terms (0 for a single term)."""
    return math.ceil(math.log2(terms)) if terms > 1 else 0


def tree_bits(terms: int, width: int) -> int:
    """Register bits of `adder_tree` over `terms` terms of `width` bits (what its adders and registers
    cost: level l has ceil(terms / 2**l) adders of width + l bits)."""
    bits, level, n = 0, 0, terms
    while n > 1:
        level += 1
        n = (n + 1) // 2
        bits += n * (width + level)
    return bits


def adder_tree(terms: list, clk, name: str, ce=None, cap: int | None = None):
    """The signed sum of `terms` (Bits), a register after every level of a balanced tree.

    Each level's adders are one bit wider than their operands, so the sum is exact
    (no overflow) and no wider than it must be; `cap` limits the width when the caller
    knows the sum fits in fewer bits.  Latency: `tree_levels(len(terms))`.
    """
    level = 0
    while len(terms) > 1:
        level += 1
        width = max(t.type.width for t in terms) + 1
        width = min(width, cap) if cap else width
        nxt = []
        for k in range(0, len(terms), 2):
            value = add(terms[k], terms[k + 1], width) if k + 1 < len(terms) else sext(terms[k], width)
            nxt.append(value.reg(clk=clk, ce=ce, name=f"{name}_l{level}_{k // 2}"))
        terms = nxt
    return terms[0]


def skid(clk, rst, data, valid, out_ready, name: str):
    """A two-entry skid buffer: (out_data, out_valid, in_ready), each straight from a register.

    `in_ready` is high while the spare entry is empty, so it never depends on `out_ready`
    in the same cycle; one beat per cycle passes with no back-pressure.
    """
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    width = data.type.width
    main_valid = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"{name}_valid")
    spare_valid = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"{name}_spare_valid")
    main = Reg(Bits(width), clk=clk, name=f"{name}_data")
    spare = Reg(Bits(width), clk=clk, name=f"{name}_spare")
    in_ready = ~spare_valid
    take = valid & in_ready
    move = ~main_valid | out_ready  # the main entry is free this cycle
    main.assign(Mux(move, main, Mux(spare_valid, data, spare)))
    main_valid.assign(Mux(move, main_valid, spare_valid | take))
    spare.assign(Mux(take & ~move, spare, data))
    spare_valid.assign(Mux(move, spare_valid | take, const(1, 0)))
    return main, main_valid, in_ready


def fifo(clk, rst, width: int, depth: int, in_data, in_valid, out_ready, name: str = "fifo"):
    """A FIFO of `depth` beats in a RAM plus its read register: (out_data, out_valid, in_ready).

    One beat per cycle in and out; a beat written at cycle t can leave at t+2.  `in_ready`
    and `out_valid` come from registers (a compare of the count register, and the read register's flag).
    """
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    cbits = depth.bit_length()
    write = Counter(depth, clk, rst, f"{name}_wp")
    read = Counter(depth, clk, rst, f"{name}_rp")
    count = Reg(Bits(cbits), clk=clk, rst=rst, rst_value=0, name=f"{name}_count")  # in the RAM, not yet read
    full = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"{name}_full")  # the read register holds a beat
    room = count != const(cbits, depth)
    take = in_valid & room
    issue = (count != const(cbits, 0)) & (~full | out_ready)
    data = ram(name, width, depth, clk, take, write.value, in_data, read.value, issue)
    up = (count.as_uint() + 1).as_bits()[0:cbits]
    down = (count.as_uint() + (1 << cbits) - 1).as_bits()[0:cbits]
    count.assign(Mux(take, Mux(issue, count, down), Mux(issue, up, count)))
    write.step(take)
    read.step(issue)
    full.assign(Mux(issue, Mux(out_ready, full, const(1, 0)), const(1, 1)))
    return data, full, room


class Credits:
    """Room reserved in an output FIFO for results still in a free-running pipeline.

    `total` results may be outstanding (issued, not yet read from the FIFO);
    `available` is high while one more may be issued.  Call `spend(issued)` with
    the signal that issues a result and `refund(read)` with the FIFO's read
    handshake.  With a FIFO of `total` beats nothing written can ever be refused.
    """

    def __init__(self, total: int, clk, rst, name: str):
        from pycde.constructs import Reg
        from pycde.types import Bits

        self.total, self.bits = total, total.bit_length()
        self.count = Reg(Bits(self.bits), clk=clk, rst=rst, rst_value=total, name=f"{name}_credits")
        self.available = self.count != const(self.bits, 0)
        self._spend = self._refund = None

    def spend(self, signal):
        self._spend = signal

    def refund(self, signal):
        self._refund = signal

    def close(self):
        from pycde.constructs import Mux

        up = (self.count.as_uint() + 1).as_bits()[0:self.bits]
        down = (self.count.as_uint() + (1 << self.bits) - 1).as_bits()[0:self.bits]
        self.count.assign(Mux(self._spend, Mux(self._refund, self.count, up),
                              Mux(self._refund, down, self.count)))


def credit_depth(latency: int, spacing: int = 1) -> int:
    """FIFO beats (and credits) so a pipeline of `latency` cycles issuing a result at most every `spacing`
    cycles runs at full rate while its output is read at once: the results in flight during one
    credit round trip (issue, `latency`, the FIFO's 2 cycles, the refund's 1), plus one."""
    return max(2, math.ceil((latency + 3) / spacing) + 1)


def credited_output(clk, rst, width: int, latency: int, spacing: int, out_ready, name: str):
    """A FIFO with credits for a free-running pipeline: returns (credits, write(data, valid) -> outputs).

    Usage: issue only when `credits.available`, `credits.spend(issue_of_a_result)`, and at the
    pipeline's end `out_data, out_valid = write(data, valid)`.
    """
    depth = credit_depth(latency, spacing)
    credits = Credits(depth, clk, rst, name)

    def write(data, valid):
        out_data, out_valid, _ = fifo(clk, rst, width, depth, data, valid, out_ready, name)
        credits.refund(out_valid & out_ready)
        credits.close()
        return out_data, out_valid

    return credits, write
