"""Golden outputs: record what the compiler produces, and compare two recordings byte for byte.

Why: a refactor of the internals must not change any output.  This script runs
the user-facing commands (`atheena import`, `atheena-opt --pass-pipeline=...`,
`atheena dse --json`) on fixed networks and budgets and keeps every result, so a
recording made before the refactor can be compared with one made after it.

    python benchmarks/golden.py record OUT_DIR   # OUT_DIR must not exist or be empty
    python benchmarks/golden.py compare A B      # lists differing/missing files (exit 1), else 'identical: N files'

The commands run as `sys.executable -m atheena.tools.cli|opt` with the current
environment, so the active `atheena` is the one recorded; to record another
checkout, e.g. a worktree of the commit before the refactor:

    cd /tmp && PYTHONPATH=/path/to/worktree python /path/to/benchmarks/golden.py record golden/base

The first line printed names the `atheena` package being recorded.  Every
command runs inside its output folder (so `-m` cannot pick up a checkout from
the current directory) with relative paths, so no absolute path reaches the
recorded files.  What is recorded, per network in NETWORKS:

    NET/imported.mlir                   atheena import (the network's default thresholds)
    NET/profiled.mlir                   annotate-exit-probabilities (bundled data, the IR's thresholds)
    NET/budget-B/folded.mlir            fold{board=zc706 budget=B}
    NET/budget-B/buffered.mlir          size-buffers
    NET/budget-B/lowered.mlir, rtl/*    lower-atheena-to-handshake{rtl=rtl} (.sv, filelist.f, handshake.mlir)
    NET/dse.json                        atheena dse --json --budgets 0.1,0.3,0.5,1.0

(no RTL for triple-wins; dse.json for b-lenet and b-lenet-3 only).

A command that fails leaves FILE.error (its exit status and message) instead
of FILE, and the steps after it are skipped: e.g. triple-wins does not fit
budget 0.1, so triple-wins/budget-0.1/folded.mlir.error is part of the golden.

MLIR is printed with `--mlir-print-debuginfo` (layer names), as `atheena compile` writes it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # this script's repository (for examples/tiny_ee.*)
BOARD = "zc706"
BUDGETS = ("0.1", "0.5")
DSE_BUDGETS = "0.1,0.3,0.5,1.0"
# name: (model arguments of `atheena import`/`dse`, lower to RTL?, record `atheena dse --json`?)
NETWORKS = {
    "b-lenet": (["--example", "b-lenet"], True, True),
    "b-lenet-3": (["--example", "b-lenet-3"], True, True),
    "tiny-ee": ([str(ROOT / "examples/tiny_ee.py") + ":TinyEE", "--weights", str(ROOT / "examples/tiny_ee.pt")],
                True, False),
    "triple-wins": (["--example", "triple-wins"], False, False),
}
PARALLEL = 2
REPRODUCER = re.compile(r"\S*atheena-opt-reproducer-\S*\.mlir")  # a failed pass's input, saved to a temp file


def _run(folder: Path, tool: str, *args: str, output: str, stdout: bool = False) -> bool:
    """`python -m atheena.tools.<tool> args` in `folder`, which writes `output` (or prints it: `stdout`).

    A failure is behaviour too: its message goes to `output`.error (without the
    reproducer's random file name; the file is deleted) and False is returned.
    """
    command = [sys.executable, "-m", f"atheena.tools.{tool}", *args]
    done = subprocess.run(command, check=False, cwd=folder, capture_output=True, text=True)
    if done.returncode == 0 and stdout:
        (folder / output).write_text(done.stdout)
    elif done.returncode != 0:
        for reproducer in REPRODUCER.findall(done.stderr):
            Path(reproducer).unlink(missing_ok=True)
        (folder / f"{output}.error").write_text(f"exit {done.returncode}\n" + REPRODUCER.sub("REPRODUCER", done.stderr))
        print(f"{folder}: {output} failed, recorded in {output}.error", flush=True)
    return done.returncode == 0


def _opt(folder: Path, source: str, pipeline: str, output: str) -> bool:
    return _run(folder, "opt", source, "--mlir-print-debuginfo", f"--pass-pipeline=builtin.module({pipeline})",
                "-o", output, output=output)


def compile_job(out: Path, name: str) -> str:
    model, rtl, _ = NETWORKS[name]
    started, net = time.perf_counter(), out / name
    net.mkdir()
    if not (_run(net, "cli", "import", *model, "-q", "-o", "imported.mlir", output="imported.mlir")
            and _opt(net, "imported.mlir", "annotate-exit-probabilities", "profiled.mlir")):
        return f"{name}: failed after {time.perf_counter() - started:.1f} s"
    for budget in BUDGETS:  # each step needs the one before
        here = net / f"budget-{budget}"
        here.mkdir()
        (_opt(here, "../profiled.mlir", f"fold{{board={BOARD} budget={budget}}}", "folded.mlir")
         and _opt(here, "folded.mlir", "size-buffers", "buffered.mlir")
         and rtl and _opt(here, "buffered.mlir", "lower-atheena-to-handshake{rtl=rtl}", "lowered.mlir"))
    return f"{name}: {time.perf_counter() - started:.1f} s"


def dse_job(out: Path, name: str) -> str:
    started, folder = time.perf_counter(), out / f"{name}.dse"
    folder.mkdir()  # own folder: the compile job of the same network runs at the same time
    _run(folder, "cli", "dse", *NETWORKS[name][0], "--board", BOARD, "--budgets", DSE_BUDGETS, "--json", "-q",
         output="dse.json", stdout=True)
    return f"{name} dse: {time.perf_counter() - started:.1f} s"


def record(out: Path) -> int:
    if out.exists() and any(out.iterdir()):
        sys.exit(f"golden: {out} exists and is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    which = subprocess.run([sys.executable, "-c", "import atheena; print(atheena.__file__)"], cwd=out,
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"recording {which} -> {out}", flush=True)
    started = time.perf_counter()
    jobs = [(compile_job, n) for n in NETWORKS] + [(dse_job, n) for n, spec in NETWORKS.items() if spec[2]]
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = [pool.submit(job, out, name) for job, name in jobs]
        for f in futures:
            print(f.result(), flush=True)
    for name, spec in NETWORKS.items():  # dse.json into the network's folder, once both jobs are done
        if spec[2]:
            for f in (out / f"{name}.dse").iterdir():  # dse.json, or dse.json.error
                f.rename(out / name / f.name)
            (out / f"{name}.dse").rmdir()
    print(f"recorded {len(files(out))} files in {time.perf_counter() - started:.1f} s")
    return 0


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def compare(a: Path, b: Path) -> int:
    for d in (a, b):
        if not d.is_dir():
            sys.exit(f"golden: {d} is not a folder")
    in_a, in_b = files(a), files(b)
    problems = [f"only in {a}: {p}" for p in sorted(in_a - in_b)] + [f"only in {b}: {p}" for p in sorted(in_b - in_a)]
    problems += [f"differs: {p}" for p in sorted(in_a & in_b) if (a / p).read_bytes() != (b / p).read_bytes()]
    print("\n".join(problems) if problems else f"identical: {len(in_a)} files")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "record":
        return record(Path(argv[1]))
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    sys.exit(__doc__.split("\n\n")[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
