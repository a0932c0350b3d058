"""What the window kinds (convolution, pooling) share: window arithmetic, its check, and the hardware
around a window kernel (its input row FIFO and its output FIFO of one row)."""

from __future__ import annotations

import math

from torch_mlir import ir

from atheena.dialects import ops as O
from atheena.dse import families
from atheena.dse.memory import memory


def window_output(size: int, kernel: int, stride: int, pad: int) -> int:
    """Output extent of a sliding window (floor mode, as PyTorch's default)."""
    return (size + 2 * pad - kernel) // stride + 1


def params(op: ir.Operation) -> tuple[list[int], list[int], list[int]]:
    """(kernel, stride, padding), each (height, width)."""
    return O.int_array(op, "kernel"), O.int_array(op, "stride"), O.int_array(op, "padding")


def check_window(op: ir.Operation) -> str | None:
    for name in ("kernel", "stride", "padding"):
        if not isinstance(op.attributes[name], ir.DenseI64ArrayAttr):
            return f"attribute '{name}' must be an array<i64: ...>, got {op.attributes[name]}"
    kernel, stride, padding = params(op)
    for name, arr in (("kernel", kernel), ("stride", stride), ("padding", padding)):
        if len(arr) != 2:
            return f"attribute '{name}' must have 2 values (height, width), got {len(arr)}"
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        return "kernel and stride must be >= 1 and padding >= 0"
    in_shape = O.shape_of(op.operands[0])
    if len(in_shape) != 3:
        return f"input must be a C x H x W feature map, got shape {list(in_shape)}"
    _, h, w = in_shape
    ho, wo = (window_output(s, k, st, p) for s, k, st, p in zip((h, w), kernel, stride, padding))
    if ho < 1 or wo < 1:
        return f"kernel {kernel} does not fit the padded {h}x{w} input"
    out = O.shape_of(op.results[0])
    return None if len(out) == 3 and out[1:] == (ho, wo) else (
        f"output shape {list(out)} does not match the window arithmetic: expected [C, {ho}, {wo}]"
    )


def shape(op: ir.Operation, lanes: int, pixels: int = 1):
    """The kernels' `WindowShape` of a window op at `lanes` channel lanes and blocks of `pixels` columns."""
    from atheena.hardware.kernels.window import WindowShape

    c, h, w = O.shape_of(op.operands[0])
    kernel, stride, padding = params(op)
    return WindowShape(c, h, w, kernel=tuple(kernel), stride=tuple(stride), padding=tuple(padding), lanes=lanes,
                       columns=pixels)


def pixel_values(op: ir.Operation) -> list[int]:
    """Block widths (`pixels`, image columns a step) the window kernel can take: 1, and `P * stride` for each
    P > 1 windows a step that divides the output width (and `stride` itself for P = 1 when it is above 1),
    every channel in the beat (`WindowShape._block_problem`)."""
    from atheena.kinds.base import divisors

    c = O.shape_of(op.operands[0])[0]
    wo, sw = O.shape_of(op.results[0])[2], O.int_array(op, "stride")[1]
    out = [1]
    for per in divisors(wo):
        if per * sw == 1:
            continue
        try:
            shape(op, c, per * sw)
        except ValueError:
            continue
        out.append(per * sw)
    return out


def pixels_problem(op: ir.Operation, folding: dict, lanes: str) -> str | None:
    """Pixel lanes take every channel in a beat: a folding with `pixels` > 1 and fewer channel lanes
    (its `lanes` key) is not legal."""
    c = O.shape_of(op.operands[0])[0]
    if folding.get("pixels", 1) > 1 and folding.get(lanes) != c:
        return f"folding pixels = {folding['pixels']} needs every channel in a beat: {lanes} = {c}"
    return None


def pixels_in(op: ir.Operation, pixels: int) -> int:
    """Image pixels an input beat carries with blocks of `pixels` columns (`WindowShape.beat_columns`)."""
    return shape(op, O.shape_of(op.operands[0])[0], pixels).beat_columns if pixels > 1 else 1


