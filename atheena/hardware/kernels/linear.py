"""Linear (fully connected) kernel: `y = requantize(W x + b)` with `ci * co` multipliers.

Ports: `in_data[16*ci]`, `in_valid`, `in_ready` (the N input words of a sample,
`ci` per beat, in order), `out_data[16*co]`, `out_valid`, `out_ready` (the M
outputs, `co` per beat, in order), `clk`, `rst`.  A word moves when valid and
ready are both high at a rising edge.

Folding.  With `P = N / ci` input beats and `G = M / co` output groups, the
kernel makes `G` passes over the input vector, one per group of `co` outputs;
pass `g`, step `t` multiplies input beat `t` (words `t*ci + i`) by the weights
of outputs `g*co + j`, for every multiplier `(i, j)`.  Weights live in `ci*co`
ROM banks of `N*M / (ci*co)` words; bank `(i, j)` holds, at address `g*P + t`,
`W[g*co + j, t*ci + i]`, so each bank is read sequentially.  The input vector
is kept in `ci` RAM banks of `2*P` words (bank `i` holds word `i` of each beat):
two copies, ping-pong, so the next sample is written while the current one is
read `G` times.  Both are what the DSE model's `linear_resources` counts; it
leaves out the `co` bias ROMs of `G` words (each as wide as the largest bias,
at most 48 bits).

Pipeline (every stage advances together on `en`): issue addresses -> memory
outputs (registered reads) -> the same registered again (a block RAM's output
register: its clock-to-out and a multiplier do not fit one cycle) -> `ci*co` products,
registered twice (a DSP48's M and P registers) (one DSP48 each) ->
per output lane an adder tree over its `ci` products and, on a pass's first
step, the bias, with a register after every level (so no path adds more than
two terms; the registers also keep CIRCT from flattening the tree into one
chained sum) -> `co` 48-bit accumulators -> requantized output register, then
the output skid buffer (`stream_module`), whose registered ready is what `en`
reads, so the stall never depends on the next kernel in the same cycle.  Fully unfolded (`ci = N`, `co = M`) each multiplier has a constant
weight; zero weights and powers of two need no DSP (a shift), and the others
use an unsigned form that Yosys maps to one DSP (see `_constant_product`).
The bias ROM holds `b + 2**(fw-1)` so the rounding constant costs no
adder; requantization is then an arithmetic shift by `fw` and saturation to the
activation word (the reference's `requantize`).  The 48-bit accumulator cannot
overflow: the factory checks the worst case over all inputs, as the reference
compiler does.

Back-pressure: `en` drops only while a finished result waits for the output
register, which is full and not being read; then the whole pipeline holds, so
nothing is lost.  `valid` never depends on `ready` of the same channel, and
`in_ready` (a buffer copy is free) does not depend on `out_ready`.

Interval: with no stalls the reader issues one step per cycle without gaps
(the writer fills the other copy in `P <= G*P` cycles), so a sample takes
exactly `G*P = N*M / (ci*co)` cycles, the model's `max(N/ci, N*M/(ci*co), M/co)`.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.memory import rom, ram
from atheena.hardware.kernels.pipeline import delay

ACC_BITS = 48  # a DSP48's P register; the reference's accumulator


def linear_module(weights, bias, ci: int, co: int, arith=None):
    """The PyCDE module class of a linear layer with weight codes `weights` (M x N) and bias codes `bias` (M).

    `bias` is at the accumulator's fraction `fa + fw` (what `FixedArithmetic.parameters(op)` returns);
    `arith` (a `FixedArithmetic`, default Q8.8 activations and weights) gives the shift `fw` and the
    saturation bounds.  `ci` input words and `co` outputs move per beat; `ci | N`, `co | M`.
    """
    from atheena.reference.fixed_point import FixedArithmetic

    arith = arith or FixedArithmetic()
    w = np.asarray(weights, dtype=object)
    b = np.asarray(bias, dtype=object)
    if w.ndim != 2 or b.shape != (w.shape[0],):
        raise ValueError(f"linear: weights must be M x N and bias M codes; got weights of shape {w.shape} and "
                         f"bias of shape {b.shape}")
    m, n = w.shape
    if n % ci or m % co or ci < 1 or co < 1:
        raise ValueError(f"linear {n}->{m}: coarse_in {ci} must divide {n} and coarse_out {co} must divide {m}")
    if arith.act.word > WORD:
        raise ValueError(f"linear: activations of {arith.act.word} bits do not fit a {WORD}-bit word")
    weight_codes = tuple(tuple(int(v) for v in row) for row in w)
    if any(not -(2 ** (WORD - 1)) <= v < 2 ** (WORD - 1) for row in weight_codes for v in row):
        raise ValueError(f"linear {n}->{m}: weight codes must be signed {WORD}-bit integers")
    bias_codes = tuple(int(v) for v in b)
    rounding = 1 << (arith.weight.frac - 1) if arith.weight.frac else 0
    bound = max(sum(abs(v) for v in row) * 2 ** (arith.act.word - 1) + abs(c) + rounding
                for row, c in zip(weight_codes, bias_codes))
    if bound >= 2 ** (ACC_BITS - 1):
        raise ValueError(f"linear {n}->{m}: the {ACC_BITS}-bit accumulator could overflow (worst case needs "
                         f"{bound.bit_length() + 1} bits)")
    return _linear_module(weight_codes, bias_codes, ci, co, arith.act, arith.weight.frac)


def _bits(count: int) -> int:
    """Bits of a counter (or memory address) over `count` values."""
    return max(1, (count - 1).bit_length())


def _signed_width(values) -> int:
    """Bits of a two's complement word that holds every value."""
    return max(1, max(v.bit_length() + 1 if v >= 0 else (-v - 1).bit_length() + 1 for v in values))


