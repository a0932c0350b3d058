"""`report.json` and `report.md`: what `atheena compile` built and how well it works.

The JSON schema is documented key by key in `docs/report-schema.md`; its
keys are stable (new keys may be added, none renamed or removed without a new
`schema_version`).  Fractions are fractions (0.75, not 75%), throughputs
samples per second at the board's clock, resources counts of DSP48, BRAM18,
LUT and FF.  Nothing in it depends on the machine or the time of the run, so
the same inputs give the same bytes.

`report.md` renders the same numbers for a reader, with the figures and the
`atheena-opt` commands that replay each stage.
"""

from __future__ import annotations

import json


from atheena.dialects import attributes as A
from atheena.dse.boards import RESOURCES
from atheena.dialects import ops as O
from atheena.dse.network import layer_name_of, layer_reach
from atheena.hardware import plan

SCHEMA_VERSION = 1


def _resources(source: dict) -> dict:
    return {k: int(source[k]) for k in RESOURCES}


def design_summary(design: dict | None) -> dict | None:
    """The `predicted` / `baseline` block from a design summary (or `atheena.design` on the IR): the headline
    figure, the `model` it comes from, and the other models' figures where known."""
    if design is None:
        return None
    resources = design["resources"] if "resources" in design else _resources(design)
    out = {"throughput_sps": float(design["throughput_sps"]), "cycles_per_sample": float(design["cycles_per_sample"]),
           "model": design.get("model", "rate-balanced")}
    for key in ("balanced_cycles_per_sample", "independent_cycles_per_sample", "replay_cycles_per_sample"):
        if key in design:
            out[key] = float(design[key])
    out["resources"] = _resources(resources)
    return out


def layer_table(module) -> list[dict]:
    """One row per op of the folded network: folding, interval, reach and resources under the model (the
    netlist plan's instances of that op), and a row for the lane converters between them."""
    (func,) = O.network_functions(module)
    design = plan.build(func)
    used: dict = {}
    for inst in design.instances:
        if inst.op is not None:
            used[inst.op] = [a + b for a, b in zip(used.get(inst.op, [0, 0, 0, 0]), inst.resources)]
    rows = []
    for i, (op, reach) in enumerate(layer_reach(func)):
        folding = A.folding(op) or {}
        interval = A.interval(op) or 0
        row = {"name": layer_name_of(op, i), "op": op.name.removeprefix("atheena."), "reach_probability": reach,
               "folding": folding, "interval": int(interval), "cycles_per_sample": reach * interval,
               "resources": dict(zip(RESOURCES, map(int, used.get(op, [0, 0, 0, 0]))))}
        if A.depth(op) is not None:
            row["depth"] = A.depth(op)
        rows.append(row)
    converters = design.overheads()  # between layers of different lanes: in no layer's configuration
    if any(converters.values()):
        rows.append({"name": "lane converters", "op": "convert", "reach_probability": 1.0, "folding": {},
                     "interval": 0, "cycles_per_sample": 0.0, "resources": converters})
    return rows


def buffer_depths(module) -> dict:
    """{"exit0": {"depth", "loss", "cycles_per_sample", "pattern"}} from `size-buffers`."""
    (func,) = O.network_functions(module)
    return {name: {"depth": e.depth, "loss": e.loss, "cycles_per_sample": e.cycles_per_sample, "pattern": e.pattern}
            for name, e in A.buffers(func).items()}


