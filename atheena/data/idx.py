"""Read MNIST-format IDX files (optionally gzipped) from a folder.

Accepts the layouts in which MNIST is distributed: the four files in one
folder (`t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`, and the
`train-*` pair), or torchvision's `DIR/MNIST/raw/`.  Every problem (missing
file, wrong magic number, truncated data, images and labels that disagree)
is an `AtheenaError` naming the file.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from atheena.errors import AtheenaError

SPLIT_PREFIX = {"test": "t10k", "train": "train"}
_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049


@dataclass(frozen=True)
class Dataset:
    """Images as float32 in [0, 1], shape (N, 1, H, W), and integer labels (N,)."""

    images: np.ndarray
    labels: np.ndarray
    description: str

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, start: int, stop: int, description: str) -> "Dataset":
        return Dataset(self.images[start:stop], self.labels[start:stop], description)


def _find(folder: Path, stem: str) -> Path | None:
    for base in (folder, folder / "MNIST" / "raw", folder / "raw"):
        for name in (stem, stem + ".gz"):
            if (base / name).is_file():
                return base / name
    return None


def _read(path: Path) -> bytes:
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as err:
        raise AtheenaError(f"cannot read '{path}': {err}. The file is damaged; download it again.") from None


def _parse(path: Path, magic: int, dims: int) -> np.ndarray:
    raw = _read(path)
    header = 4 + 4 * dims
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise AtheenaError(f"'{path}' is not an MNIST IDX file (wrong magic number); expected the "
                           f"{'images' if dims == 3 else 'labels'} file of an MNIST download")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    count = int(np.prod(shape))
    if len(raw) - header != count:
        raise AtheenaError(f"'{path}' is truncated or damaged: its header promises {count} bytes of data, "
                           f"it holds {len(raw) - header}. Download it again.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load(folder: str | Path, split: str = "test") -> Dataset:
    """Load the `test` (t10k) or `train` split from an MNIST folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AtheenaError(f"data folder '{folder}' not found; give a folder holding the MNIST IDX files "
                           "(e.g. t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)")
    prefix = SPLIT_PREFIX[split]
    image_file = _find(folder, f"{prefix}-images-idx3-ubyte")
    label_file = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if image_file is None or label_file is None:
        missing = f"{prefix}-images-idx3-ubyte[.gz]" if image_file is None else f"{prefix}-labels-idx1-ubyte[.gz]"
        raise AtheenaError(f"'{folder}' has no {missing}; give a folder with the MNIST {split} split "
                           "(the files of an MNIST download, or torchvision's MNIST/raw folder)")
    images = _parse(image_file, _IMAGE_MAGIC, 3)
    labels = _parse(label_file, _LABEL_MAGIC, 1)
    if len(images) != len(labels):
        raise AtheenaError(f"'{image_file}' holds {len(images)} images but '{label_file}' {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise AtheenaError(f"'{label_file}' has labels above 9; it is not an MNIST labels file")
    data = images.astype(np.float32)[:, None] / 255.0
    return Dataset(data, labels.astype(np.int64), f"{folder} ({split}, {len(labels)} images)")


def write(folder: str | Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write uint8 images (N, H, W) and labels (N,) as gzipped IDX files (deterministic bytes)."""
    folder = Path(folder)
    header = _IMAGE_MAGIC.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    for name, head, body in (
        (f"{prefix}-images-idx3-ubyte.gz", header, images.astype(np.uint8).tobytes()),
        (f"{prefix}-labels-idx1-ubyte.gz", _LABEL_MAGIC.to_bytes(4, "big") + len(labels).to_bytes(4, "big"),
         labels.astype(np.uint8).tobytes()),
    ):
        with open(folder / name, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(head + body)
