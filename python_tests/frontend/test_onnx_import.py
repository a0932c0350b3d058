"""The ONNX frontend: plain CNNs, ATHEENA's If-pattern early exits, the multi-output form, and clean errors.

Every ONNX file is written here by PyTorch's exporter or by `onnx.helper`; the independent reference
for what a network computes is PyTorch itself (or numpy for hand-built graphs).
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from atheena import models
from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.frontend import import_model
from atheena.frontend.onnx_import import load_onnx
from atheena.ir import to_text
from atheena.reference import float_model

from onnx_models import export, export_if


def _float_logits(module, x: np.ndarray):
    """Per exit, the float reference's logits for every sample (dense run: all samples through all exits)."""
    from atheena.reference import interpreter

    return interpreter.run(module, x, float_model.FloatArithmetic(), dense=True).logits


def _without_locations(module) -> str:
    return re.sub(r"\s*loc\([^)]*\)", "", to_text(module, debug_info=False))


class PlainCnn(nn.Module):
    """Every plain layer the ONNX frontend maps: Conv, BatchNormalization, Relu, MaxPool, AveragePool,
    Dropout, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Dropout(0.3), nn.Flatten(), nn.Linear(24, 5),
        )

    def forward(self, x):
        return self.body(x)


class GlobalPoolCnn(nn.Module):
    """GlobalAveragePool and Reshape (x.view) instead of Flatten."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.conv(x))).view(1, -1))


def _trained_like(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random weights and running statistics (so batch norm folding is exercised), in eval mode."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.mark.parametrize("cls, shape", [(PlainCnn, (2, 12, 12)), (GlobalPoolCnn, (1, 6, 6))])
def test_plain_cnn_computes_what_pytorch_computes(tmp_path, cls, shape):
    model = _trained_like(cls())
    path = export(model, shape, tmp_path / "net.onnx", opset=13)
    module = import_model(path)
    (func,) = O.network_functions(module)
    assert not O.exit_decisions(func)
    x = np.random.default_rng(1).normal(size=(16, *shape)).astype(np.float32)
    (logits,) = _float_logits(module, x)
    with torch.no_grad():  # one sample at a time, as exported (GlobalPoolCnn's view(1, -1) is per sample)
        expected = torch.cat([model(torch.from_numpy(x[i:i + 1])) for i in range(len(x))]).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)


