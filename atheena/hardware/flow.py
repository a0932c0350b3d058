"""The hardware flow as a Python API: folded IR -> RTL -> simulation / synthesis.

    from atheena.hardware.flow import rtl, simulate, synthesize
    design = rtl(module)                      # needs `fold` (and ideally `size-buffers`) first
    run = simulate(design, module, images)    # bit-exact check + cycles per sample
    used = synthesize(design)                 # Yosys resources of the whole design

`predicted(module)` reads the DSE's prediction (`atheena.design`) so results
can be put beside it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from atheena import kinds
from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.hardware.lower import Rtl, lower
from atheena.hardware.network_sim import NetworkRun
from atheena.hardware.sim import Bursts
from atheena.hardware.network_sim import run as _run


def predicted(module) -> dict:
    """The DSE's design summary on the network function (`atheena.design`, written by `fold` and
    `size-buffers`): board, budget, clock, the predicted figures with the `model` they come from, resources."""
    from atheena.dialects import attributes as A

    (func,) = O.network_functions(module)
    design = A.design(func)
    if design is None:
        raise AtheenaError("the network is not folded: run the `fold` pass (atheena-opt --pass-pipeline="
                           "'builtin.module(fold{board=zc706 budget=0.5})') before generating hardware")
    return design.as_dict()


def needs_buffer_sizing(module) -> bool:
    (func,) = O.network_functions(module)
    from atheena.dialects import attributes as A

    return any(kinds.role(op) == "buffer" and A.depth(op) is None for op in O.body_ops(func))


def rtl(module, name: str = "atheena_top", out_dir: str | Path | None = None) -> Rtl:
    """SystemVerilog of the folded network (written to `out_dir` when given)."""
    from atheena.hardware.emit import pycde_context

    predicted(module)  # a clear error when the network is not folded
    with pycde_context():  # on a Dask worker this runs off the thread that imported PyCDE
        design = lower(module, name)
    if out_dir is not None:
        design.write(Path(out_dir))
    return design


def simulate(design: Rtl, module, images: np.ndarray, back_pressure: float | Bursts = 0.0, seed: int = 1,
             input_gaps: float = 0.0, observe: bool = False) -> NetworkRun:
    """Verilator run of `images` (N, C, H, W floats in [0, 1]) against the fixed-point reference.

    `back_pressure` is the fraction of cycles the output is not ready (random, per cycle) or
    `Bursts` of long stalls; `input_gaps` the fraction of cycles the input offers nothing;
    `observe` counts, per channel inside the design, the cycles it was refused (`NetworkRun.probes`)."""
    if not isinstance(back_pressure, Bursts) and not 0.0 <= back_pressure < 1.0:
        raise AtheenaError(f"back-pressure {back_pressure} must be in [0, 1): the fraction of cycles the output "
                           "is not ready")
    if not 0.0 <= input_gaps < 1.0:
        raise AtheenaError(f"input gaps {input_gaps} must be in [0, 1): the fraction of cycles the input is idle")
    return _run(design, module, images, predicted(module)["clock_mhz"], back_pressure, seed=seed,
                input_gaps=input_gaps, observe=observe)


def predicted_for(module, trace: list[int]) -> dict:
    """The prediction for exactly the samples whose exits are `trace`, in stream order (a simulation's
    `NetworkRun.trace`): `{"cycles_per_sample", "throughput_sps", "model"}`.  The buffers replay that
    sequence at the IR's depths (`atheena.dse.sizing.replay`); the headline prediction (`predicted`)
    replays the whole profiled sequence instead, so it is not what a run of other samples should meet."""
    from atheena.dse.sizing import replay

    (func,) = O.network_functions(module)
    cycles = replay(func, trace)
    clock = predicted(module)["clock_mhz"]
    return {"cycles_per_sample": cycles, "throughput_sps": clock * 1e6 / cycles,
            "model": f"replay of these {len(trace)} samples' exits"}


def family_of(module) -> str:
    """The device family of the board the network was folded for (7-series when the board is not a built-in
    one and its file is not at hand)."""
    from atheena.dse import boards
    from atheena.errors import AtheenaError

    try:
        return boards.load(predicted(module)["board"]).family
    except AtheenaError:
        return "xc7"


def synthesize(design: Rtl, family: str = "xc7") -> dict[str, int]:
    """Yosys resources of the whole design, synthesised for a device `family` (`atheena.dse.families`)."""
    from atheena.hardware.synth import synthesize as yosys_synthesize

    return yosys_synthesize(design.files, design.name, family=family)


PROVEN = "proven by place-and-route"
ASSUMED = "assumed (no place-and-route for this family)"
NOT_ROUTED = "assumed (not placed and routed: compile with --synth, or run atheena synth)"


def routable(board) -> bool:
    """Whether designs for `board` can be placed and routed here (an ECP5 part: nextpnr-ecp5); elsewhere the
    clock stays assumed and the Xilinx timing rule check runs instead."""
    return board.family == "ecp5"


def place_and_route(design: Rtl, board, timeout: float | None = None, progress=None, bitstream=None):
    """nextpnr-ecp5 place-and-route of the whole design on an ECP5 `board` (`atheena.dse.boards.Board`) at
    its clock: an `atheena.hardware.pnr.Routed` (achieved MHz, routed resources, critical path)."""
    from atheena.hardware import pnr

    if not routable(board):
        raise AtheenaError(f"place-and-route needs an ECP5 board: {board.name} is {board.device_family.name}, for "
                           "which there is no open place-and-route here (its clock stays assumed; the 7-series "
                           "timing rule check runs instead)")
    return pnr.place_and_route(design.files, design.name, pnr.Device.of_part(board.part), board.clock_mhz,
                               timeout, progress, bitstream)


def timing_check(design: Rtl, family: str = "xc7"):
    """The Xilinx timing rule check of the whole design (`atheena.hardware.timing_rules.RuleCheck`)."""
    from atheena.hardware import timing_rules

    return timing_rules.check(design.files, design.name, family)


def implement(design: Rtl, board, timeout: float | None = None, progress=None, bitstream=None
              ) -> tuple[dict[str, int], dict]:
    """(resources, timing) of the design on `board`: placed and routed on ECP5, where `timing` holds
    `achieved_mhz`, `device`, `critical_path` and `dsp_registers` (a proven clock); synthesised with `synth_xilinx` and
    rule-checked elsewhere, where it holds `rule_check` ("passed" or "failed") and `summary` (an assumed
    clock).  What `atheena synth` and `atheena compile --synth` both report (`clock` reads `timing`)."""
    if routable(board):
        routed = place_and_route(design, board, timeout, progress, bitstream)
        return routed.resources, {"achieved_mhz": routed.mhz, "device": routed.device, "fmax": routed.fmax,
                                  "critical_path": routed.critical_path, "dsp_registers": routed.dsp_registers}
    from atheena.hardware import synth

    rules = timing_check(design, board.family)
    return synth.resources(rules.cells, "xilinx"), {"rule_check": "passed" if rules.passed else "failed",
                                                    "summary": rules.summary()}


def clock(board_mhz: float, achieved_mhz: float | None = None, routable: bool = False) -> tuple[float, str]:
    """(the clock a throughput figure may use, what proves it): the lower of the board's clock and the clock
    place-and-route achieved, or the board's, labelled as assumed, when nothing was routed (saying how to
    prove it when the board's family can be routed here: `routable`)."""
    if achieved_mhz is None:
        return float(board_mhz), NOT_ROUTED if routable else ASSUMED
    return min(float(board_mhz), float(achieved_mhz)), PROVEN
