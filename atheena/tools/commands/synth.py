"""`atheena synth`: a folded network's RTL through Yosys, resources set against the DSE's prediction.

Keeps the resource model honest: the DSE chooses foldings from predicted DSP,
BRAM, LUT and FF counts, and this command shows how close they are.
"""

from __future__ import annotations

import json
import time

from atheena.dse.boards import RESOURCES
from atheena.tools.commands.common import folded_design, say


def add_parser(sub) -> None:
    syn = sub.add_parser("synth", help="synthesise a folded network's RTL with Yosys (for the device family of the "
                         "board it was folded for) and compare the resources with the DSE's prediction")
    syn.add_argument("model", metavar="FILE", help="folded network (.mlir)")
    syn.add_argument("--rtl", metavar="DIR", help="also write the SystemVerilog and file list into DIR")
    syn.add_argument("--json", action="store_true", help="print the results as JSON")
    syn.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and results")
    syn.set_defaults(example=None)


def cmd_synth(args) -> int:
    from atheena.hardware import flow

    from atheena.dse import families

    module, design = folded_design(args)
    family = families.load(flow.family_of(module))
    say(args, f"synthesising with Yosys ({family.synth.split(' -top')[0]}; minutes for a whole network)")
    started = time.perf_counter()
    used = flow.synthesize(design, family.key)
    prediction = flow.predicted(module)
    record = {"synthesis": used, "predicted": {k: prediction[k] for k in RESOURCES},
              "seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        for k in RESOURCES:
            print(f"{k:>7}: {used[k]:>8,} synthesised   {record['predicted'][k]:>8,} predicted")
    return 0
