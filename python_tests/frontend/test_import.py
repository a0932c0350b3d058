"""Frontend: zoo networks import and verify, and the IR computes what PyTorch computes."""

import numpy as np
import pytest
import torch
from torch import nn

from atheena import models
from atheena.dialects import ops as O
from atheena.errors import AtheenaError, UnsupportedModelError
from atheena.frontend import import_model
from atheena.frontend.loading import input_shape_of, load_model, load_weights
from atheena.reference import float_model


def _torch_outputs(net, x):
    with torch.no_grad():
        out = net.eval()(torch.from_numpy(x).float())
    return [o.double().numpy() for o in (out if isinstance(out, tuple) else (out,))]


def _expected(outputs, thresholds):
    """Logits and exit index under the rule 'first exit whose max softmax >= t'."""
    n = outputs[0].shape[0]
    exits = np.full(n, len(outputs) - 1)
    for k in reversed(range(len(outputs) - 1)):
        hit = float_model.max_softmax(outputs[k]) >= thresholds[k]
        exits[hit] = k
    logits = np.stack([outputs[e][i] for i, e in enumerate(exits)])
    return logits, exits


@pytest.mark.parametrize("name", ["b-lenet", "triple-wins", "b-lenet-3", "b-lenet-baseline", "b-alexnet"])
def test_ir_computes_what_pytorch_computes(name):
    net = models.get(name)
    x = np.random.default_rng(0).normal(size=(16, *net.input_shape)) * 4
    outputs = _torch_outputs(net, x)
    # thresholds at the median confidence of each exit, so both outcomes occur
    thresholds = [float(np.median(float_model.max_softmax(o))) for o in outputs[:-1]]
    module = import_model(net, net.input_shape, thresholds=thresholds or None)
    got = float_model.run(module, x)
    logits, exits = _expected(outputs, thresholds)
    np.testing.assert_array_equal(got.exit, exits)
    np.testing.assert_allclose(got.logits, logits, rtol=1e-4, atol=1e-4)
    if len(outputs) > 1:
        assert 0 < np.sum(exits == 0) < len(exits)


class ConvBnNet(nn.Module):
    input_shape = (3, 8, 8)

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.AvgPool2d(2), nn.Dropout(0.3))
        self.head = nn.Linear(64, 5)

    def forward(self, x):
        return self.head(self.features(x).view(x.shape[0], -1))


def test_batch_norm_is_folded_and_dropout_removed():
    torch.manual_seed(0)
    net = ConvBnNet()
    bn = net.features[1]
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    module = import_model(net, net.input_shape)
    (func,) = O.network_functions(module)
    names = [op.name for op in O.body_ops(func)]
    assert names == ["atheena.conv2d", "atheena.relu", "atheena.avg_pool2d", "atheena.flatten",
                     "atheena.linear", "func.return"]
    x = np.random.default_rng(1).normal(size=(4, 3, 8, 8))
    np.testing.assert_allclose(float_model.run(module, x).logits, _torch_outputs(net, x)[0], rtol=1e-4, atol=1e-5)


class Nested(nn.Module):
    input_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.layer4 = nn.Sequential(nn.Identity(), nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3), nn.GELU()))

    def forward(self, x):
        return self.layer4(x).flatten(1)


def test_unsupported_layer_error_names_the_module_path():
    with pytest.raises(UnsupportedModelError, match=r"^layer4\.1\.2: aten\.gelu is not supported"):
        import_model(Nested(), (1, 8, 8))


def test_wrong_input_shape_is_a_user_error():
    with pytest.raises(UnsupportedModelError, match=r"could not trace .* input of shape \[1, 1, 20, 20\]"):
        import_model(models.get("b-lenet"), (1, 20, 20))


def test_thresholds_must_match_exits():
    with pytest.raises(UnsupportedModelError, match="1 early exit\\(s\\) but 2 thresholds"):
        import_model(models.get("b-lenet"), (1, 28, 28), thresholds=[0.9, 0.8])


