"""`OpKind`: everything the flow knows about one kind of `atheena` op, in one class.

An op kind declares, for its ops:

* `role`: how the early-exit structure sees it ("layer", "reshape", "split",
  "decision", "buffer", "merge"); graph walks (sections, reach, buffer
  sizing) ask for roles, never for op names;
* `torch_ops` / `from_torch`: the PyTorch layers it imports;
* `check(op)`: the meaning IRDL cannot check (shapes, ranges, weights), and
  `check_folding`: a `folding` attribute (the verifier checks the other
  annotations against the graph);
* `macs(op)`: multiply-accumulates per sample;
* `evaluate(op, inputs, arith)`: its semantics for the reference interpreter,
  in float (`arith.fixed` False) or in the hardware's fixed point;
* `axes(op)` / `interval(op, folding)` / `foldings(op)`: its folding space and
  cycles per sample (what the DSE chooses among);
* `hardware(op, folding, builder, inputs)`: the instances it becomes (kernel,
  FIFOs, buffers) in the netlist plan (`atheena.hardware.plan`), each with
  its cost and its kernel generator, which the DSE and the lowering share.

A kind is registered in `atheena.kinds.KINDS`; adding an op kind is one
module there plus its IRDL entry (see docs/extending.md).
"""

from __future__ import annotations

import itertools
import math
from typing import ClassVar

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def stream_widths(value: ir.Value) -> list[int]:
    """Words per beat a stream of `value`'s shape can have: a share of a pixel's channels (a divisor of C),
    or whole pixels, `C * q` for q dividing the width (pixel lanes; a beat never straddles a row)."""
    c, _, w = map_shape(value)
    return divisors(c) + [c * q for q in divisors(w)[1:]]


def map_shape(value: ir.Value) -> tuple[int, int, int]:
    """(C, H, W) of a stream; a vector is C x 1 x 1, a decision 1 x 1 x 1."""
    shape = O.shape_of(value)
    return tuple(shape) if len(shape) == 3 else ((shape[0], 1, 1) if shape else (1, 1, 1))


def vector(value: ir.Value) -> tuple[int] | None:
    shape = O.shape_of(value)
    return shape if len(shape) == 1 else None


def check_dense(op: ir.Operation, name: str, shape: tuple[int, ...]) -> str | None:
    attr = op.attributes[name]
    if not isinstance(attr, ir.DenseFPElementsAttr) or not isinstance(
        ir.ShapedType(attr.type).element_type, ir.F32Type
    ):
        return f"attribute '{name}' must be a dense f32 tensor"
    got = tuple(ir.ShapedType(ir.DenseElementsAttr(attr).type).shape)
    if got != shape:
        return f"attribute '{name}' has shape {list(got)}, expected {list(shape)}"
    return None


