"""sbkit's pytest plugin: declared as an entry point, light to load, and its fixtures as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from sbkit.compat import tomllib
from sbkit.testing import check_dataset

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_declares_the_plugin_in_the_pytest11_group() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"sbkit": "sbkit.testing.pytest_plugin"}


def test_loading_the_plugin_and_the_new_plugin_command_imports_no_torch() -> None:
    code = ("import sys, sbkit.testing.pytest_plugin, sbkit.cli.new_plugin, sbkit.templates; "
            "print(sorted(m for m in ('torch', 'numpy', 'cv2', 'skimage') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def test_fixtures(sbkit_photo, sbkit_sketch, sbkit_texts, sbkit_catalogue) -> None:
    assert sbkit_photo.shape == (48, 64, 3) and sbkit_photo.dtype == np.uint8
    assert sbkit_sketch.dtype == np.uint8 and sbkit_sketch.mean() > 127 and (sbkit_sketch == 0).any()
    assert "" in sbkit_texts and all(isinstance(t, str) for t in sbkit_texts)
    from sbkit.registry import create

    check_dataset(create("dataset", "folder", {"path": str(sbkit_catalogue)}))


def test_a_plugin_authors_test_file_gets_the_fixtures(tmp_path: Path, sbkit_pytest_args: list[str]) -> None:
    (tmp_path / "test_author.py").write_text(
        "def test_photo(sbkit_photo, sbkit_texts):\n"
        "    assert sbkit_photo.shape[2] == 3 and sbkit_texts\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sbkit_pytest_args,
                             "test_author.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout + result.stderr
