"""FPGA boards as data: name, part, resources and clock, one JSON file each.

Built-in boards live in `atheena/dse/boards/`; a user adds one by writing a
JSON file with the same keys and passing its path wherever a board name is
accepted (`--board my_board.json`).  No code changes.  `family` names the
board's device family (`atheena.dse.families`: how it is synthesised and
costed); it may be left out when the part number says it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from atheena.dse import families
from atheena.errors import AtheenaError

RESOURCES = ("dsp", "bram18", "lut", "ff")  # the resource kinds of a board and of a design, everywhere


@dataclass(frozen=True)
class Board:
    name: str
    part: str
    clock_mhz: float
    dsp: int
    bram18: int
    lut: int
    ff: int
    family: str = "xc7"  # its device family (`atheena.dse.families`): synthesis command and resource model

    def capacity(self, kind: str) -> int:
        return getattr(self, kind)

    def as_dict(self) -> dict:
        return {"name": self.name, "part": self.part, "family": self.family, "clock_mhz": self.clock_mhz,
                **{k: self.capacity(k) for k in RESOURCES}}

    @property
    def device_family(self):
        """Its `atheena.dse.families.DeviceFamily`."""
        from atheena.dse import families

        return families.load(self.family)


def _folder() -> Path:
    return Path(str(resources.files(__package__).joinpath("boards")))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in _folder().glob("*.json"))


def _by_display_name() -> dict[str, Path]:
    out = {}
    for p in sorted(_folder().glob("*.json")):
        try:
            out[str(json.loads(p.read_text())["name"]).lower()] = p
        except (OSError, ValueError, KeyError):
            continue
    return out


def load(name_or_path: str) -> Board:
    """A built-in board by name (case-insensitive), or a board JSON file by path."""
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        path = _folder() / f"{name_or_path.lower()}.json"
        if not path.is_file():  # a built-in board by its display name (as a folded design records it)
            path = _by_display_name().get(name_or_path.lower(), path)
        if not path.is_file():
            raise AtheenaError(f"unknown board '{name_or_path}'; built-in boards: {', '.join(builtin_names())}, "
                               "or give the path of a board .json file (keys: name, part, clock_mhz, dsp, "
                               "bram18, lut, ff)")
    try:
        raw = json.loads(path.read_text())
        board = Board(**{k: raw[k] for k in ("name", "part", "clock_mhz", *RESOURCES)})
        family = raw.get("family") or families.of_part(str(board.part))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise AtheenaError(f"board file '{path}' is not valid: {type(err).__name__}: {err}. It needs the keys "
                           "name, part, clock_mhz, dsp, bram18, lut, ff (and family, unless the part names it)"
                           ) from None
    clock_ok = isinstance(board.clock_mhz, (int, float)) and not isinstance(board.clock_mhz, bool) \
        and math.isfinite(board.clock_mhz) and board.clock_mhz > 0
    counts_ok = all(isinstance(board.capacity(k), int) and not isinstance(board.capacity(k), bool)
                    and board.capacity(k) > 0 for k in RESOURCES)
    if not (clock_ok and counts_ok and isinstance(board.name, str)):
        raise AtheenaError(f"board file '{path}': clock_mhz must be a positive number and dsp, bram18, lut, ff "
                           "positive whole numbers")
    if family is None:
        raise AtheenaError(f"board file '{path}': the part '{board.part}' does not say its device family; add "
                           f"\"family\": one of {', '.join(families.names())}")
    families.load(family)  # a clear error for an unknown one
    board = dataclasses.replace(board, family=family)
    return board