class OpKind:
    """Base of every op kind; the defaults fit an element-wise layer with one `coarse` axis."""

    name: ClassVar[str] = ""
    role: ClassVar[str] = "layer"
    #: place in listings (the dialect reference): layers first, then the exit control
    order: ClassVar[int] = 50
    #: whether the hardware depends on a `folding` attribute (`fold` writes one on every op regardless)
    folded: ClassVar[bool] = True
    #: the torch-dialect ops `convert-torch-to-atheena` turns into this kind (`from_torch`), and the PyTorch
    #: layers they come from, as the importer lists them to users
    torch_ops: ClassVar[tuple[str, ...]] = ()
    torch_layers: ClassVar[str] = ""
    #: whether a BatchNorm2d right after it is folded into its weights
    absorbs_batch_norm: ClassVar[bool] = False
    #: whether a constant per-channel bias added to its output (ONNX's Gemm, MatMul + Add) is folded into its bias
    absorbs_bias: ClassVar[bool] = False
    #: axes a `folding` may leave out, and the value that means (IR written before an axis existed stays
    #: valid, and `fold` writes one only when it differs)
    defaults: ClassVar[dict[str, int]] = {}
    #: indices of operands / results that carry decisions (tensor<i1>) rather than f32 data
    decision_operands: ClassVar[tuple[int, ...]] = ()
    decision_results: ClassVar[tuple[int, ...]] = ()

    # -- meaning -----------------------------------------------------------------------------------------
    def check(self, op: ir.Operation) -> str | None:
        """A problem with the op's shapes or attributes (without "'name' op"), or None."""
        return None

    def macs(self, op: ir.Operation) -> int:
        return 0

    def from_torch(self, b, op: ir.Operation) -> None:
        """Import torch op `op` with the frontend's builder `b` (`stream`, `const`, `pair`, `add`, `fail`)."""
        raise NotImplementedError(f"{self.name} has no torch import")

    # -- semantics ---------------------------------------------------------------------------------------
    def evaluate(self, op: ir.Operation, x: np.ndarray, arith) -> np.ndarray:
        """The op's output for a batch `x` of its (single) input, in `arith`'s numbers."""
        raise NotImplementedError(f"{self.name} has no layer semantics")

    # -- folding -----------------------------------------------------------------------------------------
    def axes(self, op: ir.Operation) -> dict[str, list[int]]:
        """Each folding parameter and its legal values; a folding is one value per axis.  An element-wise
        kernel takes any beat width the stream can have (`stream_widths`)."""
        return {"coarse": stream_widths(op.operands[0])}

    def interval(self, op: ir.Operation, folding: dict) -> float:
        """Cycles per sample at `folding` (the kernel's, checked in RTL)."""
        c, h, w = map_shape(op.operands[0])
        return c * h * w / folding["coarse"]

    def latency(self, op: ir.Operation, folding: dict) -> int:
        """Cycles a sample's last output trails its last input by, beyond the interval: the kernel's
        pipeline (its output skid buffer by default; arithmetic kernels add their registered stages)."""
        return 1

    def foldings(self, op: ir.Operation) -> list[tuple[dict, float]]:
        """(folding, interval) for every legal folding."""
        axes = self.axes(op)
        out = []
        for values in itertools.product(*axes.values()):
            folding = {k: v for k, v in zip(axes, values) if self.defaults.get(k) != v}
            out.append((folding, self.interval(op, folding)))
        return out

    def check_folding(self, op: ir.Operation, folding: dict) -> str | None:
        """A problem with a `folding` attribute's keys or values, or None."""
        axes = self.axes(op)
        if not set(axes) - set(self.defaults) <= set(folding) <= set(axes):
            want = ", ".join(k if k not in self.defaults else f"optionally {k}" for k in axes) or "no parameters"
            return f"folding {_show(folding)} must give exactly {want}"
        for key, legal in axes.items():
            if key in folding and folding[key] not in legal:
                contiguous = len(legal) > 3 and legal == list(range(legal[0], legal[-1] + 1))
                values = f"{legal[0]} to {legal[-1]}" if contiguous else ", ".join(map(str, legal))
                return f"folding {key} = {folding[key]} is not legal here; legal values: {values}"
        return None

    def lanes_in(self, op: ir.Operation, folding: dict) -> int:
        """Words per beat the op's first input takes."""
        return folding.get("coarse_in", folding.get("coarse", 1))

    def lanes_out(self, op: ir.Operation, folding: dict) -> int:
        return folding.get("coarse_out", folding.get("coarse", 1))

    # -- hardware ------------------------------------------------------------------------------------------
    def codes(self, op: ir.Operation):
        """(weight codes, bias codes) its kernel's ROMs hold, to cost them exactly; (None, None) for typical ones."""
        return None, None

    def families(self) -> list:
        """Characterisation families (`atheena.hardware.characterise.Family`) of kernels this kind brings that
        the built-in families do not cover: a new kind's kernel is swept and fitted like the others."""
        return []

    def hardware(self, op: ir.Operation, folding: dict, b, inputs: list) -> list:
        """Add the op's instances to the plan builder `b`; return its result channels."""
        raise NotImplementedError(f"{self.name} has no hardware")


def interval_of(kind: OpKind, op: ir.Operation, folding: dict) -> int:
    """The integer interval `fold` writes (the model's, rounded up)."""
    return int(math.ceil(kind.interval(op, folding)))


def _show(folding: dict) -> str:
    return "{" + ", ".join(f"{k} = {v}" for k, v in folding.items()) + "}"
