"""What Yosys's `memory_libmap` computes the same way for every device family: how a memory splits into
RAM cells, and what the read multiplexers and write decoders that join them cost.

The family mappings (`atheena.dse.memory` for 7-series, `memory_ecp5`) add their cells' costs and
emulation scores, and say what each choice leaves in LUTs and FFs.
"""

from __future__ import annotations

import math


def block_cells(words: int, width: int, rom: bool, address_bits: int, bits: int, byte: int) -> tuple[int, int]:
    """(address ranges side by side, cells) of a block RAM of `2**address_bits` x `bits` per cell holding
    `words` x `width` (a RAM's bits grouped by the write-enable `byte`; a ROM's one by one)."""
    chunks = math.ceil(words / 2**address_bits)
    unit = 1 if rom else min(byte, bits)
    return chunks, math.ceil(chunks * math.ceil(width / unit) * unit / bits)


def join_cost(chunks: int, width: int, rom: bool) -> float:
    """0.5 per bit of every read multiplexer input beyond the first, and per write-enable decoder output
    (a RAM's), for `chunks` address ranges."""
    if chunks <= 1:
        return 0.0
    return 0.5 * (chunks - 1) * width + (0 if rom else 0.5 * chunks)
