"""`annotate-exit-probabilities`: profile exits on calibration data, write the rates into the IR.

Runs the network in the hardware's fixed-point arithmetic (the exit pattern
the RTL will produce) on the calibration images and attaches:

* to every `atheena` op, `reach_probability`: the fraction of samples it
  processes (1 before the first exit, less after each);
* to every exit decision, `exit_rate` (fraction of all samples that
  leave there) and `accuracy` (of those samples, when any leave);
* to the network function, `atheena.profile`: overall float and fixed-point
  accuracy, the final exit's rate and accuracy, the calibration set, the
  number format, and `exit_trace`: the exit every calibration sample took, in
  order, one digit per sample (`size-buffers` replays it: real data is not
  uniformly hard, and runs of hard samples decide how fast a design goes).

A layer whose outputs, in float on the calibration images, reach beyond the
fixed-point format's range (and beyond what it was given, so a ReLU after a
saturating convolution is not named again) gets a warning with the range seen:
in hardware those values clip.

An exit whose threshold is above `faithful_limit` (0.99931 for 10 classes),
where the rounding of the decision's exp ROM may exceed a tenth of the tail
mass the threshold allows, gets a warning: its hardware decides samples near
the threshold less exactly than the threshold's digits suggest.

Options: `data` (a folder with MNIST IDX files; default: the images bundled
with ATHEENA), `thresholds` (replace the IR's thresholds first; one per early
exit, or one for all), `samples` (use only the first N images; 0 = all),
`format` (fixed-point format of activations and weights, default Q8.8).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch_mlir import ir

from atheena.data import calibration_set
from atheena.dialects import attributes as A
from atheena.dialects import ops as O
from atheena.dse.network import reach
from atheena.errors import AtheenaError
from atheena.pass_base import ModulePass, PassFailure
from atheena.profiling import check_thresholds, profile_exits
from atheena.reference.fixed_point import FixedArithmetic, FixedPointFormat


def annotate(func: ir.Operation, rates: list[float]) -> None:
    """Write `reach_probability` on every op given the exit rate of each early exit."""
    for op, q in reach(func, rates):
        A.set_reach(op, q)


@dataclass(frozen=True)
class AnnotateExitProbabilities(ModulePass):
    """Profile exits on calibration data and attach reach probabilities, exit rates and accuracy."""

    name = "annotate-exit-probabilities"
    data: str = ""
    thresholds: tuple[float, ...] = ()
    samples: int = 0
    format: str = "Q8.8"

    def apply(self, module: ir.Operation) -> None:
        funcs = O.network_functions(module)
        if len(funcs) != 1:
            raise PassFailure(module, f"expected one network function, found {len(funcs)}")
        (func,) = funcs
        decisions = O.exit_decisions(func)
        try:
            fmt = FixedPointFormat.parse(self.format)
            dataset = calibration_set(self.data or None)
            if self.samples < 0:
                raise AtheenaError("option 'samples' must be 0 (all images) or a positive count")
            if self.samples:
                dataset = dataset.subset(0, self.samples, f"{dataset.description}, first {self.samples}")
            if self.thresholds:
                for op, t in zip(decisions, check_thresholds(self.thresholds, len(decisions))):
                    op.attributes["threshold"] = ir.FloatAttr.get_f64(t)
            profile = profile_exits(module, dataset, FixedArithmetic(fmt, fmt))
        except AtheenaError as err:
            raise PassFailure(func, str(err)) from None
        for saturation in profile.saturated:
            self.warn(saturation.op, saturation.message())
        for k, (op, t) in enumerate(zip(decisions, profile.ir_thresholds)):
            if t > profile.limit(k):
                self.warn(op, f"threshold {t:g} is above {profile.limit(k):.5f}, the largest this exit's "
                              "fixed-point decision resolves faithfully (its score's rounding error may exceed "
                              "10% of the tail 1 - p the threshold allows): the hardware may decide samples near "
                              "it differently from the float softmax; a lower threshold is exact enough")
        record = profile.record(profile.ir_thresholds)
        for op, stats in zip(decisions, record.exits):
            op.attributes["exit_rate"] = ir.FloatAttr.get_f64(stats.exit_rate)
            if stats.accuracy is not None:
                op.attributes["accuracy"] = ir.FloatAttr.get_f64(stats.accuracy)
        annotate(func, [e.exit_rate for e in record.exits])
        final = record.exits[-1]
        summary = {
            "accuracy_float": ir.FloatAttr.get_f64(record.accuracy["float"]),
            "accuracy_fixed": ir.FloatAttr.get_f64(record.accuracy["fixed"]),
            "final_exit_rate": ir.FloatAttr.get_f64(final.exit_rate),
            "calibration": ir.StringAttr.get(dataset.description),
            "samples": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), len(dataset)),
            "format": ir.StringAttr.get(str(fmt)),
            "exit_trace": ir.StringAttr.get(A.encode_trace(profile.exit_index(profile.ir_thresholds))),
        }
        if final.accuracy is not None:
            summary["final_accuracy"] = ir.FloatAttr.get_f64(final.accuracy)
        func.attributes["atheena.profile"] = ir.DictAttr.get(summary)

