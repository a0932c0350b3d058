"""Emit PyCDE modules as deterministic, Yosys-friendly SystemVerilog.

PyCDE's default output carries absolute source paths in comments and a
version banner; the lowering options below remove both (same input, same
bytes on every machine) and keep the constructs Yosys accepts (no local
variables in `always_ff`).  `emit` returns the text of every generated file.
"""

from __future__ import annotations

import io
import re

LOWERING_OPTIONS = "locationInfoStyle=none,omitVersionComment,disallowLocalVariables"
_MODULE = re.compile(r"^module (\w+)", re.MULTILINE)
_FILE_MARKER = re.compile(r"^// ----- 8< ----- FILE \"([^\"]+)\" ----- 8< -----$", re.MULTILINE)


def emit(modules: list, name: str) -> dict[str, str]:
    """{file name: SystemVerilog text} for the given PyCDE module classes (and what they use)."""
    import pycde.circt as circt
    from pycde import System
    from pycde.circt import ir as cir

    system = System(list(modules), name=name, output_directory="/nonexistent-unused")
    system.generate()
    with system.mod.context:
        system.mod.operation.attributes["circt.loweringOptions"] = cir.StringAttr.get(LOWERING_OPTIONS)
    system.run_passes()
    buffer = io.StringIO()
    circt.export_verilog(system.mod, buffer)
    text = buffer.getvalue()
    files = {}
    parts = _FILE_MARKER.split(text)
    for i in range(1, len(parts) - 1, 2):
        if parts[i].endswith(".sv"):
            body = parts[i + 1].strip() + "\n"
            module = _MODULE.search(body)
            # one module per file, named after it (what Verilator's lint and file lists expect)
            files[f"{module.group(1)}.sv" if module else parts[i]] = body
    return files
