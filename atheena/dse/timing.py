"""Cycle-level timing of the generated kernels: the intervals the DSE optimises.

Most kernels have closed-form intervals.  A convolution does not: its
sliding window visits each of its positions once (one cycle each: the padded
input grid without the padding that neither holds data nor ends a window,
`WindowShape.row_walk`/`col_walk`) and emits a window only on the stride grid, while its multiply-accumulate engine
spends `work` cycles per output pixel and can hold two pixels (ping-pong).
When the engine is the bottleneck it still starves wherever the window walks
a long stretch without outputs (the first kernel rows, each row's first
columns, stride rows), and when the window is the bottleneck it may wait for
a free slot.  `conv_interval` replays that schedule pixel by pixel, for many
`work` values at once, which is exact for the RTL in
`atheena.hardware.kernels.conv` (checked in the kernel tests).

The recurrence, per output pixel p (cycles; input always available, output
always free): the window writes p's G beats into the engine from
`w_first(p) = max(a_first(p) + 1, L(p-2) + 1)` to `w_last(p) = w_first(p) + G - 1`,
where the window fired p's first beat into its output register at
`a_first(p) = max(a_last(p-1) + 1 + gap(p), w_last(p-1))` and its last at
`a_last(p) = w_last(p) - 1` (or `a_first(p)` when G = 1); the engine starts it at
`S(p) = max(w_last(p) + 1, L(p-1) + 1)` and issues its last step at
`L(p) = S(p) + work - 1`.  `gap(p)` counts the positions without a window
between the previous pixel's last beat and p's first.
"""

from __future__ import annotations

import numpy as np


def window_gaps(shape) -> np.ndarray:
    """Positions without a window before each output pixel of `shape` (a `WindowShape`; the first counts from
    the previous sample)."""
    rows, cols, groups = shape.row_walk(), shape.col_walk(), shape.groups
    nr, nc = len(rows.ends), len(cols.ends)
    starts = np.array([(r * nc + c) * groups for r in range(nr) if rows.ends[r] for c in range(nc) if cols.ends[c]],
                      dtype=np.int64)
    ends = starts + groups  # one past the last beat of the pixel
    previous_end = np.concatenate([[ends[-1] - nr * nc * groups], ends[:-1]])
    return starts - previous_end


def conv_interval(shape, work, samples: int = 4) -> np.ndarray:
    """Steady-state cycles per sample of the conv kernel over window `shape` (a `WindowShape`) for each per-pixel
    `work` (array or int)."""
    work = np.atleast_1d(np.asarray(work, dtype=np.int64))
    groups = shape.groups
    gaps = window_gaps(shape)
    never = np.full_like(work, -(10**12))
    fire_last, w_last = never - 1, never  # window: last beat fired / written into the engine
    done = [never, never]  # L(p-2), L(p-1): the engine's last step of the two previous pixels
    firsts = []
    for _ in range(samples):
        for p, gap in enumerate(gaps):
            fire_first = np.maximum(fire_last + 1 + gap, w_last)  # its output register must be free
            w_first = np.maximum(np.maximum(fire_first + 1, done[0] + 1), w_last + 1)  # a free slot
            w_last = w_first + groups - 1
            fire_last = w_last - 1 if groups > 1 else fire_first
            start = np.maximum(w_last + 1, done[1] + 1)
            if p == 0:
                firsts.append(start)
            done = [done[1], start + work - 1]
    return firsts[-1] - firsts[-2]
