"""The top-level Python API: ``import sbkit`` stays light; ``sbkit.create`` mirrors ``--<kind> NAME``
and ``--<kind>.<param> VALUE``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sbkit
from sbkit.errors import ConfigError, UnknownComponentError


def test_import_sbkit_imports_no_torch() -> None:
    code = "import sys, sbkit; print(sorted(m for m in ('torch', 'numpy', 'cv2', 'typer') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_names_have_docstrings() -> None:
    for name in sbkit.__all__:
        if name != "__version__":
            assert (getattr(sbkit, name).__doc__ or "").strip(), name


def test_create_checks_and_coerces_parameters_as_the_command_line_does() -> None:
    sketchifier = sbkit.create("sketchifier", "canny-clahe", sigma="2.5")
    assert sketchifier.name == "canny-clahe" and sketchifier.sigma == 2.5
    with pytest.raises(ConfigError, match="no parameter 'sigmaa'"):
        sbkit.create("sketchifier", "canny", sigmaa=1)
    with pytest.raises(UnknownComponentError, match="did you mean 'canny'"):
        sbkit.create("sketchifier", "cany")


def test_create_passes_injected_context() -> None:
    fuser = sbkit.create("fuser", "concat", sketch_dim=16, text_dim=8, dim=32)
    assert fuser.dim == 32


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sbkit.nope  # noqa: B018
