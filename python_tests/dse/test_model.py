"""Performance and resource model: hand-computed intervals and resources."""

import numpy as np
import pytest

from atheena import ir as air
from atheena.dialects import ops as O
from atheena.dse import boards, memory, model
from atheena.dse.network import layer_configs
from atheena.errors import AtheenaError
from atheena.hardware.plan import op_instances
from atheena.kinds import conv2d, linear

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
    configs = layer_configs(op, prune=False)
    # coarse_in: divisors of C=2; coarse_out 1, 2, 4 and fine 1, 2, 3, 5, 9: the fewest multipliers for each
    # number of filter groups and of steps a beat; and with every channel in, blocks of 2, 4 and 8 columns
    # (pixels: 2, 4 and 8 windows a step)
    assert len(configs) == 2 * 3 * 5 + 3 * 3 * 5
    assert sorted({c.as_dict().get("pixels", 1) for c in configs}) == [1, 2, 4, 8]
    assert sorted({c.as_dict()["fine"] for c in configs}) == [1, 2, 3, 5, 9]
    partial = _find(configs, coarse_in=2, coarse_out=4, fine=5)  # steps of 5 and 4 kernel positions
    assert partial.resources[0] == 2 * 4 * 5 and partial.interval == _find(configs, coarse_in=2, coarse_out=2,
                                                                               fine=9).interval
    macs = 8 * 8 * 4 * 2 * 9
    folded = _find(configs, coarse_in=1, coarse_out=1, fine=1)
    assert folded.interval == macs  # 4608: one MAC per cycle, the window keeps ahead
    assert folded.resources[0] == 1
    fast = _find(configs, coarse_in=2, coarse_out=4, fine=9)
    # one output pixel per cycle, but the window visits 9 x 9 positions: the 8 x 8 image and the windows
    # that end in the right and bottom padding (the top and left rings cost nothing)
    assert fast.interval == 81 and fast.resources[0] == 72
    # weight and bias ROMs of one entry: constants, no memory; window memory: 2 entries of 9 x 2 words,
    # 48 RAM32M (6 bits each); line buffers: 2 x 9 entries of 2 words, 6 RAM32M each; the output FIFO
    # the engine's credits reserve: (12 pipeline stages + 3) / 1 + 1 = 16 entries of 4 words, 11 RAM32M
    est = conv2d.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=2, co=4, fine=9)
    assert est.memory_lut == 4 * 48 + 2 * 4 * 6 + 4 * 11 and est.bram18 == 0
    assert est.features["memory_ff"] == 9 * 2 * 16 + 2 * 2 * 16 + 4 * 16  # their read registers
    # in the design, the lowering adds FIFOs of (padding + 1) input rows (2 x 8 beats of 2 words) and
    # one output row (8 beats of 4 words)
    parts = op_instances(op, fast.as_dict())
    assert [p.key for p in parts] == [("fifo", 32, 16), ("kernel", op.name), ("fifo", 64, 8)]
    assert parts[0].cost() == model.fifo_resources(32, 16) and parts[2].cost() == model.fifo_resources(64, 8)
    assert fast.resources == tuple(sum(x) for x in zip(*(p.resources for p in parts)))


def test_conv_interval_is_the_window_schedule_when_compute_is_fast():
    """The replay of the kernel's schedule (the RTL's cycle for cycle: python_tests/hardware/test_conv_kernel.py)."""
    from atheena.dse.timing import conv_interval
    from atheena.hardware.kernels.window import WindowShape

    # stride 2 over 8 x 8 with padding 1: the window visits 8 x 8 positions of 2 groups (the top and left padding
    # are skipped), 128 cycles; the engine's 16 pixels x 12 steps are the bound
    assert conv_interval(WindowShape(2, 8, 8, (3, 3), (2, 2), (1, 1), 1), [12])[0] == 16 * 12
    # a valid 5 x 5 over 12 x 12: 64 pixels of 15 steps, and 10 cycles a sample in which the engine waits for
    # the window
    assert conv_interval(WindowShape(1, 12, 12, (5, 5)), [15])[0] == 970


