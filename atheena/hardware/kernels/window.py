"""Sliding window: turns a stream of pixels into the windows a convolution or pooling reads.

The window walks the padded input grid `(H + 2ph) x (W + 2pw)` in row-major
order, channel group innermost (`G = C / lanes` groups of `lanes` channels per
pixel), but visits only the rows and columns that hold real data or end a
window (`WindowShape.row_walk`, `col_walk`): padding that does neither (the
top and left rings before the first window ends, and stride leftovers) costs
no cycle.  A visited position inside the real image takes one input beat; one
in the padding takes none.  One position is handled per cycle: the interval is
`WindowShape.positions` cycles per sample with input available and output free
(B-LeNet's first conv: 32 x 32 instead of the padded 36 x 36).

Storage: `kh - 1` line buffers (RAMs of one beat per visited column and group:
the previous rows) and, per kernel row, a shift register of `(kw - 1) * G` beats
(the previous columns; no reset, so synthesis maps it to SRL shift registers).
At a position whose window is complete (bottom-right corner on the stride grid)
the kernel emits one beat holding the `kh x kw x lanes` window of one channel
group: word `(i * kw + j) * lanes + l` is kernel row i, column j, lane l.  Every
output pixel therefore leaves as G consecutive beats.

Padding is not stored: what the line buffers and shift registers hold at a
padding position (a skipped one, or a visited one that took no input) is
whatever was there, and the window register replaces each word whose row or
column lies outside the image by the pad word as it loads.  Which rows and
columns those are is a function of the window's end position, read from the
same registered tables as the rest of the walk.

Pixel lanes (`WindowShape.columns` > 1, every channel in a beat): the block
walk (`block_walk`, `_build_blocks`) steps through blocks of `columns` columns,
each ending `columns / stride` windows, which leave side by side in one output
beat.  A block takes its image columns in beats of `beat_columns` (gathered in
registers until its last beat), so neither the width nor the first image
column need line up with the blocks; a per-row history register of the
`kw - stride` columns before the block replaces the shift registers.

Timing: one signal, `fire`, enables every shift register and the window
register, so it is kept one LUT from registers (the real-data and window-end
flags and the padding masks of the current row and column are registers,
`_KindRegister`), and a wide window splits its lanes among copies of the
control so that no copy's `fire` drives more than `MAX_ENABLE_FANOUT`
flip-flops (`window_copies`).
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
    #: image columns a step of the block walk covers (pixel lanes; `lanes` is then every channel): it ends
    #: `columns / stride` windows, and takes its image columns in beats of `beat_columns`
    columns: int = 1

    def __post_init__(self):
        kh, kw = self.kernel
        if self.channels % self.lanes:
            raise ValueError(f"lanes ({self.lanes}) must divide the channel count ({self.channels})")
        if self.columns > 1:
            problem = self._block_problem()
            if problem:
                raise ValueError(f"{self.columns} pixels per beat: {problem}")
        if self.padded[0] < kh or self.padded[1] < kw:
            raise ValueError(f"a {kh}x{kw} window does not fit a {self.height}x{self.width} map "
                             f"with padding {self.padding}")
        if kh > 1 and len(self.col_walk().real) * self.groups < 2:
            raise ValueError("a one-column, one-group map with a window taller than 1 is not supported")

    def _block_problem(self) -> str | None:
        """Why blocks of `columns` columns cannot work here, or None."""
        q, (_, kw), (_, sw) = self.columns, self.kernel, self.stride
        if self.lanes != self.channels:
            return f"every channel must be in the beat (lanes {self.lanes}, channels {self.channels})"
        if q % sw or kw < sw:
            return f"the stride ({sw}) must divide the pixels and be at most the kernel width ({kw})"
        if self.out[1] % (q // sw):
            return f"the windows a beat ends ({q // sw}) must divide the output width ({self.out[1]})"
        return None

    @property
    def beat_columns(self) -> int:
        """Image columns an input beat carries (`beat_columns`)."""
        return beat_columns(self.width, self.kernel[1], self.stride[1], self.padding[1], self.columns)

    @property
    def groups(self) -> int:
        return self.channels // self.lanes

    @property
    def pixels_out(self) -> int:
        """Windows per output beat: `columns / stride` on the block walk, else 1."""
        return self.columns // self.stride[1] if self.columns > 1 else 1

    @property
    def padded(self) -> tuple[int, int]:
        return self.height + 2 * self.padding[0], self.width + 2 * self.padding[1]

    @property
    def out(self) -> tuple[int, int]:
        (hp, wp), (kh, kw), (sh, sw) = self.padded, self.kernel, self.stride
        return (hp - kh) // sh + 1, (wp - kw) // sw + 1

    def row_walk(self) -> Walk:
        return walk(self.height, self.kernel[0], self.stride[0], self.padding[0])

    def col_walk(self) -> Walk:
        return column_walk(self.width, self.kernel[1], self.stride[1], self.padding[1], self.columns)

    @property
    def positions(self) -> int:
        """Cycles per sample: one per visited position (or block) and channel group."""
        return len(self.row_walk().real) * len(self.col_walk().real) * self.groups

    def tag(self) -> str:
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        tag = f"c{self.channels}h{self.height}w{self.width}_k{kh}x{kw}s{sh}x{sw}p{ph}x{pw}_l{self.lanes}"
        return tag + (f"_x{self.columns}" if self.columns > 1 else "")


@dataclass(frozen=True)
class Walk:
    """The padded rows (or columns) the window visits, in order, and what it finds at each.

    `first` is the padded index of the first visited one; per visited index: `real` (holds image
    data: takes input), `ends` (a window ends there, on the stride grid) and `masks` (bit j set
    when the window ending there has real data at its offset j, for j < kernel; 0 where no window
    ends).  Visited: the contiguous range from the first index that holds data or ends a window to
    the last that does, so padding before the first window end and after the last costs nothing.
    """

    first: int
    kernel: int
    real: tuple[bool, ...]
    ends: tuple[bool, ...]
    masks: tuple[int, ...]
    #: the block walk's: whether the step is its block's last (where the block enters the window), and
    #: which slot of `beat_columns` columns of the block its beat fills (0 on the column walk)
    last: tuple[bool, ...] = ()
    slots: tuple[int, ...] = ()

    @property
    def substeps(self) -> bool:
        """Whether some block takes several beats (a step that only gathers)."""
        return not all(self.last) or any(self.slots)


def beat_columns(width: int, kernel: int, stride: int, pad: int, columns: int) -> int:
    """Image columns an input beat carries: on the block walk (`columns` > 1) the most that divide the width,
    the block and the block offset of the first image column (so a beat always fills whole slots of one
    block: `block_walk`); else 1."""
    if columns == 1:
        return 1
    offset = (pad - (kernel - stride)) % columns
    return max(d for d in range(1, columns + 1) if width % d == 0 and columns % d == 0 and offset % d == 0)


def column_walk(width: int, kernel: int, stride: int, pad: int, columns: int = 1) -> Walk:
    """The visited columns (`walk`), or with `columns` > 1 the steps of the block walk (`block_walk`) in
    beats of `beat_columns`: what the kernel, its interval and its cost all read."""
    if columns > 1:
        return block_walk(width, kernel, stride, pad, columns, beat_columns(width, kernel, stride, pad, columns))
    return walk(width, kernel, stride, pad)


@cache  # pure, and asked for again by every folding the DSE costs and times
def walk(size: int, kernel: int, stride: int, pad: int) -> Walk:
    out = (size + 2 * pad - kernel) // stride + 1
    first = min(pad, kernel - 1)
    last = max(pad + size - 1, kernel - 1 + (out - 1) * stride)
    real, ends, masks = [], [], []
    for r in range(first, last + 1):
        real.append(pad <= r < pad + size)
        end = r >= kernel - 1 and (r - kernel + 1) % stride == 0 and (r - kernel + 1) // stride < out
        ends.append(end)
        masks.append(sum(1 << j for j in range(kernel) if pad <= r - kernel + 1 + j < pad + size) if end else 0)
    return Walk(first, kernel, tuple(real), tuple(ends), tuple(masks))


@cache
def block_walk(size: int, kernel: int, stride: int, pad: int, columns: int, beat: int | None = None) -> Walk:
    """The walk over blocks of `columns` padded columns, each ending `columns / stride` windows, in steps of
    one input beat of `beat` image columns (default: the whole block).

    Block k covers columns `a + k*q .. a + k*q + q - 1` (q = columns, a = kernel - stride), so its last
    column ends its last window and window m of the block (index k*P + m) spans columns
    `k*q + m*stride ..`: it reads the block and the `a` columns before it.  The image's columns fill a
    block's slots of `beat` columns, one beat a step; the block enters the window at its last step
    (`last`).  A block without image columns takes one step (it may end windows in the padding).
    `masks` has bit `m*kernel + j` set when window m's column j is real; `kernel` is P * kernel (the
    mask bits per block).
    """
    q, a = columns, kernel - stride
    beat = beat or q
    per = q // stride
    out = (size + 2 * pad - kernel) // stride + 1
    first = min(0, (pad - a) // q)
    last_block = max(out // per - 1, (pad + size - 1 - a) // q)
    real, ends, masks, lasts, slots = [], [], [], [], []
    for k in range(first, last_block + 1):
        start = a + k * q - pad  # the block's first column, in image columns
        groups = [t for t in range(q // beat) if any(0 <= start + t * beat + i < size for i in range(beat))]
        end = 0 <= k < out // per
        mask = sum(1 << (m * kernel + j) for m in range(per) for j in range(kernel)
                   if pad <= k * q + m * stride + j < pad + size) if end else 0
        for n, t in enumerate(groups or [0]):
            final = n == max(len(groups), 1) - 1
            real.append(bool(groups))
            ends.append(end and final)
            masks.append(mask if final else 0)
            lasts.append(final)
            slots.append(t)
    return Walk(first, per * kernel, tuple(real), tuple(ends), tuple(masks), tuple(lasts), tuple(slots))


class _KindRegister:
    """`kinds[counter]` (`width` bits) held in a register beside the counter instead of decoded from it.

    Why: decoded, the kinds add a table's LUT levels between the counters and the window's
    `fire`, whose fan-out is the widest in the kernel; held, `fire` is one LUT from registers.
    The next position's kinds wait in a second register, refilled from a table of the
    position after that (a function of the counter alone), so a step only selects.
    Indexing gives the bits of the current kinds; `step(enable)` advances with the counter.
    """

    def __init__(self, counter: Counter, kinds: list[int], width: int, clk, rst, name: str):
        from pycde.constructs import Reg
        from pycde.types import Bits

        n = counter.n
        self.now = Reg(Bits(width), clk=clk, rst=rst, rst_value=kinds[0], name=f"{name}_now")
        self.following = Reg(Bits(width), clk=clk, rst=rst, rst_value=kinds[1 % n], name=f"{name}_next")
        self.after = table(counter.value, [kinds[(i + 2) % n] for i in range(n)], width)

    def __getitem__(self, bit):
        return self.now[bit]

    def step(self, enable):
        from pycde.constructs import Mux

        self.now.assign(Mux(enable, self.now, self.following))
        self.following.assign(Mux(enable, self.following, self.after))


def _kinds(w: Walk) -> tuple[list[int], list[int], int]:
    """Per visited index: bit 0 = real data, bit 1 = a window ends, bits 2.. = the mask bits that vary
    (`varying`, the offsets some window of the map has in the padding; the others are always real), then,
    on a walk with sub-steps, the block's last step (one bit) and the beat's slot (`slot_bits`)."""
    varying = [j for j in range(w.kernel) if any(e and not (m >> j) & 1 for e, m in zip(w.ends, w.masks))]
    slot_bits = max(w.slots, default=0).bit_length()
    kinds = [int(r) | int(e) << 1 | sum(((m >> j) & 1) << (2 + k) for k, j in enumerate(varying))
             for r, e, m in zip(w.real, w.ends, w.masks)]
    if w.substeps:
        base = 2 + len(varying)
        kinds = [k | int(last) << base | slot << (base + 1) for k, last, slot in zip(kinds, w.last, w.slots)]
    return kinds, varying, (1 + slot_bits if w.substeps else 0)


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
    they start alike and see the same handshake.  The block walk (pixel lanes) has one control.
    """
    if shape.columns > 1:
        return 1
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
    if shape.columns > 1:
        return _build_blocks(shape, pad_word, clk, rst, in_data, in_valid, out_ready, "sw")
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


