"""Shared fixtures: imported zoo networks are cached per test session (import costs ~0.3 s each)."""

from __future__ import annotations

import functools

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
