"""The characterisation registry: every point builds its kernel and has model features (no Yosys)."""

import json

import pytest

from atheena.errors import AtheenaError
from atheena.hardware import characterise as ch
from atheena.hardware.emit import PACKED_PATTERN


@pytest.mark.parametrize("family", list(ch.FAMILIES.values()), ids=list(ch.FAMILIES))
def test_every_point_builds_and_is_modelled(family):
    tops = set()
    for params in family.points:
        module, top = family.build(params)
        if isinstance(module, dict):  # SystemVerilog from CIRCT (handshake buffers and forks)
            assert f"{top}.sv" in module and f"module {top}(" in module[f"{top}.sv"]
        else:
            assert module.__name__ == top  # the top name is the module the kernel declares
        est = family.model(params)
        assert est.kind == family.kind
        assert set(family.features) <= {"base", *est.features}
        tops.add(top)
    assert len(tops) == len(family.points)  # no point is synthesised twice
    assert len({json.dumps(p, sort_keys=True) for p in family.points}) == len(family.points)


def test_select_families():
    assert [f.name for f in ch.select("split, relu")] == ["relu", "split"]  # registry order
    assert ch.select(None) == list(ch.FAMILIES.values())
    with pytest.raises(AtheenaError, match="unknown kernel family nope"):
        ch.select("relu,nope")


def test_dataset_is_written_in_registry_order_and_merged(tmp_path):
    path = tmp_path / "characterisation.json"
    measured = {"dsp": 0, "bram18": 0, "lut": 1, "ff": 1}
    split = [{"family": "split", "params": p, "top": "s", "measured": measured} for p in ch.FAMILIES["split"].points]
    relu = [{"family": "relu", "params": p, "top": "r", "measured": measured, "seconds": 1.0}
            for p in reversed(ch.FAMILIES["relu"].points)]
    ch.save_dataset(split, path)
    ch.save_dataset(relu, path)  # adds relu, keeps split
    records = ch.load_dataset(path)
    assert [r["family"] for r in records] == ["relu"] * len(relu) + ["split"] * len(split)
    assert [r["params"] for r in records[:len(relu)]] == ch.FAMILIES["relu"].points
    assert "seconds" not in records[0]
    text = path.read_text()
    ch.save_dataset(relu, path)
    assert path.read_text() == text  # deterministic


def test_packed_array_patterns_become_concatenations():
    text = "module m;\n  wire [3:0][1:0] _GEN = '{2'h2, 2'h3, 2'h3, 2'h1};\n  wire [7:0] x [0:1] = '{8'h1, 8'h2};\n"
    fixed = PACKED_PATTERN.sub(r"\1{", text)
    assert "wire [3:0][1:0] _GEN = {2'h2" in fixed  # the same bits, in an order Yosys reads
    assert "x [0:1] = '{8'h1" in fixed  # an unpacked array keeps its pattern


def _memory_probe(kind: str, width: int, depth: int):
    """One RAM (write port, registered read) or ROM (random contents, read at a counter) as the kernels
    build them with `kernels/memory.py`."""
    import random

    from atheena.hardware.kernels import stream_module
    from atheena.hardware.kernels.logic import Counter
    from atheena.hardware.kernels.memory import ram, rom

    a = max(1, (depth - 1).bit_length())
    rng = random.Random(0)
    contents = [rng.getrandbits(width) for _ in range(depth)]

    def build(p):
        d = p.in_data
        if kind == "ram":
            p.out_data = ram("m", width, depth, p.clk, d[0], d[2:2 + a], d[2 + 2 * a:2 + 2 * a + width],
                             d[2 + a:2 + 2 * a], d[1])
        else:
            address = Counter(depth, p.clk, p.rst, "address")
            address.step(d[0])
            p.out_data = rom("m", contents, width, address.value, p.clk, d[1])
        p.out_valid, p.in_ready = p.in_valid, p.out_ready

    name = f"probe_{kind}_w{width}_d{depth}"
    return stream_module(name, 2 + 2 * a + width if kind == "ram" else 2, {"out": width}, build, registered=True), name


@pytest.mark.hw
@pytest.mark.parametrize("family, kind, width, depth", [
    ("xc7", "ram", 16, 128), ("xc7", "ram", 16, 129), ("xc7", "ram", 32, 65), ("xc7", "ram", 16, 3000),
    ("xc7", "rom", 16, 64), ("xc7", "rom", 16, 527), ("xc7", "rom", 16, 528),
    # ECP5: LUT RAM to 96 16-bit entries (6 chunks), DP16KD from 97; 32 bits: LUT RAM to 32, PDPW16KD from 64;
    # a 16-bit ROM is logic to 128 entries, a 144-bit one to 16
    ("ecp5", "ram", 16, 96), ("ecp5", "ram", 16, 97), ("ecp5", "ram", 32, 32), ("ecp5", "ram", 32, 64),
    ("ecp5", "ram", 400, 1100), ("ecp5", "rom", 16, 128), ("ecp5", "rom", 16, 256), ("ecp5", "rom", 144, 64),
], ids=lambda v: str(v))
def test_memory_model_matches_yosys(family, kind, width, depth):
    """Where Yosys switches between LUT RAM, logic and block RAM, and how many BRAM18, LUTs and FFs it uses."""
    from atheena.dse import families, memory
    from atheena.hardware import synth

    module, name = _memory_probe(kind, width, depth)
    measured = synth.synthesize(ch._emit(module, name), name, family=family)
    with families.costed(family):
        bram, lut, ff = memory.memory(depth, 1, width, rom=kind == "rom")
    counter = (depth - 1).bit_length() if kind == "rom" else 0  # the ROM's address counter
    assert measured["bram18"] == bram and measured["ff"] - counter == ff
    assert abs(measured["lut"] - lut) <= max(8 + counter, lut // 5)  # the counter's own LUTs besides


@pytest.mark.hw
def test_window_kernels_synthesise():
    """A pooling kernel (the sliding window's constant tables) goes through Yosys."""
    from atheena.hardware import synth

    family = ch.FAMILIES["max_pool2d"]
    module, top = family.build(family.points[0])
    measured = synth.synthesize(ch._emit(module, top), top)
    assert measured["bram18"] == family.model(family.points[0]).bram18 == 1