def pixels_out(op: ir.Operation, pixels: int) -> int:
    """Windows (output pixels) a beat with blocks of `pixels` columns."""
    return pixels // O.int_array(op, "stride")[1] if pixels > 1 else 1


def stages(b, op: ir.Operation, src, lanes_in: int, lanes_out: int, cost, module):
    """A window kernel in the plan: its input converted to `lanes_in`, a FIFO of `ph + 1` input rows in
    front, the kernel, and a FIFO of one output row behind.

    The input FIFO: the window stops taking input while its engine computes the rows its bottom padding
    completes (and whenever its ping-pong memory is full), and at a fork the other branch would stall
    with it.  Upstream keeps producing meanwhile; `ph + 1` input rows hold what arrives during the
    longest such pause of a layer that is not the bottleneck (measured on B-LeNet: without it the
    second convolution's end-of-sample pause cost the first one 14%).  The output FIFO holds the
    burst of a row of windows.
    """
    from atheena.hardware.plan import FIFO_SLOTS, Channel

    c, _, w = O.shape_of(op.operands[0])
    f, ho, wo = O.shape_of(op.results[0])
    ph = O.int_array(op, "padding")[0]
    src = b.lanes(src, lanes_in)
    depth = (ph + 1) * w * c // src.lanes
    if depth > FIFO_SLOTS:
        src = b.fifo(src, depth)
    return [b.kernel([src], Channel(lanes_out, f * ho * wo), cost, module, fifo=wo * f // lanes_out)]


def window_memory(c: int, w: int, kh: int, kw: int, pw: int, lanes: int, sw: int = 1, columns: int = 1
                  ) -> tuple[list, dict]:
    """Memories and features of the sliding window (`kernels/window.py`) that conv and pooling share.

    Memories: kh-1 line buffers of one entry of `lanes` words per visited column (`walk`: the
    padded width without the padding that neither holds data nor ends a window) and channel group.
    Each kernel row also has a shift register of (kw-1) segments of G = C/lanes beats; on a family with
    SRLs (`DeviceFamily.srl`) Yosys turns a segment of 3 or more stages into an SRL per bit
    (`sr_srl`, LUTs), and the rest stays FFs (`sr_ff`).  `window_words`: the window register,
    kh*kw*lanes words.  A wide window is built as several copies of its control, each with the
    line buffers of its share of the lanes (`kernels/window.py` `window_copies`):
    `extra_controls` counts the copies beyond the first.

    With blocks of `columns` > 1 columns (the block walk; lanes = C): line buffers of one entry of
    `columns` pixels per visited block, a history register of `kw - sw` columns per kernel row and
    the registers gathering a block that takes several input beats (`sr_ff`), and a window
    register of `columns / sw` windows that share the words they read alike (`block_window_columns`).
    """
    from atheena.hardware.kernels.window import beat_columns, block_window_columns, column_walk, control_copies

    if columns > 1:
        entries = sum(column_walk(w, kw, sw, pw, columns).last)
        gather = 16 * c * columns if beat_columns(w, kw, sw, pw, columns) < columns else 0
        parts = [memory(entries, kh - 1, 16 * c * columns, same_address=True)] if kh > 1 else []
        return parts, {"window_words": kh * c * block_window_columns(w, kw, sw, pw, columns), "extra_controls": 0,
                       "sr_ff": kh * (kw - sw) * c * 16 + gather, "sr_srl": 0}

    groups = c // lanes
    copies = control_copies(kh, kw, groups, lanes)
    columns_visited = len(column_walk(w, kw, sw, pw).real)
    parts = [memory(columns_visited * groups, (kh - 1) * copies, 16 * lanes // copies, same_address=True)] \
        if kh > 1 else []
    segments = kh * (kw - 1) * 16 * lanes
    srl = groups >= 3 and families.current().srl
    features = {"window_words": kh * kw * lanes, "extra_controls": copies - 1,
                "sr_ff": 0 if srl else segments * groups,
                "sr_srl": segments * math.ceil(groups / 32) if srl else 0}
    return parts, features