def test_load_model_from_file_and_weights(tmp_path):
    src = tmp_path / "net.py"
    src.write_text(
        "from torch import nn\n"
        "class Tiny(nn.Module):\n"
        "    input_shape = (1, 4, 4)\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(16, 2)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x.flatten(1))\n"
    )
    model = load_model(f"{src}:Tiny")
    assert input_shape_of(model, None) == (1, 4, 4)
    assert input_shape_of(model, "1,2,8") == (1, 2, 8)
    reference = load_model(f"{src}:Tiny")
    torch.save(reference.state_dict(), tmp_path / "w.pt")
    load_weights(model, tmp_path / "w.pt")
    assert torch.equal(model.fc.weight, reference.fc.weight)
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(AtheenaError, match="does not match the model .*missing fc.weight"):
        load_weights(model, tmp_path / "bad.pt")
    with pytest.raises(AtheenaError, match="weights file .* not found"):
        load_weights(model, tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(AtheenaError, match="could not read weights file"):
        load_weights(model, tmp_path / "junk.pt")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no_colon.py", "must be given as path/to/file.py:ClassName"),
        ("missing.py:Net", "model file 'missing.py' not found"),
    ],
)
def test_model_spec_errors(spec, message):
    with pytest.raises(AtheenaError, match=message):
        load_model(spec)


def test_model_file_errors(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(AtheenaError, match="could not load model file .*RuntimeError: boom"):
        load_model(f"{tmp_path / 'broken.py'}:Net")
    (tmp_path / "args.py").write_text("from torch import nn\nclass Net(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n")
    with pytest.raises(AtheenaError, match="could not construct Net\\(\\)"):
        load_model(f"{tmp_path / 'args.py'}:Net")
    (tmp_path / "noshape.py").write_text("from torch import nn\nclass Net(nn.Module):\n    pass\n")
    with pytest.raises(AtheenaError, match="has no 'input_shape' attribute; pass --input-shape"):
        input_shape_of(load_model(f"{tmp_path / 'noshape.py'}:Net"), None)
    with pytest.raises(AtheenaError, match="must be three positive integers"):
        input_shape_of(load_model(f"{tmp_path / 'noshape.py'}:Net"), "28,28")


@pytest.mark.parametrize("shape, expected", [((1, 1, 28, 28), (1, 28, 28)), ((3, 32, 32), (3, 32, 32)),
                                             ([1, 3, 8, 8], (3, 8, 8))])
def test_input_shape_with_a_batch_of_one_is_the_sample_shape(shape, expected):
    """`input_shape = (1, C, H, W)`, as many models write it, is the per-sample (C, H, W)."""
    model = torch.nn.Identity()
    model.input_shape = shape
    assert input_shape_of(model, None) == expected


def test_input_shape_option_takes_a_batch_of_one():
    model = torch.nn.Identity()
    assert input_shape_of(model, "1,1,28,28") == (1, 28, 28)
    with pytest.raises(AtheenaError, match="has a batch of 2"):
        input_shape_of(model, "2,1,28,28")


def test_input_shape_with_a_larger_batch_is_refused():
    model = torch.nn.Identity()
    model.input_shape = (8, 1, 28, 28)
    with pytest.raises(AtheenaError, match="has a batch of 8; the accelerator streams one sample at a time"):
        input_shape_of(model, None)


def test_import_takes_a_batch_of_one_in_the_shape():
    from atheena import ir as air
    from atheena import models
    from atheena.frontend import import_model

    with_batch = import_model(models.get("b-lenet-baseline"), (1, 1, 28, 28))
    without = import_model(models.get("b-lenet-baseline"), (1, 28, 28))
    assert air.to_text(with_batch) == air.to_text(without)
    with pytest.raises(AtheenaError, match="has a batch of 2"):
        import_model(models.get("b-lenet-baseline"), (2, 1, 28, 28))
