"""Test helpers: pack tensors into lane beats and compute reference windows/convolutions."""

from __future__ import annotations

import math

import numpy as np

from atheena.reference.fixed_point import AVG_SHIFT, FixedPointFormat, requantize


def pack(codes: np.ndarray, lanes: int) -> list[int]:
    """Words in order -> beats of `lanes` 16-bit words, lane i in bits [16i, 16i+16)."""
    u = (np.asarray(codes, dtype=np.int64) & 0xFFFF).reshape(-1, lanes)
    return [int(sum(int(v) << (16 * i) for i, v in enumerate(beat))) for beat in u]


def unpack(beats: list[int], lanes: int) -> np.ndarray:
    """Beats -> signed 16-bit words in order (the inverse of `pack`)."""
    words = [(b >> (16 * i)) & 0xFFFF for b in beats for i in range(lanes)]
    return np.array([w - 0x10000 if w & 0x8000 else w for w in words], dtype=np.int64)


def beats(tensor: np.ndarray, lanes: int) -> list[int]:
    """A CxHxW (or N) tensor of codes as lane beats in HWC order."""
    return pack(tensor.transpose(1, 2, 0) if tensor.ndim == 3 else tensor, lanes)


def padded(x: np.ndarray, shape, value: int) -> np.ndarray:
    c, h, w = x.shape
    ph, pw = shape.padding
    out = np.full((c, h + 2 * ph, w + 2 * pw), value, dtype=np.int64)
    out[:, ph:ph + h, pw:pw + w] = x
    return out


def windows(x: np.ndarray, shape):
    """Yield (oy, ox, window C x kh x kw) in output order."""
    (kh, kw), (sh, sw) = shape.kernel, shape.stride
    ho, wo = shape.out
    for oy in range(ho):
        for ox in range(wo):
            yield oy, ox, x[:, oy * sh:oy * sh + kh, ox * sw:ox * sw + kw]


def conv_reference(x, weights, bias, shape, shift: int = 8) -> np.ndarray:
    """Integer convolution + requantization, written independently of the kernel (plain loops)."""
    xp = padded(x, shape, 0)
    ho, wo = shape.out
    acc = np.zeros((weights.shape[0], ho, wo), dtype=np.int64)
    for oy, ox, win in windows(xp, shape):
        acc[:, oy, ox] = np.tensordot(weights, win, axes=3)
    return requantize(acc + bias[:, None, None], shift, FixedPointFormat())


def pool_reference(x, shape, kind: str) -> np.ndarray:
    kh, kw = shape.kernel
    xp = padded(x, shape, -32768 if kind == "max" else 0)
    ho, wo = shape.out
    out = np.zeros((x.shape[0], ho, wo), dtype=np.int64)
    for oy, ox, win in windows(xp, shape):
        flat = win.reshape(x.shape[0], -1)
        if kind == "max":
            out[:, oy, ox] = flat.max(axis=1)
        else:
            scale = math.floor(2.0**AVG_SHIFT / (kh * kw) + 0.5)
            out[:, oy, ox] = requantize(flat.sum(axis=1) * scale, AVG_SHIFT, FixedPointFormat())
    return out
