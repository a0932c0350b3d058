"""Exit profiling: how many samples leave at each exit, and how accurately.

The network runs once, densely (every sample through every exit), in float
and in the hardware's fixed point.  Any choice of thresholds is then
evaluated without running the network again: a sample takes the first early
exit whose decision fires (the fixed-point ROM test, exactly as the RTL
computes it; `max softmax >= t` for the float figures, `> t` for an exit
whose `comparison` is "gt"), else the final exit.

Records (`ProfileRecord.as_dict()`) have the stable keys `thresholds`,
`exits` (one entry per exit, the final one included: `index`, `threshold`,
`exit_rate`, `accuracy`) and `accuracy` (`float`, `fixed`), all fractions.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import asdict, dataclass, field
from collections.abc import Callable, Sequence

import numpy as np
from torch_mlir import ir

from atheena.analysis.network import macs_by_section
from atheena.data import Dataset
from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.thresholds import check_thresholds
from atheena.reference import interpreter
from atheena.reference.fixed_point import FixedArithmetic, faithful_limit, threshold_code
from atheena.reference.float_model import FloatArithmetic


@dataclass(frozen=True)
class ExitStats:
    index: int
    threshold: float | None  # None for the final exit
    exit_rate: float  # fraction of all samples that leave here (fixed point: what the hardware does)
    accuracy: float | None  # accuracy of those samples (None if none leave here)
    float_exit_rate: float | None = None  # the same in float (the trained model as PyTorch runs it)
    comparison: str | None = None  # ">=" or ">" (an imported ONNX `Greater`); None for the final exit


@dataclass(frozen=True)
class ProfileRecord:
    thresholds: list[float]
    exits: list[ExitStats]
    accuracy: dict  # {"float": overall float accuracy, "fixed": overall fixed-point accuracy}
    expected_macs: float  # per sample, in fixed point, under these thresholds

    def as_dict(self) -> dict:
        return {
            "thresholds": self.thresholds,
            "exits": [asdict(e) for e in self.exits],
            "accuracy": dict(self.accuracy),
            "expected_macs": self.expected_macs,
        }


@dataclass(frozen=True)
class Saturation:
    """A layer whose outputs, in float, reach beyond what the fixed-point format holds: in hardware
    they clip at the format's limits, and the network computes something else."""

    op: ir.Operation
    layer: str
    low: float  # the smallest and largest output seen on the calibration data
    high: float
    fmt: str
    fmt_low: float
    fmt_high: float

    def message(self) -> str:
        return (f"layer {self.layer}: outputs reach [{self.low:.4g}, {self.high:.4g}] on the calibration images, "
                f"outside {self.fmt}'s [{self.fmt_low:.4g}, {self.fmt_high:.4g}]: they saturate in fixed point "
                "and the hardware computes something else; choose a format with more integer bits (the "
                "default Q8.8 holds [-128, 128))")


def _ranges() -> tuple[dict, Callable]:
    """({op: (lowest, highest output)}, the observer that fills it) for `interpreter.run`."""
    seen: dict = {}

    def observe(op, y) -> None:
        if np.size(y):
            lo, hi = seen.get(op, (math.inf, -math.inf))
            seen[op] = (min(lo, float(np.min(y))), max(hi, float(np.max(y))))

    return seen, observe


def _saturations(seen: dict, fmt) -> list[Saturation]:
    """The layers whose outputs leave `fmt`'s range and reach beyond what they were given: a ReLU or a
    pooling after a saturating convolution only passes the excess on, so the convolution is named."""
    from atheena.ir import layer_name

    low, high = fmt.lo / 2.0**fmt.frac, fmt.hi / 2.0**fmt.frac
    out = []
    for op, (lo, hi) in seen.items():
        if lo >= low and hi <= high:
            continue
        given = _given_range(op, seen) if op.name in _WITHIN_INPUT else None
        if given is not None and given[0] <= lo and hi <= given[1]:
            continue
        out.append(Saturation(op, layer_name(op.location) or op.name, lo, hi, str(fmt), low, high))
    return out


# ops whose outputs lie within their inputs' range: when they exceed the format, their producer did first
_WITHIN_INPUT = ("atheena.relu", "atheena.max_pool2d", "atheena.avg_pool2d", "atheena.global_avg_pool2d",
                 "atheena.flatten")


def _given_range(op, seen: dict) -> tuple[float, float] | None:
    """The range of `op`'s data input: its nearest producer `seen` observed (through splits and
    buffers, which pass values on); None for the network's input."""
    value = op.operands[0]
    while not isinstance(value.owner, ir.Block):  # a block argument: the network's input
        producer = value.owner.operation
        if producer in seen:
            return seen[producer]
        if not len(producer.operands):
            return None
        value = producer.operands[0]
    return None


