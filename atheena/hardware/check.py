"""The RTL check of one design point, as a job: fold, size the buffers, lower, simulate in Verilator.

A sweep's figures are predictions; `atheena dse --simulate N` checks each
early-exit design against hardware: the network is folded for the point's
board and budget exactly as `fold` and `size-buffers` would (so the design is
the one the sweep predicted), lowered to SystemVerilog and simulated on N
images, and the record says whether the outputs were bit-exact and how the
measured samples/s compare with the prediction for exactly those samples
(`flow.predicted_for`).  These are the longest jobs of a sweep (B-LeNet:
about 40 s each on a cold Verilator cache), so they are what `--jobs` and
`--scheduler` spread.

Everything travels as values, so a Dask worker needs no shared file system:
the profiled IR as text (its thresholds and exit trace in it), the `Board`
(written to a scratch board file on the worker for the passes), the images
as an array; the result is a plain dict.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np


def rtl_check(ir_text: str, board, budget: float, images: np.ndarray) -> dict | None:
    """Fold `ir_text` (a network with exit probabilities annotated) for `board` at `budget`, size its
    buffers, lower it and simulate `images`; bit-exactness and measured against predicted throughput.
    None when no design fits the budget (as the sweep's design is then None)."""
    from atheena import ir as air
    from atheena.errors import AtheenaError, NoFeasibleDesign
    from atheena.hardware import flow
    from atheena.passes.fold import Fold
    from atheena.passes.size_buffers import SizeBuffers
    from atheena.pipeline import PipelineError, PipelineRunner

    module = air.parse(ir_text, air.new_context())
    with tempfile.TemporaryDirectory(prefix="atheena-check-") as scratch:
        board_file = Path(scratch) / "board.json"  # the passes take a board by name or file
        board_file.write_text(json.dumps(board.as_dict()))
        runner = PipelineRunner(module.context, save_reproducer=False)
        try:
            runner.run(module, f"builtin.module({Fold(board=str(board_file), budget=budget).spec()})")
            if flow.needs_buffer_sizing(module):
                runner.run(module, f"builtin.module({SizeBuffers(board=str(board_file)).spec()})")
        except PipelineError as err:
            if isinstance(err.cause, NoFeasibleDesign):
                return None
            raise AtheenaError(str(err)) from None
    design = flow.rtl(module)
    run = flow.simulate(design, module, images)
    expected = flow.predicted_for(module, run.trace)
    return {"samples": len(images), "bit_exact": run.bit_exact, "mismatches": run.mismatches,
            "missing": run.missing, "duplicated": run.duplicated, "exits": list(run.exits),
            "cycles_per_sample": run.cycles_per_sample, "throughput_sps": run.throughput_sps,
            "predicted_sps": expected["throughput_sps"],
            "deviation": run.throughput_sps / expected["throughput_sps"] - 1.0}
