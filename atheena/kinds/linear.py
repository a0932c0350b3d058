"""`atheena.linear`: a fully connected layer, `x W^T + b`.

Folding: `coarse_in` input lanes (divides N) and `coarse_out` output lanes
(divides M); the kernel (`kernels/linear.py`) has `coarse_in * coarse_out`
multipliers and takes `max(N/ci, N*M/(ci*co), M/co)` cycles per sample.
After a flatten its weight columns are permuted to the stream's HWC order.
"""

from __future__ import annotations

import itertools

import numpy as np

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse.memory import TYPICAL_BIAS_COLUMNS, TYPICAL_WEIGHT_COLUMNS, _bank_columns, _rom, _rom_columns_typical, memory
from atheena.dse.model import Estimate, _total, estimate
from atheena.errors import AtheenaError
from atheena.kinds.base import OpKind, check_dense, divisors, vector


def hwc_columns(weights: np.ndarray, chw: tuple[int, int, int] | None) -> np.ndarray:
    """Permute a linear layer's weight columns from PyTorch's CHW flattening to the stream's HWC order."""
    if chw is None:
        return weights
    c, h, w = chw
    return weights.reshape(weights.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(weights.shape[0], -1)



LINEAR_BIAS_BITS = 20  # the linear kernel's bias ROM width (that of its largest bias) when the biases are not given

EXACT_LINEAR_WEIGHTS = 16384  # `parameter_codes` gives a linear layer's weights up to this many



def _is_shift(code: int) -> bool:
    """A constant factor Yosys builds without a multiplier: 0 or +-2**k."""
    magnitude = abs(int(code))
    return magnitude & (magnitude - 1) == 0



def linear_resources(n: int, m: int, ci: int, co: int, weights: np.ndarray | None = None,
                     bias: np.ndarray | None = None) -> Estimate:
    """An N -> M fully connected layer with ci input and co output lanes (`kernels/linear.py`).

    Memories: ci*co weight ROM banks of N*M/(ci*co) entries, co bias ROMs of M/co entries,
    and the ping-pong input: ci banks, each holding its N/ci words of both copies (2N/ci
    words).  Fully unfolded (one entry per bank) the weights are constants: no ROMs, a weight
    0 or +-2**k needs no DSP (a shift), and weights of equal magnitude on one input share one
    (Yosys merges the equal products).  Given the weight codes (M x N) and bias codes
    (M, at the accumulator's fraction) the ROM widths (`rom_columns`) and the DSPs are exact;
    without them every weight is taken to need a DSP, the ROMs' columns to be typical of trained
    weights (`TYPICAL_WEIGHT_COLUMNS`) and the biases `LINEAR_BIAS_BITS` wide.
    Features: `folded_mults` (multipliers fed by ROMs), `const_terms` (fully unfolded: nonzero
    weights, each a product or shift added in logic), `uneven_tree` (output lanes whose adder
    tree over ci products, ci not a power of two, keeps one adder and its register out of the
    DSPs, as synthesis shows), `rom_luts` (ROMs built of logic), `memory_ff`, `count_bits`.
    """
    steps, groups = n // ci, m // co
    depth = steps * groups
    mults = ci * co
    parts = [memory(2 * steps, ci, 16)]
    roms = []
    shifts, terms = 0, mults
    if weights is not None:
        w = np.asarray(weights, dtype=np.int64)
        if depth == 1:  # `shifts`: weights with no DSP of their own (0, +-2**k, a magnitude repeated on an input)
            products = {(i, abs(int(v))) for (_, i), v in np.ndenumerate(w)}
            shifts = mults - sum(not _is_shift(v) for _, v in products)
            terms = int(np.count_nonzero(w))
        else:
            banks = w.reshape(groups, co, steps, ci).transpose(3, 1, 0, 2).reshape(mults, depth)
            roms += [_rom(depth, copies, columns) for columns, copies in _bank_columns(banks, 16).items()]
    elif depth > 1:
        roms.append(_rom(depth, mults, _rom_columns_typical(depth, 1, 16, TYPICAL_WEIGHT_COLUMNS)))
    if groups > 1:
        if bias is not None:
            rounded = np.asarray(bias, dtype=np.int64) + 128  # the kernel adds the rounding 2**(fw-1) (Q8.8 weights)
            width = max(int(v).bit_length() + 1 if v >= 0 else (-int(v) - 1).bit_length() + 1 for v in rounded)
            roms += [_rom(groups, copies, columns)
                     for columns, copies in _bank_columns(rounded.reshape(groups, co).T, width).items()]
        else:
            roms.append(_rom(groups, co, _rom_columns_typical(groups, 1, LINEAR_BIAS_BITS, TYPICAL_BIAS_COLUMNS)))
    bram, lut_mem, ff_mem = _total(parts + roms)
    rom_luts = sum(lut for b, lut, _ in roms if not b)  # fitted: their LUTs depend on the contents
    constant = depth == 1
    features = {"mults": mults - shifts, "shifts": shifts, "ci": ci, "co": co, "rom_luts": rom_luts,
                "memory_ff": ff_mem, "folded_mults": 0 if constant else mults, "const_terms": terms if constant else 0,
                "uneven_tree": co * (ci & (ci - 1) != 0) if not constant else 0,
                "count_bits": sum(max(1, (k - 1).bit_length()) for k in (steps, groups, depth) if k > 1)}
    lut_mem -= rom_luts
    return estimate("linear", features, mults - shifts, bram, lut_mem)


class Linear(OpKind):
    name = "atheena.linear"
    order = 40
    torch_ops = ("torch.aten.linear", "torch.aten.mm", "torch.aten.matmul")
    torch_layers = "Linear"
    absorbs_bias = True

    def from_torch(self, b, op):
        """`linear(x, W, b)`, or `mm`/`matmul(x, M)` with a constant M = W^T (ONNX's Gemm and MatMul, whose
        bias, if any, is an `add` after it that the converter folds in)."""
        source = b.stream(op)
        weights = b.const(op, 1)
        if op.name != "torch.aten.linear":
            if not isinstance(weights, np.ndarray) or weights.ndim != 2:
                b.fail(op, "a matrix product is supported only with a constant weight matrix")
            weights, bias = np.ascontiguousarray(weights.T), None
        else:
            bias = b.const(op, 2)
        if len(source.shape) != 1:
            b.fail(op, f"linear layer input must be flattened first, got shape {list(source.shape)}")
        if not isinstance(weights, np.ndarray) or weights.ndim != 2:
            b.fail(op, "linear weights must be a constant matrix")
        bias = np.zeros(weights.shape[0], np.float32) if bias is None else bias
        b.add(op, self.name, source, weights=weights, bias=bias)

    def check(self, op):
        (n_in,) = vector(op.operands[0]) or (None,)
        (n_out,) = vector(op.results[0]) or (None,)
        if n_in is None or n_out is None:
            return "input and result must be vectors (flatten feature maps first)"
        return check_dense(op, "weights", (n_out, n_in)) or check_dense(op, "bias", (n_out,))

    def macs(self, op):
        return O.shape_of(op.operands[0])[0] * O.shape_of(op.results[0])[0]

    def evaluate(self, op, x, arith):
        if not arith.fixed:
            return x @ O.dense(op, "weights").astype(np.float64).T + O.dense(op, "bias").astype(np.float64)
        w, b = arith.parameters(op)
        if arith.exactly_in_float64(op):
            acc = np.rint(x.astype(np.float64) @ w.T.astype(np.float64)).astype(np.int64)
        else:
            acc = x @ w.T
        return arith.requantize(acc + b)

    def axes(self, op):
        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        return {"coarse_in": divisors(n), "coarse_out": divisors(m)}

    def interval(self, op, folding):
        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        ci, co = folding["coarse_in"], folding["coarse_out"]
        return max(n / ci, n * m / (ci * co), m / co)

    def latency(self, op, folding):
        from atheena.hardware.kernels.pipeline import tree_levels

        # issue, memory read, its second register, products (M, P), the adder tree over the products and
        # the bias, accumulate, the output register, the skid buffer
        return 7 + tree_levels(folding["coarse_in"] + 1)

    def foldings(self, op):
        axes = self.axes(op)
        return [(f, self.interval(op, f)) for ci, co in itertools.product(axes["coarse_in"], axes["coarse_out"])
                for f in [{"coarse_in": ci, "coarse_out": co}]]

    def codes(self, op):
        """The weight codes (columns in the stream's HWC order after a flatten, as the lowering permutes them)
        and bias codes of the default fixed-point arithmetic; (None, None) for a layer of more than
        `EXACT_LINEAR_WEIGHTS` (its ROM columns are counted per bank for every configuration: seconds) or one
        whose weights cannot be quantised (the lowering refuses it too)."""
        from atheena import kinds
        from atheena.reference.fixed_point import FixedArithmetic

        if O.shape_of(op.operands[0])[0] * O.shape_of(op.results[0])[0] > EXACT_LINEAR_WEIGHTS:
            return None, None
        try:
            weights, bias = FixedArithmetic().parameters(op)
        except (AtheenaError, ValueError):
            return None, None
        source = op.operands[0].owner
        if isinstance(source, ir.OpView) and kinds.role(source) == "reshape":
            weights = hwc_columns(weights, tuple(O.shape_of(source.operands[0])))
        return weights, bias

    def families(self):
        """Its kernel swept over the zoo's linear layers and foldings, weights of realistic size."""
        from atheena.hardware.characterise import Family, random_codes

        def codes(p):
            return random_codes((p["m"], p["n"]), p["m"])

        def build(p):
            from atheena.hardware.kernels.linear import linear_module

            module = linear_module(*codes(p), p["ci"], p["co"])
            return module, module.__name__

        def cost(p):
            weights, bias = codes(p)
            return linear_resources(p["n"], p["m"], p["ci"], p["co"], weights=weights, bias=bias)

        return [Family("linear", "linear", ("base", "rom_luts", "co", "folded_mults", "const_terms", "count_bits",
                                            "memory_ff", "uneven_tree"),
                       build, cost,
                       lut_features=("base", "rom_luts", "co", "folded_mults", "const_terms", "count_bits"),
                       ff_features=("base", "memory_ff", "co", "count_bits", "const_terms", "uneven_tree"))]

    def hardware(self, op, folding, b, inputs):
        from atheena.hardware.plan import Channel

        n, m = O.shape_of(op.operands[0])[0], O.shape_of(op.results[0])[0]
        ci, co = folding["coarse_in"], folding["coarse_out"]
        chw = inputs[0].chw

        def cost():
            weights, bias = b.codes(op)
            return linear_resources(n, m, ci, co, weights=weights, bias=bias)

        def module():
            from atheena.hardware.kernels.linear import linear_module

            weights, bias = b.arith.parameters(op)
            return linear_module(hwc_columns(weights, chw), bias, ci, co, b.arith)

        src = b.lanes(inputs[0], ci)
        return [b.kernel([src], Channel(co, m), cost, module)]


KIND = Linear()
