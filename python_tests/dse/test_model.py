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
    assert len(configs) == 2 * 3 * 3 * 4  # divisors of C=2, F=4, K=9, Wo=8
    macs = 8 * 8 * 4 * 2 * 9
    folded = _find(configs, coarse_in=1, coarse_out=1, fine=1, pixels=1)
    assert folded.interval == macs  # 4608: one MAC per cycle
    assert folded.resources[0] == 1
    fast = _find(configs, coarse_in=2, coarse_out=4, fine=9, pixels=2)
    # compute 4608 / 144 = 32, input 8*8*2 / (2*2) = 32, output 8*8*4 / (4*2) = 32
    assert fast.interval == 32 and fast.resources[0] == 144
    # weights: 72 words over 72 memories of 1 word -> LUTRAM; line buffers: 2 rows x 2 lanes x 2 pixels
    # of (8+2)*2/(2*2) = 5 words -> LUTRAM
    c = model.coefficients()["conv2d"]
    lut = c["lut"][0] + c["lut"][1] * 144 + c["lut"][2] * (2 * 2 + 4 * 2) + 72 * 16 + 8 * 16
    assert fast.resources[1:] == (0, lut, c["ff"][0] + c["ff"][1] * 144 + c["ff"][2] * 12)


def test_memory_mapping():
    assert model.memory(64) == (0, 16)  # LUTRAM up to 64 words
    assert model.memory(65) == (1, 0)
    assert model.memory(1024, copies=3) == (3, 0)
    assert model.memory(1025) == (2, 0)
    assert model.memory(0) == (0, 0)


def test_linear_and_pool_intervals():
    lin = _op('"atheena.linear"(%x) {weights = dense<0.1> : tensor<10x640xf32>, bias = dense<0.0> : tensor<10xf32>}'
              " : (tensor<640xf32>) -> tensor<10xf32>", "tensor<640xf32>", "tensor<10xf32>")
    cfg = _find(model.linear_configs(lin), coarse_in=8, coarse_out=5)
    assert cfg.interval == 6400 // 40 and cfg.resources[:2] == (40, 40)  # 40 memories of 160 words
    pool = _op('"atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, '
               'padding = array<i64: 0, 0>} : (tensor<5x32x32xf32>) -> tensor<5x16x16xf32>',
               "tensor<5x32x32xf32>", "tensor<5x16x16xf32>")
    cfg = _find(model.pool_configs(pool), coarse=5, pixels=2)
    assert cfg.interval == 32 * 32 * 5 // 10 and cfg.resources[0] == 0


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
