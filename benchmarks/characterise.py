"""Characterise the generated kernels with Yosys and refit the resource model.

Synthesises every parameter point of the selected kernel families
(`atheena/hardware/characterise.py`; Yosys synth_xilinx for xc7, runs cached
under $ATHEENA_CACHE/yosys; one job per kernel, serially or on Dask with
--jobs/--scheduler), writes the measurements to
`atheena/dse/characterisation.json`, fits the LUT and FF coefficients of each
family on two thirds of its points and reports, on the held-out third, DSP
and BRAM exact matches and LUT/FF mean absolute percentage errors, for the
current coefficients ("before") and the fitted ones ("after").  `--write`
stores the fitted coefficients in `atheena/dse/resource_model.json`.

    python benchmarks/characterise.py                          # all families
    python benchmarks/characterise.py --families relu,split --write
    python benchmarks/characterise.py --refit-only --write     # from the dataset, no synthesis
    python benchmarks/characterise.py --family ecp5 --write    # a device family's own fit (its own files)
    python benchmarks/characterise.py --jobs 2                 # on a local Dask cluster of 2 worker processes
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from atheena.dse import fit, model
from atheena.errors import reported_as_user_errors
from atheena.hardware import characterise as ch


def synthesise(families: list, where, family: str, quiet: bool = False) -> list[dict]:
    total = sum(len(f.points) for f in families)
    start = time.perf_counter()
    records = ch.measure(families, family=family, where=where, quiet=quiet)
    wall = time.perf_counter() - start
    print(f"{total} kernels in {wall:.0f} s wall time on {where.describe()}")
    for family in families:
        mine = [r for r in records if r["family"] == family.name]
        wall, cpu = ([r[k] for r in mine] for k in ("seconds", "cpu_seconds"))
        print(f"  {family.name:18s} Yosys per kernel: CPU mean {sum(cpu) / len(cpu):.1f} s "
              f"({min(cpu):.1f}-{max(cpu):.1f}), wall mean {sum(wall) / len(wall):.1f} s (when first run)")
    return records


def report(fits: list) -> None:
    width = max([len(f.family) for f in fits] + [7])
    header = (f"{'family':{width}s} {'fit':>4s} {'held':>4s} {'DSP ok':>7s} {'BRAM ok':>7s} "
              f"{'LUT MAPE before/after':>22s} {'FF MAPE before/after':>21s}  coefficients (LUT; FF)")
    print(header)
    print("-" * len(header))
    overall_before, overall_after = fit.Score(), fit.Score()
    for f in fits:
        b, a = f.before, f.after
        overall_before.merge(b)
        overall_after.merge(a)
        coefs = ", ".join(f"{n}={c:g}" for n, c in zip(f.features, f.lut)) + "; " + \
            ", ".join(f"{n}={c:g}" for n, c in zip(f.features, f.ff))
        print(f"{f.family:{width}s} {f.fitted_on:4d} {a.points:4d} {a.dsp_exact:3d}/{a.points:<3d} "
              f"{a.bram_exact:3d}/{a.points:<3d} {b.lut_mape:10.1f}% {a.lut_mape:9.1f}% "
              f"{b.ff_mape:9.1f}% {a.ff_mape:9.1f}%  {coefs}")
    b, a = overall_before, overall_after
    print(f"{'overall':{width}s} {sum(f.fitted_on for f in fits):4d} {a.points:4d} {a.dsp_exact:3d}/{a.points:<3d} "
          f"{a.bram_exact:3d}/{a.points:<3d} {b.lut_mape:10.1f}% {a.lut_mape:9.1f}% "
          f"{b.ff_mape:9.1f}% {a.ff_mape:9.1f}%")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", help=f"comma-separated subset of: {', '.join(ch.FAMILIES)}")
    parser.add_argument("--refit-only", action="store_true", help="fit from the stored dataset; no synthesis")
    parser.add_argument("--write", action="store_true", help="store the fitted coefficients in resource_model.json")
    parser.add_argument("--jobs", type=int, metavar="N", help="synthesise on a local Dask cluster of N worker "
                        "processes (default: one kernel after another in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="synthesise on an existing Dask cluster "
                        "(tcp://host:8786); workers need only atheena installed")
    parser.add_argument("--json", metavar="FILE", help="also write the measured records as JSON (to compare runs)")
    parser.add_argument("--family", default="xc7", help="device family to synthesise for and fit "
                        "(atheena/dse/families.json; default xc7); a new family gets its own dataset and model files")
    args = parser.parse_args(argv)
    with reported_as_user_errors("characterise"):
        from atheena.dse import families as device_families
        from atheena.dse.model import costing

        from atheena.parallel import executor

        where = executor(args.jobs, args.scheduler)
        device = device_families.load(args.family)
        families = ch.select(args.families)
        dataset = ch.dataset_path(device.key)
        if not args.refit_only:
            measured = synthesise(families, where, device.key)
            if args.json:
                Path(args.json).write_text(json.dumps([{k: r[k] for k in ("family", "params", "top", "measured")}
                                                       for r in measured], indent=1) + "\n")
            ch.save_dataset(measured, dataset, device.key)
            print(f"wrote {dataset}")
        records = ch.load_dataset(dataset)
        # "before": the coefficients the family is costed with now (its own, or those it borrows, else 7-series)
        with costing(device.key if device.resource_model or device.costed_as else "xc7"):
            fits = [fit.fit_family(f, records) for f in families]
        report(fits)
        if args.write:
            fit.write_coefficients(fits, fit.model_file(device.key))
            model.reload_coefficients()
            print(f"wrote {fit.model_file(device.key)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
