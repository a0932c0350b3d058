"""Memories that synthesise to block RAM or LUT RAM: a ROM, a simple dual-port RAM and a LUT RAM.

PyCDE has no memory construct, so these build the CIRCT `sv` ops directly: an
unpacked array register (`reg [W-1:0] mem [0:D-1]`), loaded by `$readmemh` in
an `initial` block for a ROM or written in an `always_ff` for a RAM, with a
registered read.  That is the pattern Yosys's memory inference (and Vivado's) maps to
RAMB18/RAMB36 when deep and to LUT RAM when shallow, and Verilator simulates
it as written.  Both read ports have one cycle of latency; a RAM read of the
address being written in the same cycle returns the old word (read-first).
`lut_ram` reads without a register (the word at the address, in the same
cycle): the asynchronous read of distributed RAM (xc7 RAM32M/RAM64M, ECP5
TRELLIS_DPR16X4), for small tables such as the conditional buffer's queues
of slot numbers.

A ROM's contents live in a hex file beside the SystemVerilog (`rom_<digest>.hex`,
named by a hash of its width and words, so the same design gives the same names
and identical ROMs share one file).  One assignment per word in the `initial`
block would mean the same, but Yosys reads such a block in time growing faster
than its length (B-LeNet's ROMs: 31.5 s against 0.66 s through `$readmemh`), and
building tens of thousands of constant ops slows the lowering too.  `rom`
records each file while a design is generated; `emit` collects them into the
design's files (`take_hex_files`), and every tool is run in the folder that
holds them: Yosys and the Verilator model resolve `$readmemh` paths against
their working directory.
"""

from __future__ import annotations

import hashlib
import threading


def _array(width: int, depth: int):
    from pycde.circt import ir

    return ir.Type.parse(f"!hw.inout<uarray<{depth}xi{width}>>")


def _const(width: int, value: int):
    ir, hw = _circt()
    value &= (1 << width) - 1
    if value >> (width - 1):  # as a negative number: the bindings reject an unsigned i64 at or above 2**63
        value -= 1 << width
    return hw.ConstantOp(ir.IntegerAttr.get(ir.IntegerType.get_signless(width), value)).result


def _circt():
    """(ir, hw) of PyCDE's CIRCT bindings, imported once (a ROM makes thousands of constants)."""
    global _CIRCT
    if _CIRCT is None:
        from pycde.circt import ir
        from pycde.circt.dialects import hw

        _CIRCT = (ir, hw)
    return _CIRCT


_CIRCT = None


def _addr_bits(depth: int) -> int:
    return max(1, (depth - 1).bit_length())


def rom(name: str, contents: list[int], width: int, addr, clk, enable=None):
    """Registered ROM read: `data <= contents[addr]` on each clock edge where `enable` is high.

    `addr` is a Bits signal of `max(1, ceil(log2(len(contents))))` bits; returns a Bits(width)
    signal valid one cycle after the address.  Values are stored modulo 2**width, loaded from
    the hex file `hex_file` names.
    """
    from pycde.circt.dialects import sv
    from pycde.circt import ir
    from pycde.signals import _FromCirctValue

    depth = len(contents)
    abits = _addr_bits(depth)
    if addr.type.width != abits:
        raise ValueError(f"ROM {name}: address has {addr.type.width} bits, needs {abits}")
    mem = sv.RegOp(_array(width, depth), name=name)
    file_name, text = hex_file(contents, width)
    _recorded().setdefault(file_name, text)
    init = sv.InitialOp()
    init.body.blocks.append()
    with ir.InsertionPoint(init.body.blocks[0]):
        sv.ReadMemOp(mem.result, file_name, ir.IntegerAttr.get(ir.IntegerType.get_signless(32), _MEM_BASE_HEX))
    word = _FromCirctValue(sv.ReadInOutOp(sv.ArrayIndexInOutOp(mem.result, addr.value).result).result)
    return word.reg(clk=clk, ce=enable, name=f"{name}_q")


_MEM_BASE_HEX = 1  # CIRCT's sv.readmem base: MemBaseBin = 0 ($readmemb), MemBaseHex = 1 ($readmemh)
_HEX = threading.local()  # ROM files recorded by the design being generated on this thread


def hex_file(contents: list[int], width: int) -> tuple[str, str]:
    """(file name, text) of a ROM's `$readmemh` file: one word per line, ceil(width / 4) hex digits,
    two's complement modulo 2**width.  The name is a digest of the width and the text."""
    mask = (1 << width) - 1
    digits = max(1, -(-width // 4))
    text = "".join(f"{int(v) & mask:0{digits}x}\n" for v in contents)
    digest = hashlib.sha256(f"{width}\n{text}".encode()).hexdigest()[:16]
    return f"rom_{digest}.hex", text


def _recorded() -> dict[str, str]:
    if not hasattr(_HEX, "files"):
        _HEX.files = {}
    return _HEX.files


def take_hex_files() -> dict[str, str]:
    """{file name: text} of the ROM files recorded on this thread since the last call (and forget them)."""
    files = dict(sorted(_recorded().items()))
    _HEX.files = {}
    return files


def ram(name: str, width: int, depth: int, clk, write_enable, write_addr, write_data, read_addr, read_enable=None):
    """Simple dual-port RAM: one write port, one registered read port (read-first).

    Returns the read data, valid one cycle after `read_addr` (held while `read_enable` is low).
    """
    word = lut_ram(name, width, depth, clk, write_enable, write_addr, write_data, read_addr, what="RAM")
    return word.reg(clk=clk, ce=read_enable, name=f"{name}_q")


def lut_ram(name: str, width: int, depth: int, clk, write_enable, write_addr, write_data, read_addr,
            what: str = "LUT RAM"):
    """Simple dual-port RAM with an unregistered read: returns `mem[read_addr]` in the same cycle.

    A word written at the clock edge ending cycle t is read from cycle t + 1 on (`ram` registers it).
    """
    from pycde.circt.dialects import sv
    from pycde.signals import _FromCirctValue

    abits = _addr_bits(depth)
    for label, signal in (("write", write_addr), ("read", read_addr)):
        if signal.type.width != abits:
            raise ValueError(f"{what} {name}: {label} address has {signal.type.width} bits, needs {abits}")
    mem = sv.RegOp(_array(width, depth), name=name)
    slot = sv.ArrayIndexInOutOp(mem.result, write_addr.value).result
    write_enable.when_true(lambda: sv.PAssignOp(slot, write_data.value), clk=clk)
    return _FromCirctValue(sv.ReadInOutOp(sv.ArrayIndexInOutOp(mem.result, read_addr.value).result).result)
