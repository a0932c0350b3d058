"""Bit-exact fixed-point reference: what the generated hardware computes.

This is the oracle the RTL is checked against, written op by op from the
hardware's point of view.  All arithmetic is on integers ("codes"); a code
`c` in format Qi.f stands for the real number `c / 2**f`.

Rules (one each, used everywhere):

* **Quantization** (input pixels, weights; done by the compiler, not the
  hardware): `code = floor(x * 2**f + 1/2)` (nearest, ties up), saturated.
* **Saturation**: to `[-2**(w-1), 2**(w-1) - 1]` for a w-bit word.
* **Accumulation**: conv and linear sum `x_code * w_code` exactly in an
  accumulator of `ACC_BITS` = 48 bits (a DSP48's P register), plus the bias
  quantized to the accumulator's fraction (`fa + fw` bits).  The compiler
  proves that no layer can overflow it (worst case over all inputs) and
  refuses a network that could.
* **Requantization** back to the activation format: add `2**(fw-1)`, shift
  right arithmetically by `fw` (round to nearest, ties toward +infinity),
  then saturate.
* **ReLU** `max(c, 0)`; **max pooling** pads with the most negative code;
  **average pooling** sums the window (zero padding counts) and multiplies by
  `round(2**16 / (kh*kw))`, then adds `2**15` and shifts right by 16.
* **Exit decision** without division or overflow (ARCHITECTURE section 4):
  `max softmax >= t  <=>  sum_i exp(x_i - x_max) <= 1/t`.  With
  `d_i = x_max - x_i >= 0` (a code), `exp(-d_i / 2**fa)` comes from a ROM of
  unsigned UQ1.`EXP_FRAC` values `round(2**EXP_FRAC * exp(-d / 2**fa))`,
  indexed by `d >> exp_index_shift` and 0 past its end.  The sum `S` is
  compared with `T = floor(2**EXP_FRAC / t)`: the sample exits iff `S <= T`.
  `S` is a sum of at most N values below `2**(EXP_FRAC+1)`: no overflow.
* **Classification**: the class is the index of the largest logit code, the
  lowest index among equal ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.errors import AtheenaError
from atheena.ir import layer_name
from atheena.reference import interpreter
from atheena.reference.interpreter import Result

ACC_BITS = 48
EXP_FRAC = 16
AVG_SHIFT = 16
_EXACT_IN_FLOAT64 = 2**53


@dataclass(frozen=True)
class FixedPointFormat:
    """Signed fixed point: `word` bits of which `frac` are fraction bits (Q(word-frac).frac)."""

    word: int = 16
    frac: int = 8

    def __post_init__(self):
        if not (2 <= self.word <= 32 and 0 <= self.frac < self.word):
            raise AtheenaError(f"fixed-point format Q{self.word - self.frac}.{self.frac} is not supported; "
                               "use a word of 2-32 bits with fewer fraction bits than the word")

    @property
    def lo(self) -> int:
        return -(2 ** (self.word - 1))

    @property
    def hi(self) -> int:
        return 2 ** (self.word - 1) - 1

    def __str__(self) -> str:
        return f"Q{self.word - self.frac}.{self.frac}"

    @staticmethod
    def parse(text: str) -> "FixedPointFormat":
        """'Q8.8' -> FixedPointFormat(16, 8)."""
        try:
            integer, frac = text.upper().removeprefix("Q").split(".")
            return FixedPointFormat(int(integer) + int(frac), int(frac))
        except ValueError:
            raise AtheenaError(f"fixed-point format '{text}' must look like Q8.8 (integer.fraction bits)") from None

    def saturate(self, codes: np.ndarray) -> np.ndarray:
        return np.clip(codes, self.lo, self.hi)

    def quantize(self, x: np.ndarray, frac: int | None = None, saturate: bool = True) -> np.ndarray:
        scaled = np.asarray(x, dtype=np.float64) * 2.0 ** (self.frac if frac is None else frac)
        if np.isnan(scaled).any():
            raise AtheenaError("cannot quantize NaN values; check the model's weights and the input data")
        # clip in float first: casting an out-of-range float to int64 wraps around
        limit = float(2**62) if not saturate else None
        codes = np.floor(np.clip(scaled + 0.5, self.lo, self.hi) if saturate else np.clip(scaled + 0.5, -limit, limit))
        return codes.astype(np.int64)

    def dequantize(self, codes: np.ndarray) -> np.ndarray:
        return np.asarray(codes, dtype=np.float64) / 2.0**self.frac


def requantize(acc: np.ndarray, shift: int, fmt: FixedPointFormat) -> np.ndarray:
    """Accumulator -> activation code: round to nearest (ties up) by `shift` bits, saturate."""
    if shift > 0:
        acc = (acc + (1 << (shift - 1))) >> shift
    return fmt.saturate(acc)


def exp_rom(act: FixedPointFormat, index_shift: int = 0) -> np.ndarray:
    """ROM contents: round(2**EXP_FRAC * exp(-d / 2**frac)) for d = i << index_shift, until it reaches 0."""
    step = 2.0 ** (index_shift - act.frac)
    length = math.ceil(math.log(2.0 ** (EXP_FRAC + 1)) / step) + 1
    values = np.floor(2.0**EXP_FRAC * np.exp(-np.arange(length) * step) + 0.5).astype(np.int64)
    return values[: int(np.argmax(values == 0))] if np.any(values == 0) else values


def threshold_code(t: float, strict: bool = False) -> int:
    """T = floor(2**EXP_FRAC / t): exit iff the ROM sum S <= T, which is max softmax = 2**EXP_FRAC / S >= t.

    `strict` (max softmax > t, ONNX's `Greater`): S < 2**EXP_FRAC / t, so T = ceil(2**EXP_FRAC / t) - 1;
    the two differ only when 2**EXP_FRAC / t is a whole number (t = 0.5: 131072 and 131071).

    T is capped at 2**(EXP_FRAC + 16): S never exceeds (number of classes) * 2**EXP_FRAC,
    so a tinier threshold (every sample exits) needs no larger constant.
    """
    from atheena.thresholds import check_threshold

    check_threshold(t)
    bound = 2.0**EXP_FRAC / t
    return min(math.ceil(bound) - 1 if strict else math.floor(bound), 2 ** (EXP_FRAC + 16))


FAITHFUL_ERROR = 0.1  # the score's worst error at a threshold, as a share of the tail room there


def faithful_limit(n: int, exp_index_shift: int = 0, fmt: FixedPointFormat = FixedPointFormat()) -> float:
    """The largest threshold the fixed-point exit decision over `n` logits resolves faithfully.

    The decision compares S = sum_i rom[d_i >> shift] with T = floor(2**EXP_FRAC / t), standing for
    sum_i exp(-d_i) <= 1 / t (d_i = x_max - x_i in real units).  The top logit's term is exact
    (2**EXP_FRAC); what decides is the tail, the other n - 1 terms, which may sum to at most
    R = 2**EXP_FRAC * (1/t - 1) codes.  Their error: each ROM entry is rounded to the nearest code
    (at most 0.5 each, 0.5 * (n - 1) in all), and dropping `shift` index bits reads a term up to
    exp((2**shift - 1) / 2**frac) times too large.  The rule: that worst error is at most
    `FAITHFUL_ERROR` (10%) of R, so the threshold the hardware applies is within 10% of the asked
    one in the tail mass 1 - p it allows:

        0.5 * (n - 1) + R * (exp((2**shift - 1) / 2**frac) - 1) <= 0.1 * R

    For 10 classes at shift 0: R >= 45 codes, t <= 0.99931 (0.999 passes, 0.9999 does not: it
    allows a tail of 6.5 codes against an error of up to 4.5).  0 when no threshold is faithful
    (a shift whose own error exceeds 10%); 1 (every threshold) for a single logit.
    """
    if n == 1:
        return 1.0
    growth = math.expm1((2**exp_index_shift - 1) / 2.0**fmt.frac)
    if growth >= FAITHFUL_ERROR:
        return 0.0
    room = 0.5 * (n - 1) / (FAITHFUL_ERROR - growth)
    return 1.0 / (1.0 + room / 2.0**EXP_FRAC)


class FixedArithmetic:
    """The hardware's integer arithmetic; arrays hold int64 codes.

    It holds the number rules (formats, quantization, requantization, the exit
    test); what each op computes with them is its kind's `evaluate`
    (`atheena.kinds`).
    """

    fixed = True
    AVG_SHIFT = AVG_SHIFT

    def __init__(self, act: FixedPointFormat = FixedPointFormat(), weight: FixedPointFormat = FixedPointFormat(),
                 exp_index_shift: int = 0):
        self.act = act
        self.weight = weight
        self.exp_index_shift = exp_index_shift
        self._params: dict = {}

    @cached_property
    def rom(self) -> np.ndarray:
        return np.append(exp_rom(self.act, self.exp_index_shift), 0)

    def input(self, x: np.ndarray) -> np.ndarray:
        return self.act.quantize(x)

    def parameters(self, op: ir.Operation) -> tuple[np.ndarray, np.ndarray]:
        """(weight codes, bias codes at the accumulator's fraction) of a conv/linear op."""
        key = op
        if key not in self._params:
            w = self.weight.quantize(O.dense(op, "weights"))
            b = self.act.quantize(O.dense(op, "bias"), frac=self.act.frac + self.weight.frac, saturate=False)
            # worst case |sum| over all inputs, in Python integers (numpy int64 would wrap silently)
            per_output = [int(v) for v in np.abs(w).reshape(w.shape[0], -1).astype(object).sum(axis=1)]
            rounding = 1 << (self.weight.frac - 1) if self.weight.frac else 0
            bound = max(p * 2 ** (self.act.word - 1) + abs(int(c)) + rounding for p, c in zip(per_output, b))
            if bound >= 2 ** (ACC_BITS - 1):
                where = layer_name(op.location) or op.name
                raise AtheenaError(
                    f"{where}: the {ACC_BITS}-bit accumulator could overflow (worst case needs "
                    f"{bound.bit_length() + 1} bits); use fewer fraction bits for weights or activations"
                )
            self._params[key] = (w, b, bound)
        w, b, _ = self._params[key]
        return w, b

    def exactly_in_float64(self, op: ir.Operation) -> bool:
        """Sums of products are computed in float64 (fast) when every partial sum provably
        stays below 2**53, where float64 represents integers exactly; else in int64."""
        self.parameters(op)
        return self._params[op][2] < _EXACT_IN_FLOAT64

    def requantize(self, acc: np.ndarray, shift: int | None = None) -> np.ndarray:
        """Accumulator codes back to activations (shift: the weights' fraction bits unless given)."""
        return requantize(acc, self.weight.frac if shift is None else shift, self.act)

    def layer(self, op: ir.Operation, x: np.ndarray) -> np.ndarray:
        """The output codes of layer `op` for a batch `x` of input codes (its kind's semantics)."""
        from atheena import kinds

        return kinds.of(op).evaluate(op, x, self)

    def exit_score(self, logits: np.ndarray) -> np.ndarray:
        """S = sum_i ROM[(x_max - x_i) >> shift] per sample (lower = more confident)."""
        d = (logits.max(axis=1, keepdims=True) - logits) >> self.exp_index_shift
        return self.rom[np.minimum(d, len(self.rom) - 1)].sum(axis=1)

    def exits(self, score: np.ndarray, threshold: float, strict: bool = False) -> np.ndarray:
        return score <= threshold_code(threshold, strict)


def run(module: ir.Module, inputs: np.ndarray, arith: FixedArithmetic | None = None) -> Result:
    """Evaluate the network in fixed point; `Result.logits` are integer codes."""
    return interpreter.run(module, inputs, arith or FixedArithmetic())
