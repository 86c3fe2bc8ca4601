"""Fixtures for the bench tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    """A sketch cache of this test's own, so earlier tests' cached sketches do not count."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SBKIT_CACHE", str(folder))
    return folder
