"""FPGA device families as data (`families.json`): synthesis command, cell library and resource model.

A board names its family (`family` in its JSON; a user's board file may leave
it out when its part number says it: `xc7...` is 7-series, `xczu`, `xcvu`,
`xcku` with a `p` UltraScale+, `lfe5` ECP5).  The family says how Yosys
synthesises for it and which coefficients cost its designs; a family without
its own fit borrows another's (`costed_as`), and every output that shows such
a board's resources says so (`caveat`).  Adding a family is an entry in
`families.json`, a board file, and one `benchmarks/characterise.py --family
NAME --write` run, which writes its own `resource_model-NAME.json` and
`characterisation-NAME.json` (the family then has a model of its own).  What
a fit cannot change: memories are costed by `atheena.dse.memory`, which
reproduces Yosys's memory mapping of the family's RAM primitives (`memories`:
"xc7" for the 7-series block RAM of 18 and 36 Kb and LUT RAM, "ecp5" for
DP16KD and TRELLIS_DPR16X4); a family with other memories needs its own
mapping there.
"""

from __future__ import annotations

import contextlib
import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib import resources

from atheena.errors import AtheenaError

DEFAULT = "xc7"
_PARTS = ((re.compile(r"^xc7"), "xc7"), (re.compile(r"^xc(zu|vu|ku)\d+.*"), "xcup"), (re.compile(r"^lfe5"), "ecp5"))


@dataclass(frozen=True)
class DeviceFamily:
    key: str  # "xc7"
    name: str  # "AMD/Xilinx 7-series"
    synth: str  # the Yosys synthesis command, with {top}
    cells: str  # the cell library `atheena.hardware.synth.resources` counts ("xilinx", "ecp5")
    costed_as: str | None = None  # the family whose model it borrows until it has its own
    memories: str = "xc7"  # whose memory mapping `atheena.dse.memory` reproduces for it
    srl: bool = True  # shift registers of 3 or more stages become LUT shift registers (SRLs), else flip-flops

    @property
    def resource_model(self) -> str | None:
        """Its own coefficients' file (beside families.json), once a characterisation run wrote it."""
        name = self.files()[0]
        return name if resources.files(__package__).joinpath(name).is_file() else None

    @property
    def model_family(self) -> "DeviceFamily":
        """The family whose resource model costs this one's designs."""
        if self.resource_model:
            return self
        if self.costed_as:
            return load(self.costed_as)
        raise AtheenaError(f"the {self.name} family ({self.key}) has no resource model yet: characterise its "
                           f"kernels first (python benchmarks/characterise.py --family {self.key} --write)")

    @property
    def caveat(self) -> str | None:
        """What a user must know about its resource figures, if anything."""
        if self.resource_model or not self.costed_as:
            return None
        other = load(self.costed_as)
        return (f"{self.name} ({self.key}) has no resource model of its own yet: its LUT and FF figures come from "
                f"the {other.name} ({other.key}) fit")

    def files(self) -> tuple[str, str]:
        """(resource model, characterisation dataset) file names of this family's own fit."""
        if self.key == DEFAULT:
            return "resource_model.json", "characterisation.json"
        return f"resource_model-{self.key}.json", f"characterisation-{self.key}.json"


_COSTED: ContextVar[str] = ContextVar("atheena_costed_family", default=DEFAULT)


@contextlib.contextmanager
def costed(key: str):
    """Within the block, designs are costed for device family `key` (`atheena.dse.model.costing`)."""
    load(key)
    token = _COSTED.set(key)
    try:
        yield
    finally:
        _COSTED.reset(token)


def current() -> DeviceFamily:
    """The device family designs are being costed for (7-series unless inside `costed`)."""
    return load(_COSTED.get())


@cache
def _table() -> dict:
    raw = json.loads(resources.files(__package__).joinpath("families.json").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def names() -> list[str]:
    return sorted(_table())


def load(key: str) -> DeviceFamily:
    table = _table()
    if key not in table:
        raise AtheenaError(f"unknown device family '{key}'; known: {', '.join(names())} (atheena/dse/families.json)")
    return DeviceFamily(key=key, **table[key])


def of_part(part: str) -> str | None:
    """The family a part number belongs to, when its prefix says it."""
    for pattern, key in _PARTS:
        if pattern.match(part.lower()):
            return key
    return None