def test_memory_mapping():
    """What Yosys's synth_xilinx makes of the kernels' RAMs and ROMs (checked by synthesis)."""
    assert memory.memory(32) == (0, 4 * 3, 16)  # 3 RAM32M (32 x 6 bits each) and the read register
    assert memory.memory(64) == (0, 4 * 6, 16)  # 6 RAM64M (64 x 3 bits)
    assert memory.memory(65) == (0, 4 * 9 + 16 + 3, 16)  # 3 x 32 entries of RAM32M, a 3:1 read mux per bit
    assert memory.memory(128) == (0, 4 * 12 + 16 + 2, 16)  # 2 x 64 entries of RAM64M, a 2:1 read mux
    assert memory.memory(129) == (1, 0, 0)  # one RAMB18, which absorbs the read register
    assert memory.memory(64, width=32) == (0, 4 * 11, 32)
    assert memory.memory(65, width=32) == (1, 0, 0)
    assert memory.memory(512, width=36) == (1, 0, 0)  # 512 x 36 fits one BRAM18
    assert memory.memory(1024, copies=3) == (3, 0, 0)
    assert memory.memory(1025) == (2, 0, 0)  # one RAMB36
    assert memory.memory(3000) == (3, 16 + 3, 2)  # three 1024 x 18 RAMB18 and a 3:1 read mux
    assert memory.memory(300, width=128) == (4, 0, 0)  # two RAMB36 of 512 x 72
    # a ROM is logic up to 8447 bits (memory_libmap's cost of 1/64 per bit against 131 for a RAMB18)
    assert memory.memory(527, width=16, rom=True)[0] == 0
    assert memory.memory(528, width=16, rom=True) == (1, 0, 0)
    # LUTs of a ROM in logic read at a counter (every kernel ROM): one per column up to 16 entries,
    # then about entries / 15 (Yosys folds the counter's next value into the ROM)
    assert memory.memory(16, width=16, rom=True) == (0, 16, 16)
    assert memory.memory(64, width=16, rom=True) == (0, 69, 16)
    assert memory.memory(64, width=16, rom=True, distinct=9) == (0, 39, 9)  # identical columns merged
    assert memory.memory(3019, width=17, rom=True) == (3, 17, 2)  # the exp ROM
    assert memory.memory(0) == (0, 0, 0) and memory.memory(100, width=0, rom=True) == (0, 0, 0)


def test_rom_columns_counts_varying_and_distinct_columns():
    assert memory.rom_columns([[3], [3]], 16) == (0, 0)  # constant contents: no memory at all
    # -3, 5, 100, -128: bit 1 is always 0; bits 3 and 4, 5 and 6, and 7 to 15 (the sign) are equal
    assert memory.rom_columns([[-3], [5], [100], [-128]], 16) == (15, 5)
    assert memory.rom_columns([[1], [2], [4]], 16) == (3, 3)  # the other bits are constant 0
    assert memory.rom_columns([[0, 0], [1, 1]], 16) == (2, 1)  # two identical columns
    assert memory.rom_columns([[0x1234, -1], [0x4321, 7]], 16)[1] == 2  # two entries: columns 01 and 10 only
    assert memory.rom_columns([[1]], 16) == (0, 0)  # one entry (the kernel pads it to two equal ones)


def test_bank_columns_are_rom_columns_of_each_bank():
    import collections

    rng = np.random.default_rng(0)
    for shape in [(30, 70), (12, 5), (4, 2)]:
        banks = np.rint(rng.normal(0, 40, shape)).astype(np.int64)
        banks[0], banks[1] = 5, banks[2]  # a constant bank, two equal ones
        expected = collections.Counter(memory.rom_columns(bank, 16) for bank in banks)
        assert memory._bank_columns(banks, 16) == dict(expected)


def test_linear_and_pool_intervals():
    lin = _op('"atheena.linear"(%x) {weights = dense<0.1> : tensor<10x640xf32>, bias = dense<0.0> : tensor<10xf32>}'
              " : (tensor<640xf32>) -> tensor<10xf32>", "tensor<640xf32>", "tensor<10xf32>")
    cfg = _find(layer_configs(lin, prune=False), coarse_in=8, coarse_out=5)
    # weights: 40 ROMs of 160 16-bit words, logic (2560 bits); input ping-pong: 8 banks of 2 x 80 words,
    # one BRAM18 each; biases: 5 ROMs of 2 entries, logic
    assert cfg.interval == 6400 // 40 and cfg.resources[:2] == (40, 8)
    pool = _op('"atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, '
               'padding = array<i64: 0, 0>} : (tensor<5x32x32xf32>) -> tensor<5x16x16xf32>',
               "tensor<5x32x32xf32>", "tensor<5x16x16xf32>")
    cfg = _find(layer_configs(pool, prune=False), coarse=5)
    assert cfg.interval == 32 * 32 and cfg.resources[0] == 0