def build(*, model: str, board, budget: float, target_throughput: float | None, record, calibration: str,
          predicted: dict, baseline: dict | None, layers: list[dict], buffers: dict, exploration,
          simulation=None, simulation_predicted: dict | None = None, synthesis: dict | None = None,
          timing: dict | None = None, splits: dict | None = None) -> dict:
    """The report as a JSON-ready dict (see docs/report-schema.md).

    `timing` is what proves or checks the clock (`atheena synth`'s timing block: `achieved_mhz` from
    place-and-route, or a Xilinx `rule_check`); the report's `clock` says which clock the throughputs
    assume and why, and with a routed clock below the board's, `throughput_at_clock_sps` the early-exit
    design's throughput at the clock place-and-route proved."""
    from atheena.hardware import flow

    achieved = (timing or {}).get("achieved_mhz")
    clock_mhz, source = flow.clock(board.clock_mhz, achieved, routable=flow.routable(board))
    predicted_block = design_summary(predicted)
    baseline_block = design_summary(baseline)
    report = {
        "schema_version": SCHEMA_VERSION,
        "model": model,
        "board": board.name,
        "part": board.part,
        "family": board.family,
        "resource_model": board.device_family.model_family.key,
        "clock_mhz": float(board.clock_mhz),
        "clock": {"mhz": clock_mhz, "source": source, **(timing or {})},
        "board_resources": {k: board.capacity(k) for k in RESOURCES},
        "budget": float(budget),
        "target_throughput_sps": None if target_throughput is None else float(target_throughput),
        "thresholds": [float(t) for t in record.thresholds],
        "calibration": calibration,
        "exits": [{"index": e.index, "threshold": e.threshold, "comparison": e.comparison, "exit_rate": e.exit_rate,
                   "accuracy": e.accuracy, "float_exit_rate": e.float_exit_rate} for e in record.exits],
        "accuracy": {"float": float(record.accuracy["float"]), "fixed": float(record.accuracy["fixed"])},
        "predicted": predicted_block,
        "baseline": baseline_block,
        "gain": (predicted_block["throughput_sps"] / baseline_block["throughput_sps"]) if baseline_block else None,
        "layers": layers,
        "buffers": buffers,
        "exploration": {
            "max_accuracy_drop": exploration.max_accuracy_drop,
            "final_exit_accuracy": exploration.final_accuracy,
            "chosen": exploration.chosen.as_dict(),
            "points": [p.as_dict() for p in exploration.points],
            "baseline": [{"budget": b, "design": exploration.baseline[b]} for b in exploration.budgets],
        },
    }
    if simulation is not None:
        report["simulation"] = {
            "samples": simulation.samples, "bit_exact": simulation.bit_exact,
            "cycles_per_sample": float(simulation.cycles_per_sample),
            "throughput_sps": float(simulation.throughput_sps), "exits": list(simulation.exits),
            "mismatches": simulation.mismatches, "missing": simulation.missing, "duplicated": simulation.duplicated,
        }
        if simulation_predicted is not None:  # on exactly the simulated samples, in their order
            report["simulation"]["predicted"] = dict(simulation_predicted)  # `flow.predicted_for`'s
    if splits is not None:
        report["splits"] = splits
    if synthesis is not None:
        report["synthesis"] = {"resources": _resources(synthesis)}
    report["throughput_at_clock_sps"] = predicted_block["throughput_sps"] * clock_mhz / float(board.clock_mhz)
    return report


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2) + "\n"


# ---------------------------------------------------------------- markdown


def _pct(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}%"


def _sps(x: float) -> str:
    return f"{x:,.0f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _res(r: dict) -> list[str]:
    return [f"{r[k]:,}" for k in RESOURCES]


def splits(module, choose, test, chosen, window: int) -> dict:
    """The `splits` block: the calibration split (it chose the thresholds) and the test split (held out
    from that choice): accuracy and exit rates on each; on the test split the buffered prediction for its
    images in order, and the worst `window`-sample window (`atheena.dse.windows`, fluid model, at the
    section intervals `fold` wrote); the reach every section was folded for."""
    from atheena.dialects import attributes as A
    from atheena.dialects import ops as O
    from atheena.dse import windows
    from atheena.dse.network import reach_sections
    from atheena.hardware import flow

    (func,) = O.network_functions(module)
    ops = [op for op in O.body_ops(func) if op.name.startswith("atheena.")]
    cycles = windows.section_cycles(reach_sections(func), [A.interval(op) for op in ops])
    thresholds = chosen.thresholds
    folded = windows.reach_for(chosen.fold_rates)
    trace = [int(k) for k in test.exit_index(thresholds)]
    worst = windows.worst_window_reach(trace, folded, window)
    clock = flow.predicted(module)["clock_mhz"] * 1e6

    def block(profile) -> dict:
        record = profile.record(thresholds)
        return {"description": profile.description, "images": len(profile.labels),
                "accuracy": {k: float(v) for k, v in record.accuracy.items()},
                "exit_rates": [e.exit_rate for e in record.exits]}

    return {
        "calibration": block(choose),
        "test": {**block(test), "predicted": flow.predicted_for(module, trace),
                 "worst_window": {"window": window, "reach": worst,
                                  "throughput_sps": clock / windows.fluid_cycles(cycles, worst),
                                  "model": f"fluid: every section at its reach in the worst {window}-sample window "
                                           f"(the test split's, or the {windows.WINDOW_QUANTILE:.1%} quantile for "
                                           "independent samples, whichever is higher)"}},
        "folded_reach": folded,
        "confidence": windows.CONFIDENCE,
    }


