"""The zoo networks run in PyTorch with the documented exit structure."""

import pytest
import torch

from atheena import models
from atheena.errors import AtheenaError

EXITS = {"b-lenet": 2, "b-alexnet": 2, "triple-wins": 2, "b-lenet-3": 3}


@pytest.mark.parametrize("name", models.names())
def test_forward_returns_one_logits_tensor_per_exit(name):
    net = models.get(name).eval()
    out = net(torch.zeros(2, *net.input_shape))
    outs = out if isinstance(out, tuple) else (out,)
    expected = 1 if name.endswith("-baseline") else EXITS[name]
    assert len(outs) == expected
    assert all(o.shape == (2, 10) for o in outs)


def test_baseline_shares_weights_with_early_exit_net():
    net = models.get("b-lenet")
    base = net.backbone_only()
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(net(x)[-1], base(x))


def test_same_name_same_weights():
    a, b = models.get("b-lenet", trained=False), models.get("b-lenet", trained=False)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = models.get("b-lenet", trained=False, seed=1)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_unknown_example_lists_the_names():
    with pytest.raises(AtheenaError, match="the examples are: b-lenet, b-lenet-baseline"):
        models.get("lenet")
