"""Typed access to the attributes ATHEENA's passes write on `atheena` ops and on the network function.

IRDL declares the ops' own attributes; the passes add annotations that later
passes read (and that a user may edit by hand).  Every annotation is read and
written here, and only here, so its name, type and meaning are stated once:
`ANNOTATIONS` is the table the dialect reference (docs/dialect.md) prints, and
the verifier (`dialects/verify.py`) checks the values.  A reader gets a Python
value or None (absent); a malformed value raises `AtheenaError` naming the
attribute, which the verifier reports at the op before any pass sees it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from torch_mlir import ir

from atheena.dse.boards import RESOURCES
from atheena.errors import AtheenaError


#: (attribute, on, type, written by, meaning)
ANNOTATIONS = (
    ("reach_probability", "every op", "f64 in [0, 1]", "annotate-exit-probabilities, fold{exit_probabilities}",
     "fraction of the network's samples that the op processes (1 before the first exit)"),
    ("exit_rate", "exit decisions", "f64 in [0, 1]", "annotate-exit-probabilities",
     "fraction of all samples that leave at this exit"),
    ("accuracy", "exit decisions", "f64 in [0, 1]", "annotate-exit-probabilities",
     "accuracy of the samples that leave here"),
    ("folding", "every op", "dictionary of i64", "fold",
     "the op's folding parameters, legal for its kind (coarse_in, coarse_out, fine, coarse; pixels, optional)"),
    ("interval", "every op", "i64 >= 0", "fold", "cycles per sample of the op's kernel at its folding"),
    ("depth", "conditional buffers", "i64 in [1, 4096]", "size-buffers", "samples the buffer holds"),
    ("atheena.profile", "the network function", "dictionary", "annotate-exit-probabilities",
     "accuracy_float, accuracy_fixed, final_exit_rate, final_accuracy, calibration, samples, format, exit_trace "
     "(the exit each calibration sample took, one character per sample, 0-9 then a-z)"),
    ("atheena.design", "the network function", "dictionary", "fold, size-buffers",
     "board, budget, clock_mhz, dsp, bram18, lut, ff (the whole design), cycles_per_sample and throughput_sps "
     "(the prediction, from the model named by `model`), balanced_cycles_per_sample (rate-balanced), and after "
     "size-buffers independent_cycles_per_sample (buffered, independent samples at the profiled rates)"),
    ("atheena.buffers", "the network function", "dictionary", "size-buffers",
     "per early exit (exit0, ...): depth, loss, cycles_per_sample, independent_cycles_per_sample, pattern"),
)

#: what each prediction in `atheena.design` comes from (its `model` entry)
RATE_BALANCED = "rate-balanced"  # fold: each layer's interval times the fraction of samples reaching it
INDEPENDENT = "buffered, independent samples"  # size-buffers: the exit process simulated at the profiled rates
REPLAY = "buffered, profiled sequence"  # size-buffers: the profiled exit sequence replayed through the buffers
MODELS = (RATE_BALANCED, INDEPENDENT, REPLAY)


def _i64(v: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))


def _f64(v: float) -> ir.FloatAttr:
    return ir.FloatAttr.get_f64(float(v))


def _entries(op: ir.Operation, name: str) -> dict | None:
    if name not in op.attributes:
        return None
    attr = op.attributes[name]
    if not isinstance(attr, ir.DictAttr):
        raise AtheenaError(f"attribute '{name}' must be a dictionary, got {attr}")
    attr = ir.DictAttr(attr)
    return {attr[i].name: attr[i].attr for i in range(len(attr))}


def _value(name: str, key: str, attr: ir.Attribute, kind: type):
    if kind is str and isinstance(attr, ir.StringAttr):
        return ir.StringAttr(attr).value
    if kind is int and isinstance(attr, ir.IntegerAttr):
        return ir.IntegerAttr(attr).value
    if kind is float and isinstance(attr, (ir.FloatAttr, ir.IntegerAttr)):
        value = ir.FloatAttr(attr).value if isinstance(attr, ir.FloatAttr) else float(ir.IntegerAttr(attr).value)
        if math.isfinite(value):
            return value
    raise AtheenaError(f"'{name}' entry '{key}' must be {'a string' if kind is str else f'an {kind.__name__}'}, "
                       f"got {attr}")


# -- per op ---------------------------------------------------------------------------------------------------
def reach(op: ir.Operation) -> float | None:
    attr = op.attributes["reach_probability"] if "reach_probability" in op.attributes else None
    return None if attr is None else _value("reach_probability", "value", attr, float)


def set_reach(op: ir.Operation, q: float) -> None:
    op.attributes["reach_probability"] = _f64(q)


def folding(op: ir.Operation) -> dict[str, int] | None:
    entries = _entries(op, "folding")
    return None if entries is None else {k: _value("folding", k, v, int) for k, v in entries.items()}


def set_folding(op: ir.Operation, values: dict[str, int]) -> None:
    op.attributes["folding"] = ir.DictAttr.get({k: _i64(v) for k, v in values.items()})


def interval(op: ir.Operation) -> int | None:
    return ir.IntegerAttr(op.attributes["interval"]).value if "interval" in op.attributes else None


def set_interval(op: ir.Operation, cycles: int) -> None:
    op.attributes["interval"] = _i64(cycles)


def depth(op: ir.Operation) -> int | None:
    return ir.IntegerAttr(op.attributes["depth"]).value if "depth" in op.attributes else None


def exit_rate(op: ir.Operation) -> float | None:
    attr = op.attributes["exit_rate"] if "exit_rate" in op.attributes else None
    return None if attr is None else _value("exit_rate", "value", attr, float)


def set_depth(op: ir.Operation, samples: int) -> None:
    op.attributes["depth"] = _i64(samples)


# -- on the network function ----------------------------------------------------------------------------------
@dataclass
class DesignSummary:
    """`atheena.design`: the board and budget a network was folded for and what the model predicts."""

    board: str
    budget: float
    clock_mhz: float
    cycles_per_sample: float
    resources: dict[str, int]
    balanced_cycles_per_sample: float | None = None
    independent_cycles_per_sample: float | None = None
    model: str | None = None  # which model `cycles_per_sample` comes from (one of MODELS)

    @property
    def throughput_sps(self) -> float:
        return self.clock_mhz * 1e6 / self.cycles_per_sample

    def as_dict(self) -> dict:
        """Flat, as `flow.predicted` has always given it (resources by name beside the figures)."""
        out = {"board": self.board, "budget": self.budget, "clock_mhz": self.clock_mhz,
               "throughput_sps": self.throughput_sps, "cycles_per_sample": self.cycles_per_sample, **self.resources}
        for key in ("balanced_cycles_per_sample", "independent_cycles_per_sample", "model"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def design(func: ir.Operation) -> DesignSummary | None:
    entries = _entries(func, "atheena.design")
    if entries is None:
        return None
    missing = [k for k in ("board", "budget", "clock_mhz", "cycles_per_sample", *RESOURCES) if k not in entries]
    if missing:
        raise AtheenaError(f"'atheena.design' lacks {', '.join(missing)}; run the `fold` pass again to write it")

    def get(key, kind):
        return _value("atheena.design", key, entries[key], kind) if key in entries else None

    summary = DesignSummary(get("board", str), get("budget", float), get("clock_mhz", float),
                            get("cycles_per_sample", float), {k: get(k, int) for k in RESOURCES},
                            get("balanced_cycles_per_sample", float), get("independent_cycles_per_sample", float),
                            get("model", str))
    if summary.clock_mhz <= 0 or summary.cycles_per_sample <= 0 or not 0 < summary.budget <= 1:
        raise AtheenaError("'atheena.design' needs a positive clock_mhz and cycles_per_sample and a budget in "
                           "(0, 1]; run the `fold` pass again to write it")
    if summary.model is not None and summary.model not in MODELS:
        raise AtheenaError(f"'atheena.design' model \"{summary.model}\" is not one of {', '.join(MODELS)}")
    return summary


def set_design(func: ir.Operation, summary: DesignSummary) -> None:
    """Write `atheena.design` (keys in alphabetical order, as MLIR prints a dictionary)."""
    values = {"board": ir.StringAttr.get(summary.board), "budget": _f64(summary.budget),
              "clock_mhz": _f64(summary.clock_mhz), "throughput_sps": _f64(summary.throughput_sps),
              "cycles_per_sample": _f64(summary.cycles_per_sample),
              **{k: _i64(v) for k, v in summary.resources.items()}}
    if summary.balanced_cycles_per_sample is not None:
        values["balanced_cycles_per_sample"] = _f64(summary.balanced_cycles_per_sample)
    if summary.independent_cycles_per_sample is not None:
        values["independent_cycles_per_sample"] = _f64(summary.independent_cycles_per_sample)
    if summary.model is not None:
        values["model"] = ir.StringAttr.get(summary.model)
    func.attributes["atheena.design"] = ir.DictAttr.get(values)


@dataclass
class ExitBuffer:
    """One early exit's entry of `atheena.buffers`."""

    depth: int
    loss: float
    cycles_per_sample: float
    independent_cycles_per_sample: float
    pattern: str  # "profiled" (the exit trace replayed) or "bernoulli" (independent samples)


