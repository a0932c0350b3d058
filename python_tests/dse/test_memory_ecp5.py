"""What Yosys's synth_ecp5 makes of the kernels' RAMs and ROMs (figures read off Yosys 0.70; the switch points
are synthesised again in python_tests/hardware/test_characterise.py)."""

from atheena.dse import families, memory


def ecp5(*args, **kwargs):
    with families.costed("ecp5"):
        return memory.memory(*args, **kwargs)


def test_ram_switches_from_lut_ram_to_block_ram():
    assert ecp5(16) == (0, 4 * 6, 16)  # four 16x4 TRELLIS_DPR16X4 (six LUT4 sites each), the read register in FFs
    assert ecp5(32) == (0, 8 * 6 + 16 + 2, 16)  # two chunks and a 2:1 read multiplexer
    assert ecp5(96)[0] == 0  # six chunks: memory_libmap's cost 141 against DP16KD's 142
    # one DP16KD; the read register, the write data and the write address stay in FFs (read-old-data emulation)
    assert ecp5(97) == (1, 16 + 6, 2 * 16 + 7 + 2)
    assert ecp5(64, width=32)[0] == 1  # a PDPW16KD, 36 bits wide
    assert ecp5(32, width=32)[0] == 0
    assert ecp5(1100, width=400)[0] == 34  # three address ranges of 512 x 36 cells side by side


def test_rom_goes_to_block_ram_later_than_on_7_series():
    assert ecp5(128, rom=True)[0] == 0  # logic: 1/16 per bit (128) against 130
    assert ecp5(255, rom=True) == (1, 0, 0)  # the read register is the DP16KD's
    assert memory.memory(255, rom=True)[0] == 0  # 7-series keeps it in logic (1/64 per bit)
    assert ecp5(64, width=144, rom=True) == (4, 0, 0)
    assert ecp5(2048, width=16, rom=True)[0] == 2  # 2048 x 9 cells, no multiplexer


def test_the_family_being_costed_chooses_the_mapping():
    xc7 = memory.memory(97)
    assert xc7 != ecp5(97)
    with families.costed("xcup"):  # UltraScale+ maps as 7-series does
        assert memory.memory(97) == xc7
    assert memory.memory(97) == xc7  # and the context ends with the block