class _Control:
    """The walk's control, the same for the column walk and the block walk: row and column (or block)
    counters with their kinds held in registers, the handshake (`fire`: a step happens; `full`: a window
    waits in the output register) and the padding masks.

    `masked(value, i, bit, pad)` gives the pad word where the window's kernel row `i` or column-mask
    bit `bit` lies outside the image; `finish(column_step, data)` registers the window and advances
    the walk (a column or block ends on `column_step`) and returns (out_data, out_valid, in_ready).
    """

    def __init__(self, shape: WindowShape, clk, rst, in_valid, out_ready, prefix: str):
        from pycde.constructs import Mux, Reg
        from pycde.types import Bits

        rows, cols = shape.row_walk(), shape.col_walk()
        self.clk, self.prefix, self.out_ready = clk, prefix, out_ready
        self.col = Counter(len(cols.real), clk, rst, f"{prefix}_c")
        self.row = Counter(len(rows.real), clk, rst, f"{prefix}_r")
        row_kinds, self.row_varying, _ = _kinds(rows)
        col_kinds, self.col_varying, extra = _kinds(cols)
        self.row_kind = _KindRegister(self.row, row_kinds, 2 + len(self.row_varying), clk, rst, f"{prefix}_rk")
        base = 2 + len(self.col_varying)
        self.col_kind = _KindRegister(self.col, col_kinds, base + extra, clk, rst, f"{prefix}_ck")
        # the block walk's sub-steps: a block's last step (where it enters the window) and the beat's slot
        self.block_last = self.col_kind[base] if extra else const(1, 1)
        self.slot = self.col_kind[base + 1:base + extra] if extra > 1 else None
        self.is_real = self.row_kind[0] & self.col_kind[0]
        self.is_window = self.row_kind[1] & self.col_kind[1]
        self.full = Reg(Bits(1), clk=clk, rst=rst, rst_value=0, name=f"{prefix}_full")
        self.out_free = ~self.full | out_ready
        # No "out of reset" flag in `fire`: a register that only says so is the same in every kernel,
        # so Yosys merges them all into one flip-flop whose net spans the chip (the whole B-LeNet's
        # critical path on ECP5, 7.5 of 8.4 ns routing).  Nothing needs it: during reset the counters,
        # kinds and `full` hold their reset values, upstream valids are low, and what the shift
        # registers and line buffers take in is overwritten or masked before any window reads it.
        self.fire = Mux(self.is_real, const(1, 1), in_valid) & (~self.is_window | self.out_free)

    def masked(self, value, i: int, bit: int, pad):
        from pycde.constructs import Mux

        bits = [self.row_kind[2 + self.row_varying.index(i)]] if i in self.row_varying else []
        bits += [self.col_kind[2 + self.col_varying.index(bit)]] if bit in self.col_varying else []
        if not bits:  # always image data
            return value
        return Mux(bits[0] if len(bits) == 1 else bits[0] & bits[1], pad, value)

    def finish(self, column_step, flat):
        from pycde.constructs import Mux

        fire, full = self.fire, self.full  # a window ends only at a block's last step
        data = flat.reg(clk=self.clk, ce=fire & self.is_window, name=f"{self.prefix}_window")
        full.assign(Mux(fire & self.is_window, Mux(self.out_ready, full, const(1, 0)), const(1, 1)))
        self.col.step(column_step)
        self.row.step(column_step & self.col.last)
        self.col_kind.step(column_step)
        self.row_kind.step(column_step & self.col.last)
        return data, full, self.is_real & (~self.is_window | self.out_free)


