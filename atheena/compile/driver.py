"""`compile_network`: a PyTorch early-exit network -> verified SystemVerilog and a report.

The stages, each the public API that also runs alone (so every
intermediate can be inspected and replayed with `atheena-opt`):

1. import (`atheena.frontend.import_model`)                -> imported.mlir
2. profile the exits once on the calibration images (`atheena.profiling`)
3. explore thresholds x budgets and choose a design (`atheena.compile.explore`)
4. `annotate-exit-probabilities` at the chosen thresholds   -> profiled.mlir
5. `fold` at the chosen budget                              -> folded.mlir
6. `size-buffers`                                           -> buffered.mlir
7. lowering to SystemVerilog (`atheena.hardware.flow.rtl`)  -> rtl/
8. optionally Verilator simulation, bit-exact check (`flow.simulate`)
9. optionally Yosys synthesis (`flow.synthesize`)
10. report.json, report.md and the figures

All options are checked, and the data loaded, before the first slow step, so
a mistake costs seconds, not minutes.  Output goes to a staging folder that
becomes OUT only at the end (`atheena.compile.outdir`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from atheena.compile import explore as X
from atheena.compile import plots
from atheena.compile import report as R
from atheena.compile.options import CompileOptions, check_options
from atheena.compile.outdir import Staging, check_target
from atheena.compile.progress import Progress
from atheena.errors import AtheenaError, IRError


def _run_pass(module, the_pass) -> None:
    """Run one of ATHEENA's passes in place, then the semantic verifier (as `atheena-opt` does)."""
    from atheena.dialects import verify
    from atheena.pass_base import PassFailure

    with module.context, module.operation.location:
        try:
            the_pass.apply(module.operation)
        except PassFailure as failure:
            raise AtheenaError(f"pass '{the_pass.name}' failed: " + " ".join(m for _, m in failure.problems)) from None
    found = verify.problems(module)
    if found:  # a pass produced invalid IR: a bug, reported like atheena-opt does
        raise IRError(f"pass '{the_pass.name}' produced invalid IR:\n" + "\n".join(m for _, m in found))


def _write_ir(module, path: Path) -> None:
    from atheena.fileio import write_atomic
    from atheena.ir import to_text

    write_atomic(path, to_text(module, debug_info=True))


def _pipeline_option(values: Sequence[float]) -> str:
    return ",".join(repr(float(t)) for t in values)


