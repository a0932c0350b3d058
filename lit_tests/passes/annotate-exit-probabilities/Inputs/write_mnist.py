"""Writes a 4-image MNIST test split (uncompressed IDX files) into the folder given.

The images are drawn, not taken from MNIST: a blank image (label 0), a vertical
stroke (1), a horizontal stroke (7) and a square ring (0), 28x28, white on black.
"""

import sys
from pathlib import Path


def image(paint) -> bytes:
    return bytes(255 if paint(r, c) else 0 for r in range(28) for c in range(28))


def ring(r: int, c: int) -> bool:
    inside = 6 <= r <= 21 and 8 <= c <= 19
    hole = 8 <= r <= 19 and 10 <= c <= 17
    return inside and not hole


images = [
    image(lambda r, c: False),
    image(lambda r, c: 4 <= r <= 23 and 13 <= c <= 14),
    image(lambda r, c: 13 <= r <= 14 and 4 <= c <= 23),
    image(ring),
]
labels = bytes([0, 1, 7, 0])
folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
n = len(images).to_bytes(4, "big")
(folder / "t10k-images-idx3-ubyte").write_bytes((2051).to_bytes(4, "big") + n + (28).to_bytes(4, "big") * 2
                                                + b"".join(images))
(folder / "t10k-labels-idx1-ubyte").write_bytes((2049).to_bytes(4, "big") + n + labels)
