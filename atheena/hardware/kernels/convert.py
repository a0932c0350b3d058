"""Lane converter: regroups a stream of 16-bit words from `lanes_in` to `lanes_out` per beat.

Needed between layers whose foldings differ.  Words keep their order: beat
`t` of a `lanes`-wide stream carries words `t*lanes .. t*lanes + lanes - 1`,
lowest word in the lowest bits.  One of the two lane counts divides the
other:

* narrowing (`lanes_in = k * lanes_out`): each input beat leaves as k output
  beats, lowest words first; the next input beat is accepted on the cycle the
  last piece leaves, so the output moves every cycle;
* widening (`lanes_out = k * lanes_in`): k input beats are gathered into one
  output beat; the input moves every cycle.

So with no back-pressure the interval is words / min(lanes_in, lanes_out).
"""

from __future__ import annotations

from functools import cache

from atheena.hardware.kernels import WORD, stream_module


@cache
def converter_module(lanes_in: int, lanes_out: int):
    """The PyCDE module class of a `lanes_in` -> `lanes_out` converter."""
    if max(lanes_in, lanes_out) % min(lanes_in, lanes_out):
        raise ValueError(f"lane counts {lanes_in} and {lanes_out}: one must divide the other")
    from pycde.constructs import Mux, Reg
    from pycde.signals import BitsSignal
    from pycde.types import Bits, UInt

    w_in, w_out = WORD * lanes_in, WORD * lanes_out
    k = max(lanes_in, lanes_out) // min(lanes_in, lanes_out)
    cbits = max(1, (k - 1).bit_length())

    def build(p):
        last = Bits(cbits)(k - 1)
        zero = Bits(cbits)(0)

        def inc(x):
            return (x.as_uint() + UInt(cbits)(1)).as_bits()[0:cbits]

        count = Reg(Bits(cbits), clk=p.clk, rst=p.rst, rst_value=0, name="count")
        full = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="full")
        if k == 1:  # same width: a register stage
            ready = ~full | p.out_ready
            p.out_data = p.in_data.reg(clk=p.clk, ce=p.in_valid & ready, name="data")
            full.assign(Mux(ready, full, p.in_valid))
            count.assign(zero)
            p.out_valid = full
            p.in_ready = ready
            return
        if lanes_in > lanes_out:  # narrowing
            at_last = count == last
            fire_out = full & p.out_ready
            ready = ~full | (p.out_ready & at_last)
            take = p.in_valid & ready
            data = p.in_data.reg(clk=p.clk, ce=take, name="data")
            pieces = [data[i * w_out:(i + 1) * w_out] for i in range(k)]
            p.out_data = Mux(count, *pieces)
            advance = Mux(at_last, inc(count), zero)
            count.assign(Mux(take, Mux(fire_out, count, advance), zero))
            full.assign(Mux(take, Mux(fire_out & at_last, full, Bits(1)(0)), Bits(1)(1)))
            p.out_valid = full
            p.in_ready = ready
        else:  # widening
            at_last = count == last
            out_free = ~full | p.out_ready
            ready = ~at_last | out_free
            take = p.in_valid & ready
            regs = []
            for i in range(k - 1):  # words of the beat being gathered, all but the last piece
                regs.append(p.in_data.reg(clk=p.clk, ce=take & (count == Bits(cbits)(i)), name=f"part{i}"))
            assembled = BitsSignal.concat(list(reversed(regs + [p.in_data])))
            complete = take & at_last
            p.out_data = assembled.reg(clk=p.clk, ce=complete, name="data")
            count.assign(Mux(take, count, Mux(at_last, inc(count), zero)))
            full.assign(Mux(complete, Mux(p.out_ready, full, Bits(1)(0)), Bits(1)(1)))
            p.out_valid = full
            p.in_ready = ready

    return stream_module(f"atheena_convert_{lanes_in}_to_{lanes_out}", w_in, {"out": w_out}, build)
