"""Kernel families for resource characterisation: what to synthesise and what the model predicts.

A `Family` is one kind of kernel swept over parameter points.  For each point
it knows how to build the PyCDE module (and its top name) and what the
resource model predicts for the same parameters (an `atheena.dse.model.Estimate`,
whose `features` are what the LUT/FF coefficients are fitted on).
`benchmarks/characterise.py` synthesises every point with Yosys, stores the
measurements in `atheena/dse/characterisation.json` and refits the model.

The glue the lowering puts around kernels (FIFOs, handshake buffers, forks,
lane converters, and the relu/split kernels) has its families in `FAMILIES`;
an op kind brings the family of its own kernel (`OpKind.families()`, e.g.
`atheena/kinds/pool.py`).  One of the glue's:

    Family(
        name="fifo",                             # what --families selects; its points' key
        kind="fifo",                             # its table in resource_model.json
        features=("base", "pointer_bits", ...),  # fitted features, as offered by the model function
        build=_fifo,                             # p -> (the kernel at parameter point p, its top name)
        model=lambda p: model.fifo_resources(p["width"], p["depth"]),  # what the model predicts for it
    )

The parameter points are data: `characterisation_points.json` holds each
family's list, ordered from small to large (every third one is held out of
the fit, `fit.held_out`, so the held-out points test interpolation over the
whole range), with a line on how each sweep was chosen.  They cover the
kernels of B-LeNet, b-lenet-3 and Triple-Wins at the foldings the DSE picks
for them on a ZC706 and around them.  No weight ROM is much over 8000 entries:
the points were chosen when ROMs were an `initial` block of one assignment per
word, which Yosys reads in time growing faster than its length (ROMs are now
read through `$readmemh`, `kernels/memory.py`).

`build` should import its kernel module inside the function (PyCDE is slow
to import and only needed when synthesising).  Hardware that is not a PyCDE
module (CIRCT's handshake buffers and forks) is built as SystemVerilog files
instead: `build` then returns ({file name: text}, top).  The top name must be
the `module_name` the kernel declares.  `lut_features` and `ff_features`
choose subsets of `features` for the two regressions.  A kernel with weights
should pass its weight codes to the model function too: they decide which
ROM columns Yosys keeps and which products need no DSP (`random_codes` gives
realistic ones).
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

import numpy as np

from atheena.dse import model
from atheena.errors import AtheenaError

DATASET = Path(model.__file__).with_name("characterisation.json")  # the 7-series dataset


def dataset_path(family: str = "xc7") -> Path:
    """The characterisation dataset of a device family (`atheena.dse.families`)."""
    from atheena.dse import families

    return Path(model.__file__).with_name(families.load(family).files()[1])
POINTS = Path(__file__).with_name("characterisation_points.json")


@cache
def sweep_points() -> dict[str, list[dict]]:
    """{family: parameter points} (`characterisation_points.json`)."""
    return {k: v for k, v in json.loads(POINTS.read_text()).items() if not k.startswith("_")}


@dataclass(frozen=True)
class Family:
    """A kernel swept over parameter points (see the module docstring).

    `lut_features` / `ff_features` (default: all of `features`) are the features each of the
    two regressions uses; the others get coefficient 0 in it (an FF count does not depend on
    the LUTs of a ROM, a LUT count not on the read registers).
    """

    name: str
    kind: str
    features: tuple[str, ...]
    build: Callable[[dict], tuple[object, str]]
    model: Callable[[dict], model.Estimate]
    lut_features: tuple[str, ...] | None = None
    ff_features: tuple[str, ...] | None = None
    given: tuple[dict, ...] | None = None  # points of a family that is not in the data (tests, experiments)

    @property
    def points(self) -> list[dict]:
        """Its parameter points: data, in `characterisation_points.json` (small to large)."""
        points = list(self.given) if self.given is not None else sweep_points().get(self.name)
        if not points:
            raise AtheenaError(f"kernel family {self.name} has no parameter points: add a \"{self.name}\" list to "
                               "atheena/hardware/characterisation_points.json")
        return points

    def used(self, target: str) -> tuple[str, ...]:
        """The features the `target` ("lut" or "ff") regression uses."""
        chosen = self.lut_features if target == "lut" else self.ff_features
        return self.features if chosen is None else chosen


def _relu(p):
    from atheena.hardware.kernels.relu import relu_module

    return relu_module(p["lanes"]), f"atheena_relu_l{p['lanes']}"


def _split(p):
    from atheena.hardware.kernels.split import split_module

    return split_module(p["lanes"], p["outputs"]), f"atheena_split_l{p['lanes']}_o{p['outputs']}"


def _convert(p):
    from atheena.hardware.kernels.convert import converter_module

    return converter_module(p["lanes_in"], p["lanes_out"]), f"atheena_convert_{p['lanes_in']}_to_{p['lanes_out']}"


def random_codes(shape: tuple, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weight and bias codes of realistic size for a layer with `out` outputs: weights ~ N(0, 0.15)
    in Q8.8, biases ~ N(0, 0.5) at the accumulator's fraction (Q.16), from a seed fixed per shape."""
    rng = np.random.default_rng(list(shape))
    weights = np.clip(np.rint(rng.normal(0, 0.15 * 2**8, shape)), -2**15, 2**15 - 1).astype(np.int64)
    return weights, np.rint(rng.normal(0, 0.5 * 2**16, out)).astype(np.int64)


