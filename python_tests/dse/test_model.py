"""Performance and resource model: hand-computed intervals and resources."""

import pytest

from atheena import ir as air
from atheena.dialects import ops as O
from atheena.dse import boards, model
from atheena.errors import AtheenaError


_KEEP_ALIVE = []  # an op is only valid while its module (and context) lives


def _op(body: str, arg: str, result: str):
    text = f"func.func @f(%x: {arg}) -> {result} {{\n  %y = {body}\n  return %y : {result}\n}}"
    module = air.parse(text, air.new_context())
    _KEEP_ALIVE.append(module)
    (func,) = O.network_functions(module)
    return O.body_ops(func)[0]


CONV = ('"atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, '
        'groups = 1 : i64, weights = dense<0.1> : tensor<4x2x3x3xf32>, bias = dense<0.0> : tensor<4xf32>}'
        " : (tensor<2x8x8xf32>) -> tensor<4x8x8xf32>")


def _find(configs, **folding):
    return next(c for c in configs if c.as_dict() == folding)


def test_conv_interval_and_resources_by_hand():
    op = _op(CONV, "tensor<2x8x8xf32>", "tensor<4x8x8xf32>")
    configs = model.conv_configs(op)
    assert len(configs) == 2 * 3 * 3  # divisors of C=2, F=4, K=9 (no pixel parallelism yet)
    macs = 8 * 8 * 4 * 2 * 9
    folded = _find(configs, coarse_in=1, coarse_out=1, fine=1)
    assert folded.interval == macs  # 4608: one MAC per cycle, the window keeps ahead
    assert folded.resources[0] == 1
    fast = _find(configs, coarse_in=2, coarse_out=4, fine=9)
    # one output pixel per cycle, but the window visits the 10 x 10 padded grid: 100 cycles
    assert fast.interval == 100 and fast.resources[0] == 72
    # weight ROM: 1 entry of 72 words -> logic; bias ROM: 1 entry of 4 x 48 bits -> logic;
    # window memory: 2 entries of 9 x 2 words -> LUT RAM; line buffers: 2 x 10 entries of 2 words
    est = model.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=2, co=4, fine=9)
    assert est.memory_lut == 72 * 16 + 4 * 48 + 4 * 48 + 2 * 4 * 6 and est.bram18 == 0
    assert fast.resources == est.resources


def test_conv_interval_is_the_window_schedule_when_compute_is_fast():
    from atheena.dse.timing import conv_interval

    # measured in RTL (python_tests/hardware/test_conv_kernel.py): stride 2 makes the engine wait on rows
    assert conv_interval((10, 10), (3, 3), (2, 2), 2, [12])[0] == 256
    assert conv_interval((12, 12), (5, 5), (1, 1), 1, [15])[0] == 970


def test_memory_mapping():
    assert model.memory(32) == (0, 4 * 3)  # RAM32M: 32 x 6 bits per 4 LUTs
    assert model.memory(64) == (0, 4 * 6)  # RAM64M: 64 x 3 bits
    assert model.memory(64, rom=True) == (0, 16)  # a ROM in LUT6s
    assert model.memory(65) == (1, 0)
    assert model.memory(512, width=36) == (1, 0)  # 512 x 36 fits one BRAM18
    assert model.memory(1024, copies=3) == (3, 0)
    assert model.memory(1025) == (2, 0)
    assert model.memory(3019, width=17, rom=True) == (3, 0)  # the exp ROM: 3 x (4096 x 4)... or 2048 x 9 x 2
    assert model.memory(0) == (0, 0)


def test_linear_and_pool_intervals():
    lin = _op('"atheena.linear"(%x) {weights = dense<0.1> : tensor<10x640xf32>, bias = dense<0.0> : tensor<10xf32>}'
              " : (tensor<640xf32>) -> tensor<10xf32>", "tensor<640xf32>", "tensor<10xf32>")
    cfg = _find(model.linear_configs(lin), coarse_in=8, coarse_out=5)
    # weights: 40 memories of 160 words; input ping-pong: 8 banks of 2 x 80 words; one BRAM18 each
    assert cfg.interval == 6400 // 40 and cfg.resources[:2] == (40, 48)
    pool = _op('"atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, '
               'padding = array<i64: 0, 0>} : (tensor<5x32x32xf32>) -> tensor<5x16x16xf32>',
               "tensor<5x32x32xf32>", "tensor<5x16x16xf32>")
    cfg = _find(model.pool_configs(pool), coarse=5)
    assert cfg.interval == 32 * 32 and cfg.resources[0] == 0


