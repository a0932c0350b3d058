"""Do `atheena dse --json`, the `fold` + `size-buffers` pipeline and `atheena compile` predict the same design?

For each network and budget the three routes a user can take to a predicted
throughput are run through the command-line tools, on the same profiled exit
rates (the bundled calibration images at the network's own thresholds):

* `atheena dse profiled.mlir --budgets ... --json` (the sweep);
* `atheena-opt profiled.mlir --pass-pipeline='builtin.module(fold{...},size-buffers)'` (`atheena.design`);
* `atheena compile --example NET --budget B --simulate 0` (`report.json`'s `predicted`).

It prints, per point, each route's cycles per sample under each model
(rate-balanced, buffered independent samples, buffered replay of the profiled
sequence) and the whole design's resources, and says whether all three agree
to the cycle and to the LUT.  Exit status 1 if any point disagrees.

    python benchmarks/one_prediction.py                       # B-LeNet, b-lenet-3, Triple-Wins at 0.1, 0.3, 0.5, 1.0
    python benchmarks/one_prediction.py --networks b-lenet --budgets 0.5
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS = ("balanced_cycles_per_sample", "independent_cycles_per_sample", "cycles_per_sample")


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def _design_of(mlir: str) -> dict:
    match = re.search(r"atheena\.design = \{([^}]*)\}", mlir)
    entries = dict(re.findall(r"(\w+) = (\"[^\"]*\"|[-\d.e+]+)", match.group(1)))
    out = {k: float(entries[k]) for k in KEYS if k in entries}
    out["model"] = entries.get("model", "").strip('"')
    out["resources"] = {k: int(entries[k]) for k in ("dsp", "bram18", "lut", "ff")}
    return out


def _figures(design: dict | None) -> dict | None:
    if design is None:
        return None
    out = {k: design.get(k) for k in KEYS}
    out["model"], out["resources"] = design["model"], design["resources"]
    return out


def point(net: str, budgets: list[float], work: Path) -> list[dict]:
    cli, opt = ("atheena.tools.cli",), ("atheena.tools.opt",)
    _run(*cli, "import", "--example", net, "-q", "-o", "imported.mlir", cwd=work)
    _run(*opt, "imported.mlir", "--pass-pipeline=builtin.module(annotate-exit-probabilities)", "-o", "profiled.mlir",
         cwd=work)
    sweep = json.loads(_run(*cli, "dse", "profiled.mlir", "--budgets", ",".join(map(str, budgets)), "--json", "-q",
                            cwd=work))
    rows = []
    for budget, record in zip(budgets, sweep):
        pipeline = _run(*opt, "profiled.mlir", f"--pass-pipeline=builtin.module(fold{{board=zc706 budget={budget}}},"
                        "size-buffers)", cwd=work) if record["early_exit"] else None
        out = work / f"compile-{budget}"
        compiled = None
        if record["early_exit"]:
            _run(*cli, "compile", "--example", net, "--budget", str(budget), "--simulate", "0", "-q", "-o", str(out),
                 cwd=work)
            compiled = json.loads((out / "report.json").read_text())["predicted"]
        rows.append({"network": net, "budget": budget, "dse": _figures(record["early_exit"]),
                     "pipeline": _figures(_design_of(pipeline)) if pipeline else None,
                     "compile": _figures(compiled)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", default="b-lenet,b-lenet-3,triple-wins")
    parser.add_argument("--budgets", default="0.1,0.3,0.5,1.0")
    args = parser.parse_args()
    budgets = [float(b) for b in args.budgets.split(",")]
    rows, started = [], time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for net in args.networks.split(","):
            work = Path(tmp) / net
            work.mkdir()
            rows += point(net, budgets, work)
            print(f"{net}: done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(f"{'network':<12} {'budget':>6}  {'rate-balanced':>13} {'independent':>12} {'headline':>12}  model"
          f"{'':<24} {'LUT':>7}  all three agree")
    disagree = 0
    for r in rows:
        routes = [r[k] for k in ("dse", "pipeline", "compile")]
        if routes[0] is None:
            print(f"{r['network']:<12} {r['budget']:>6g}  does not fit")
            continue
        same = all(x == routes[0] for x in routes)
        disagree += not same
        d = routes[0]
        print(f"{r['network']:<12} {r['budget']:>6g}  {d['balanced_cycles_per_sample']:>13,.1f} "
              f"{d['independent_cycles_per_sample']:>12,.1f} {d['cycles_per_sample']:>12,.1f}  {d['model']:<29} "
              f"{d['resources']['lut']:>7,}  {'yes' if same else 'NO: ' + json.dumps(routes)}")
    print(f"{len(rows) - disagree} of {len(rows)} points agree", file=sys.stderr)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