@dataclass
class ExitProfile:
    """Every exit's outcome for every calibration sample, from which records are computed."""

    labels: np.ndarray
    fixed_correct: list[np.ndarray]  # per exit, (N,) bool
    float_correct: list[np.ndarray]
    fixed_scores: list[np.ndarray]  # per early exit: ROM sum S (exit iff S <= T(t))
    float_scores: list[np.ndarray]  # per early exit: max softmax (exit iff >= t)
    ir_thresholds: list[float]
    exit_macs: list[int]  # MACs a sample leaving at exit k has cost
    description: str
    limits: list[float] = field(default_factory=list)  # per early exit: `faithful_limit`, the largest
    # threshold its fixed-point decision resolves faithfully (none above it is a candidate)
    saturated: list[Saturation] = field(default_factory=list)  # layers whose float outputs leave the format
    strict: list[bool] = field(default_factory=list)  # per early exit: exit iff confidence > t (not >=)

    @property
    def early_exits(self) -> int:
        return len(self.fixed_scores)

    def subset(self, start: int, stop: int, description: str) -> "ExitProfile":
        """The profile of samples `start` to `stop - 1` only (a split of the calibration images)."""
        cut = slice(start, stop)
        return dataclasses.replace(
            self, labels=self.labels[cut], fixed_correct=[a[cut] for a in self.fixed_correct],
            float_correct=[a[cut] for a in self.float_correct], fixed_scores=[a[cut] for a in self.fixed_scores],
            float_scores=[a[cut] for a in self.float_scores], description=description)

    def limit(self, k: int) -> float:
        """The largest threshold exit k's fixed-point decision resolves faithfully (`faithful_limit`)."""
        return self.limits[k] if self.limits else 1.0

    def exit_index(self, thresholds: Sequence[float], fixed: bool = True) -> np.ndarray:
        """The exit each sample takes under `thresholds`."""
        n = len(self.labels)
        taken = np.full(n, self.early_exits)
        for k in reversed(range(self.early_exits)):
            strict = bool(self.strict[k]) if self.strict else False
            if fixed:
                fires = self.fixed_scores[k] <= threshold_code(thresholds[k], strict)
            else:
                fires = self.float_scores[k] > thresholds[k] if strict else self.float_scores[k] >= thresholds[k]
            taken[fires] = k
        return taken

    def record(self, thresholds: Sequence[float]) -> ProfileRecord:
        thresholds = [float(t) for t in thresholds]
        fixed_exit = self.exit_index(thresholds, fixed=True)
        float_exit = self.exit_index(thresholds, fixed=False)
        n = len(self.labels)
        rows = np.arange(n)
        fixed_hit = np.stack(self.fixed_correct)[fixed_exit, rows]
        float_hit = np.stack(self.float_correct)[float_exit, rows]
        exits = []
        for k in range(self.early_exits + 1):
            here = fixed_exit == k
            exits.append(ExitStats(
                index=k,
                threshold=thresholds[k] if k < self.early_exits else None,
                exit_rate=float(here.mean()),
                accuracy=float(fixed_hit[here].mean()) if here.any() else None,
                float_exit_rate=float((float_exit == k).mean()),
                comparison=None if k == self.early_exits else (">" if self.strict and self.strict[k] else ">="),
            ))
        expected = float(np.asarray(self.exit_macs)[fixed_exit].mean())
        return ProfileRecord(thresholds, exits, {"float": float(float_hit.mean()), "fixed": float(fixed_hit.mean())},
                             expected)

    def final_accuracy(self, fixed: bool = True) -> float:
        return float((self.fixed_correct if fixed else self.float_correct)[-1].mean())

    def auto_thresholds(self, max_accuracy_drop: float, grid: int = 40) -> list[float]:
        """Thresholds that minimise expected MACs per sample (for one early exit: maximise
        early exits) with fixed-point accuracy within `max_accuracy_drop` percentage points
        of the final exit alone."""
        if self.early_exits == 0:
            return []
        floor_accuracy = self.final_accuracy() - max_accuracy_drop / 100.0
        candidates = []
        for k in range(self.early_exits):
            conf = np.sort(self.float_scores[k])
            qs = np.quantile(conf, np.linspace(0.0, 1.0, grid))
            values = np.unique(np.clip(np.concatenate([qs, [0.5, 0.9, 0.99, 0.999, 0.9999]]), 1e-6, 1 - 1e-9))
            candidates.append(values[values <= self.limit(k)] if np.any(values <= self.limit(k)) else values[:1])
        if max_accuracy_drop < 0:
            raise AtheenaError(f"the accuracy drop {max_accuracy_drop} must be >= 0 percentage points")
        best, best_cost = None, math.inf
        for combo in itertools.product(*candidates):
            rec = self.record(combo)
            if rec.accuracy["fixed"] >= floor_accuracy - 1e-12 and rec.expected_macs < best_cost:
                best, best_cost = [float(t) for t in combo], rec.expected_macs
        if best is None:
            raise AtheenaError(
                f"no thresholds keep the accuracy within {max_accuracy_drop} points of the final exit alone "
                f"({self.final_accuracy() * 100:.2f}%) on this data; allow a larger --max-accuracy-drop"
            )
        return best


