"""Fit the LUT/FF coefficients of the resource model to synthesis results, and score them.

Per family, the logic part of a measurement (measured LUT minus the LUT RAM
the memory model already predicts; measured FF) is regressed by least squares
on the family's features (`Family.used`: LUT and FF may use different
subsets) over the fitting points, each point's error relative to its
measurement (the score is a percentage error, and the kernels of a family
span two orders of magnitude); every third point
(`held_out`) is kept out of the fit and used to score the model: DSP and BRAM
exact matches, and the mean absolute percentage error of LUT and FF.  The
same scores are given for the coefficients currently in `resource_model.json`
("before"), so a refit shows what it changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from atheena.dse import model
from atheena.errors import AtheenaError

MODEL_FILE = Path(model.__file__).with_name("resource_model.json")  # the 7-series model


def model_file(family: str = "xc7") -> Path:
    """The resource model file of a device family (`atheena.dse.families`), existing or to be written."""
    from atheena.dse import families

    return Path(model.__file__).with_name(families.load(family).files()[0])
RELATIVE_FLOOR = 32.0  # LUTs or FFs; see _relative_lstsq


def held_out(index: int) -> bool:
    """Whether the `index`-th point of a family is kept out of the fit (every third)."""
    return index % 3 == 2


@dataclass
class Score:
    """Agreement of predictions with measurements over some points."""

    points: int = 0
    dsp_exact: int = 0
    bram_exact: int = 0
    lut_ape: list[float] = field(default_factory=list)
    ff_ape: list[float] = field(default_factory=list)

    def add(self, predicted: tuple, measured: dict) -> None:
        dsp, bram, lut, ff = predicted
        self.points += 1
        self.dsp_exact += dsp == measured["dsp"]
        self.bram_exact += bram == measured["bram18"]
        # a kernel with (almost) no LUTs would make any error infinite: relative to at least 1
        self.lut_ape.append(abs(lut - measured["lut"]) / max(measured["lut"], 1))
        self.ff_ape.append(abs(ff - measured["ff"]) / max(measured["ff"], 1))

    def merge(self, other: "Score") -> None:
        self.points += other.points
        self.dsp_exact += other.dsp_exact
        self.bram_exact += other.bram_exact
        self.lut_ape += other.lut_ape
        self.ff_ape += other.ff_ape

    @property
    def lut_mape(self) -> float:
        return 100 * float(np.mean(self.lut_ape)) if self.lut_ape else float("nan")

    @property
    def ff_mape(self) -> float:
        return 100 * float(np.mean(self.ff_ape)) if self.ff_ape else float("nan")


@dataclass
class FamilyFit:
    family: str
    kind: str
    features: tuple[str, ...]
    lut: list[float]
    ff: list[float]
    fitted_on: int
    before: Score  # current resource_model.json on the held-out points
    after: Score  # the new coefficients on the held-out points
    residual_max: dict  # largest |error| (LUT, FF) over all points with the new coefficients


def _feature_matrix(features: tuple[str, ...], estimates: list) -> np.ndarray:
    rows = []
    for est in estimates:
        values = {"base": 1.0, **est.features}
        missing = [f for f in features if f not in values]
        if missing:
            raise AtheenaError(f"model function for {est.kind!r} offers no feature {', '.join(missing)} "
                               f"(it offers {', '.join(sorted(values))}); fix the family's `features`")
        rows.append([float(values[f]) for f in features])
    return np.array(rows)


def fit_family(family, records: list[dict]) -> FamilyFit:
    """Least-squares LUT and FF coefficients for `family` from its dataset `records`."""
    by_params = {json.dumps(r["params"], sort_keys=True): r for r in records if r["family"] == family.name}
    points = [p for p in family.points if json.dumps(p, sort_keys=True) in by_params]
    if not points:
        raise AtheenaError(f"the dataset has no measurements of family {family.name}: synthesise it first "
                           f"(benchmarks/characterise.py --families {family.name})")
    measured = [by_params[json.dumps(p, sort_keys=True)]["measured"] for p in points]
    estimates = [family.model(p) for p in points]
    x = _feature_matrix(family.features, estimates)
    lut_logic = np.array([m["lut"] - e.memory_lut for m, e in zip(measured, estimates)], dtype=float)
    ff = np.array([m["ff"] for m in measured], dtype=float)
    train = np.array([not held_out(i) for i in range(len(points))])
    unknown = sorted((set(family.used("lut")) | set(family.used("ff"))) - set(family.features))
    if unknown:
        raise AtheenaError(f"family {family.name}: lut_features/ff_features name {', '.join(unknown)}, "
                           "which are not among its features")
    used = {target: [family.features.index(f) for f in family.used(target)] for target in ("lut", "ff")}
    most = max(len(columns) for columns in used.values())
    if train.sum() < most:
        raise AtheenaError(f"family {family.name}: {train.sum()} fitting points for {most} "
                           "coefficients; add parameter points")
    lut_coef = np.zeros(len(family.features))
    ff_coef = np.zeros(len(family.features))
    lut_coef[used["lut"]] = _relative_lstsq(x[train][:, used["lut"]], lut_logic[train],
                                            np.array([m["lut"] for m in measured])[train])
    ff_coef[used["ff"]] = _relative_lstsq(x[train][:, used["ff"]], ff[train], ff[train])
    before, after = Score(), Score()
    lut_pred = x @ lut_coef + [e.memory_lut for e in estimates]
    ff_pred = x @ ff_coef
    for i, (est, meas) in enumerate(zip(estimates, measured)):
        if held_out(i):
            before.add(est.resources, meas)
            after.add((est.dsp, est.bram18, int(round(lut_pred[i])), int(round(ff_pred[i]))), meas)
    residual = {"lut": float(np.max(np.abs(lut_pred - [m["lut"] for m in measured]))),
                "ff": float(np.max(np.abs(ff_pred - ff)))}
    return FamilyFit(family.name, family.kind, family.features, _rounded(lut_coef), _rounded(ff_coef),
                     int(train.sum()), before, after, residual)


def _relative_lstsq(x: np.ndarray, target: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Coefficients c minimising sum(((x c - target) / max(total, RELATIVE_FLOOR))**2).

    Relative errors, as they are scored: `total` is the whole measurement (for LUTs, memory
    included); plain least squares would fit the largest kernels and leave the small ones far
    off.  Below `RELATIVE_FLOOR` errors count as absolute ones: a LUT or two on a kernel of
    five is the rounding of a prediction, not a model error to chase.
    """
    scale = 1.0 / np.maximum(total, RELATIVE_FLOOR)
    return np.linalg.lstsq(x * scale[:, None], target * scale, rcond=None)[0]


