"""MNIST IDX loading: layouts, the held-out split, and every way a folder can be wrong."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from atheena import data
from atheena.data import idx
from atheena.errors import AtheenaError



def _write(folder: Path, n: int = 5, prefix: str = "t10k", gz: bool = True):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    idx.write(folder, prefix, images, labels)
    if not gz:
        for f in folder.glob(f"{prefix}-*.gz"):
            f.with_suffix("").write_bytes(gzip.decompress(f.read_bytes()))
            f.unlink()
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip_plain_and_gzipped(tmp_path, gz):
    images, labels = _write(tmp_path, gz=gz)
    d = idx.load(tmp_path)
    assert d.images.shape == (5, 1, 28, 28) and d.images.dtype == np.float32
    np.testing.assert_array_equal(np.rint(d.images[:, 0] * 255).astype(np.uint8), images)
    np.testing.assert_array_equal(d.labels, labels)


def test_torchvision_layout(tmp_path):
    _write(tmp_path / "MNIST" / "raw")
    assert len(idx.load(tmp_path)) == 5


def test_training_never_overlaps_the_evaluation_images(tmp_path):
    _write(tmp_path, n=20)
    with pytest.raises(AtheenaError, match="has no train split and its test split holds 20 images"):
        data.training_set(tmp_path)
    _write(tmp_path, n=12, prefix="train")
    assert len(data.training_set(tmp_path)) == 12  # a train split wins


def test_empty_and_deflate_damaged_files(tmp_path):
    _write(tmp_path, n=0)
    assert len(idx.load(tmp_path)) == 0
    from atheena import models
    from atheena.frontend import import_model
    from atheena.profiling import profile_exits

    module = import_model(models.get("b-lenet"), (1, 28, 28))
    with pytest.raises(AtheenaError, match="holds no images"):
        profile_exits(module, data.calibration_set(tmp_path))
    _write(tmp_path, n=50)
    images = tmp_path / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(images.read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 16] = bytes(16)
    images.write_bytes(bytes(raw))
    with pytest.raises(AtheenaError, match="cannot read .* damaged"):
        idx.load(tmp_path)


def test_bundled_set_is_held_out_images_8000_to_8999():
    d = data.calibration_set()
    assert len(d) == 1000 and "8000-8999" in d.description
    assert np.bincount(d.labels, minlength=10).min() > 50


def test_bundled_images_equal_the_real_held_out_images(mnist_dir):
    full = idx.load(mnist_dir)
    assert len(full) == 10000
    cal = data.calibration_set(mnist_dir)
    assert len(cal) == 2000 and "8000-9999" in cal.description
    bundled = data.calibration_set()
    np.testing.assert_array_equal(bundled.images, full.images[8000:9000])
    np.testing.assert_array_equal(bundled.labels, full.labels[8000:9000])


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(AtheenaError, match="data folder .* not found"):
        idx.load(tmp_path / "nope")
    with pytest.raises(AtheenaError, match="has no t10k-images-idx3-ubyte"):
        idx.load(tmp_path)


def test_corrupt_files(tmp_path):
    _write(tmp_path)
    images = tmp_path / "t10k-images-idx3-ubyte.gz"
    raw = gzip.decompress(images.read_bytes())
    images.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(AtheenaError, match="is truncated or damaged"):
        idx.load(tmp_path)
    images.write_bytes(gzip.compress(b"\x00\x00\x08\x01" + raw[4:]))
    with pytest.raises(AtheenaError, match="wrong magic number"):
        idx.load(tmp_path)
    images.write_bytes(b"not gzip at all")
    with pytest.raises(AtheenaError, match="cannot read .* damaged"):
        idx.load(tmp_path)


def test_images_and_labels_must_agree(tmp_path):
    _write(tmp_path, n=5)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:4] + (4).to_bytes(4, "big") + raw[8:12]))
    with pytest.raises(AtheenaError, match="holds 5 images but .* 4 labels"):
        idx.load(tmp_path)
