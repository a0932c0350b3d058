"""The Xilinx timing rule check: every kernel family passes it, and an unpipelined datapath does not.

One Yosys `synth_xilinx` run per design (5-60 s), cached under $ATHEENA_CACHE/xc7rules.
"""

import pytest

from atheena.hardware import characterise as ch
from atheena.hardware import timing_rules

# A multiply-accumulate written the way the conv engine was before issue 13: four products summed and
# accumulated in one cycle, so Yosys chains unregistered DSP48E1s through their post-adders.
UNPIPELINED = """
module mac4(input logic clk, input logic signed [15:0] a0, a1, a2, a3, b0, b1, b2, b3,
            output logic signed [47:0] acc);
  always_ff @(posedge clk) acc <= acc + a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
endmodule
"""


@pytest.mark.hw
def test_an_unpipelined_multiply_accumulate_fails():
    result = timing_rules.check({"mac4.sv": UNPIPELINED}, "mac4")
    assert not result.passed
    assert result.unregistered_dsps, "the chained DSPs have no M/P registers"
    assert any("lack their M or P register" in f for f in result.failures())


def _middle(family):
    points = family.points
    return points[len(points) // 2]


@pytest.mark.hw
@pytest.mark.parametrize("name", sorted(ch.FAMILIES))
def test_every_kernel_family_passes(name):
    """The middle point of each family's characterisation sweep (a mid-sized kernel of the zoo's networks)."""
    family = ch.FAMILIES[name]
    module, top = family.build(_middle(family))
    files = module if isinstance(module, dict) else ch._emit(module, top)
    result = timing_rules.check(files, top)
    assert result.passed, result.summary()
    if name in ("conv2d", "linear"):
        assert result.dsps > 0  # the check saw the multipliers it is about
