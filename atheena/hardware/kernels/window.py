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

Timing: one signal, `fire`, enables every shift register and the window
register, so it is kept one LUT from registers (the padding and window-end
flags of the current row and column are registers, `_KindRegister`), and a
wide window splits its lanes among copies of the control so that no copy's
`fire` drives more than `MAX_ENABLE_FANOUT` flip-flops (`window_copies`).
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


class _KindRegister:
    """`kinds[counter]` (2 bits) held in a register beside the counter instead of decoded from it.

    Why: decoded, the kinds add a table's LUT levels between the counters and the window's
    `fire`, whose fan-out is the widest in the kernel; held, `fire` is one LUT from registers.
    The next position's kinds wait in a second register, refilled from a table of the
    position after that (a function of the counter alone), so a step only selects.
    Indexing gives the bits of the current kinds; `step(enable)` advances with the counter.
    """

    def __init__(self, counter: Counter, kinds: list[int], clk, rst, name: str):
        from pycde.constructs import Reg
        from pycde.types import Bits

        n = counter.n
        self.now = Reg(Bits(2), clk=clk, rst=rst, rst_value=kinds[0], name=f"{name}_now")
        self.following = Reg(Bits(2), clk=clk, rst=rst, rst_value=kinds[1 % n], name=f"{name}_next")
        self.after = table(counter.value, [kinds[(i + 2) % n] for i in range(n)], 2)

    def __getitem__(self, bit):
        return self.now[bit]

    def step(self, enable):
        from pycde.constructs import Mux

        self.now.assign(Mux(enable, self.now, self.following))
        self.following.assign(Mux(enable, self.following, self.after))


def _kinds(n_padded: int, pad: int, real: int, k: int, stride: int) -> list[int]:
    """Per row (or column) of the padded grid: bit 0 = real data there, bit 1 = a window ends there."""
    out = []
    for r in range(n_padded):
        is_real = pad <= r < pad + real
        ends = r >= k - 1 and (r - k + 1) % stride == 0
        out.append(int(is_real) | (int(ends) << 1))
    return out


# Flip-flops one copy of the window's control may enable (its window register and shift registers).
# Above this the lanes are split among copies of the control (`window_copies`): the enable is a
# single net, and ECP5 routing has no dedicated clock-enable network, so its delay grows with its
# fan-out.  Measured on an LFE5UM5G-85F: B-LeNet's first conv (720 such bits) routes at 152 MHz,
# a 4-lane 5x5 conv with one copy (2,880 bits) at 118 MHz, its enable net 7.5 of 8.5 ns routing.
MAX_ENABLE_FANOUT = 1024


def window_copies(shape: WindowShape) -> int:
    """Copies of the window's control (counters, tables, handshake), each driving `lanes / copies` lanes.

    The fewest that divide the lanes and keep each copy's enabled flip-flops (window register and
    shift registers of its lanes) within `MAX_ENABLE_FANOUT`.  Yosys cannot merge the copies: each
    counter feeds back on itself, so no two have the same inputs; they stay in lock-step because
    they start alike and see the same handshake.
    """
    return control_copies(*shape.kernel, shape.groups, shape.lanes)


def control_copies(kh: int, kw: int, groups: int, lanes: int) -> int:
    """`window_copies` of a `kh x kw` window over `groups` channel groups of `lanes` lanes (the cost model's
    entry, which has no `WindowShape`)."""
    per_lane = WORD * kh * (kw + (kw - 1) * groups)
    return next(d for d in range(1, lanes + 1)
                if lanes % d == 0 and (d == lanes or lanes // d * per_lane <= MAX_ENABLE_FANOUT))


def build_window(shape: WindowShape, pad_word: int, clk, rst, in_data, in_valid, out_ready):
    """The window logic inside a generator; returns (out_data, out_valid, in_ready).

    Built as `window_copies(shape)` slices of the lanes, each with its own control; the output
    interleaves them back into one window (word `(i * kw + j) * lanes + l`).
    """
    copies = window_copies(shape)
    per = shape.lanes // copies
    kk = shape.kernel[0] * shape.kernel[1]
    slices = [_build_slice(shape, per, pad_word, clk, rst, in_data[k * per * WORD:(k + 1) * per * WORD], in_valid,
                           out_ready, "sw" if k == 0 else f"sw{k}")
              for k in range(copies)]
    if copies == 1:
        return slices[0]
    beat = per * WORD
    data = join([d[p * beat:(p + 1) * beat] for p in range(kk) for d, _, _ in slices])
    return data, slices[0][1], slices[0][2]


def _build_slice(shape: WindowShape, lanes: int, pad_word: int, clk, rst, in_data, in_valid, out_ready, prefix: str):
    """One copy of the window's control with the data path of `lanes` of its lanes."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    (kh, kw), (hp, wp), g_n = shape.kernel, shape.padded, shape.groups
    beat = WORD * lanes
    group = Counter(g_n, clk, rst, f"{prefix}_g")
    col = Counter(wp, clk, rst, f"{prefix}_c")
    row = Counter(hp, clk, rst, f"{prefix}_r")
    addr = Counter(wp * g_n, clk, rst, f"{prefix}_a")
    row_kind = _KindRegister(row, _kinds(hp, shape.padding[0], shape.height, kh, shape.stride[0]), clk, rst,
                              f"{prefix}_rk")
    col_kind = _KindRegister(col, _kinds(wp, shape.padding[1], shape.width, kw, shape.stride[1]), clk, rst,
                              f"{prefix}_ck")
    is_real = row_kind[0] & col_kind[0]
    is_window = row_kind[1] & col_kind[1]

    full = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"{prefix}_full")
    out_free = ~full | out_ready
    # No "out of reset" flag in `fire`: a register that only says so is the same in every kernel,
    # so Yosys merges them all into one flip-flop whose net spans the chip (the whole B-LeNet's
    # critical path on ECP5, 7.5 of 8.4 ns routing).  Nothing needs it: during reset the counters,
    # kinds and `full` hold their reset values, upstream valids are low, and what the shift
    # registers and line buffers take in is overwritten before any window reads it.
    fire = Mux(is_real, const(1, 1), in_valid) & (~is_window | out_free)

    pad_beat = join([const(WORD, pad_word)] * lanes)
    value = Mux(is_real, pad_beat, in_data)
    # column of kernel-row values at this position: rows r-kh+1 .. r (oldest first)
    column = [value]
    if kh > 1:
        read_addr = Mux(fire, addr.value, addr.next)
        for i in reversed(range(kh - 1)):  # line i is written with the row below it (line i+1 or the new value)
            column.insert(0, ram(f"{prefix}_line{i}", beat, wp * g_n, clk, fire, addr.value, column[0], read_addr))
    window = []
    for i in range(kh):
        history = [column[i]]
        for m in range((kw - 1) * g_n):  # shift register, newest first; no reset (SRL-friendly)
            history.append(history[-1].reg(clk=clk, ce=fire, name=f"{prefix}_sr{i}_{m}"))
        window.append([history[(kw - 1 - j) * g_n] for j in range(kw)])
    flat = join([word for row_words in window for word in row_words])
    data = flat.reg(clk=clk, ce=fire & is_window, name=f"{prefix}_window")
    full.assign(Mux(fire & is_window, Mux(out_ready, full, const(1, 0)), const(1, 1)))
    for counter in (group, addr):
        counter.step(fire)
    col.step(fire & group.last)
    row.step(fire & group.last & col.last)
    col_kind.step(fire & group.last)
    row_kind.step(fire & group.last & col.last)
    in_ready = is_real & (~is_window | out_free)
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