def markdown(report: dict, commands: list[tuple[str, str]], files: list[str]) -> str:
    """`report.md`: the report for a reader.  `commands` are (what, shell command) to replay stages."""
    r = report
    out = [f"# {r['model']} on {r['board']} ({r['part']}, {r['clock_mhz']:g} MHz)", ""]
    c = r["clock"]
    if "achieved_mhz" in c:
        out += [f"Clock: {c['mhz']:g} MHz, {c['source']} (achieved {c['achieved_mhz']:g} MHz on {c['device']}); "
                f"the early-exit design's throughput at that clock: {_sps(r['throughput_at_clock_sps'])} "
                "samples/s. The other throughputs are at the board's clock.", ""]
    else:
        check = f"; timing rule check {c['summary']}" if "summary" in c else ""
        out += [f"Clock: {c['mhz']:g} MHz, {c['source']}{check}. Throughputs are at this clock.", ""]
    how = (f"the smallest budget reaching {_sps(r['target_throughput_sps'])} samples/s"
           if r["target_throughput_sps"] else "the budget asked for")
    out += [f"Budget: **{r['budget']:g}** of every resource ({how}). Thresholds: "
            f"**{', '.join(f'{t:g}' for t in r['thresholds']) or 'none (no early exits)'}**. "
            f"Exit rates and accuracy measured on {r['calibration']}.", ""]
    if r["family"] != r["resource_model"]:
        from atheena.dse import families

        out += [f"Note: {families.load(r['family']).caveat}.", ""]
    ee, base = r["predicted"], r["baseline"]
    if r["target_throughput_sps"] and ee["throughput_sps"] < r["target_throughput_sps"]:
        out += [f"The budget was chosen for `fold`'s rate-balanced prediction; after buffer sizing (bursts of hard "
                f"samples) the prediction is {ee['throughput_sps'] / r['target_throughput_sps'] - 1:+.1%} against "
                "the target. A slightly larger `--budget` closes the gap.", ""]
    out += ["## Throughput and resources", ""]
    rows = [[f"early exit (predicted: {ee['model']})", _sps(ee["throughput_sps"]), f"{ee['cycles_per_sample']:,.1f}",
             *_res(ee["resources"])]]
    if base:
        rows.append([f"baseline, no exits (predicted: {base['model']})", _sps(base["throughput_sps"]),
                     f"{base['cycles_per_sample']:,.1f}", *_res(base["resources"])])
    if "simulation" in r:
        s = r["simulation"]
        if "predicted" in s:
            rows.append([f"early exit (predicted: {s['predicted']['model']})",
                         _sps(s["predicted"]["throughput_sps"]), f"{s['predicted']['cycles_per_sample']:,.1f}",
                         "", "", "", ""])
        rows.append([f"early exit, RTL simulation ({s['samples']} samples)", _sps(s["throughput_sps"]),
                     f"{s['cycles_per_sample']:,.1f}", "", "", "", ""])
    if "synthesis" in r:
        rows.append(["early exit, Yosys synthesis", "", "", *_res(r["synthesis"]["resources"])])
    out += [_table(["design", "samples/s", "cycles/sample", "DSP", "BRAM18", "LUT", "FF"], rows), ""]
    if r["gain"] is not None:
        out += [f"Predicted gain over the baseline at the same budget: **{r['gain']:.2f}x**.", ""]
    else:
        out += ["The baseline does not fit this budget.", ""]
    if "simulation" in r:
        s = r["simulation"]
        verdict = ("bit-exact against the fixed-point reference" if s["bit_exact"] else
                   f"**NOT bit-exact**: {s['mismatches']} wrong, {s['missing']} missing, {s['duplicated']} duplicated")
        against = (f"{s['throughput_sps'] / s['predicted']['throughput_sps'] - 1:+.1%} against the prediction for "
                   f"these samples ({_sps(s['predicted']['throughput_sps'])} samples/s, {s['predicted']['model']}); "
                   "the headline prediction above is for the profiled images"
                   if "predicted" in s else f"{s['throughput_sps'] / ee['throughput_sps'] - 1:+.1%} against the "
                   "predicted throughput")
        out += [f"Simulation (Verilator): {s['samples']} samples, {verdict}; samples per exit {s['exits']}; "
                f"{against}.", ""]
    if "splits" in r:
        out += _splits_md(r["splits"])
    out += ["## Exits", "", _table(["exit", "threshold", "exit rate (fixed point)", "exit rate (float)",
                                     "accuracy of its samples"], [
        [str(e["index"]), "final" if e["threshold"] is None else f"{e.get('comparison') or '>='} {e['threshold']:g}",
         _pct(e["exit_rate"]),
         _pct(e["float_exit_rate"]), _pct(e["accuracy"])] for e in r["exits"]]), "",
        f"Overall accuracy: {_pct(r['accuracy']['fixed'])} in fixed point (the hardware), "
        f"{_pct(r['accuracy']['float'])} in float; the final exit alone: "
        f"{_pct(r['exploration']['final_exit_accuracy'])}.", ""]
    if r["buffers"]:
        depths = ", ".join(f"{k}: {v['depth']} samples (simulated loss {_pct(v['loss'], 1)}; "
                           f"{v['cycles_per_sample']:,.1f} cycles/sample with the {v['pattern']} exit sequence)"
                           for k, v in r["buffers"].items())
        out += [f"Conditional buffers (size-buffers): {depths}. The predicted rate is the slower of these and "
                "the slowest layer (reach x interval below): hard samples come in runs, and while they do the "
                "layers after the exit set the pace.", ""]
    out += ["## Layers", "", _table(
        ["layer", "op", "reach", "folding", "interval", "reach x interval", "DSP", "BRAM18", "LUT", "FF"],
        [[row["name"], row["op"], f"{row['reach_probability']:.3f}",
          " ".join(f"{k}={v}" for k, v in row["folding"].items()) or "-", f"{row['interval']:,}",
          f"{row['cycles_per_sample']:,.1f}", *_res(row["resources"])] for row in r["layers"]]), "",
        "![resources and cycles per layer](layers.png)", ""]
    out += _exploration_md(r)
    out += ["## Files", ""] + [f"* `{f}`" for f in files] + [""]
    out += ["## Replay a stage", "", "```sh"] + [f"# {what}\n{cmd}" for what, cmd in commands] + ["```", ""]
    return "\n".join(out)