def compile_network(model, input_shape: Sequence[int], out: str | Path, options: CompileOptions | None = None,
                    label: str = "network", default_thresholds: Sequence[float] | None = None,
                    quiet: bool = False) -> dict:
    """Compile `model` (an `nn.Module` whose forward returns one logits tensor per exit) into folder `out`.

    Returns the report (as written to `out/report.json`).  Raises `AtheenaError`
    for every user mistake, before writing anything.
    """
    from atheena.data import calibration_set
    from atheena.dialects import ops as O
    from atheena.dse import boards
    from atheena.frontend import import_model
    from atheena.hardware import flow
    from atheena.passes.annotate_exit_probabilities import AnnotateExitProbabilities
    from atheena.passes.fold import Fold
    from atheena.passes.size_buffers import SizeBuffers
    from atheena.profiling import check_thresholds, profile_exits

    options = check_options(options or CompileOptions())
    out = check_target(out, options.force)
    board = boards.load(options.board)
    data = calibration_set(options.data)
    shape = tuple(int(d) for d in input_shape)
    if tuple(data.images.shape[1:]) != shape:
        raise AtheenaError(
            f"{label} takes inputs of shape {'x'.join(map(str, shape))} but the calibration images "
            f"({data.description}) are {'x'.join(map(str, data.images.shape[1:]))}; give the network's real "
            "input shape (input_shape on the class, or --input-shape C,H,W) and data of that size (--data)")
    if options.simulate > len(data):
        raise AtheenaError(f"--simulate {options.simulate} asks for more samples than the calibration data holds "
                           f"({data.description}); give at most {len(data)}")

    progress = Progress(8 + (options.simulate > 0) + options.synth, quiet)
    with Staging(out) as staging:
        folder = staging.path
        progress.stage(f"importing {label} (torch-mlir, then convert-torch-to-atheena)")
        module = import_model(model, shape, thresholds=default_thresholds)
        (func,) = O.network_functions(module)
        early = len(O.exit_decisions(func))
        _write_ir(module, folder / "imported.mlir")
        progress.done(f"{early + 1} exit{'s' if early else ''} -> imported.mlir")
        if early == 0 and (options.auto or options.thresholds is not None):
            raise AtheenaError(f"{label} has no early exits, so --thresholds does not apply; leave it out for a "
                               "network without exits")
        given = None
        if not options.auto and options.thresholds is not None:
            given = check_thresholds(options.thresholds, early)

        progress.stage(f"profiling every exit on {data.description} (fixed point and float)")
        profile = profile_exits(module, data)
        progress.done(f"final exit alone: {profile.final_accuracy() * 100:.2f}% accurate")

        progress.stage("exploring thresholds x budgets" if options.auto else "exploring budgets and thresholds")
        explorer = X.Explorer(module, options.board)
        drop = options.max_accuracy_drop if options.auto else None
        own = tuple(given if given is not None else profile.ir_thresholds)
        exploration = X.explore(explorer, profile, X.candidate_thresholds(profile, own, drop), own, options.budget,
                                options.target_throughput, drop, bar=progress.bar)
        chosen = exploration.chosen
        budget = chosen.budget
        progress.done(f"{len(exploration.points)} designs; chosen: thresholds "
                      f"{', '.join(f'{t:g}' for t in chosen.thresholds) or '-'} at budget {budget:g}, "
                      f"{chosen.design['throughput_sps']:,.0f} samples/s predicted")

        progress.stage("annotate-exit-probabilities: exit rates into the IR")
        _run_pass(module, AnnotateExitProbabilities(data=str(options.data or ""), thresholds=chosen.thresholds))
        _write_ir(module, folder / "profiled.mlir")
        progress.done("-> profiled.mlir")

        progress.stage(f"fold: every layer's folding for {board.name} within budget {budget:g}")
        _run_pass(module, Fold(board=options.board, budget=budget))
        _write_ir(module, folder / "folded.mlir")
        progress.done("-> folded.mlir")

        progress.stage("size-buffers: conditional buffer depths")
        if flow.needs_buffer_sizing(module):
            _run_pass(module, SizeBuffers())
        _write_ir(module, folder / "buffered.mlir")
        buffered = flow.predicted(module)["throughput_sps"]
        short = options.target_throughput is not None and buffered < options.target_throughput
        progress.done("-> buffered.mlir" + (f"; with these buffers the prediction is {buffered:,.0f} samples/s, "
                                            "below the target" if short else ""))

        progress.stage("generating SystemVerilog (kernels, handshake top level, CIRCT)")
        design = flow.rtl(module, out_dir=folder / "rtl")
        progress.done(f"{len(design.files)} files -> rtl/")

        run = None
        if options.simulate:
            progress.stage(f"simulating {options.simulate} samples in Verilator (a first build of a network takes "
                           "a minute or more; builds are cached)")
            run = flow.simulate(design, module, data.images[:options.simulate])
            verdict = "bit-exact" if run.bit_exact else (f"NOT bit-exact ({run.mismatches} wrong, {run.missing} "
                                                          f"missing, {run.duplicated} duplicated)")
            progress.done(f"{verdict}; {run.throughput_sps:,.0f} samples/s")
        used = None
        if options.synth:
            progress.stage("synthesising with Yosys (synth_xilinx -family xc7; minutes for a whole network)")
            used = flow.synthesize(design)
            progress.done(", ".join(f"{k} {used[k]:,}" for k in R.RESOURCES))

        progress.stage("writing report.json, report.md and figures")
        record = profile.record(chosen.thresholds)
        report = R.build(model=label, board=board, budget=budget, target_throughput=options.target_throughput,
                         record=record, calibration=data.description, predicted=flow.predicted(module),
                         baseline=exploration.baseline.get(budget), layers=R.layer_table(module),
                         buffers=R.buffer_depths(module), exploration=exploration, simulation=run, synthesis=used)
        from atheena.fileio import write_atomic

        write_atomic(folder / "report.json", R.to_json(report))
        figures = plots.write_all(report, folder)
        files = ["imported.mlir", "profiled.mlir", "folded.mlir", "buffered.mlir", "rtl/", "report.json",
                 "report.md", *figures]
        write_atomic(folder / "report.md", R.markdown(report, _commands(options, chosen.thresholds, budget), files))
        staging.commit()
        progress.done(f"-> {out}/ (total {progress.elapsed:.0f} s)")
    return report


def _commands(options: CompileOptions, thresholds, budget: float) -> list[tuple[str, str]]:
    annotate = "annotate-exit-probabilities" + (
        "{" + " ".join(([f"thresholds={_pipeline_option(thresholds)}"] if thresholds else [])
                       + ([f"data={options.data}"] if options.data else [])) + "}"
        if thresholds or options.data else "")
    out = [
        ("exit rates", f"atheena-opt imported.mlir --pass-pipeline='builtin.module({annotate})' -o profiled.mlir"),
        ("folding", f"atheena-opt profiled.mlir --pass-pipeline='builtin.module(fold{{board={options.board} "
                    f"budget={budget!r}}})' -o folded.mlir"),
        ("buffer depths", "atheena-opt folded.mlir --pass-pipeline='builtin.module(size-buffers)' -o buffered.mlir"),
        ("SystemVerilog", "atheena-opt buffered.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake"
                          "{rtl=rtl})' -o /dev/null"),
    ]
    data = f" --data {options.data}" if options.data else ""
    if options.simulate:
        out.append(("simulation", f"atheena simulate buffered.mlir --samples {options.simulate}{data}"))
    if options.synth:
        out.append(("synthesis", "atheena synth buffered.mlir"))
    return out