def window_shape(p):
    from atheena.hardware.kernels.window import WindowShape

    k, s, pad = p["k"], p.get("s", 1), p.get("p", 0)
    return WindowShape(p["c"], p["h"], p["w"], (k, k), (s, s), (pad, pad), p["ci"], p.get("px", 1))


def _fifo(p):
    from atheena.hardware.kernels.fifo import fifo_module

    module = fifo_module(p["width"], p["depth"])
    return module, module.__name__


def _handshake_files(body: str, width: int, results: int) -> dict[str, str]:
    """SystemVerilog of a handshake.func holding one op (`body` on %in: i<width>), through the lowering's
    CIRCT pipeline (`atheena.hardware.lower.PIPELINE`)."""
    from atheena.hardware.lower import handshake_to_verilog

    types = ", ".join([f"i{width}"] * results)
    values = ", ".join(f"%r#{k}" for k in range(results)) if results > 1 else "%r"
    text = (f"module {{\n  handshake.func @probe(%in: i{width}) -> ({types}) {{\n    {body}\n"
            f"    handshake.return {values} : {types}\n  }}\n}}\n")
    return {n: t for n, t in handshake_to_verilog(text).items() if n.startswith("handshake_")}


def _hs_buffer(p):
    files = _handshake_files(f"%r = handshake.buffer [{p['slots']}] fifo %in : i{p['width']}", p["width"], 1)
    (name,) = files
    return files, name.removesuffix(".sv")


def _fork(p):
    files = _handshake_files(f"%r:{p['outputs']} = handshake.fork [{p['outputs']}] %in : i{p['width']}",
                             p["width"], p["outputs"])
    (name,) = files
    return files, name.removesuffix(".sv")


# The netlist glue around the op kinds' kernels (the kinds bring their own families: `OpKind.families`).
FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("relu", "relu", ("base", "lanes"), _relu, lambda p: model.elementwise_resources("relu", p["lanes"])),
    Family("split", "split", ("base", "lanes", "outputs", "lane_outputs"),
           _split, lambda p: model.elementwise_resources("split", p["lanes"], p["outputs"])),
    Family("convert", "convert", ("base", "register_words", "mux_words", "gather_pieces", "count_bits", "skid_words"),
           _convert, lambda p: model.converter_resources(p["lanes_in"], p["lanes_out"])),
    Family("fifo", "fifo", ("base", "pointer_bits", "wrap", "memory_ff"),
           _fifo, lambda p: model.fifo_resources(p["width"], p["depth"]),
           lut_features=("base", "pointer_bits", "wrap"),
           ff_features=("base", "pointer_bits", "memory_ff")),
    Family("handshake_buffer", "handshake_buffer", ("base", "slot_bits", "slots"),
           _hs_buffer, lambda p: model.handshake_buffer_resources(p["width"], p["slots"])),
    Family("fork", "fork", ("base", "outputs"), _fork, lambda p: model.fork_resources(p["outputs"])),
]}


