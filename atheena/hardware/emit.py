"""Emit PyCDE modules as deterministic, Yosys-friendly SystemVerilog.

PyCDE's default output carries absolute source paths in comments and a
version banner; the lowering options below remove both (same input, same
bytes on every machine) and keep the constructs Yosys accepts (no local
variables in `always_ff`).  `emit` returns the text of every generated file: the SystemVerilog and the ROMs'
`$readmemh` files (`kernels/memory.py`).

Two departures from PyCDE's `System.run_passes`, both for speed and for
several top modules at once: the ESI manifest and Tcl export passes are
skipped (ATHEENA uses neither, and they accept only one top), and PyCDE's
full garbage collection before every pass (~0.1 s each with torch loaded:
98% of the emit time) runs once instead.  That collection only releases
Python references to operations that later passes may erase; nothing reads
them afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re

LOWERING_OPTIONS = "locationInfoStyle=none,omitVersionComment,disallowLocalVariables"
_MODULE = re.compile(r"^module (\w+)", re.MULTILINE)
_FILE_MARKER = re.compile(r"^// ----- 8< ----- FILE \"([^\"]+)\" ----- 8< -----$", re.MULTILINE)
# A packed array initialised with an assignment pattern, `wire [N:0][M:0] x = '{a, b, ...};`, is how
# CIRCT writes a Mux over constants (`kernels/logic.py` `table`, e.g. the window's row and column kinds).
# Yosys rejects the pattern on a packed array (CIRCT's `disallowPackedArrays` does not remove it); the
# concatenation `{a, b, ...}` means the same bits (first element in the top index), and Verilator reads both.
PACKED_PATTERN = re.compile(r"^(\s*wire\s+(?:\[[^\]]+\]\s*){2,}\w+\s*=\s*)'\{", re.MULTILINE)


def sources(files: dict[str, str]) -> list[str]:
    """The (System)Verilog files among a design's files, sorted; the rest are data (ROMs' `$readmemh`
    files), which a tool finds by running in the folder that holds them all."""
    return sorted(n for n in files if n.endswith((".sv", ".v")))


class _OneCollection:
    """Stands in for the `gc` module inside pycde.system while the passes run."""

    @staticmethod
    def collect(*_args) -> int:
        return 0


def _no_builtin_dialect_module() -> None:
    """Stop MLIR looking for `pycde.circt.dialects.builtin` on every op it creates.

    MLIR's Python bindings import `<package>.dialects.builtin` to find the builtin dialect's op
    classes; PyCDE does not ship that module, so the import fails, is not remembered, and is
    retried (a search of sys.path) for every op: a third of the time to lower B-LeNet, whose
    weight ROMs are tens of thousands of constants.  An empty module is what the dialect has.
    """
    import sys
    import types

    name = "pycde.circt.dialects.builtin"
    if name not in sys.modules:
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name, "stands in for the builtin dialect's (absent) op classes")


@contextlib.contextmanager
def pycde_context():
    """PyCDE's default MLIR context and location, current on this thread while the block runs.

    PyCDE enters them at import, on the importing thread only.  A Dask worker imports PyCDE on its
    main thread (`atheena.parallel_plugins.Preload`: its exit handlers need that) and runs jobs on
    another, where building a kernel would find no context; here they are entered for the job.
    """
    import pycde
    from pycde.circt import ir as cir

    if cir.Context.current is not None:
        yield
        return
    with pycde.DefaultContext, pycde.DefaultLocation:
        yield


def emit(modules: list, name: str) -> dict[str, str]:
    """{file name: SystemVerilog text} for the given PyCDE module classes (and what they use)."""
    _no_builtin_dialect_module()
    import pycde.circt as circt
    import pycde.system as pycde_system
    from pycde import System
    from atheena.hardware.kernels.memory import take_hex_files
    from pycde.circt import ir as cir

    class _System(System):
        ESI_MANIFEST_PASSES = [p for p in System.ESI_MANIFEST_PASSES if "manifest" not in p]
        FINAL_LOWERING_PASSES = [p for p in System.FINAL_LOWERING_PASSES if "export-tcl" not in p]

    take_hex_files()  # forget the files of a design whose generation failed on this thread
    system = _System(list(modules), name=name, output_directory="/nonexistent-unused")
    system.generate()
    roms = take_hex_files()
    with system.mod.context:
        system.mod.operation.attributes["circt.loweringOptions"] = cir.StringAttr.get(LOWERING_OPTIONS)
    gc.collect()
    saved, pycde_system.gc = pycde_system.gc, _OneCollection
    try:
        system.run_passes()
    finally:
        pycde_system.gc = saved
    buffer = io.StringIO()
    circt.export_verilog(system.mod, buffer)
    text = buffer.getvalue()
    files = {}
    parts = _FILE_MARKER.split(text)
    for i in range(1, len(parts) - 1, 2):
        if parts[i].endswith(".sv"):
            body = PACKED_PATTERN.sub(r"\1{", parts[i + 1].strip()) + "\n"
            module = _MODULE.search(body)
            # one module per file, named after it (what Verilator's lint and file lists expect)
            files[f"{module.group(1)}.sv" if module else parts[i]] = body
    return {**files, **roms}
