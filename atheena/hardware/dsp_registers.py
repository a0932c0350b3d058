"""Move the fabric registers around each ECP5 multiplier into the MULT18X18D's own registers.

Yosys `synth_ecp5` maps every multiplication to a MULT18X18D with all of its
registers off (`lattice/dsp_map_18x18.v`), whatever registers the design puts
around it.  The kernels register both operands and the product (the conv
engine's `ce_x2`/`ce_w2` and `ce_m`, the linear engine's alike: see
`kernels/conv.py`), so in the routed design a path runs from a fabric
flip-flop, over general routing into the DSP, through the multiplier array and
back out to another flip-flop: about 8 ns on an LFE5UM5G-85F, the one path that
kept the 125-multiplier conv of b-lenet-3 at 123 MHz and the whole B-LeNet at
103 MHz.  The MULT18X18D has input registers (A, B) and an output register (P)
of its own; with them the multiplier is a path from register to register inside
the block.  Vendor tools (Lattice Diamond, Radiant) pack them as a matter of
course; Yosys has no such pass for ECP5 (it has one for Nexus only), so this
module does it on the JSON netlist between Yosys and nextpnr.

The rule is the one a packer must keep: a flip-flop moves into the DSP only if
moving it cannot change what any other cell sees.
* Operand A (or B) is registered in the DSP when every one of its non-constant
  bits is the Q of a plain TRELLIS_FF (rising clock, no set/reset: LSR tied 0)
  and all of them share one clock, and each operand's bits one clock enable.  The DSP then reads the
  flip-flops' D nets; a flip-flop left with no load is removed, one that still
  drives other logic stays (the register is duplicated, as the DSP48 packing of
  Vivado does).  A and B must be registered together (nextpnr's timing database
  has no mixed mode, and the product's latency must not depend on which was packed).
* The product P is registered in the DSP when every used bit of P drives exactly
  one load, the D of a plain TRELLIS_FF on the operand registers' clock; those
  flip-flops are removed and their Q nets become P.
Constant operand bits stay constants.  A DSP whose registers do not match the rule
keeps its fabric registers (nothing is lost but the speed).  All registers use
CLK0 (nextpnr times a clocked MULT18X18D from CLK0 only) and synchronous
RST0 tied low; the clock enables take CE0..CE3, and an inverted enable (Yosys
maps a pipeline's `~stall` so) gets one shared LUT4 inverter.

The function works on the parsed `top.json` of `synth_ecp5 -json` in place and
returns what it moved, so `pnr.place_and_route` can say so.  Its result is
checked in `python_tests/hardware/test_dsp_registers.py` by simulating a
netlist before and after packing against each other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

VERSION = "3"  # part of the place-and-route cache key: bump when the packing rule changes

_OPERANDS = {"A": [f"A{i}" for i in range(18)], "B": [f"B{i}" for i in range(18)]}
_PRODUCT = [f"P{i}" for i in range(36)]


@dataclass
class Packed:
    """What `pack_multiplier_registers` moved into the DSPs of one module."""

    dsps: int = 0  # MULT18X18Ds in the module
    inputs: int = 0  # of them with A and B registered inside
    outputs: int = 0  # of them with P registered inside
    removed_ffs: int = 0  # fabric flip-flops that went away

    def describe(self) -> str:
        return (f"{self.inputs}/{self.dsps} MULT18X18D with input registers, {self.outputs}/{self.dsps} with "
                f"output registers ({self.removed_ffs} fabric flip-flops absorbed)")


def _plain_ff(cell: dict) -> bool:
    """A rising-edge TRELLIS_FF without set/reset: the only kind a DSP register can take over."""
    p = cell["parameters"]
    return (cell["type"] == "TRELLIS_FF" and p.get("CLKMUX", "CLK").strip() == "CLK"
            and cell["connections"].get("LSR", ["0"]) == ["0"])


def _enable(cell: dict):
    """The clock enable of a plain flip-flop: "1" when it has none, its net number, or ("INV", net)
    when the flip-flop loads while the net is low (how Yosys maps a stall signal)."""
    if cell["parameters"].get("CEMUX", "1").strip() in ("1", ""):
        return "1"
    ce = cell["connections"].get("CE", ["1"])[0]
    if cell["parameters"]["CEMUX"].strip() == "INV":
        return ("INV", ce) if isinstance(ce, int) else str(1 - int(ce))
    return ce


def _inverter(module: dict, net: int, inverters: dict) -> int:
    """A net carrying NOT `net` (a DSP's clock enables cannot be inverted): one LUT4 per net, shared."""
    if net not in inverters:
        used = [bits for c in module["cells"].values() for bits in c["connections"].values()]
        used += [n["bits"] for n in module.get("netnames", {}).values()]
        used += [port["bits"] for port in module.get("ports", {}).values()]
        out = 1 + max(b for bits in used for b in bits if isinstance(b, int))
        module["cells"][f"$atheena_dsp_ce_inv{out}"] = {
            "hide_name": 1, "type": "LUT4", "parameters": {"INIT": "0101010101010101"},  # Z = ~A
            "attributes": {}, "port_directions": {"A": "input", "B": "input", "C": "input", "D": "input",
                                                  "Z": "output"},
            "connections": {"A": [net], "B": ["0"], "C": ["0"], "D": ["0"], "Z": [out]}}
        module.setdefault("netnames", {})[f"$atheena_dsp_ce_inv{out}_Z"] = {"hide_name": 1, "bits": [out],
                                                                          "attributes": {}}
        inverters[net] = out
    return inverters[net]


def pack_multiplier_registers(module: dict) -> Packed:
    """Absorb the operand and product registers of every MULT18X18D of one netlist module (in place)."""
    cells = module["cells"]
    drivers: dict = {}
    loads: dict = defaultdict(list)
    for name, cell in cells.items():
        for port, bits in cell["connections"].items():
            output = cell["port_directions"].get(port) == "output"
            for bit in bits:
                if isinstance(bit, int):
                    if output:
                        drivers[bit] = (name, port)
                    else:
                        loads[bit].append((name, port))
    for port in module.get("ports", {}).values():
        if port["direction"] != "input":
            for bit in port["bits"]:
                if isinstance(bit, int):
                    loads[bit].append(("", "module port"))

    packed = Packed()
    removed: set[str] = set()
    inverters: dict[int, int] = {}
    for name in sorted(n for n, c in cells.items() if c["type"] == "MULT18X18D"):
        dsp = cells[name]
        packed.dsps += 1
        if any(k.startswith("REG_") and v != "NONE" for k, v in dsp["parameters"].items()):
            continue  # registers already set by the design: leave it alone
        conn = dsp["connections"]
        registers = {}  # "A"/"B" -> {net: ff cell name}
        for operand, ports in _OPERANDS.items():
            feeding = {}
            for port in ports:
                bit = conn.get(port, ["0"])[0]
                if not isinstance(bit, int):
                    continue
                source = drivers.get(bit)
                if source is None or source[1] != "Q" or not _plain_ff(cells[source[0]]):
                    feeding = None
                    break
                feeding[bit] = source[0]
            if not feeding:
                registers = None
                break
            registers[operand] = feeding
        ffs = [cells[f] for group in (registers or {}).values() for f in group.values()]
        clocks = {tuple(c["connections"]["CLK"]) for c in ffs}
        enables = {_enable(c) for c in ffs}
        # one enable per operand: its DSP register has a single CE
        one_enable = registers and all(len({_enable(cells[f]) for f in feeding.values()}) == 1
                                       for feeding in registers.values())
        if registers and len(clocks) == 1 and one_enable:
            clock = next(iter(clocks))
        else:
            registers, clock = None, None

        product = None  # {P port: ff cell name}
        used = [p for p in _PRODUCT if isinstance(conn.get(p, ["x"])[0], int) and loads.get(conn[p][0])]
        if used:
            product = {}
            for port in used:
                sinks = loads[conn[port][0]]
                if len(sinks) != 1 or sinks[0][1] != "DI" or not _plain_ff(cells[sinks[0][0]]):
                    product = None
                    break
                product[port] = sinks[0][0]
        if product:
            out_clocks = {tuple(cells[f]["connections"]["CLK"]) for f in product.values()}
            out_enables = {_enable(cells[f]) for f in product.values()}
            if len(out_clocks) != 1 or (clock is not None and out_clocks != {clock}) or len(out_enables) != 1:
                product = None
            elif clock is None:
                clock = next(iter(out_clocks))
        all_enables = sorted({*(enables if registers else ()), *(out_enables if product else ())}, key=str)
        if (not registers and not product) or len(all_enables) > 4:
            continue
        ce_port = {ce: f"CE{i}" for i, ce in enumerate(all_enables)}

        params = dsp["parameters"]
        dirs = dsp["port_directions"]
        conn["CLK0"], dirs["CLK0"] = list(clock), "input"
        conn["RST0"], dirs["RST0"] = ["0"], "input"
        for ce, port in ce_port.items():
            conn[port], dirs[port] = [_inverter(module, ce[1], inverters) if isinstance(ce, tuple) else ce], "input"
        params.update({"GSR": "DISABLED", "RESETMODE": "SYNC"})
        if registers:
            packed.inputs += 1
            for operand, feeding in registers.items():
                enable = _enable(cells[next(iter(feeding.values()))])
                params.update({f"REG_INPUT{operand}_CLK": "CLK0", f"REG_INPUT{operand}_CE": ce_port[enable],
                               f"REG_INPUT{operand}_RST": "RST0"})
                for port in _OPERANDS[operand]:
                    bit = conn.get(port, ["0"])[0]
                    if isinstance(bit, int):
                        ff = cells[feeding[bit]]
                        d = ff["connections"]["DI"][0]
                        conn[port] = [d]
                        loads[bit].remove((name, port))
                        if isinstance(d, int):
                            loads[d].append((name, port))
            for ff_name in sorted({f for feeding in registers.values() for f in feeding.values()}):
                q = cells[ff_name]["connections"]["Q"][0]
                if not loads.get(q):
                    d = cells[ff_name]["connections"]["DI"][0]
                    if isinstance(d, int):
                        loads[d].remove((ff_name, "DI"))
                    removed.add(ff_name)
                    del cells[ff_name]
        if product:
            packed.outputs += 1
            enable = _enable(cells[next(iter(product.values()))])
            params.update({"REG_OUTPUT_CLK": "CLK0", "REG_OUTPUT_CE": ce_port[enable], "REG_OUTPUT_RST": "RST0"})
            for port, ff_name in product.items():
                q = cells[ff_name]["connections"]["Q"][0]
                conn[port] = [q]
                drivers[q] = (name, port)
                removed.add(ff_name)
                del cells[ff_name]
    packed.removed_ffs = len(removed)
    return packed