def _with_kinds(families: dict[str, Family]) -> dict[str, Family]:
    """The families above and those the op kinds declare (`OpKind.families`), so a new kind brings its own."""
    from atheena import kinds

    for kind in kinds.KINDS.values():
        for family in kind.families():
            families.setdefault(family.name, family)
    return families


FAMILIES = _with_kinds(FAMILIES)


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
    """SystemVerilog of one kernel.

    PyCDE runs gc.collect() ~30 times per System, which costs seconds when much is alive
    (torch loaded); freezing what is alive now makes it milliseconds.
    """
    from atheena.hardware.emit import emit

    gc.freeze()
    try:
        files = emit([module], top)
    finally:
        gc.unfreeze()
    return files


def measure(families: list[Family], progress=None, family: str = "xc7", where=None, quiet: bool = True
            ) -> list[dict]:
    """Synthesise every point of `families` (cached runs are free); one record per point, in order.

    Every point is one job (`atheena.parallel`, `measure_point`): `where` runs them one after
    another in this process (the default) or on Dask worker processes, each building its kernel
    and running Yosys there, with the same records in the same order.  `progress(record)` is
    called for each record once all are done.  A record is {"family", "params", "top",
    "measured": {dsp, bram18, lut, ff}, "seconds", "cpu_seconds"}: wall and CPU time of the
    Yosys run (as first run, on a cache hit).
    """
    from atheena.parallel import Executor, run_jobs

    jobs = [(f.name, params, family, f if f.given is not None else None) for f in families for params in f.points]
    points = [f"{name} {json.dumps(params, sort_keys=True)} for {family}" for name, params, _, _ in jobs]
    records = run_jobs(measure_point, jobs, points, where or Executor(), quiet=quiet, what="kernels",
                       preload=("pycde",))
    for record in records:
        if progress:
            progress(record)
    return records


def measure_point(name: str, params: dict, family: str = "xc7", given: "Family | None" = None) -> dict:
    """One characterisation job: build kernel family `name` at `params`, synthesise it for device
    family `family`; its record (see `measure`).  A family not in the registry travels as `given`."""
    from atheena.dse import families as device_families
    from atheena.hardware import synth

    from atheena.hardware.emit import pycde_context

    device = device_families.load(family)
    kernel = given or FAMILIES[name]
    with pycde_context():  # a Dask worker runs this job off the thread that imported PyCDE
        module, top = kernel.build(params)
        files = module if isinstance(module, dict) else _emit(module, top)
    counts = synth.cell_counts(files, top, family=device.key)
    return {"family": name, "params": params, "top": top, "measured": synth.resources(counts["cells"], device.cells),
            "seconds": counts["seconds"], "cpu_seconds": counts.get("cpu_seconds", counts["seconds"])}


def load_dataset(path: Path = DATASET) -> list[dict]:
    if not path.exists():
        raise AtheenaError(f"no characterisation dataset at {path}: run benchmarks/characterise.py without "
                           "--refit-only first")
    return json.loads(path.read_text())["records"]


def save_dataset(records: list[dict], path: Path = DATASET, device: str = "xc7") -> None:
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
    from atheena.dse import families

    command = families.load(device).synth.replace(" -top {top}", "")
    header = {"about": f"Yosys {command} of each kernel configuration "
                       "(atheena/hardware/synth.py); written by benchmarks/characterise.py",
              "yosys": yosys_version()}
    text = json.dumps(header)[:-1] + f', "records": [\n{lines}\n]}}\n'
    path.write_text(text)
