"""`compile_network`: a PyTorch or ONNX early-exit network -> verified SystemVerilog and a report.

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
9. optionally Yosys synthesis with the clock checked (`flow.implement`): place-and-route on ECP5, the
   timing rule check on Xilinx
10. report.json, report.md and the figures

All options are checked, and the data loaded, before the first slow step, so
a mistake costs seconds, not minutes.  Output goes to a staging folder that
becomes OUT only at the end (`atheena.compile.outdir`).

Passes run through `PipelineRunner`, as in `atheena-opt`: the verifier after
each, warnings at the op on stderr, and on failure the pass's input saved
with the command that replays it.  report.md's replay commands are the
`spec()` of the passes that ran, so they reproduce the stage files exactly.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from atheena.compile import explore as X
from atheena.compile import plots
from atheena.compile import report as R
from atheena.compile.options import CompileOptions, check_options
from atheena.compile.outdir import Staging, check_target
from atheena.compile.progress import Progress
from atheena.errors import AtheenaError

#: (what, pass or None, input file, output file): the stages report.md tells how to replay
Stage = tuple[str, object, str, str]


def _run_pass(runner, module, the_pass) -> int:
    """Run one of ATHEENA's passes on `module` as `atheena-opt` would its `spec()`; returns the warnings' count.

    A problem in the input (a `PassFailure`) is the user's: `AtheenaError`,
    one paragraph with the saved input and the replay command.  A bug in a
    pass stays a `PipelineError` (an `IRError`) that says so.
    """
    from atheena.pipeline import PipelineError

    try:
        return len(runner.run(module, f"builtin.module({the_pass.spec()})"))
    except PipelineError as err:
        if err.internal:
            raise
        raise AtheenaError(str(err)) from None


def _warned(count: int) -> str:
    return f"; {count} warning{'s' if count > 1 else ''} (above)" if count else ""


def _write_ir(module, path: Path) -> None:
    from atheena.fileio import write_atomic
    from atheena.ir import to_text

    write_atomic(path, to_text(module, debug_info=True))


def compile_network(model, input_shape: Sequence[int], out: str | Path, options: CompileOptions | None = None,
                    label: str = "network", default_thresholds: Sequence[float] | None = None,
                    quiet: bool = False) -> dict:
    """Compile `model` (an `nn.Module` whose forward returns one logits tensor per exit, or an ONNX model:
    a `.onnx` path or `OnnxModel`) into folder `out`.

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
    from atheena.pipeline import PipelineRunner
    from atheena.profiling import check_thresholds, profile_exits

    options = check_options(options or CompileOptions())
    out = check_target(out, options.force)
    board = boards.load(options.board)
    data = calibration_set(options.data)
    from atheena.frontend.loading import sample_shape

    shape = sample_shape(input_shape)
    if tuple(data.images.shape[1:]) != shape:
        raise AtheenaError(
            f"{label} takes inputs of shape {'x'.join(map(str, shape))} but the calibration images "
            f"({data.description}) are {'x'.join(map(str, data.images.shape[1:]))}; give the network's real "
            "input shape (input_shape on the class, or --input-shape C,H,W) and data of that size (--data)")
    if options.simulate > len(data):
        raise AtheenaError(f"--simulate {options.simulate} asks for more samples than the calibration data holds "
                           f"({data.description}); give at most {len(data)}")

    progress = Progress(8 + (options.simulate > 0) + options.synth, quiet)
    with Staging(out, options.force) as staging:
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
        choose, test = split_profile(profile)
        progress.done(f"final exit alone: {profile.final_accuracy() * 100:.2f}% accurate; thresholds are chosen "
                      f"on the first {len(choose.labels)} images and checked on the other {len(test.labels)}")

        progress.stage("exploring thresholds x budgets" if options.auto else "exploring budgets and thresholds")
        from atheena.parallel import executor

        explorer = X.Explorer(module, options.board, where=executor(options.jobs, options.scheduler))
        drop = options.max_accuracy_drop if options.auto else None
        own = tuple(given if given is not None else profile.ir_thresholds)
        exploration = X.explore(explorer, choose, X.candidate_thresholds(choose, own, drop), own, options.budget,
                                options.target_throughput, drop, bar=progress.bar, quiet=quiet, test=test,
                                window=options.window)
        chosen = exploration.chosen
        budget = chosen.budget
        progress.done(f"{len(exploration.points)} designs; chosen: thresholds "
                      f"{', '.join(f'{t:g}' for t in chosen.thresholds) or '-'} at budget {budget:g}, "
                      f"{chosen.design['throughput_sps']:,.0f} samples/s predicted (rate-balanced; buffers next)"
                      + (f", {chosen.test['worst_window_sps']:,.0f} in the worst {options.window}-sample window "
                         "of the test split (fluid model)" if chosen.test else ""))

        runner = PipelineRunner(module.context, filename=label, tool="atheena")
        annotate = AnnotateExitProbabilities(data=str(options.data or ""),
                                             thresholds=tuple(float(t) for t in chosen.thresholds))
        stages: list[Stage] = [("exit rates", annotate, "imported.mlir", "profiled.mlir")]
        progress.stage("annotate-exit-probabilities: exit rates into the IR")
        warned = _run_pass(runner, module, annotate)
        _write_ir(module, folder / "profiled.mlir")
        progress.done("-> profiled.mlir" + _warned(warned))

        fold = Fold(board=options.board, budget=budget, exit_probabilities=tuple(chosen.fold_rates))
        stages.append(("folding", fold, "profiled.mlir", "folded.mlir"))
        progress.stage(f"fold: every layer's folding for {board.name} within budget {budget:g}")
        warned = _run_pass(runner, module, fold)
        _write_ir(module, folder / "folded.mlir")
        progress.done("-> folded.mlir" + _warned(warned))

        progress.stage("size-buffers: conditional buffer depths")
        warned, sizing = 0, None
        if flow.needs_buffer_sizing(module):
            sizing = SizeBuffers()
            warned = _run_pass(runner, module, sizing)
        stages.append(("buffer depths" if sizing else "buffer depths (no conditional buffer to size)",
                       sizing, "folded.mlir", "buffered.mlir"))
        _write_ir(module, folder / "buffered.mlir")
        buffered = flow.predicted(module)["throughput_sps"]
        short = options.target_throughput is not None and buffered < options.target_throughput
        progress.done("-> buffered.mlir" + (f"; with these buffers the prediction is {buffered:,.0f} samples/s, "
                                            "below the target" if short else "") + _warned(warned))

        progress.stage("generating SystemVerilog (kernels, handshake top level, CIRCT)")
        design = flow.rtl(module, out_dir=folder / "rtl")
        progress.done(f"{len(design.files)} files -> rtl/")

        run = expected = None
        if options.simulate:
            progress.stage(f"simulating {options.simulate} samples in Verilator (a first build of a network takes "
                           "a minute or more; builds are cached)")
            run = flow.simulate(design, module, data.images[:options.simulate])
            expected = flow.predicted_for(module, run.trace)
            verdict = "bit-exact" if run.bit_exact else (f"NOT bit-exact ({run.mismatches} wrong, {run.missing} "
                                                          f"missing, {run.duplicated} duplicated)")
            progress.done(f"{verdict}; {run.throughput_sps:,.0f} samples/s against {expected['throughput_sps']:,.0f} "
                          f"predicted for these samples ({run.throughput_sps / expected['throughput_sps'] - 1:+.1%})")
        used = timing = None
        if options.synth:
            used, timing = _implement(design, board, progress)

        progress.stage("writing report.json, report.md and figures")
        record = profile.record(chosen.thresholds)
        held_out = R.splits(module, choose, test, chosen, options.window)
        report = R.build(model=label, board=board, budget=budget, target_throughput=options.target_throughput,
                         record=record, calibration=data.description, predicted=flow.predicted(module),
                         baseline=exploration.baseline.get(budget), layers=R.layer_table(module),
                         buffers=R.buffer_depths(module), exploration=exploration, simulation=run,
                         simulation_predicted=expected, synthesis=used, timing=timing, splits=held_out)
        from atheena.fileio import write_atomic

        write_atomic(folder / "report.json", R.to_json(report))
        figures = plots.write_all(report, folder)
        files = ["imported.mlir", "profiled.mlir", "folded.mlir", "buffered.mlir", "rtl/", "report.json",
                 "report.md", *figures]
        write_atomic(folder / "report.md", R.markdown(report, _commands(options, stages), files))
        staging.commit()
        progress.done(f"-> {out}/ (total {progress.elapsed:.0f} s)")
    return report


