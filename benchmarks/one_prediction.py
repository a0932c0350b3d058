"""Do `atheena dse --json`, the `fold` + `size-buffers` pipeline and `atheena compile` predict the same design?

For each network and budget the three routes a user can take to a predicted
throughput are run through the command-line tools.  `atheena compile` runs
first: it folds every section for the upper confidence bound of its reach
(`report.json`'s `exploration.chosen.fold_rates`), so the other two routes are
given those exit rates, and all three read the same profiled exit sequence (the
bundled calibration images at the network's own thresholds):

* `atheena compile --example NET --budget B --simulate 0` (`report.json`'s `predicted`);
* `atheena dse profiled.mlir --budgets B --exit-probabilities RATES --json` (the sweep);
* `atheena-opt profiled.mlir --pass-pipeline='builtin.module(fold{... exit_probabilities=RATES},size-buffers)'`
  (`atheena.design`).

It prints, per point, each route's cycles per sample under each model
(rate-balanced, buffered independent samples, buffered replay of the profiled
sequence) and the whole design's resources, and says whether they agree to
the cycle and to the LUT: all three on the rate-balanced and independent-sample
models and the resources; `atheena-opt` and `compile` also on the headline
(the replay of the profiled sequence: given bare exit rates, `atheena dse` has
no sequence to replay, so its headline is the independent-sample model).
Exit status 1 if any point disagrees.

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
    rows = []
    for budget in budgets:
        out = work / f"compile-{budget}"
        done = subprocess.run([sys.executable, "-m", *cli, "compile", "--example", net, "--budget", str(budget),
                               "--simulate", "0", "-q", "-o", str(out)], cwd=work, capture_output=True, text=True)
        if done.returncode:  # does not fit: the sweep must say so too
            sweep = json.loads(_run(*cli, "dse", "profiled.mlir", "--budgets", str(budget), "--json", "-q", cwd=work))
            fits = sweep[0]["early_exit"] is not None
            rows.append({"network": net, "budget": budget, "dse": None, "pipeline": None, "compile": None,
                         "fits": fits, "error": done.stderr.strip().splitlines()[-1] if fits else ""})
            continue
        report = json.loads((out / "report.json").read_text())
        rates = ",".join(repr(r) for r in report["exploration"]["chosen"]["fold_rates"])
        sweep = json.loads(_run(*cli, "dse", "profiled.mlir", "--budgets", str(budget), "--exit-probabilities", rates,
                                "--json", "-q", cwd=work))
        pipeline = _run(*opt, "profiled.mlir", f"--pass-pipeline=builtin.module(fold{{board=zc706 budget={budget} "
                        f"exit_probabilities={rates}}},size-buffers)", cwd=work)
        rows.append({"network": net, "budget": budget, "fold_rates": rates, "dse": _figures(sweep[0]["early_exit"]),
                     "pipeline": _figures(_design_of(pipeline)), "compile": _figures(report["predicted"])})
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
          f"{'':<24} {'LUT':>7}  routes agree")
    disagree = 0
    for r in rows:
        routes = [r[k] for k in ("dse", "pipeline", "compile")]
        if r.get("error") is not None:
            disagree += r["fits"]
            print(f"{r['network']:<12} {r['budget']:>6g}  "
                  + (f"NO: the sweep fits it but compile failed: {r['error']}" if r["fits"] else "does not fit"))
            continue
        shared = [{k: x[k] for k in ("balanced_cycles_per_sample", "independent_cycles_per_sample", "resources")}
                  for x in routes]
        same = all(x == shared[0] for x in shared) and routes[1] == routes[2]
        disagree += not same
        d = routes[2]
        print(f"{r['network']:<12} {r['budget']:>6g}  {d['balanced_cycles_per_sample']:>13,.1f} "
              f"{d['independent_cycles_per_sample']:>12,.1f} {d['cycles_per_sample']:>12,.1f}  {d['model']:<29} "
              f"{d['resources']['lut']:>7,}  {'yes' if same else 'NO: ' + json.dumps(routes)}")
    print(f"{len(rows) - disagree} of {len(rows)} points agree", file=sys.stderr)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