def test_resources_from_plain_parameters_match_the_op_configs():
    op = _op(CONV, "tensor<2x8x8xf32>", "tensor<4x8x8xf32>")
    weights, bias = conv2d.KIND.codes(op)  # what the op's configurations are costed with
    assert weights.shape == (4, 2, 3, 3) and np.all(weights == round(0.1 * 256)) and np.all(bias == 0)
    est = conv2d.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=1, co=2, fine=3, weights=weights,
                               bias=bias)
    row_fifo, kernel, out_fifo = op_instances(op, {"coarse_in": 1, "coarse_out": 2, "fine": 3})
    assert kernel.cost() == est and row_fifo.key == ("fifo", 16, 32) and out_fifo.key == ("fifo", 32, 16)
    assert est.features["mults"] == 6 and est.features["window_words"] == 9
    assert est.features["rom_luts"] == 0  # equal weights: every ROM column is constant
    est = conv2d.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=1, groups=1, ci=1, co=2, fine=3)
    assert est.features["rom_luts"] > 0  # without them, typical trained weights
    lin = linear.linear_resources(n=16, m=4, ci=2, co=1)
    # input: 2 banks of 2 x 8 words (3 RAM32M each); ROMs in logic (their LUTs a fitted feature):
    # weights, 2 of 32 16-bit words of 9 distinct columns each (typical of trained weights), 1.3 LUTs per
    # column; biases, one ROM of 4 entries (at most 2**4 - 2 = 14 distinct columns)
    assert lin.dsp == 2 and lin.memory_lut == 2 * 4 * 3 and lin.features["rom_luts"] == 2 * 12 + 14
    # pixel lanes, 2 pixels a beat: two windows a beat, each with its own 2 x 4 x 9 multipliers (the weights
    # shared); the window keeps kw - 1 = 2 columns of history per kernel row in registers
    est = conv2d.conv_resources(c=2, w=8, f=4, kh=3, kw=3, pw=2, groups=1, ci=2, co=4, fine=9, px=2)
    assert est.dsp == 2 * 72 and est.features["window_words"] == 2 * 9 * 2
    assert est.features["sr_ff"] == 3 * 2 * 2 * 16 and est.features["out_lanes"] == 2 * 4


def test_weights_make_dsps_and_rom_widths_exact():
    w = np.array([[0, 3, -4, 5], [1, -1, 7, 2]])  # 0 and +-2**k are shifts when the weights are constants
    unfolded = linear.linear_resources(4, 2, 4, 2, weights=w, bias=np.zeros(2, dtype=int))
    assert unfolded.dsp == 3 and unfolded.features["shifts"] == 5 and unfolded.bram18 == 0
    assert linear.linear_resources(4, 2, 4, 2).dsp == 8  # without the weights: one DSP each
    assert linear.linear_resources(4, 2, 1, 1, weights=w).dsp == 1  # folded: the weights come from a ROM
    # conv weights of a 2-step ROM: at most 2 distinct columns, whatever the width
    weights = np.arange(-36, 36).reshape(4, 2, 3, 3)
    est = conv2d.conv_resources(2, 8, 4, 3, 3, 1, 1, ci=1, co=4, fine=9, weights=weights, bias=np.arange(4))
    assert est.features["memory_ff"] == conv2d.conv_resources(2, 8, 4, 3, 3, 1, 1, 1, 4, 9).features["memory_ff"]
    assert est.dsp == 36


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


def test_pareto_prune_compares_only_configurations_with_the_same_lanes():
    """A costlier configuration with other lanes may save a converter, so it survives."""
    a = model.Config((("k", 1),), 10, (1, 0, 10, 10), (4,), (4,))
    b = model.Config((("k", 2),), 10, (2, 0, 10, 10), (2,), (4,))
    c = model.Config((("k", 3),), 10, (2, 0, 10, 10), (4,), (4,))
    assert model.pareto_prune([c, b, a]) == [a, b]


def test_boards():
    zc = boards.load("ZC706")
    assert (zc.dsp, zc.bram18, zc.lut, zc.ff, zc.clock_mhz) == (900, 1090, 218600, 437200, 125)
    assert boards.load("zcu102").dsp == 2520 and boards.load("zedboard").bram18 == 280
    with pytest.raises(AtheenaError, match="unknown board 'vc709'; built-in boards: ecp5_versa, ulx3s_85f, zc706, "
                                           "zcu102, zedboard"):
        boards.load("vc709")
    versa = boards.load("ecp5_versa")
    assert (versa.family, versa.dsp, versa.bram18, versa.lut) == ("ecp5", 156, 208, 83640)


def test_user_board_file(tmp_path):
    f = tmp_path / "mine.json"
    f.write_text('{"name": "Mine", "part": "x", "family": "xc7", "clock_mhz": 200, "dsp": 10, "bram18": 20, "lut": 1000, "ff": 2000}')
    assert boards.load(str(f)).dsp == 10
    f.write_text('{"name": "Mine"}')
    with pytest.raises(AtheenaError, match="is not valid: KeyError"):
        boards.load(str(f))


@pytest.mark.parametrize("bad", ['"fast"', "NaN", "true"])
def test_board_values_are_checked(tmp_path, bad):
    f = tmp_path / "b.json"
    f.write_text('{"name": "B", "part": "x", "family": "xc7", "clock_mhz": %s, "dsp": 10, "bram18": 20, "lut": 1000, "ff": 2000}' % bad)
    with pytest.raises(AtheenaError, match="clock_mhz must be a positive number"):
        boards.load(str(f))
    f.write_text('{"name": "B", "part": "x", "family": "xc7", "clock_mhz": 100, "dsp": 10.5, "bram18": 20, "lut": 1000, "ff": 2000}')
    with pytest.raises(AtheenaError, match="positive whole numbers"):
        boards.load(str(f))