def set_buffers(func: ir.Operation, exits: dict[str, ExitBuffer]) -> None:
    func.attributes["atheena.buffers"] = ir.DictAttr.get({name: ir.DictAttr.get({
        "depth": _i64(e.depth), "loss": _f64(e.loss), "cycles_per_sample": _f64(e.cycles_per_sample),
        "independent_cycles_per_sample": _f64(e.independent_cycles_per_sample),
        "pattern": ir.StringAttr.get(e.pattern)}) for name, e in exits.items()})


def buffers(func: ir.Operation) -> dict[str, ExitBuffer]:
    entries = _entries(func, "atheena.buffers") or {}
    out = {}
    for name, attr in entries.items():
        if not isinstance(attr, ir.DictAttr):
            raise AtheenaError(f"'atheena.buffers' entry '{name}' must be a dictionary, got {attr}")
        d = ir.DictAttr(attr)
        e = {d[i].name: d[i].attr for i in range(len(d))}
        try:
            out[name] = ExitBuffer(_value(name, "depth", e["depth"], int), _value(name, "loss", e["loss"], float),
                                   _value(name, "cycles_per_sample", e["cycles_per_sample"], float),
                                   _value(name, "independent_cycles_per_sample",
                                          e["independent_cycles_per_sample"], float),
                                   _value(name, "pattern", e["pattern"], str))
        except KeyError as missing:
            raise AtheenaError(f"'atheena.buffers' entry '{name}' lacks {missing}; run size-buffers again") from None
    return out


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_trace(taken) -> str:
    """The exit index of every sample as one character each (0-9, then a-z: up to 36 exits)."""
    return "".join(_DIGITS[int(k)] for k in taken)


def exit_trace(func: ir.Operation) -> list[int] | None:
    """The profiled exit sequence (`atheena.profile`'s exit_trace), or None when the network was not profiled."""
    entries = _entries(func, "atheena.profile")
    if entries is None or "exit_trace" not in entries:
        return None
    text = _value("atheena.profile", "exit_trace", entries["exit_trace"], str)
    if any(c not in _DIGITS for c in text):
        raise AtheenaError("'atheena.profile' exit_trace must be one character per sample, 0-9 then a-z (the exit "
                           "it took); run annotate-exit-probabilities again")
    return [int(c, 36) for c in text]


@dataclass
class Annotated:
    """What the function-level annotations of a network say, all read (checked) at once."""

    design: DesignSummary | None = None
    buffers: dict = field(default_factory=dict)
    trace: list[int] | None = None


def function_annotations(func: ir.Operation) -> Annotated:
    """Every function-level annotation, read and checked (raises `AtheenaError` naming a malformed one)."""
    return Annotated(design(func), buffers(func), exit_trace(func))
