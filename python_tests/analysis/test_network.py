"""MAC counts per section, computed from the IR, equal the published anchors."""

import pytest

from atheena.analysis.network import exit_count, macs_by_section

# ANCHORS.md: shared / exit / rest MACs of ATHEENA's three networks (it rounds the larger
# ones to thousands: 2.458 M, 5.053 M, 21.185 M, 0.195 M, 0.821 M, 9.758 M).
ANCHORS = {
    "b-lenet": {"stage0": 128_000, "exit0": 121_600, "stage1": 1_227_200},
    "b-alexnet": {"stage0": 2_457_600, "exit0": 5_053_248, "stage1": 21_184_768},
    "triple-wins": {"stage0": 194_688, "exit0": 820_752, "stage1": 9_757_712},
}
BASELINES = {"b-lenet": 1_355_200, "b-alexnet": 23_642_368, "triple-wins": 9_952_400}


@pytest.mark.parametrize("name", sorted(ANCHORS))
def test_section_macs_match_anchors(imported, name):
    got = macs_by_section(imported(name))
    assert {k: v for k, v in got.items() if v} == ANCHORS[name]


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_is_shared_plus_rest(imported, name):
    got = macs_by_section(imported(name + "-baseline"))
    assert got == {"stage0": BASELINES[name]}


def test_three_exit_network_sections(imported):
    module = imported("b-lenet-3")
    assert exit_count(module) == 3
    got = macs_by_section(module)
    assert set(k for k, v in got.items() if v) == {"stage0", "exit0", "stage1", "exit1", "stage2"}
    assert got["stage0"] == 128_000 and got["exit0"] == 121_600
    assert got["stage1"] == 500_000  # conv 5x5 5->10 on 16x16 pad 4 -> 20x20
    assert got["exit1"] == 10 * 10 * 10 * 10 * 9 + 250 * 10
    assert got["stage2"] == 720_000 + 7_200