def _build_slice(shape: WindowShape, lanes: int, pad_word: int, clk, rst, in_data, in_valid, out_ready, prefix: str):
    """One copy of the window's control with the data path of `lanes` of its lanes."""
    from pycde.constructs import Mux

    (kh, kw), g_n = shape.kernel, shape.groups
    control = _Control(shape, clk, rst, in_valid, out_ready, prefix)
    fire, nc = control.fire, control.col.n
    group = Counter(g_n, clk, rst, f"{prefix}_g")
    addr = Counter(nc * g_n, clk, rst, f"{prefix}_a")
    # column of kernel-row values at this position: rows r-kh+1 .. r (oldest first); at a padding
    # position the input is not read and whatever it holds goes in (masked in the window register)
    column = [in_data]
    if kh > 1:
        read_addr = Mux(fire, addr.value, addr.next)
        for i in reversed(range(kh - 1)):  # line i is written with the row below it (line i+1 or the new value)
            column.insert(0, ram(f"{prefix}_line{i}", WORD * lanes, nc * g_n, clk, fire, addr.value, column[0],
                                 read_addr))
    pad = join([const(WORD, pad_word)] * lanes)
    words_out = []
    for i in range(kh):
        history = [column[i]]
        for m in range((kw - 1) * g_n):  # shift register, newest first; no reset (SRL-friendly)
            history.append(history[-1].reg(clk=clk, ce=fire, name=f"{prefix}_sr{i}_{m}"))
        words_out += [control.masked(history[(kw - 1 - j) * g_n], i, j, pad) for j in range(kw)]
    for counter in (group, addr):
        counter.step(fire)
    return control.finish(fire & group.last, join(words_out))


