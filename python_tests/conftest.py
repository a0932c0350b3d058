"""Shared fixtures: imported zoo networks are cached per test session (import costs ~0.3 s each)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from atheena import models
from atheena.frontend import import_model


@functools.cache
def _imported(name: str):
    entry = models.entry(name)
    thresholds = None if name.endswith(models.BASELINE_SUFFIX) else entry.thresholds
    return import_model(models.get(name), entry.build().input_shape, thresholds=thresholds)


@pytest.fixture
def imported():
    """imported(name) -> the zoo network `name` as an atheena module (cached)."""
    return _imported


def _mnist_folder() -> Path:
    env = os.environ.get("ATHEENA_MNIST")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The full MNIST test split ($ATHEENA_MNIST, else ../shared/data/mnist beside the project).

    Tests that need it are skipped on a machine without it, but fail under CI
    (CI=true), where it must be present: a skipped check there would hide a failure.
    """
    folder = _mnist_folder()
    if not (folder / "t10k-images-idx3-ubyte.gz").is_file():
        message = f"the MNIST test split is not at {folder} (set ATHEENA_MNIST)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder
