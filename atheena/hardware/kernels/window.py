"""Sliding window: turns a stream of pixels into the windows a convolution or pooling reads.

The window walks the *padded* input grid `(H + 2ph) x (W + 2pw)` in row-major
order, channel group innermost (`G = C / lanes` groups of `lanes` channels
per pixel).  A position inside the real image takes one input beat; a
position in the padding ring takes none (its value is the pad word), so
padding is generated here and never streamed.  One position is handled per
cycle: the interval is `(H + 2ph) * (W + 2pw) * G` cycles per sample with
input available and output free.

Storage: `kh - 1` line buffers (RAMs of `(W + 2pw) * G` beats: the previous
rows) and, per kernel row, a shift register of `(kw - 1) * G` beats (the
previous columns; no reset, so synthesis maps it to SRL shift registers).
At a position whose window is complete (bottom-right corner on the stride
grid) the kernel emits one beat holding the `kh x kw x lanes` window of one
channel group: word `(i * kw + j) * lanes + l` is kernel row i, column j,
lane l.  Every output pixel therefore leaves as G consecutive beats.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from atheena.hardware.kernels import WORD, stream_module
from atheena.hardware.kernels.logic import Counter, const, join, table
from atheena.hardware.kernels.memory import ram


@dataclass(frozen=True)
class WindowShape:
    """Geometry of a window over a `channels x height x width` map, with its lane folding."""

    channels: int
    height: int
    width: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    lanes: int = 1

    def __post_init__(self):
        kh, kw = self.kernel
        if self.channels % self.lanes:
            raise ValueError(f"lanes ({self.lanes}) must divide the channel count ({self.channels})")
        if self.padded[0] < kh or self.padded[1] < kw:
            raise ValueError(f"a {kh}x{kw} window does not fit a {self.height}x{self.width} map "
                             f"with padding {self.padding}")
        if kh > 1 and self.padded[1] * self.groups < 2:
            raise ValueError("a one-column, one-group map with a window taller than 1 is not supported")

    @property
    def groups(self) -> int:
        return self.channels // self.lanes

    @property
    def padded(self) -> tuple[int, int]:
        return self.height + 2 * self.padding[0], self.width + 2 * self.padding[1]

    @property
    def out(self) -> tuple[int, int]:
        (hp, wp), (kh, kw), (sh, sw) = self.padded, self.kernel, self.stride
        return (hp - kh) // sh + 1, (wp - kw) // sw + 1

    @property
    def positions(self) -> int:
        """Cycles per sample: one per padded position and channel group."""
        return self.padded[0] * self.padded[1] * self.groups

    def tag(self) -> str:
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        return f"c{self.channels}h{self.height}w{self.width}_k{kh}x{kw}s{sh}x{sw}p{ph}x{pw}_l{self.lanes}"


def _kinds(n_padded: int, pad: int, real: int, k: int, stride: int) -> list[int]:
    """Per row (or column) of the padded grid: bit 0 = real data there, bit 1 = a window ends there."""
    out = []
    for r in range(n_padded):
        is_real = pad <= r < pad + real
        ends = r >= k - 1 and (r - k + 1) % stride == 0
        out.append(int(is_real) | (int(ends) << 1))
    return out


def build_window(shape: WindowShape, pad_word: int, clk, rst, in_data, in_valid, out_ready):
    """The window logic inside a generator; returns (out_data, out_valid, in_ready)."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    (kh, kw), (hp, wp), g_n, lanes = shape.kernel, shape.padded, shape.groups, shape.lanes
    beat = WORD * lanes
    group = Counter(g_n, clk, rst, "sw_g")
    col = Counter(wp, clk, rst, "sw_c")
    row = Counter(hp, clk, rst, "sw_r")
    addr = Counter(wp * g_n, clk, rst, "sw_a")
    row_kind = table(row.value, _kinds(hp, shape.padding[0], shape.height, kh, shape.stride[0]), 2)
    col_kind = table(col.value, _kinds(wp, shape.padding[1], shape.width, kw, shape.stride[1]), 2)
    is_real = row_kind[0] & col_kind[0]
    is_window = row_kind[1] & col_kind[1]

    primed = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name="sw_primed")
    primed.assign(const(1, 1))
    full = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name="sw_full")
    out_free = ~full | out_ready
    fire = primed & Mux(is_real, const(1, 1), in_valid) & (~is_window | out_free)

    pad_beat = join([const(WORD, pad_word)] * lanes)
    value = Mux(is_real, pad_beat, in_data)
    # column of kernel-row values at this position: rows r-kh+1 .. r (oldest first)
    column = [value]
    if kh > 1:
        read_addr = Mux(fire, addr.value, addr.next)
        for i in reversed(range(kh - 1)):  # line i is written with the row below it (line i+1 or the new value)
            column.insert(0, ram(f"sw_line{i}", beat, wp * g_n, clk, fire, addr.value, column[0], read_addr))
    window = []
    for i in range(kh):
        history = [column[i]]
        for m in range((kw - 1) * g_n):  # shift register, newest first; no reset (SRL-friendly)
            history.append(history[-1].reg(clk=clk, ce=fire, name=f"sw_sr{i}_{m}"))
        window.append([history[(kw - 1 - j) * g_n] for j in range(kw)])
    flat = join([word for row_words in window for word in row_words])
    data = flat.reg(clk=clk, ce=fire & is_window, name="sw_window")
    full.assign(Mux(fire & is_window, Mux(out_ready, full, const(1, 0)), const(1, 1)))
    for counter in (group, addr):
        counter.step(fire)
    col.step(fire & group.last)
    row.step(fire & group.last & col.last)
    in_ready = primed & is_real & (~is_window | out_free)
    return data, full, in_ready



@cache
def window_module(shape: WindowShape, pad_word: int = 0):
    """A standalone sliding-window kernel (the conv and pool kernels embed the same logic)."""

    def build(p):
        data, valid, ready = build_window(shape, pad_word, p.clk, p.rst, p.in_data, p.in_valid, p.out_ready)
        p.out_data, p.out_valid, p.in_ready = data, valid, ready

    kh, kw = shape.kernel
    return stream_module(f"atheena_window_{shape.tag()}", WORD * shape.lanes,
                         {"out": WORD * shape.lanes * kh * kw}, build)