def _splits_md(sp: dict) -> list[str]:
    """The held-out check: what the thresholds were chosen on, and how they do on images they were not."""
    cal, test = sp["calibration"], sp["test"]
    w = test["worst_window"]
    rows = [[name, f"{part['images']:,}", _pct(part["accuracy"]["fixed"]), _pct(part["accuracy"]["float"]),
             ", ".join(_pct(e, 1) for e in part["exit_rates"])] for name, part in
            (("calibration split (chose the thresholds)", cal), ("test split (held out)", test))]
    return ["## Held-out check", "",
            _table(["images", "count", "accuracy (fixed)", "accuracy (float)", "exit rates"], rows), "",
            f"Calibration split: {cal['description']}. Test split: {test['description']}.", "",
            f"On the test split, in its order: {_sps(test['predicted']['throughput_sps'])} samples/s predicted "
            f"({test['predicted']['model']}). Worst window of {w['window']} samples: "
            f"{_sps(w['throughput_sps'])} samples/s ({w['model']}; reach per section "
            f"{', '.join(_pct(q, 1) for q in w['reach'])}). Every section is folded for at least the upper "
            f"{sp['confidence']:.0%} confidence bound of its reach on either split "
            f"({', '.join(_pct(q, 1) for q in sp['folded_reach'])}).", ""]


def _exploration_md(r: dict) -> list[str]:
    x = r["exploration"]
    out = ["## Design space", ""]
    if x["max_accuracy_drop"] is not None:
        out += [f"Thresholds chosen automatically: the fastest design whose fixed-point accuracy stays within "
                f"{x['max_accuracy_drop']:g} percentage points of the final exit alone "
                f"({_pct(x['final_exit_accuracy'])}).", ""]
    at_budget = [p for p in x["points"] if p["budget"] == r["budget"]]
    rows = []
    for p in sorted(at_budget, key=lambda p: p["thresholds"]):
        d = p["design"]
        mark = " (compiled)" if p["thresholds"] == x["chosen"]["thresholds"] else ""
        rows.append([", ".join(f"{t:g}" for t in p["thresholds"]) + mark or "-",
                     ", ".join(_pct(e, 1) for e in p["exit_rates"]) or "-", _pct(p["accuracy"]["fixed"]),
                     "-" if p["admissible"] is None else ("yes" if p["admissible"] else "no"),
                     _sps(d["throughput_sps"]) if d else "does not fit",
                     _pct(d["max_resource_share"], 1) if d else "-"])
    out += [f"Threshold settings at budget {r['budget']:g} (predicted before buffer sizing):", "",
            _table(["thresholds", "exit rates", "accuracy", "within drop", "samples/s", "largest share"], rows), "",
            "![accuracy vs throughput](accuracy_throughput.png)", ""]
    base = {b["budget"]: b["design"] for b in x["baseline"]}
    rows = []
    for p in sorted((p for p in x["points"] if p["thresholds"] == x["chosen"]["thresholds"]),
                    key=lambda p: p["budget"]):
        d, b = p["design"], base.get(p["budget"])
        rows.append([f"{p['budget']:g}", _sps(d["throughput_sps"]) if d else "does not fit",
                     _sps(b["throughput_sps"]) if b else "does not fit",
                     f"{d['throughput_sps'] / b['throughput_sps']:.2f}x" if d and b else "-"])
    out += ["Budgets at the compiled thresholds, early exit against the baseline:", "",
            _table(["budget", "early exit samples/s", "baseline samples/s", "gain"], rows), "",
            "![Pareto fronts](pareto.png)", ""]
    return out