def test_matmul_plus_add_is_a_linear_layer(tmp_path):
    """ONNX's MatMul + Add (not Gemm), hand-built, and the layer names are the node names."""
    rng = np.random.default_rng(3)
    w, wm, b = (rng.normal(size=s).astype(np.float32) for s in [(3, 1, 3, 3), (48, 4), (4,)])
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv1", kernel_shape=[3, 3]),
         helper.make_node("Relu", ["c"], ["r"], name="relu1"),
         helper.make_node("Flatten", ["r"], ["f"], name="flat", axis=1),
         helper.make_node("MatMul", ["f", "wm"], ["m"], name="fc"),
         helper.make_node("Add", ["m", "b"], ["y"], name="fc_bias"),
         helper.make_node("Identity", ["y"], ["out"], name="same")],
        "mm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(a, n) for a, n in [(w, "w"), (wm, "wm"), (b, "b")]])
    path = tmp_path / "mm.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    module = import_model(path)
    text = to_text(module, debug_info=True)
    assert '"conv1"' in text and '"fc"' in text
    x = rng.normal(size=(5, 1, 6, 6)).astype(np.float32)
    (logits,) = _float_logits(module, x)
    conv = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w)).relu().reshape(5, -1).numpy()
    np.testing.assert_allclose(logits, conv.astype(np.float64) @ wm + b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("strict", [True, False])
def test_atheena_pattern_round_trip_equals_the_pytorch_import(tmp_path, strict):
    """B-LeNet (shipped weights) exported as ATHEENA exported it: the same IR as the PyTorch import, with the
    threshold from the graph and Greater kept strict (GreaterOrEqual: the default test)."""
    net = models.get("b-lenet")
    path = export_if(net, [0.996], tmp_path / "b-lenet.onnx", strict=strict)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert ops[-6:] == ["Softmax", "ReduceMax", "Constant", "Greater" if strict else "GreaterOrEqual", "Cast", "If"]
    model = load_onnx(path)
    assert model.thresholds == (0.996,) and model.comparisons == (("gt",) if strict else ("ge",))
    from_onnx = import_model(model)
    from_torch = import_model(net, net.input_shape, thresholds=[0.996])
    (decision,) = O.exit_decisions(O.network_functions(from_onnx)[0])
    assert ("comparison" in decision.attributes) == strict
    onnx_text = _without_locations(from_onnx).replace('comparison = "gt", ', "")
    assert onnx_text == _without_locations(from_torch)


def test_nested_ifs_give_two_early_exits(tmp_path):
    """b-lenet-3 (two early exits): the second If nests in the first one's else-branch."""
    net = models.get("b-lenet-3")
    path = export_if(net, [0.9, 0.95], tmp_path / "b-lenet-3.onnx")
    module = import_model(path)
    (func,) = O.network_functions(module)
    decisions = O.exit_decisions(func)
    assert [O.float_attr(d, "threshold") for d in decisions] == [0.9, 0.95]
    assert [O.str_attr(d, "comparison") for d in decisions] == ["gt", "gt"]
    x = np.random.default_rng(0).normal(size=(8, *net.input_shape)).astype(np.float32)
    with torch.no_grad():
        expected = [t.numpy() for t in net(torch.from_numpy(x))]
    for got, want in zip(_float_logits(module, x), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_multi_output_onnx_takes_thresholds_from_the_caller(tmp_path):
    net = models.get("b-lenet")
    path = export(net, net.input_shape, tmp_path / "two-outputs.onnx", opset=13)
    model = load_onnx(path)
    assert model.thresholds is None and model.early_exits == 1
    assert _without_locations(import_model(model, thresholds=[0.9])) == \
        _without_locations(import_model(net, net.input_shape, thresholds=[0.9]))


def _tiny_exit_graph(compare: str = "GreaterOrEqual", cast: bool = False, argmax: bool = True,
                     cond_from_softmax: bool = True) -> onnx.ModelProto:
    """A hand-built one-exit network in the If pattern, with the variations the frontend accepts."""
    rng = np.random.default_rng(5)
    inits = [numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n) for s, n in
             [((2, 1, 3, 3), "w0"), ((3, 32), "we"), ((3,), "be"), ((2, 2, 3, 3), "w1"), ((8, 3), "wf")]]
    inits.append(numpy_helper.from_array(np.array([0.8], np.float32), "t"))
    nodes = [helper.make_node("Conv", ["x", "w0"], ["c0"], name="conv0", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
             helper.make_node("Flatten", ["r0"], ["f0"], name="exit_flat"),
             helper.make_node("Gemm", ["f0", "we", "be"], ["e"], name="exit_fc", transB=1)]
    if cond_from_softmax:
        nodes.append(helper.make_node("Softmax", ["e"], ["p"], name="softmax", axis=1))
    else:  # the max logit itself, not a probability: not an early exit's decision
        nodes.append(helper.make_node("Identity", ["e"], ["p"], name="softmax"))
    nodes.append(helper.make_node("ReduceMax", ["p"], ["m"], name="top", keepdims=0))
    nodes.append(helper.make_node(compare, ["m", "t"], ["gt"], name="compare"))
    if argmax:
        nodes.append(helper.make_node("ArgMax", ["e"], ["cls"], name="argmax", axis=1))
    if cast:
        nodes.append(helper.make_node("Cast", ["gt"], ["cond"], name="cast", to=TensorProto.BOOL))
    then_branch = helper.make_graph([helper.make_node("Identity", ["e"], ["then_out"], name="take_exit")], "then",
                                    [], [helper.make_tensor_value_info("then_out", TensorProto.FLOAT, [1, 3])])
    else_branch = helper.make_graph(
        [helper.make_node("Conv", ["r0", "w1"], ["c1"], name="conv1", kernel_shape=[3, 3], strides=[2, 2],
                           pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
         helper.make_node("Flatten", ["r1"], ["f1"], name="flat1"),
         helper.make_node("Gemm", ["f1", "wf"], ["else_out"], name="fc1")],
        "else", [], [helper.make_tensor_value_info("else_out", TensorProto.FLOAT, [1, 3])])
    nodes.append(helper.make_node("If", ["cond" if cast else "gt"], ["y"], name="exit_if",
                                  then_branch=then_branch, else_branch=else_branch))
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("compare, cast, argmax", [("GreaterOrEqual", False, True), ("Greater", True, False),
                                                   ("Greater", False, True)])
def test_pattern_variations(tmp_path, compare, cast, argmax):
    path = tmp_path / "tiny.onnx"
    onnx.save(_tiny_exit_graph(compare, cast, argmax), path)
    model = load_onnx(path)
    assert model.thresholds == (0.8,)
    assert model.comparisons == ("gt",) if compare == "Greater" else ("ge",)
    module = import_model(model)
    (func,) = O.network_functions(module)
    assert len(O.exit_decisions(func)) == 1
    # the final exit computes the else-branch
    rng = np.random.default_rng(5)
    w0, we, be, w1, wf = (rng.normal(size=s).astype(np.float32) for s in
                          [(2, 1, 3, 3), (3, 32), (3,), (2, 2, 3, 3), (8, 3)])
    x = rng.normal(size=(4, 1, 4, 4)).astype(np.float32)
    r0 = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w0), padding=1).relu()
    r1 = torch.nn.functional.conv2d(r0, torch.from_numpy(w1), stride=2, padding=1).relu().reshape(4, -1).numpy()
    exit0, final = _float_logits(module, x)
    np.testing.assert_allclose(exit0, r0.reshape(4, -1).numpy() @ we.T + be, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(final, r1 @ wf, rtol=1e-4, atol=1e-5)  # Gemm without transB or bias


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "atheena.tools.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def _with_node(model: onnx.ModelProto, node) -> onnx.ModelProto:
    """`model` with `node` inserted after its first node, its output unused."""
    model.graph.node.insert(1, node)
    return model


@pytest.mark.parametrize("case, named", [
    ("unsupported", "node 'squash' (Sigmoid) is not supported"),
    ("loop", "node 'repeat' (Loop) is a loop"),
    ("other_if", "node 'exit_if' (If) branches on something other than an early-exit decision"),
    ("not_onnx", "could not read"),
])
def test_unsupported_constructs_exit_2_and_name_the_node(tmp_path, case, named):
    path = tmp_path / f"{case}.onnx"
    if case == "unsupported":
        model = _tiny_exit_graph()
        model.graph.node[1].op_type = "Sigmoid"
        model.graph.node[1].name = "squash"
        onnx.save(model, path)
    elif case == "loop":
        body = helper.make_graph([helper.make_node("Identity", ["cond_in"], ["cond_out"]),
                                  helper.make_node("Relu", ["v_in"], ["v_out"])], "body",
                                 [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                                  helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                                  helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [1, 2, 4, 4])],
                                 [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
                                  helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [1, 2, 4, 4])])
        model = _tiny_exit_graph()
        model.graph.initializer.extend([numpy_helper.from_array(np.array(2, np.int64), "n"),
                                        numpy_helper.from_array(np.array(True), "go")])
        onnx.save(_with_node(model, helper.make_node("Loop", ["n", "go", "c0"], ["looped"], name="repeat",
                                                               body=body)), path)
    elif case == "other_if":
        onnx.save(_tiny_exit_graph(cond_from_softmax=False), path)
    else:
        path.write_bytes(b"this is not a protobuf" * 10)
    with pytest.raises(AtheenaError, match=re.escape(named)):
        load_onnx(path)
    result = _cli("import", str(path), "-o", str(tmp_path / "out.mlir"))
    assert result.returncode == 2, result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.mlir").exists()


