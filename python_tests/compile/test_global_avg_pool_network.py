"""A whole early-exit network with global average pooling in both classifiers, compiled and simulated bit-exact."""

import pytest
import torch
from torch import nn

from atheena.compile import CompileOptions, compile_network


class GapEE(nn.Module):
    """TinyEE's stem and backbone; the early exit pools its features with AdaptiveAvgPool2d(1), the final
    classifier with an AvgPool2d over its whole 4x4 map (imported as the same op).  Random weights (fixed
    seed); the early exit's linear layer is scaled so that its confidence spreads around the threshold."""

    input_shape = (1, 28, 28)
    thresholds = (0.86,)  # about the median of the early exit's confidence on the bundled images

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.ReLU())  # 4x13x13
        self.early = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2), nn.ReLU(),  # 8x6x6
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
        self.rest = nn.Sequential(nn.Conv2d(4, 8, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(),  # 8x6x6
                                  nn.Conv2d(8, 16, 3), nn.ReLU(),  # 16x4x4
                                  nn.AvgPool2d(4), nn.Flatten(), nn.Linear(16, 10))
        with torch.no_grad():
            self.early[-1].weight.mul_(60.0)

    def forward(self, x):
        features = self.stem(x)
        return self.early(features), self.rest(features)


@pytest.mark.hw
def test_global_average_pooling_network_simulates_bit_exact(tmp_path):
    net = GapEE().eval()
    report = compile_network(net, net.input_shape, tmp_path / "gap",
                             CompileOptions(budget=0.1, thresholds=list(net.thresholds), simulate=100),
                             label="gap_ee", quiet=True)
    pools = [layer for layer in report["layers"] if layer["op"] == "global_avg_pool2d"]
    assert [p["name"] for p in pools] == ["early.2", "rest.5"]
    assert all(p["cycles_per_sample"] == pytest.approx(p["interval"] * p["reach_probability"]) for p in pools)
    sim = report["simulation"]
    assert sim["samples"] == 100 and sim["bit_exact"]
    assert sim["mismatches"] == sim["missing"] == sim["duplicated"] == 0
    assert all(n > 0 for n in sim["exits"]), "samples leave at both exits in hardware"
    assert (tmp_path / "gap" / "rtl" / "atheena_global_avg_pool_c8_p36_l1.sv").is_file()
