"""Device families as data: boards name them, they choose the synthesis command and the resource model."""

import json

import pytest

from atheena.dse import boards, families, model
from atheena.errors import AtheenaError
from atheena.hardware import synth


def test_built_in_boards_know_their_family():
    assert [boards.load(b).family for b in ("zc706", "zcu102", "zedboard", "ecp5_versa", "ulx3s_85f")] == \
        ["xc7", "xcup", "xc7", "ecp5", "ecp5"]
    assert boards.load("ECP5-5G Versa").part == "LFE5UM5G-85F-8BG381C"  # also by the name a folded design records
    assert families.load("xc7").caveat is None
    # UltraScale+ has no fit of its own yet: it is costed with the 7-series model, and says so
    assert families.load("xcup").model_family.key == "xc7"
    assert "no resource model of its own" in families.load("xcup").caveat


def test_a_board_file_may_leave_the_family_to_its_part(tmp_path):
    f = tmp_path / "b.json"
    board = {"name": "B", "part": "xc7a100tcsg324-1", "clock_mhz": 100, "dsp": 240, "bram18": 270, "lut": 63400,
             "ff": 126800}
    f.write_text(json.dumps(board))
    assert boards.load(str(f)).family == "xc7"
    f.write_text(json.dumps(board | {"part": "mystery-123"}))
    with pytest.raises(AtheenaError, match="does not say its device family; add \"family\""):
        boards.load(str(f))
    f.write_text(json.dumps(board | {"family": "nope"}))
    with pytest.raises(AtheenaError, match="unknown device family 'nope'"):
        boards.load(str(f))


def test_a_family_without_a_fit_cannot_be_costed_yet(monkeypatch):
    monkeypatch.setitem(families._table(), "new", {"name": "New", "synth": "synth -top {top}", "cells": "xilinx"})
    with pytest.raises(AtheenaError, match="New family \\(new\\) has no resource model yet.*--family new"):
        with model.costing("new"):
            model.coefficients()


def test_ecp5_has_a_model_and_a_memory_mapping_of_its_own():
    ecp5 = families.load("ecp5")
    assert ecp5.model_family.key == "ecp5" and ecp5.caveat is None
    assert ecp5.memories == "ecp5" and not ecp5.srl
    with model.costing("ecp5"):
        assert model.coefficients()["conv2d"]["fit"]["points"] > 0
        ecp5_conv = model.coefficients()["conv2d"]["lut"]
    assert model.coefficients()["conv2d"]["lut"] != ecp5_conv


def test_every_family_model_is_complete():
    """A family's own model covers every kind the 7-series one does (a kind without coefficients could not be
    costed for its boards)."""
    xc7 = set(model.coefficients()) - {"_about"}
    for key in families.names():
        if families.load(key).resource_model:
            with model.costing(key):
                assert xc7 <= set(model.coefficients()), key


def test_costing_switches_the_coefficients_within_the_block(monkeypatch):
    xc7 = model.coefficients()
    monkeypatch.setitem(families._table(), "test", {"name": "T", "synth": "synth -top {top}", "cells": "xilinx",
                                                    "costed_as": "xc7"})
    with model.costing("test"):  # borrows the 7-series model
        assert families.current().key == "test" and families.current().model_family.key == "xc7"
        assert model.coefficients() is xc7
        assert families.load("test").caveat.startswith("T (test) has no resource model of its own")
    assert families.current().key == "xc7" and model.coefficients() is xc7


def test_synthesis_follows_the_family():
    assert "synth_xilinx -family xc7 -top top" in synth.script(["a.sv"], "top")
    assert "synth_xilinx -family xcup -top top" in synth.script(["a.sv"], "top", "xcup")
    assert "synth_ecp5 -top top" in synth.script(["a.sv"], "top", "ecp5")
    # ECP5 cells as synth_ecp5 leaves them (a conv kernel): carry cells are two LUT4s, a 16x4 RAM six
    cells = {"CCU2C": 91, "L6MUX21": 130, "LUT4": 1071, "MULT18X18D": 6, "PFUMX": 305, "TRELLIS_DPR16X4": 52,
             "TRELLIS_FF": 741, "DP16KD": 2}
    assert synth.resources(cells, "ecp5") == {"dsp": 6, "bram18": 2, "lut": 1071 + 2 * 91 + 6 * 52, "ff": 741}
    with pytest.raises(AtheenaError, match="ECP5 primitive must be added"):
        synth.resources({"EHXPLLL": 1}, "ecp5")
