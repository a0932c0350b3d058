"""Small logic builders shared by the kernels: counters, constant tables, signed arithmetic.

They keep the kernels readable: a kernel reads as its loops and datapath,
not as bit plumbing.  All take and return PyCDE `Bits` signals.
"""

from __future__ import annotations


def bits_for(n: int) -> int:
    """Bits of a counter over 0..n-1 (at least 1)."""
    return max(1, (n - 1).bit_length())


def const(width: int, value: int):
    """A constant of `width` bits (two's complement of `value`)."""
    from pycde.types import Bits

    if width >= 64:  # PyCDE's Bits(n)(v) misorders the 32-bit chunks of wide values: build the op directly
        from pycde.signals import _FromCirctValue

        from atheena.hardware.kernels.memory import _const

        return _FromCirctValue(_const(width, value))
    return Bits(width)(value & ((1 << width) - 1))


class Counter:
    """A wrapping counter over 0..n-1: `value`, `last` (at n-1), `step(enable)` to advance."""

    def __init__(self, n: int, clk, rst, name: str):
        from pycde.constructs import Reg
        from pycde.types import Bits

        self.n = n
        self.width = bits_for(n)
        self.value = Reg(Bits(self.width), clk=clk, rst=rst, rst_value=0, name=name)
        self.last = self.value == const(self.width, n - 1) if n > 1 else const(1, 1)

    @property
    def next(self):
        """The value after a step (wrapping)."""
        from pycde.constructs import Mux

        if self.n == 1:
            return self.value
        plus = (self.value.as_uint() + 1).as_bits()[0:self.width]
        return Mux(self.last, plus, const(self.width, 0))

    def step(self, enable):
        from pycde.constructs import Mux

        self.value.assign(Mux(enable, self.value, self.next))


def table(sel, values: list[int], width: int):
    """values[sel] for a Python list of constants (a ROM in logic; padded to a power of two)."""
    from pycde.constructs import Mux

    size = 1 << sel.type.width
    padded = list(values) + [0] * (size - len(values))
    if len(set(padded)) == 1:
        return const(width, padded[0])
    return Mux(sel, *[const(width, v) for v in padded])


def sext(signal, width: int):
    """Sign-extend a Bits signal to `width` bits."""
    from pycde.signals import BitsSignal

    extra = width - signal.type.width
    if extra <= 0:
        return signal[0:width]
    sign = signal[signal.type.width - 1]
    return BitsSignal.concat([BitsSignal.concat([sign] * extra), signal])


def add(a, b, width: int):
    """a + b (two's complement) truncated to `width` bits; operands sign-extended first."""
    return (sext(a, width).as_uint() + sext(b, width).as_uint()).as_bits()[0:width]


def smul(a, b):
    """Signed product of two Bits signals (width = sum of widths)."""
    width = a.type.width + b.type.width
    return (a.as_sint() * b.as_sint()).as_bits()[0:width]


def words(signal, count: int, width: int = 16) -> list:
    """Split a flat signal into `count` words, lowest first."""
    return [signal[i * width:(i + 1) * width] for i in range(count)]


def join(parts: list):
    """Concatenate words, the first in the lowest bits."""
    from pycde.signals import BitsSignal

    return parts[0] if len(parts) == 1 else BitsSignal.concat(list(reversed(parts)))


def constant_terms(x, factor: int, width: int) -> list:
    """The shifted copies of `x` whose sum is x * factor (a positive constant), each `width` bits."""
    from pycde.signals import BitsSignal

    terms = []
    for bit in range(factor.bit_length()):
        if factor >> bit & 1:
            shifted = sext(x, width - bit) if bit else sext(x, width)
            terms.append(BitsSignal.concat([shifted, const(bit, 0)]) if bit else shifted)
    return terms


def times_constant(x, factor: int, width: int, clk=None, name: str = "times"):
    """x * factor for a positive constant, as a sum of shifted copies (no multiplier).

    With `clk`, the sum is a registered adder tree (`pipeline.adder_tree`: latency
    `pipeline.tree_levels` of the number of set bits of `factor`); without, one chained sum.
    """
    terms = constant_terms(x, factor, width)
    if clk is not None:
        from atheena.hardware.kernels.pipeline import adder_tree

        return adder_tree(terms, clk, name, cap=width)
    total = terms[0]
    for term in terms[1:]:
        total = add(total, term, width)
    return total