@cache
def _linear_module(weights: tuple, bias: tuple, ci: int, co: int, act, shift: int):
    from pycde.constructs import Mux, Reg
    from pycde.signals import BitsSignal
    from pycde.types import Bits, UInt

    m, n = len(weights), len(weights[0])
    steps, groups = n // ci, m // co  # P input beats, G output groups
    depth = steps * groups
    rounding = 1 << (shift - 1) if shift else 0
    biases = [v + rounding for v in bias]
    constant = depth == 1  # fully unfolded: each multiplier has one constant weight
    offset = 1 << (WORD - 1)
    if constant:  # offset-binary inputs (see _constant_product): the -2**15 * sum(w) part joins the bias
        biases = [v - offset * sum(row) for v, row in zip(biases, weights)]
    bias_width = _signed_width(biases)
    digest = hashlib.sha256(repr((weights, bias, str(act), shift)).encode()).hexdigest()[:8]
    name = f"atheena_linear_{n}x{m}_ci{ci}_co{co}_{digest}"

    def bank(i: int, j: int) -> list[int]:
        return [weights[g * co + j][t * ci + i] for g in range(groups) for t in range(steps)]

    def build(p):
        one, zero = Bits(1)(1), Bits(1)(0)

        def at(reg, value: int):
            return reg == Bits(reg.type.width)(value)

        def stage(signal, name: str, valid: bool = False):
            if valid:
                return signal.reg(clk=p.clk, rst=p.rst, rst_value=0, ce=en, name=name)
            return signal.reg(clk=p.clk, ce=en, name=name)

        # --- handshake state and the stall signal ---
        full = [Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name=f"full{k}") for k in range(2)]
        done = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="done")  # a result is in the accumulators
        out_full = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="out_full")
        en = ~(done & out_full & ~p.out_ready)

        # --- write side: input beats fill the free copy ---
        wb = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="wb")
        in_ready = ~Mux(wb, full[0], full[1])
        accept = p.in_valid & in_ready
        wt = Reg(Bits(_bits(steps)), clk=p.clk, rst=p.rst, rst_value=0, name="wt")
        wt_last = at(wt, steps - 1)
        wrote_last = accept & wt_last
        wt.assign(Mux(accept, wt, Mux(wt_last, _inc(wt), Bits(wt.type.width)(0))))
        wb.assign(Mux(wrote_last, wb, ~wb))

        # --- read side: G passes over the full copy ---
        rb = Reg(Bits(1), clk=p.clk, rst=p.rst, rst_value=0, name="rb")
        ready_copy = Mux(rb, full[0], full[1])
        issue = ready_copy & en
        t = Reg(Bits(_bits(steps)), clk=p.clk, rst=p.rst, rst_value=0, name="t")
        g = Reg(Bits(_bits(groups)), clk=p.clk, rst=p.rst, rst_value=0, name="g")
        t_last, g_last = at(t, steps - 1), at(g, groups - 1)
        sample_done = issue & t_last & g_last
        t.assign(Mux(issue, t, Mux(t_last, _inc(t), Bits(t.type.width)(0))))
        g.assign(Mux(issue & t_last, g, Mux(g_last, _inc(g), Bits(g.type.width)(0))))
        if not constant:  # weight address g*P + t
            s = Reg(Bits(_bits(depth)), clk=p.clk, rst=p.rst, rst_value=0, name="s")
            s.assign(Mux(issue, s, Mux(sample_done, _inc(s), Bits(s.type.width)(0))))
        rb.assign(Mux(sample_done, rb, ~rb))
        for k in range(2):
            wrote = wrote_last & (wb == Bits(1)(k))
            read = sample_done & (rb == Bits(1)(k))
            full[k].assign(Mux(wrote, Mux(read, full[k], zero), one))

        # --- memories (stage 1) ---
        abits = _bits(2 * steps)

        def copy_address(sel, offset):
            """Address of word `offset` in copy `sel`: copy 0 at 0..P-1, copy 1 at P..2P-1."""
            wide = offset.as_uint(abits)
            return Mux(sel, wide.as_bits(), (wide + UInt(abits)(steps)).as_bits()[0:abits])

        write_addr, read_addr = copy_address(wb, wt), copy_address(rb, t)
        x = [ram(f"x{i}", WORD, 2 * steps, p.clk, accept, write_addr, p.in_data[i * WORD:(i + 1) * WORD],
                 read_addr, read_enable=en) for i in range(ci)]
        if not constant:
            wq = [[rom(f"w{i}_{j}", bank(i, j), WORD, s, p.clk, enable=en) for j in range(co)] for i in range(ci)]
        # one bias ROM (or constant) per lane: pycde's Bits(n)(v) garbles values of 64 bits or more
        if groups == 1:
            bias_q = [Bits(bias_width)(biases[j] & ((1 << bias_width) - 1)) for j in range(co)]
        else:
            bias_q = [rom(f"bias{j}", biases[j::co], bias_width, g, p.clk, enable=en) for j in range(co)]
        v1 = stage(ready_copy, "v1", valid=True)  # advances only with en: issued
        first1, last1 = stage(at(t, 0), "first1"), stage(t_last, "last1")
        # (stage 1b) the memories' outputs registered once more before the multipliers: a block RAM's
        # clock-to-out and a multiplier do not fit one cycle together (the RAM's output register)
        x = [stage(value, f"x{i}_q2") for i, value in enumerate(x)]
        if not constant:
            wq = [[stage(w, f"w{i}_{j}_q2") for j, w in enumerate(row)] for i, row in enumerate(wq)]
        if groups > 1:
            bias_q = [stage(b, f"bias{j}_q2") for j, b in enumerate(bias_q)]
        v1, first1, last1 = stage(v1, "v1b", valid=True), stage(first1, "first1b"), stage(last1, "last1b")

        # --- products (stage 2): one DSP per multiplier; terms[j] are lane j's (value, subtract) pairs ---
        terms = [[] for _ in range(co)]
        for i in range(ci):
            for j in range(co):
                if constant:
                    w = weights[j][i]
                    if w:  # a zero weight needs no multiplier
                        prod = stage(_constant_product(x[i], abs(w)), f"p{i}_{j}")
                        terms[j].append((prod.as_uint().as_sint(2 * WORD + 1), w < 0))
                else:
                    prod = stage((x[i].as_sint() * wq[i][j].as_sint()).as_bits(), f"p{i}_{j}")
                    terms[j].append((prod.as_sint(), False))
        bias2 = [stage(Mux(first1, Bits(bias_width)(0), bias_q[j]), f"bias2_{j}") for j in range(co)]
        v2, first2, last2 = stage(v1, "v2", valid=True), stage(first1, "first2"), stage(last1, "last2")
        # (stage 2b) the products registered again: a DSP48's M and P registers, which Yosys packs into it
        terms = [[(stage(value.as_bits(), f"p{j}_{k}_P").as_sint(), neg) for k, (value, neg) in enumerate(lane)]
                 for j, lane in enumerate(terms)]
        bias2 = [stage(b, f"bias2b_{j}") for j, b in enumerate(bias2)]
        v2, first2, last2 = stage(v2, "v2b", valid=True), stage(first2, "first2b"), stage(last2, "last2b")

        # --- adder trees (stages 3 .. 2+T): a register after every level, so no path adds more than two terms ---
        sums = []
        level_count = 0
        for j in range(co):
            level = [(bias2[j].as_sint(), False)] + terms[j]
            depth_j = 0
            while len(level) > 1:
                depth_j += 1
                pairs = [_combine(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
                level = pairs + level[len(pairs) * 2:]
                level = [(stage(v.as_bits(), f"sum{j}_l{depth_j}_{k}").as_sint(), neg) for k, (v, neg) in enumerate(level)]
            level_count = max(level_count, depth_j)
            value, _ = level[0]  # the bias is never subtracted, so neither is the tree containing it
            sums.append((value, depth_j))
        # lanes whose trees are shallower (zero constant weights) wait for the deepest
        sums = [delay(value.as_sint(ACC_BITS).as_bits(), level_count - d, p.clk, f"sum{j}_pad", ce=en)
                for j, (value, d) in enumerate(sums)]
        v3 = delay(v2, level_count, p.clk, "v3", rst=p.rst, ce=en)
        first3, last3 = (delay(x, level_count, p.clk, n, ce=en) for x, n in ((first2, "first3"), (last2, "last3")))
        if level_count == 0:
            sums = [stage(value, f"sum{j}") for j, value in enumerate(sums)]
            v3, first3, last3 = stage(v2, "v3", valid=True), stage(first2, "first3"), stage(last2, "last3")

        # --- accumulators (stage 4) and requantization into the output register (stage 5) ---
        results = []
        for j in range(co):
            acc = Reg(Bits(ACC_BITS), clk=p.clk, name=f"acc{j}")
            total = (acc.as_sint() + sums[j].as_sint()).as_sint(ACC_BITS).as_bits()
            acc.assign(Mux(en & v3, acc, Mux(first3, total, sums[j])))
            results.append(_requantize(acc, shift, act))
        done.assign(Mux(en, done, v3 & last3))
        load = en & done
        p.out_data = BitsSignal.concat(list(reversed(results))).reg(clk=p.clk, ce=load, name="out")
        out_full.assign(Mux(load, out_full & ~p.out_ready, one))
        p.out_valid = out_full
        p.in_ready = in_ready

    return stream_module(name, WORD * ci, {"out": WORD * co}, build)


def _constant_product(x, magnitude: int):
    """`(x + 2**15) * magnitude` for a signed 16-bit `x`, as an unsigned 32-bit product.

    A signed product with a constant is emitted by CIRCT as a 32-bit multiply by the
    constant's 32-bit two's complement, which Yosys splits over two or three DSPs
    (it narrows sign-extended signals, not negative constants).  Offset binary
    (flip the sign bit) and the weight's magnitude make both operands unsigned
    16-bit: one DSP.  The caller subtracts negative weights' products and folds
    `-2**15 * sum(w)` into the bias.
    """
    from pycde.signals import BitsSignal
    from pycde.types import UInt

    unsigned = BitsSignal.concat([~x[WORD - 1], x[0:WORD - 1]])
    return (unsigned.as_uint() * UInt(WORD)(magnitude)).as_bits()


def _combine(a, b):
    """Add two adder-tree terms, each a (value, to be subtracted) pair."""
    (va, na), (vb, nb) = a, b
    if na == nb:
        return va + vb, na
    return (vb - va, False) if na else (va - vb, False)


def _inc(reg):
    """`reg + 1`, wrapping at the register's width."""
    from pycde.types import UInt

    width = reg.type.width
    return (reg.as_uint() + UInt(width)(1)).as_bits()[0:width]


def _requantize(acc, shift: int, act):
    """Arithmetic shift right by `shift`, saturated to the activation word, sign-extended to 16 bits."""
    from pycde.constructs import Mux
    from pycde.signals import BitsSignal
    from pycde.types import Bits

    width = act.word
    upper = acc[shift + width - 1:ACC_BITS]  # all equal to the sign bit iff the value fits
    fits = (upper == Bits(len(upper))(0)) | (upper == Bits(len(upper))((1 << len(upper)) - 1))
    value = acc[shift:shift + width]
    if width < WORD:
        value = BitsSignal.concat([BitsSignal.concat([acc[ACC_BITS - 1]] * (WORD - width)), value])
    mask = (1 << WORD) - 1
    saturated = Mux(acc[ACC_BITS - 1], Bits(WORD)(act.hi & mask), Bits(WORD)(act.lo & mask))
    return Mux(fits, saturated, value)
