"""Datasets: MNIST from a user's folder, and the held-out subset bundled with ATHEENA.

Splits used throughout (the MNIST training split is not needed):

* training: the `train` split if the folder has it, else test images 0-7,999;
* calibration / evaluation (profiling, accuracy, hardware tests): test images
  8,000-9,999, the held-out half no network here was trained on.

The bundled set is test images 8,000-8,999 (MNIST, LeCun, Cortes and Burges,
CC BY-SA 3.0), so examples run with no `--data`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from atheena.data.idx import Dataset, load
from atheena.errors import AtheenaError

HELD_OUT_START = 8000
BUNDLED_RANGE = (8000, 9000)


def bundled_folder() -> Path:
    return Path(str(resources.files(__name__).joinpath("bundled")))


def calibration_set(folder: str | Path | None = None) -> Dataset:
    """The held-out images for profiling and evaluation (bundled ones when `folder` is None)."""
    if folder is None:
        data = load(bundled_folder(), "test")
        lo, hi = BUNDLED_RANGE
        return Dataset(data.images, data.labels, f"bundled MNIST test images {lo}-{hi - 1} ({len(data)} images)")
    data = load(folder, "test")
    if len(data) == 10000:
        return data.subset(HELD_OUT_START, 10000, f"MNIST test images {HELD_OUT_START}-9999 from {folder}")
    return Dataset(data.images, data.labels, data.description)


def training_set(folder: str | Path) -> Dataset:
    """Training images: the train split if the folder has one, else test images 0-7,999.

    Falling back to the test split needs all 10,000 test images, so that training
    (0-7,999) and evaluation (8,000-9,999) never share an image.
    """
    folder = Path(folder)
    if _find_split(folder, "train"):
        return load(folder, "train")
    data = load(folder, "test")
    if len(data) != 10000:
        raise AtheenaError(
            f"'{folder}' has no train split and its test split holds {len(data)} images, not MNIST's 10,000: "
            "training on it would overlap the evaluation images. Give a folder with the train split, or the "
            "full test split"
        )
    return data.subset(0, HELD_OUT_START, f"MNIST test images 0-{HELD_OUT_START - 1} from {folder}")


def _find_split(folder: Path, split: str) -> bool:
    from atheena.data.idx import SPLIT_PREFIX, _find

    prefix = SPLIT_PREFIX[split]
    return bool(_find(folder, f"{prefix}-images-idx3-ubyte") or _find(folder, f"{prefix}-labels-idx1-ubyte"))


__all__ = ["Dataset", "bundled_folder", "calibration_set", "load", "training_set"]