def _rounded(coefficients: np.ndarray) -> list[float]:
    return [round(float(c), 3) + 0.0 for c in coefficients]  # + 0.0: no "-0.0" in the table


def write_coefficients(fits: list[FamilyFit], path: Path = MODEL_FILE) -> None:
    """Store the fitted coefficients in resource_model.json (one line per kind, other kinds untouched)."""
    kinds = [f.kind for f in fits]
    if len(set(kinds)) != len(kinds):
        raise AtheenaError(f"two families fit the same resource_model.json kind ({', '.join(kinds)}); "
                           "write them one at a time")
    if path.exists():
        table = json.loads(path.read_text())
    else:  # a new family's model starts with the kinds no characterisation fits (no hardware of their own)
        table = {"_about": "Coefficients of the resource model of one device family (see resource_model.json)"}
        table |= {k: v for k, v in json.loads(MODEL_FILE.read_text()).items()
                  if not k.startswith("_") and "fit" not in v}
    for f in fits:
        table[f.kind] = {"features": list(f.features), "lut": f.lut, "ff": f.ff,
                         "fit": {"family": f.family, "points": f.fitted_on,
                                 "held_out_lut_mape": round(f.after.lut_mape, 2),
                                 "held_out_ff_mape": round(f.after.ff_mape, 2)}}
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in table.items())
    path.write_text("{\n" + body + "\n}\n")
    model.reload_coefficients()