def _exit_macs(module: ir.Module | ir.Operation) -> list[int]:
    """MACs a sample has cost when it leaves at each exit (all earlier stages and exits)."""
    (func,) = O.network_functions(module)
    per = macs_by_section(module)
    n_early = len(O.exit_decisions(func))
    costs, spent = [], 0
    for k in range(n_early + 1):
        spent += per.get(f"stage{k}", 0)
        costs.append(spent + per.get(f"exit{k}", 0))
        spent += per.get(f"exit{k}", 0)
    return costs


def profile_exits(module: ir.Module | ir.Operation, data: Dataset, arith: FixedArithmetic | None = None) -> ExitProfile:
    """Run `module` densely on `data` in float and fixed point."""
    (func,) = O.network_functions(module)
    in_shape = tuple(ir.RankedTensorType(func.regions[0].blocks[0].arguments[0].type).shape)
    if tuple(data.images.shape[1:]) != in_shape:
        raise AtheenaError(
            f"the data's images are {'x'.join(map(str, data.images.shape[1:]))} but the network expects "
            f"{'x'.join(map(str, in_shape))}; profile it with data of the network's input size"
        )
    if len(data) == 0:
        raise AtheenaError(f"the calibration data ({data.description}) holds no images")
    arith = arith or FixedArithmetic()
    fixed = interpreter.run(module, data.images, arith, dense=True)
    seen, observe = _ranges()
    real = interpreter.run(module, data.images, FloatArithmetic(), dense=True, observe=observe)
    classes = fixed.logits[-1].shape[1]
    if data.labels.max(initial=0) >= classes:
        raise AtheenaError(f"the data has labels up to {data.labels.max()} but the network has {classes} classes")
    return ExitProfile(
        labels=data.labels,
        fixed_correct=[l.argmax(axis=1) == data.labels for l in fixed.logits],
        float_correct=[l.argmax(axis=1) == data.labels for l in real.logits],
        fixed_scores=fixed.scores,
        float_scores=real.scores,
        ir_thresholds=fixed.thresholds,
        exit_macs=_exit_macs(module),
        description=data.description,
        limits=[faithful_limit(logits.shape[1], arith.exp_index_shift, arith.act) for logits in fixed.logits[:-1]],
        saturated=_saturations(seen, arith.act),
        strict=list(fixed.strict),
    )


def profile(
    network,
    data: Dataset | str | None = None,
    thresholds: Sequence[Sequence[float] | float] | str | None = None,
    max_accuracy_drop: float = 0.5,
    samples: int = 0,
    format: str = "Q8.8",
) -> list[ProfileRecord]:
    """Exit rates and accuracy of `network` for one or more threshold settings.

    `network` is an `atheena` module (from `import_model`), a zoo name, or an
    `nn.Module` with an `input_shape`.  `data` is a `Dataset`, an MNIST folder,
    or None for the bundled held-out images.  `thresholds` is a list of
    settings (each one threshold per early exit, or one for all), `"auto"`
    (pick within `max_accuracy_drop` percentage points of the final exit), or
    None for the thresholds in the IR.  Returns one record per setting.
    """
    from atheena.data import calibration_set
    from atheena.reference.fixed_point import FixedPointFormat

    module = _as_module(network)
    dataset = data if isinstance(data, Dataset) else calibration_set(data)
    if samples < 0:
        raise AtheenaError("samples must be 0 (all images) or a positive count")
    if samples:
        dataset = dataset.subset(0, samples, f"{dataset.description}, first {samples}")
    fmt = FixedPointFormat.parse(format)
    exits = profile_exits(module, dataset, FixedArithmetic(fmt, fmt))
    if thresholds is None:
        settings = [exits.ir_thresholds]
    elif thresholds == "auto":
        settings = [exits.auto_thresholds(max_accuracy_drop)]
    else:
        settings = [check_thresholds([s] if isinstance(s, (int, float)) else s, exits.early_exits)
                    for s in thresholds]
    return [exits.record(s) for s in settings]


def _as_module(network):
    if isinstance(network, (ir.Module, ir.Operation)):
        return network
    from atheena import models
    from atheena.frontend import import_model

    if isinstance(network, str):
        model = models.get(network)
        return import_model(model, model.input_shape)
    from atheena.frontend.loading import input_shape_of

    if getattr(network, "input_shape", None) is None:
        raise AtheenaError("the network has no input_shape attribute; import it first with "
                           "atheena.import_model(model, (C, H, W)) and profile the result")
    return import_model(network, input_shape_of(network, None))