def test_resources_from_plain_parameters_match_the_op_configs():
    op = _op(CONV, "tensor<2x8x8xf32>", "tensor<4x8x8xf32>")
    est = model.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=1, co=2, fine=3)
    assert est.resources == _find(model.conv_configs(op), coarse_in=1, coarse_out=2, fine=3).resources
    assert est.features["mults"] == 6 and est.features["window_words"] == 9
    lin = model.linear_resources(n=16, m=4, ci=2, co=1)
    assert lin.dsp == 2 and lin.memory_lut == 2 * 4 * 3 + 2 * 4 * 3  # weights 2 x 32 words, input 2 banks x 16 words
    with pytest.raises(AtheenaError, match="pixel parallelism"):
        model.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=1, co=2, fine=3, px=2)


def test_converter_features_follow_the_circuit():
    def features(a, b):
        f = model.converter_resources(a, b).features
        return f["register_words"], f["mux_words"], f["gather_pieces"], f["count_bits"]

    assert features(8, 1) == (8, 3, 0, 3)  # an 8:1 mux takes 3 LUTs per bit
    assert features(32, 2) == (32, 14, 0, 4)  # 16:1, 7 LUTs per bit, 2 words
    assert features(4, 2) == (4, 2, 0, 1)
    assert features(1, 4) == (7, 0, 3, 2)
    assert features(3, 3) == (3, 0, 0, 0)
    with pytest.raises(ValueError):
        model.converter_resources(2, 3)


def test_coefficients_for_a_feature_the_model_does_not_compute_are_an_error(monkeypatch):
    table = dict(model.coefficients(), relu={"features": ["base", "bogus"], "lut": [1, 1], "ff": [1, 1]})
    monkeypatch.setattr(model, "coefficients", lambda: table)
    with pytest.raises(AtheenaError, match="bogus"):
        model.elementwise_resources("relu", 4)


def test_pareto_prune_keeps_only_undominated():
    a = model.Config((("k", 1),), 10, (1, 0, 10, 10))
    b = model.Config((("k", 2),), 10, (2, 0, 10, 10))  # as fast as a, more DSP: dominated
    c = model.Config((("k", 3),), 5, (2, 0, 10, 10))
    d = model.Config((("k", 4),), 20, (1, 0, 20, 5))  # slower but fewer FF: kept
    assert model.pareto_prune([b, d, c, a]) == [c, a, d]


def test_boards():
    zc = boards.load("ZC706")
    assert (zc.dsp, zc.bram18, zc.lut, zc.ff, zc.clock_mhz) == (900, 1090, 218600, 437200, 125)
    assert boards.load("zcu102").dsp == 2520 and boards.load("zedboard").bram18 == 280
    with pytest.raises(AtheenaError, match="unknown board 'vc709'; built-in boards: zc706, zcu102, zedboard"):
        boards.load("vc709")


def test_user_board_file(tmp_path):
    f = tmp_path / "mine.json"
    f.write_text('{"name": "Mine", "part": "x", "clock_mhz": 200, "dsp": 10, "bram18": 20, "lut": 1000, "ff": 2000}')
    assert boards.load(str(f)).dsp == 10
    f.write_text('{"name": "Mine"}')
    with pytest.raises(AtheenaError, match="is not valid: KeyError"):
        boards.load(str(f))


@pytest.mark.parametrize("bad", ['"fast"', "NaN", "true"])
def test_board_values_are_checked(tmp_path, bad):
    f = tmp_path / "b.json"
    f.write_text('{"name": "B", "part": "x", "clock_mhz": %s, "dsp": 10, "bram18": 20, "lut": 1000, "ff": 2000}' % bad)
    with pytest.raises(AtheenaError, match="clock_mhz must be a positive number"):
        boards.load(str(f))
    f.write_text('{"name": "B", "part": "x", "clock_mhz": 100, "dsp": 10.5, "bram18": 20, "lut": 1000, "ff": 2000}')
    with pytest.raises(AtheenaError, match="positive whole numbers"):
        boards.load(str(f))
