"""`lower-atheena-to-handshake`: the folded network as a CIRCT `handshake.func` and SystemVerilog.

Builds one kernel per op with the folding `fold` chose (see
`atheena.hardware.lower` for the mapping, lane converters and FIFOs), a
`handshake.func` top level that instantiates them, lowers it through CIRCT
(handshake -> hw -> sv) and writes into the directory `rtl`: every module's
`.sv`, `filelist.f` (kernels first, the top last), each ROM's contents as
`rom_<digest>.hex` (the `.sv` loads them with `$readmemh` by a relative path:
synthesis and simulation tools resolve it against their working directory, so
run them in `rtl` or add the `.hex` files to the project as memory
initialisation files) and `handshake.mlir` (the top level before lowering).
The IR itself is unchanged except for `atheena.rtl` on the network function
(directory, top module, file count: sources and ROM files),
because the handshake and hw dialects live in CIRCT's own MLIR, not in the
one `atheena-opt` runs.

Options: `rtl` (output directory, required), `top` (top module name,
default `atheena_top`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.pass_base import ModulePass, PassFailure


@dataclass(frozen=True)
class LowerAtheenaToHandshake(ModulePass):
    """Kernels + handshake top level -> SystemVerilog directory (needs `fold` first)."""

    name = "lower-atheena-to-handshake"
    rtl: str = ""
    top: str = "atheena_top"

    def apply(self, module: ir.Operation) -> None:
        from atheena.hardware.lower import lower

        if not self.rtl:
            raise PassFailure(module, "lower-atheena-to-handshake needs an output directory: "
                              "lower-atheena-to-handshake{rtl=path/to/dir}")
        if not self.top.isidentifier():
            raise PassFailure(module, f"top module name '{self.top}' must be a Verilog identifier")
        funcs = O.network_functions(module)
        if len(funcs) != 1:
            raise PassFailure(module, f"expected one network function, found {len(funcs)}")
        (func,) = funcs
        try:
            design = lower(module, self.top)
        except AtheenaError as err:
            raise PassFailure(func, str(err)) from None
        try:
            design.write(Path(self.rtl))
        except OSError as err:
            raise PassFailure(func, f"cannot write the SystemVerilog into '{self.rtl}': {err.strerror or err}; "
                              "give a directory you can write (lower-atheena-to-handshake{rtl=path/to/dir})") from None
        func.attributes["atheena.rtl"] = ir.DictAttr.get({
            "directory": ir.StringAttr.get(self.rtl),
            "top": ir.StringAttr.get(design.name),
            "files": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), len(design.files)),
        })
