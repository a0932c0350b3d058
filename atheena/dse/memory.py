"""How Yosys maps the kernels' memories: logic, LUT RAM or block RAM, and what each costs.

`memory(words, copies, width, rom, distinct)` gives the (BRAM18, LUT, FF) of
RAMs and ROMs as `memory_libmap` chooses them for the device family being
costed (`atheena.dse.families.current`, whose `memories` say which mapping:
7-series here, `synth_xilinx`'s; ECP5 in `memory_ecp5`; both checked
against Yosys in python_tests/hardware/test_characterise.py); `rom_columns`
counts the bit columns of a ROM's contents that Yosys keeps (it drops
constant ones and, in logic, merges identical ones).  Used by the resource
model (`atheena.dse.model`).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from atheena.dse import families, libmap, memory_ecp5

# Yosys's memory mapping for xc7 (`memory_libmap` with synth_xilinx's libraries, lutrams_xc5v.txt and
# brams_xc4v.txt): every candidate is costed and the cheapest taken.  A RAM here has one write port and
# one registered read port with an enable (`kernels/memory.py`), a ROM only the read port.
_LUTRAM = (  # LUT RAM (RAMs only): cost and width scale per cell, (address bits, bits) per cell, LUTs per cell
    (8, 8, ((5, 4, 4), (6, 2, 4), (7, 1, 4))),  # dual port: RAM32M, 2 x RAM64X1D, RAM128X1D
    (7, 7, ((5, 2, 4), (6, 1, 4))),  # quad port: RAM32M, RAM64M
    (8, 7, ((5, 6, 4), (6, 3, 4))),  # simple dual port: RAM32M (32 x 6), RAM64M (64 x 3)
)
# Block RAM: cost per cell, address bits at width 1, widths (simple dual port), BRAM18 per cell.  In the
# order memory_libmap tries them, which decides a tie: its options sorted by value, "FULL" (RAMB36E1) before
# "HALF" (RAMB18E1).  B-LeNet's conditional buffer of 19,200 x 16 bits ties at 2606.5: ten 4096 x 9 RAMB36E1
# (20 BRAM18) against nineteen 1024 x 18 RAMB18E1, and Yosys takes the RAMB36E1.
_BRAM = (
    (257, 15, (1, 2, 4, 9, 18, 36, 72), 2),  # RAMB36E1
    (129, 14, (1, 2, 4, 9, 18, 36), 1),  # RAMB18E1
)
_ROM_LOGIC_COST = 1 / 64  # per bit of a ROM built from LUTs (synth_xilinx: memory_libmap -logic-cost-rom)
_RAM_LOGIC_COST = 1  # per bit of a RAM built from flip-flops (never the cheapest for these RAMs)
_BYTE = 9  # block RAM write-enable granularity


def _mux_luts(k: int) -> int:
    """LUTs per bit of a k:1 multiplexer built of LUT6s, each a 4:1 multiplexer (2 select inputs).

    A LUT per group of 2-4 inputs, level by level (a lone input passes to the next level): 1 up
    to 4:1, 2 for 5:1, 4 for 11:1, 5 for 16:1, as synthesis shows for block RAM read multiplexers.
    """
    luts = 0
    while k > 1:
        luts += k // 4 + (k % 4 > 1)
        k = k // 4 + (k % 4 > 0)
    return luts


def _rom_luts_per_column(entries: int) -> float:
    """LUTs per distinct bit column of a ROM built of logic and read at a counter, as every kernel ROM is.

    Yosys merges the counter register into the ROM's address, so each column becomes a function
    of the counter's next value (its bits, the enable and the wrap), not of the address alone:
    measured with Yosys, one LUT up to 16 entries, 1.3 up to 32, then about entries / 15 (3.2 at
    50, 4.3 at 64, 7.9 at 128, 17 at 250) where a free address would take 1, 1, 2 and 4.
    """
    if entries <= 16:
        return 1.0
    return 1.3 if entries <= 32 else entries / 15


@cache
def _map_memory(words: int, width: int, rom: bool, distinct: int, same_address: bool = False
                ) -> tuple[int, int, int]:
    """(BRAM18, LUT, FF) of one memory as Yosys maps it: the cheapest of logic, LUT RAM and block RAM.

    Costs as `memory_libmap` computes them: cells x cost per cell (LUT RAM: scaled by the width
    used), 0.5 per bit of every read multiplexer input beyond the first and per write-enable
    decoder output, 2 for a read port not shared with the write port; logic costs
    `_ROM_LOGIC_COST` per ROM bit, `_RAM_LOGIC_COST` per RAM bit, and wins ties (the comparison
    is against its cost truncated to an integer).  Block RAM packs the address ranges of a deep,
    narrow memory side by side in a wide cell (6400 x 16 bits: three 512 x 72 RAMB36).  LUTs:
    LUT RAM cells, read multiplexers and write decoders; a ROM in logic, `_rom_luts_per_column`
    for each of its `distinct` columns (logic optimisation merges identical ones).  FFs: the read
    register, which only block RAM absorbs.  `same_address` changes nothing here: 7-series block
    RAM reads the old word on either port (the fitted kernels' line buffers were costed so).
    """
    best_cost = int(width * words * (_ROM_LOGIC_COST if rom else _RAM_LOGIC_COST))
    if rom:
        best = (0, math.ceil(distinct * _rom_luts_per_column(words)), distinct)
    else:
        best = (0, width * words, width)
    candidates = []  # (cost, BRAM18, LUT, FF)
    for cost, scale, shapes in () if rom else _LUTRAM:
        for a, bits, luts in shapes:
            chunks = math.ceil(words / 2**a)
            cells = chunks * math.ceil(width / bits)
            c = (cost - scale) * cells + scale * chunks * width // bits + 2 + libmap.join_cost(chunks, width, False)
            lut = cells * luts + (width * _mux_luts(chunks) + chunks if chunks > 1 else 0)
            candidates.append((c, 0, lut, width))
    for cost, a, widths, per_cell in _BRAM:
        for b, bits in enumerate(widths):
            chunks, cells = libmap.block_cells(words, width, rom, a - b, bits, _BYTE)
            c = cost * cells + 2 + libmap.join_cost(chunks, width, rom)
            lut = width * _mux_luts(chunks) + (0 if rom or chunks == 1 else chunks)
            candidates.append((c, cells * per_cell, lut, (chunks - 1).bit_length()))
    for c, *mapping in candidates:
        if c < best_cost:
            best_cost, best = c, tuple(mapping)
    return best


def memory(words: int, copies: int = 1, width: int = 16, rom: bool = False,
           distinct: int | None = None, same_address: bool = False) -> tuple[int, int, int]:
    """(BRAM18, LUT, FF) of `copies` memories of `words` entries of `width` bits, as Yosys maps them.

    Checked against Yosys for the RAMs and ROMs the kernels build: a 16-bit RAM is LUT RAM up to
    128 entries, a ROM is logic up to 8447 bits (`_map_memory`).  For a ROM, `width` counts the
    bit columns that are not constant (Yosys drops those before choosing) and `distinct` the
    different ones among them (default: all), which is what a ROM built of logic keeps
    (`rom_columns`).  `same_address`: a RAM that, whenever written, reads the address being
    written (the sliding window's line buffers); ECP5 maps that to one block-RAM port
    (`memory_ecp5`), 7-series as any other RAM.
    """
    if words <= 0 or copies <= 0 or width <= 0:
        return 0, 0, 0
    distinct = width if distinct is None else min(distinct, width)
    return tuple(copies * x for x in _mapping()(words, width, rom, distinct, same_address))


def _mapping():
    """The memory mapping of the device family being costed: (words, width, rom, distinct) -> one memory's
    (BRAM18, LUT, FF)."""
    return _MAPPINGS[families.current().memories]


def rom_columns(contents: np.ndarray, bits: int) -> tuple[int, int]:
    """(non-constant, distinct non-constant) bit columns of a ROM of `contents`.

    `contents` is entries x fields of `bits`-bit two's complement codes.  Yosys drops a ROM's
    constant columns before mapping it; if it becomes logic, identical columns (the copies of
    a field's sign bit above its magnitude, or, with few entries, repeats of the at most
    2**entries - 2 possible columns) end up as one.  A ROM of one entry (which the kernels pad
    to two equal ones) is all constant.
    """
    codes = np.asarray(contents, dtype=np.int64)
    codes = codes.reshape(codes.shape[0], -1)
    if codes.shape[0] < 2:
        return 0, 0
    columns = ((codes[:, :, None] >> np.arange(bits)) & 1).astype(np.uint8).reshape(codes.shape[0], -1).T
    varying = columns[columns.min(axis=1) != columns.max(axis=1)]
    return len(varying), len(np.unique(_column_keys(varying))) if len(varying) else 0


_MAPPINGS = {"xc7": _map_memory, "ecp5": memory_ecp5.map_memory}


def _column_keys(columns: np.ndarray) -> np.ndarray:
    """One comparable value per row of a 0/1 matrix, equal exactly for equal rows (packed into bytes:
    numpy's row-wise `unique(axis=0)` is a hundred times slower)."""
    packed = np.ascontiguousarray(np.packbits(columns, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def _bank_columns(banks: np.ndarray, bits: int) -> dict[tuple[int, int], int]:
    """`rom_columns` of each row of `banks` (one single-field ROM per row), as {columns: how many banks}.

    The same as calling `rom_columns` per bank, vectorised: a linear layer has up to N x M banks.
    """
    codes = np.asarray(banks, dtype=np.int64)
    n, depth = codes.shape
    if depth < 2:
        return {(0, 0): n}
    columns = ((codes[:, None, :] >> np.arange(bits)[None, :, None]) & 1).astype(np.uint8)  # bank, bit, entry
    varying = columns.min(axis=2) != columns.max(axis=2)
    bank, bit = np.nonzero(varying)
    count = np.bincount(bank, minlength=n)
    distinct = np.zeros(n, dtype=np.int64)
    if len(bank):  # number the different columns, then count the different (bank, column) pairs
        varied = columns[bank, bit]
        ids = np.unique(_column_keys(varied), return_inverse=True)[1].ravel().astype(np.int64)
        pairs = np.unique(bank.astype(np.int64) * (int(ids.max()) + 1) + ids)
        distinct = np.bincount(pairs // (int(ids.max()) + 1), minlength=n)
    keys, copies = np.unique(count * (bits + 1) + distinct, return_counts=True)  # distinct <= count <= bits
    return {(int(k) // (bits + 1), int(k) % (bits + 1)): int(c) for k, c in zip(keys, copies)}


def rom_mapping_columns(contents: np.ndarray, bits: int) -> tuple[int, int]:
    """`rom_columns` as far as `memory` needs it: the distinct columns only matter to a ROM that stays logic
    (counting them is most of the time, and a large ROM goes to block RAM by its non-constant ones)."""
    codes = np.asarray(contents, dtype=np.int64)
    codes = codes.reshape(codes.shape[0], -1)
    if codes.shape[0] < 2:
        return 0, 0
    differs = np.bitwise_or.reduce(codes ^ codes[0], axis=0)  # per field: the bits some entry changes
    width = int(np.count_nonzero((differs[:, None] >> np.arange(bits)) & 1))
    if width and _mapping()(codes.shape[0], width, True, width)[0]:
        return width, width
    return rom_columns(codes, bits)


def _rom(words: int, copies: int, columns: tuple[int, int]) -> tuple[int, int, int]:
    """`memory` of ROMs with the (non-constant, distinct) columns of `rom_columns`."""
    return memory(words, copies, columns[0], rom=True, distinct=columns[1])


# Distinct bit columns per field of a ROM whose contents the caller does not give (the DSE's case):
# trained Q8.8 weights keep 7-9 of their 16 bits, 48-bit accumulator biases 10-16 (B-LeNet, Triple-Wins).
TYPICAL_WEIGHT_COLUMNS = 9
TYPICAL_BIAS_COLUMNS = 16


def _rom_columns_typical(entries: int, fields: int, bits: int, distinct: int) -> tuple[int, int]:
    """`rom_columns` of a ROM of unknown contents: every column varies (the `bits` of each of its
    `fields`), `distinct` per field differ, and at most 2**entries - 2 overall."""
    if entries < 2:
        return 0, 0
    return fields * bits, min(fields * distinct, 2 ** min(entries, 24) - 2)