def test_onnx_options_that_do_not_apply_are_refused(tmp_path):
    net = models.get("b-lenet")
    path = export(net, net.input_shape, tmp_path / "net.onnx", opset=13)
    for args, message in [(["--weights", "w.pt"], "--weights does not apply"),
                          (["--input-shape", "3,32,32"], "differs from the input")]:
        result = _cli("import", str(path), *args, "-o", str(tmp_path / "o.mlir"))
        assert result.returncode == 2 and message in result.stderr, result.stderr
    result = _cli("train", str(path), "--epochs", "1", "--data", str(tmp_path), "-o", str(tmp_path / "w.pt"))
    assert result.returncode == 2 and "ONNX file" in result.stderr, result.stderr


@pytest.mark.hw
def test_atheena_pattern_compiles_and_simulates_bit_exact(tmp_path):
    """The round trip's last step: B-LeNet exported in ATHEENA's form, compiled from the .onnx by
    `atheena compile` and simulated bit-exact in Verilator, deciding with the graph's strict `>`."""
    import json

    net = models.get("b-lenet")
    path = export_if(net, [0.996], tmp_path / "b-lenet.onnx")
    out = tmp_path / "out"
    result = _cli("compile", str(path), "--budget", "0.1", "--simulate", "200", "--json", "-q", "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["thresholds"] == [0.996]
    sim = report["simulation"]
    assert sim["samples"] == 200 and sim["bit_exact"] and all(n > 0 for n in sim["exits"])
    assert 'comparison = "gt"' in (out / "folded.mlir").read_text()
