"""Differences between the Python versions sbkit supports (3.10 and later), kept in one place."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10, and by tests/reliability/test_b_python310.py
    import tomli as tomllib

__all__ = ["tomllib"]
