"""The characterisation registry: every point builds its kernel and has model features (no Yosys)."""

import json

import pytest

from atheena.errors import AtheenaError
from atheena.hardware import characterise as ch


@pytest.mark.parametrize("family", list(ch.FAMILIES.values()), ids=list(ch.FAMILIES))
def test_every_point_builds_and_is_modelled(family):
    tops = set()
    for params in family.points:
        module, top = family.build(params)
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
