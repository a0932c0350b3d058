"""ROM contents travel as `$readmemh` files beside the SystemVerilog (`atheena.hardware.kernels.memory`).

That the words read back are right is what every kernel with weights shows bit-exact in Verilator
(test_linear_kernel, test_conv_kernel, test_exit_decision_kernel) and Yosys maps them as the model
says (test_plan); here: the file format, the names, and that `emit` hands the files over.
"""

from atheena.hardware.emit import emit, sources
from atheena.hardware.kernels.memory import hex_file, take_hex_files


def test_a_rom_file_is_one_word_a_line_in_twos_complement_and_named_by_its_contents():
    name, text = hex_file([0, 1, -1, 255, 256], 9)
    assert text == "000\n001\n1ff\n0ff\n100\n"  # 9 bits: three hex digits, -1 is 0x1ff, 256 stays
    assert hex_file([0, 1, -1, 255, 256], 9) == (name, text)
    assert hex_file([0, 1, -1, 255, 256], 10)[0] != name  # the width is part of the name
    assert name.startswith("rom_") and name.endswith(".hex")


def _rom_module(contents, label):
    """A module named `rom_test_<label>` that reads `contents` (8-bit words) at its address."""
    from pycde import Clock, Input, Module, Output, generator
    from pycde.types import Bits

    from atheena.hardware.kernels.memory import rom

    def build(ports):
        ports.data = rom("words", contents, 8, ports.addr, ports.clk)

    # a class of its own name per label: one design holds several
    return type(f"RomTest{label}", (Module,), {"module_name": f"rom_test_{label}", "clk": Clock(),
                                               "addr": Input(Bits(2)), "data": Output(Bits(8)),
                                               "build": generator(build)})


def test_emit_returns_the_rom_files_the_sources_load_and_shares_identical_ones():
    take_hex_files()
    a, b = _rom_module([1, 2, 3, -4], "a"), _rom_module([1, 2, 3, -4], "b")
    files = emit([a, b], "roms")
    roms = sorted(n for n in files if n.endswith(".hex"))
    name, text = hex_file([1, 2, 3, -4], 8)
    assert roms == [name] and files[name] == text == "01\n02\n03\nfc\n"
    assert sources(files) == sorted(n for n in files if n.endswith(".sv"))
    for module in ("rom_test_a.sv", "rom_test_b.sv"):
        assert f'$readmemh("{name}", words);' in files[module]
    assert emit([_rom_module([1, 2, 3, -4], "a")], "roms") == {k: files[k] for k in ("rom_test_a.sv", name)}
    assert take_hex_files() == {}  # nothing left over for the next design on this thread
