"""How Yosys's `synth_ecp5` maps the kernels' memories: logic, TRELLIS_DPR16X4 LUT RAM or DP16KD block RAM.

`map_memory(words, width, rom, distinct)` gives (BRAM18, LUT, FF) of one memory
as `memory_libmap` chooses it with the Lattice libraries (lutrams_trellis.txt,
brams_16kd.txt) and its default costs, and as the rest of `synth_ecp5` then
builds it; `atheena.dse.memory.memory` calls it for a family whose `memories`
are "ecp5".  Every figure here was read off Yosys 0.70 (the candidates' costs
with `debug memory_libmap`, the resources with `stat`) for RAMs of 8-400 bits
by 2-4096 entries and ROMs of 16-1600 bits by 2-2048 entries, built as the
kernels build them (`atheena/hardware/kernels/memory.py`); the switch points
are checked against Yosys in python_tests/hardware/test_characterise.py.

What differs from 7-series (`atheena.dse.memory`): LUT RAM is 16 x 4 bits a
cell and ROMs never go to it; a ROM in logic costs 1/16 per bit (synth_xilinx
says 1/64), so a 16-bit ROM stays logic up to 128 entries; and a block-RAM RAM
keeps its read register and gets a write-data register and an address
compare in flip-flops, because the kernels read the old word when reading the
address being written and DP16KD has that behaviour only within one port.
"""

from __future__ import annotations

import math
from functools import cache

from atheena.dse import libmap

_LUTRAM = (4, 4, 4)  # TRELLIS_DPR16X4: cost per cell, address bits, bits per cell
_LUTRAM_SITES = 6  # LUT4 sites a DPR16X4 takes (atheena.hardware.synth counts it so)
# block RAM: name, cost per cell, address bits at width 1, widths.  DP16KD is true dual port (up to 18
# bits); PDPW16KD is its pseudo dual-port mode, 36 bits wide
_BRAM = (("DP16KD", 128, 14, (1, 2, 4, 9, 18)), ("PDPW16KD", 128, 14, (1, 2, 4, 9, 18, 36)))
_BYTE = 9
_ROM_LOGIC_COST = 1 / 16  # memory_libmap's default; synth_ecp5 does not change it
_RAM_LOGIC_COST = 1
# memory_libmap adds 2 per point of "emulation score": a RAM's registered read through LUT RAM's
# asynchronous port scores 1; through block RAM it scores 7 (read-old-data across two ports is
# emulated) unless it shares the write port's address; a ROM's read scores 1
_EMULATION = {"lutram": 1, "bram_ram": 7, "bram_rom": 1}
# LUT4s per bit of the read multiplexer over k LUT RAM chunks, as ABC maps it (with PFUMX/L6MUX21,
# which count as no LUT); LUT RAM is the cheapest only up to 6 chunks of 16-bit words
_LUTRAM_MUX = {1: 0, 2: 1, 3: 2, 4: 4, 5: 3, 6: 10}


def _lutram_mux(k: int) -> int:
    return _LUTRAM_MUX.get(k, 2 * (k - 1))


def _rom_luts_per_column(entries: int) -> float:
    """LUT4s per distinct bit column of a ROM in logic, read at a counter (Yosys merges the counter
    into it): measured 1 up to 16 entries, 2 up to 32, 4 up to 64, then about entries / 10."""
    if entries <= 16:
        return 1.0
    if entries <= 32:
        return 2.0
    return 4.0 if entries <= 64 else entries / 10


@cache
def map_memory(words: int, width: int, rom: bool, distinct: int, same_address: bool = False
               ) -> tuple[int, int, int]:
    """(BRAM18, LUT, FF) of one memory as `synth_ecp5` maps it: the cheapest of logic, LUT RAM, DP16KD.

    Costs as `memory_libmap` computes them: cells x cost per cell, 0.5 per bit of every read
    multiplexer input beyond the first and per write-enable decoder output, 2 per emulation
    point (`_EMULATION`); logic costs `_ROM_LOGIC_COST` per ROM bit, `_RAM_LOGIC_COST` per RAM
    bit, and wins ties.  Resources: LUT RAM takes `_LUTRAM_SITES` LUT4s a cell plus its read
    multiplexer, and its read register stays in FFs; a block-RAM ROM absorbs its read register;
    a block-RAM RAM keeps it and adds the write data, the write address's compare and two
    control bits in FFs and a bypass multiplexer (a LUT per bit, and 6 or 20 more by depth).
    Unless `same_address`: a RAM read, whenever it is written, at the address being written
    (the sliding window's line buffers, whose read address is the next value of the write
    address register) becomes one DP16KD port that reads the old word itself: no emulation,
    and the read register is the RAM's.
    """
    best_cost = int(width * words * (_ROM_LOGIC_COST if rom else _RAM_LOGIC_COST))
    if rom:
        best = (0, math.ceil(distinct * _rom_luts_per_column(words)), distinct)
    else:
        best = (0, width * words, width)
    candidates = []  # (cost, BRAM18, LUT, FF)
    if not rom:  # prune_rom: a ROM never goes to LUT RAM
        cost, abits, bits = _LUTRAM
        chunks = math.ceil(words / 2**abits)
        cells = chunks * math.ceil(width / bits)
        c = cost * cells + 2 * _EMULATION["lutram"] + libmap.join_cost(chunks, width, False)
        lut = _LUTRAM_SITES * cells + (width * _lutram_mux(chunks) + chunks if chunks > 1 else 0)
        candidates.append((c, 0, lut, width))
    abits_used = max(1, (words - 1).bit_length())
    for _name, cost, a, widths in _BRAM:
        for b, bits in enumerate(widths):
            chunks, cells = libmap.block_cells(words, width, rom, a - b, bits, _BYTE)
            one_port = rom or same_address
            c = cost * cells + 2 * _EMULATION["bram_rom" if one_port else "bram_ram"] + libmap.join_cost(chunks, width, rom)
            select = (chunks - 1).bit_length()  # the registered chunk select of the read multiplexer
            mux = width * _lutram_mux(chunks) if chunks > 1 else 0
            if one_port:
                candidates.append((c, cells, mux, select))
            else:
                bypass = width + (6 if abits_used <= 7 else 20)
                candidates.append((c, cells, mux + bypass, 2 * width + abits_used + 2 + select))
    for c, *mapping in candidates:
        if c < best_cost:
            best_cost, best = c, tuple(mapping)
    return best
