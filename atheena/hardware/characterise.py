"""Kernel families for resource characterisation: what to synthesise and what the model predicts.

A `Family` is one kind of kernel swept over parameter points.  For each point
it knows how to build the PyCDE module (and its top name) and what the
resource model predicts for the same parameters (an `atheena.dse.model.Estimate`,
whose `features` are what the LUT/FF coefficients are fitted on).
`benchmarks/characterise.py` synthesises every point with Yosys, stores the
measurements in `atheena/dse/characterisation.json` and refits the model.

Adding a family takes one entry in `FAMILIES`, e.g. for a pooling kernel:

    Family(
        name="max_pool",                         # what --families selects
        kind="max_pool2d",                       # its table in resource_model.json
        features=("base", "lanes"),              # fitted features, as offered by the model function
        points=[{"c": c, "w": w, "lanes": l} for c, w, l in [(4, 8, 1), (4, 8, 2), ...]],
        build=lambda p: (pool_module(**p), f"atheena_max_pool_c{p['c']}_w{p['w']}_l{p['lanes']}"),
        model=lambda p: model.pool_resources("max_pool2d", p["c"], p["w"], 2, 0, p["lanes"], 1),
    ),

`build` should import its kernel module inside the function (PyCDE is slow
to import and only needed when synthesising).  Order the points from small
to large: every third one is held out of the fit (`fit.held_out`), so the
held-out points then test interpolation over the whole range.  The top name
must be the `module_name` the kernel declares.
"""

from __future__ import annotations

import gc
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from atheena.dse import model
from atheena.errors import AtheenaError

DATASET = Path(model.__file__).with_name("characterisation.json")


@dataclass(frozen=True)
class Family:
    """A kernel swept over parameter points (see the module docstring)."""

    name: str
    kind: str
    features: tuple[str, ...]
    points: list[dict]
    build: Callable[[dict], tuple[object, str]]
    model: Callable[[dict], model.Estimate]


def _relu(p):
    from atheena.hardware.kernels.relu import relu_module

    return relu_module(p["lanes"]), f"atheena_relu_l{p['lanes']}"


def _split(p):
    from atheena.hardware.kernels.split import split_module

    return split_module(p["lanes"], p["outputs"]), f"atheena_split_l{p['lanes']}_o{p['outputs']}"


def _convert(p):
    from atheena.hardware.kernels.convert import converter_module

    return converter_module(p["lanes_in"], p["lanes_out"]), f"atheena_convert_{p['lanes_in']}_to_{p['lanes_out']}"


_CONVERSIONS = [(1, 1), (2, 1), (1, 2), (4, 1), (2, 4), (1, 4), (4, 2), (3, 1), (4, 4), (6, 2), (8, 1), (2, 8),
                (1, 8), (8, 2), (8, 4), (4, 8), (16, 1), (1, 16), (8, 8), (16, 4), (4, 16), (16, 2), (16, 16),
                (32, 4), (2, 32)]

FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("relu", "relu", ("base", "lanes"),
           [{"lanes": n} for n in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)],
           _relu, lambda p: model.elementwise_resources("relu", p["lanes"])),
    Family("split", "split", ("base", "lanes", "outputs"),
           [{"lanes": n, "outputs": o} for n in (1, 2, 4, 8, 16, 32) for o in (2, 3, 4)],
           _split, lambda p: model.elementwise_resources("split", p["lanes"], p["outputs"])),
    Family("convert", "convert", ("base", "register_words", "mux_words", "gather_pieces", "count_bits"),
           [{"lanes_in": a, "lanes_out": b} for a, b in _CONVERSIONS],
           _convert, lambda p: model.converter_resources(p["lanes_in"], p["lanes_out"])),
]}


def select(names: str | None) -> list[Family]:
    """The families named in a comma-separated list (all when None), in registry order."""
    if not names:
        return list(FAMILIES.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in FAMILIES]
    if unknown:
        raise AtheenaError(f"unknown kernel famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                           f"the registered ones are {', '.join(FAMILIES)} (atheena/hardware/characterise.py)")
    return [f for f in FAMILIES.values() if f.name in wanted]


def _emit(module, top: str) -> dict[str, str]:
    """SystemVerilog of one kernel.  PyCDE runs gc.collect() ~30 times per System, which costs
    seconds when much is alive (torch loaded); freezing what is alive now makes it milliseconds."""
    from atheena.hardware.emit import emit

    gc.freeze()
    try:
        return emit([module], top)
    finally:
        gc.unfreeze()


def measure(families: list[Family], jobs: int = 2, progress=None) -> list[dict]:
    """Synthesise every point of `families` (cached runs are free); one record per point, in order.

    Emission stays on this thread (PyCDE's context is per thread); Yosys runs
    `jobs` at a time.  `progress(record)` is called as each point finishes.
    A record is {"family", "params", "top", "measured": {dsp, bram18, lut, ff}, "seconds",
    "cpu_seconds"}: wall and CPU time of the Yosys run (as first run, on a cache hit).
    """
    from atheena.hardware import synth

    def run(family, params, files, top):
        counts = synth.cell_counts(files, top)
        record = {"family": family.name, "params": params, "top": top,
                  "measured": synth.resources(counts["cells"]), "seconds": counts["seconds"],
                  "cpu_seconds": counts.get("cpu_seconds", counts["seconds"])}
        if progress:
            progress(record)
        return record

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for family in families:
            for params in family.points:
                module, top = family.build(params)
                futures.append(pool.submit(run, family, params, _emit(module, top), top))
        return [f.result() for f in futures]


def load_dataset(path: Path = DATASET) -> list[dict]:
    if not path.exists():
        raise AtheenaError(f"no characterisation dataset at {path}: run benchmarks/characterise.py without "
                           "--refit-only first")
    return json.loads(path.read_text())["records"]


def save_dataset(records: list[dict], path: Path = DATASET) -> None:
    """Write the dataset deterministically: registry order, then each family's point order.

    Families not in `records` keep the records already in the file, so a run
    over some families updates only theirs.  Wall times are not stored (they
    differ from run to run); the Yosys version is.
    """
    from atheena.hardware.synth import yosys_version

    fresh = {r["family"] for r in records}
    kept = [r for r in (load_dataset(path) if path.exists() else []) if r["family"] not in fresh]
    rank = {name: i for i, name in enumerate(FAMILIES)}
    merged = []
    for r in kept + records:
        family = FAMILIES.get(r["family"])
        index = family.points.index(r["params"]) if family and r["params"] in family.points else len(merged)
        merged.append(((rank.get(r["family"], len(rank)), r["family"], index),
                       {k: r[k] for k in ("family", "params", "top", "measured")}))
    merged.sort(key=lambda item: item[0])
    lines = ",\n".join("  " + json.dumps(r, sort_keys=True) for _, r in merged)
    header = {"about": "Yosys synth_xilinx -family xc7 -flatten -noiopad -noclkbuf of each kernel configuration "
                       "(atheena/hardware/synth.py); written by benchmarks/characterise.py",
              "yosys": yosys_version()}
    text = json.dumps(header)[:-1] + f', "records": [\n{lines}\n]}}\n'
    path.write_text(text)
