"""A timing design-rule check for AMD/Xilinx families, where no open place-and-route exists.

nextpnr cannot route 7-series or UltraScale+ parts and Yosys's `sta` has no
delay arcs for their cells, so the clock of a Xilinx design cannot be proven
here.  What can be checked is the structure that decides it, on the netlist
Yosys `synth_xilinx` maps (`check(files, top)`):

* **DSPs are pipelined.**  Every DSP48E1 uses its M and P registers (a DSP48
  without them adds its multiplier or post-adder to a fabric path: the chains
  of 15-50 unregistered DSPs that held the conv engine at an estimated
  10-27 MHz before the kernels were pipelined).
* **Logic between registers is shallow.**  Yosys's `ltp` finds the longest
  path through LUTs, inverters, wide-function muxes and carry chains (the
  selection `t:LUT* t:CARRY4 t:MUXF7 t:MUXF8 t:INV w:*`: flip-flops, block RAMs
  and DSPs end a path).  Run twice: with the carry chains (the longest
  arithmetic path) and without (the deepest pure LUT path).  A path passes with
  at most `MAX_LUT_LEVELS` LUT levels (a MUXF7/MUXF8 counts as one: together
  with its LUTs it is a wider LUT, but it adds delay) and at most
  `MAX_CARRY4` CARRY4s (a 64-bit carry chain) on one path.

The limits are what a -2 part meets at 125 MHz with room for routing: a LUT
level with its net is about 0.5-0.7 ns, a CARRY4 about 0.1 ns, so 6 levels plus
a 64-bit chain is about 5-6 ns of the 8 ns period.  This is a rule check, not
timing analysis: the ZC706's clock stays labelled "assumed" in every report.
Results are cached by content under `$ATHEENA_CACHE/xc7rules`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field

from atheena.errors import AtheenaError
from atheena.hardware.cache import cache_dir, content_key, keep_failed, scratch, store
from atheena.hardware.emit import sources as emitted_sources
from atheena.hardware.synth import _run, yosys, yosys_version

MAX_LUT_LEVELS = 6
MAX_CARRY4 = 16

SCRIPT = """read_verilog -sv {sources}
synth_xilinx -family {family} -top {top} -flatten -noiopad -noclkbuf
tee -q -o ltp_all.txt ltp -noff t:LUT* t:CARRY4 t:MUXF7 t:MUXF8 t:INV w:*
tee -q -o ltp_lut.txt ltp -noff t:LUT* t:MUXF7 t:MUXF8 t:INV w:*
write_json -selected netlist.json
tee -q -o stat.json stat -json
"""


@dataclass
class Path:
    """The cells of one path, by kind."""

    luts: int = 0
    muxes: int = 0
    carries: int = 0
    start: str = ""

    @property
    def levels(self) -> int:
        return self.luts + self.muxes

    def describe(self) -> str:
        return (f"{self.levels} LUT levels ({self.luts} LUTs, {self.muxes} MUXF7/8) and {self.carries} CARRY4s"
                + (f", from {self.start}" if self.start else ""))


@dataclass
class RuleCheck:
    top: str
    dsps: int
    unregistered_dsps: list[str] = field(default_factory=list)  # DSP48E1s without MREG or PREG
    longest: Path = field(default_factory=Path)  # through LUTs and carry chains
    deepest: Path = field(default_factory=Path)  # through LUTs only
    cells: dict[str, int] = field(default_factory=dict)  # the netlist's cell counts (`synth.resources` reads them)

    @property
    def passed(self) -> bool:
        return not self.unregistered_dsps and all(
            p.levels <= MAX_LUT_LEVELS and p.carries <= MAX_CARRY4 for p in (self.longest, self.deepest))

    def failures(self) -> list[str]:
        out = []
        if self.unregistered_dsps:
            out.append(f"{len(self.unregistered_dsps)} of {self.dsps} DSP48E1s lack their M or P register "
                       f"(e.g. {self.unregistered_dsps[0]})")
        for what, p in (("longest path", self.longest), ("deepest LUT path", self.deepest)):
            if p.levels > MAX_LUT_LEVELS or p.carries > MAX_CARRY4:
                out.append(f"{what}: {p.describe()} (limits: {MAX_LUT_LEVELS} levels, {MAX_CARRY4} CARRY4s)")
        return out

    def summary(self) -> str:
        if self.passed:
            return (f"passed: {self.dsps} DSP48E1s all with M and P registers; longest path "
                    f"{self.longest.describe()}; deepest {self.deepest.levels} LUT levels")
        return "failed: " + "; ".join(self.failures())

    def to_json(self) -> dict:
        return {"top": self.top, "dsps": self.dsps, "unregistered_dsps": self.unregistered_dsps,
                "longest": asdict(self.longest), "deepest": asdict(self.deepest), "cells": self.cells}

    @classmethod
    def from_json(cls, d: dict) -> RuleCheck:
        return cls(d["top"], d["dsps"], d["unregistered_dsps"], Path(**d["longest"]), Path(**d["deepest"]),
                   d.get("cells", {}))


_STEP = re.compile(r"^\s*\d+: (\S+)(?: \(via (\S+)\))?")


def _path(text: str, cells: dict[str, str]) -> Path:
    path = Path()
    for line in text.splitlines():
        m = _STEP.match(line)
        if not m:
            continue
        wire, via = m.groups()
        if via is None:
            path.start = path.start or wire.lstrip("\\")
            continue
        kind = cells.get(via.lstrip("\\"), "")
        if kind == "CARRY4" or "carry4" in via.lower():
            path.carries += 1
        elif kind in ("MUXF7", "MUXF8"):
            path.muxes += 1
        else:
            path.luts += 1
    return path


def check(files: dict[str, str], top: str, family: str = "xc7") -> RuleCheck:
    """Synthesise `files` for a Xilinx `family` ("xc7" or "xcup") and apply the rules (see the module doc)."""
    sources = emitted_sources(files)
    if not sources:
        raise AtheenaError(f"nothing to check for {top}: no SystemVerilog files were given")
    text = SCRIPT.format(sources=" ".join(sources), top=top, family=family)
    key = content_key(files, top, text, yosys_version())
    record = cache_dir("xc7rules") / f"{key}.json"
    if record.exists():
        return RuleCheck.from_json(json.loads(record.read_text()))
    work = scratch(record.with_suffix(""), files)
    (work / "rules.ys").write_text(text)
    code, _, _ = _run([yosys(), "-q", "-l", "yosys.log", "-s", "rules.ys"], work, None)
    if code != 0 or not (work / "netlist.json").exists():
        log = (work / "yosys.log").read_text(errors="replace")[-2500:] if (work / "yosys.log").exists() else ""
        raise AtheenaError(f"Yosys could not synthesise {top} for the timing rule check (exit status {code}); "
                           f"the files are in {keep_failed(work)}. End of the log:\n{log}")
    netlist = json.loads((work / "netlist.json").read_text())
    (module,) = [m for name, m in netlist["modules"].items() if name == top] or list(netlist["modules"].values())[:1]
    cells = {name: c["type"] for name, c in module["cells"].items()}
    dsps = [(name, c["parameters"]) for name, c in module["cells"].items() if c["type"] == "DSP48E1"]
    bad = sorted(name for name, p in dsps if int(p.get("MREG", "0"), 2) != 1 or int(p.get("PREG", "0"), 2) != 1)
    result = RuleCheck(top, len(dsps), bad, _path((work / "ltp_all.txt").read_text(), cells),
                       _path((work / "ltp_lut.txt").read_text(), cells),
                       json.loads((work / "stat.json").read_text())["design"]["num_cells_by_type"])
    store(record, result.to_json())
    shutil.rmtree(work, ignore_errors=True)
    return result