def block_taps(kw: int, sw: int, per: int) -> list[tuple[int, int, int, int]]:
    """(window m, kernel column j, block column, mask bit) of each word a kernel row of the block walk's
    window holds: window m's column j is column `m*sw + j` of the `kw - sw` history columns and the block,
    masked by bit `m*kw + j`."""
    return [(m, j, m * sw + j, m * kw + j) for m in range(per) for j in range(kw)]


def block_window_columns(width: int, kw: int, sw: int, pw: int, columns: int) -> int:
    """Distinct words per channel and kernel row in the block walk's window register.  Overlapping windows
    read the same column; where no window of the map has padding at a word's mask bit the word is that
    column unmasked, shared by every window reading it, and synthesis keeps one register for registers
    with the same input and enable (B-LeNet's first conv with 8 windows a beat: 12 of 40 words a row)."""
    _, varying, _ = _kinds(column_walk(width, kw, sw, pw, columns))
    return len({(column, bit if bit in varying else None) for _, _, column, bit in block_taps(kw, sw, columns // sw)})


def _build_blocks(shape: WindowShape, pad_word: int, clk, rst, in_data, in_valid, out_ready, prefix: str):
    """The block walk: `q = columns` columns a block (every channel), taken in beats of `beat_columns`
    (one a step; a block of several beats waits in a gathering register until its last, which goes
    straight in), and the `P = q / stride` windows the block ends in one output beat, window m at words
    `m*kh*kw*C ..` in the layout of a one-window beat.  Per kernel row a history register of the
    `kw - stride` columns before the block stands in for the shift register (a block shifts it by q
    columns at once)."""
    from pycde.constructs import Mux, Reg
    from pycde.types import Bits

    (kh, kw), (_, sw), c = shape.kernel, shape.stride, shape.channels
    q, per, a, beat = shape.columns, shape.pixels_out, kw - sw, shape.beat_columns
    control = _Control(shape, clk, rst, in_valid, out_ready, prefix)
    fire, last = control.fire, control.block_last
    enter = fire & last  # the block enters the window
    pixel = WORD * c  # bits of one column
    if q == beat:
        block = in_data
    else:  # slot t: the current beat if it is this step's slot, else what an earlier step of the block left
        slots = []
        for t in range(q // beat):
            here = control.slot == const(control.slot.type.width, t)
            kept = in_data.reg(clk=clk, ce=fire & here, name=f"{prefix}_gather{t}")
            slots.append(Mux(here, kept, in_data))
        block = join(slots)
    blocks = sum(shape.col_walk().last)
    address = Counter(blocks, clk, rst, f"{prefix}_b")
    column = [block]
    if kh > 1:
        read_addr = Mux(enter, address.value, address.next)
        for i in reversed(range(kh - 1)):
            column.insert(0, ram(f"{prefix}_line{i}", q * pixel, blocks, clk, enter, address.value, column[0],
                                 read_addr))
    pad = join([const(WORD, pad_word)] * c)
    words_out = {}
    for i in range(kh):
        cols = [column[i][t * pixel:(t + 1) * pixel] for t in range(q)]
        if a > 0:  # the a columns before the block, oldest first
            history = Reg(Bits(a * pixel), clk=clk, ce=enter, name=f"{prefix}_history{i}")
            cols = [history[t * pixel:(t + 1) * pixel] for t in range(a)] + cols
            history.assign(join(cols[-a:]))
        for m, j, at, bit in block_taps(kw, sw, per):
            words_out[m, i, j] = control.masked(cols[at], i, bit, pad)
    address.step(enter)
    return control.finish(fire, join([words_out[key] for key in sorted(words_out)]))


@cache
def window_module(shape: WindowShape, pad_word: int = 0):
    """A standalone sliding-window kernel (the conv and pool kernels embed the same logic)."""

    def build(p):
        data, valid, ready = build_window(shape, pad_word, p.clk, p.rst, p.in_data, p.in_valid, p.out_ready)
        p.out_data, p.out_valid, p.in_ready = data, valid, ready

    kh, kw = shape.kernel
    return stream_module(f"atheena_window_{shape.tag()}", WORD * shape.lanes * shape.beat_columns,
                         {"out": WORD * shape.lanes * kh * kw * shape.pixels_out}, build)