def split_profile(profile):
    """(calibration split, test split): the first and second half of the profiled images.  Thresholds
    are chosen on the first; designs are folded for neither's reach less a margin and ranked, and
    their accuracy, exit rates and throughput reported, on the second (`atheena.compile.explore`)."""
    n = len(profile.labels)
    half = n // 2
    if half == 0:
        raise AtheenaError(f"the calibration data ({profile.description}) holds {n} image(s); it needs at least "
                           "2, one to choose thresholds on and one to check them on")
    return (profile.subset(0, half, f"the first {half} of {profile.description} (calibration split)"),
            profile.subset(half, n, f"the last {n - half} of {profile.description} (test split)"))


def _implement(design, board, progress) -> tuple[dict, dict]:
    """`flow.implement` as a stage: place-and-route on ECP5 (a proven clock), synthesis and the timing
    rule check on Xilinx (an assumed clock)."""
    from atheena.hardware import flow

    if flow.routable(board):
        progress.stage(f"synthesising (Yosys synth_ecp5) and placing and routing (nextpnr-ecp5) on {board.part}; "
                       "minutes for a whole network, cached")
    else:
        progress.stage(f"synthesising with Yosys ({board.device_family.synth.split(' -top')[0]}) and checking the "
                       "timing rules; minutes for a whole network")
    used, timing = flow.implement(design, board)
    verdict = (f"{timing['achieved_mhz']:g} MHz achieved" if "achieved_mhz" in timing
               else f"timing rule check {timing['rule_check']}")
    progress.done(", ".join(f"{k} {used[k]:,}" for k in R.RESOURCES) + f"; {verdict}")
    return used, timing


def _commands(options: CompileOptions, stages: Sequence[Stage]) -> list[tuple[str, str]]:
    """(what, shell command) replaying each stage from the files in OUT, generated from the passes that ran."""
    from atheena.passes.lower_atheena_to_handshake import LowerAtheenaToHandshake

    def opt(source: str, the_pass, target: str, debuginfo: bool = True) -> str:
        pipeline = f" --pass-pipeline={shlex.quote(f'builtin.module({the_pass.spec()})')}" if the_pass else ""
        return f"atheena-opt {source}{pipeline}{' --mlir-print-debuginfo' if debuginfo else ''} -o {target}"

    out = [(what, opt(source, the_pass, target)) for what, the_pass, source, target in stages]
    out.append(("SystemVerilog", opt("buffered.mlir", LowerAtheenaToHandshake(rtl="rtl"), "/dev/null", False)))
    data = f" --data {shlex.quote(str(options.data))}" if options.data else ""
    if options.simulate:
        out.append(("simulation", f"atheena simulate buffered.mlir --samples {options.simulate}{data}"))
    if options.synth:
        out.append(("synthesis", "atheena synth buffered.mlir"))
    return out
