"""How forward()'s results are turned into exits, and the structures that are refused."""

import numpy as np
import pytest
import torch
from torch import nn

from atheena.errors import UnsupportedModelError
from atheena.frontend import import_model
from atheena.reference import float_model


def _block(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU())


def _head(c, hw=8):
    return nn.Sequential(nn.Flatten(), nn.Linear(c * hw * hw, 4))


class TwoExits(nn.Module):
    """stem -> exit head; stem -> body -> final head (cheap exit, expensive body)."""

    input_shape = (1, 8, 8)

    def __init__(self, order="normal"):
        super().__init__()
        torch.manual_seed(0)
        self.stem = _block(1, 2)
        self.exit = _head(2)
        self.body = nn.Sequential(_block(2, 8), _block(8, 8))
        self.final = _head(8)
        self.order = order

    def forward(self, x):
        s = self.stem(x)
        early, final = self.exit(s), self.final(self.body(s))
        return (final, early) if self.order == "reversed" else (early, final)


def test_exits_returned_in_the_wrong_order_are_refused():
    import_model(TwoExits(), (1, 8, 8))
    with pytest.raises(UnsupportedModelError, match=r"exit 0 \(leaving after stem.1\) costs .* more than .* after it"):
        import_model(TwoExits("reversed"), (1, 8, 8))


class SharedBranch(nn.Module):
    input_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.stem = _block(1, 2)
        self.shared = nn.Conv2d(2, 2, 1)
        self.a, self.b = _head(2), _head(2)
        self.body = nn.Sequential(_block(2, 16), _block(16, 16), _block(16, 16))
        self.final = _head(16)

    def forward(self, x):
        s = self.stem(x)
        t = self.shared(s)
        return self.a(t), self.b(t), self.final(self.body(s))


def test_exits_sharing_layers_are_refused():
    with pytest.raises(UnsupportedModelError, match="exits 0 and 1 share the layer shared"):
        import_model(SharedBranch(), (1, 8, 8))


class SameFork(nn.Module):
    input_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.stem = _block(1, 2)
        self.a, self.b = _head(2), _head(2)
        self.body = nn.Sequential(_block(2, 16), _block(16, 16))
        self.final = _head(16)

    def forward(self, x):
        s = self.stem(x)
        return self.a(s), self.b(s), self.final(self.body(s))


def test_two_exits_at_one_point_are_refused():
    with pytest.raises(UnsupportedModelError, match="exit 1 leaves the backbone at or before exit 0"):
        import_model(SameFork(), (1, 8, 8))


class ForkedBatchNorm(nn.Module):
    """A batch norm whose convolution also feeds an exit: folding would change the exit."""

    input_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.drop = nn.Dropout(0.1)
        self.bn = nn.BatchNorm2d(2)
        self.exit = _head(2)
        self.body = nn.Sequential(_block(2, 16), _block(16, 16))
        self.final = _head(16)

    def forward(self, x):
        c = self.conv(x)
        return self.exit(c), self.final(self.body(self.bn(self.drop(c))))


def test_batch_norm_after_a_forked_conv_is_refused():
    with pytest.raises(UnsupportedModelError, match="bn: batch norm is supported only directly after a convolution "
                                                    "whose output nothing else uses"):
        import_model(ForkedBatchNorm(), (1, 8, 8))


class Variety(nn.Module):
    """Grouped and 'same'-padded convs, average pooling with padding, rectangular windows."""

    input_shape = (4, 9, 9)

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.features = nn.Sequential(
            nn.Conv2d(4, 8, 3, padding="same", groups=2), nn.ReLU(),
            nn.AvgPool2d(3, stride=2, padding=1),
            nn.Conv2d(8, 6, (3, 1), stride=(1, 2)), nn.MaxPool2d((2, 1)),
        )
        self.head = nn.Linear(6 * 1 * 3, 5)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def test_grouped_same_padded_conv_and_padded_avg_pool_compute_like_pytorch():
    net = Variety().eval()
    x = np.random.default_rng(2).normal(size=(6, 4, 9, 9))
    module = import_model(net, net.input_shape)
    with torch.no_grad():
        expected = net(torch.from_numpy(x).float()).double().numpy()
    np.testing.assert_allclose(float_model.run(module, x).logits, expected, rtol=1e-4, atol=1e-5)


def test_float64_models_are_refused_with_advice():
    with pytest.raises(UnsupportedModelError, match="stem.0.weight is float64; .* call model.float\\(\\)"):
        import_model(TwoExits().double(), (1, 8, 8))


def test_all_samples_exiting_early_leaves_later_streams_empty():
    net = TwoExits()
    module = import_model(net, net.input_shape, thresholds=[1e-6])
    result = float_model.run(module, np.zeros((3, 1, 8, 8)))
    assert list(result.exit) == [0, 0, 0]
