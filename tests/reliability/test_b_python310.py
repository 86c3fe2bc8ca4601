"""Python 3.10 is supported (pyproject says ``requires-python = ">=3.10"``): no 3.11-only module or syntax,
and TOML is read through ``tomli`` where ``tomllib`` does not exist."""

from __future__ import annotations

import glob
import importlib
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import sbkit.compat
from sbkit.compat import tomllib

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["sbkit", "plugins", "tests", "benchmarks", "examples"]


def python310() -> str | None:
    """A working Python 3.10 interpreter on this machine, or None."""
    pyenv = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.10*/bin/python3.10")))
    candidates = [shutil.which("python3.10"), *pyenv]
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
        except OSError:
            continue
        if version == "(3, 10)":
            return candidate
    return None


def test_no_source_needs_more_than_python_3_10():
    pytest.importorskip("vermin", reason="vermin (the test extra) checks the minimum Python version")
    script = Path(sys.executable).with_name("vermin")
    result = subprocess.run([str(script), "--target=3.10-", "--violations", "--no-tips", "--eval-annotations",
                             *SOURCES], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_toml_is_read_through_tomli_before_python_3_11(monkeypatch):
    fake_tomli = types.ModuleType("tomli")
    fake_tomli.loads, fake_tomli.TOMLDecodeError = tomllib.loads, tomllib.TOMLDecodeError
    monkeypatch.setitem(sys.modules, "tomli", fake_tomli)
    monkeypatch.setattr(sys, "version_info", (3, 10, 13, "final", 0))
    try:
        assert importlib.reload(sbkit.compat).tomllib is fake_tomli
    finally:
        monkeypatch.undo()
        importlib.reload(sbkit.compat)
    assert sbkit.compat.tomllib is tomllib


def test_pyproject_asks_for_tomli_on_python_3_10():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.10"
    assert any(dep.replace(" ", "").startswith("tomli>=") and "python_version<'3.11'" in dep.replace(" ", "")
               .replace('"', "'") for dep in project["dependencies"])


def test_python_3_10_parses_every_source_and_takes_the_tomli_path():
    interpreter = python310()
    if interpreter is None:
        pytest.skip("no Python 3.10 interpreter on this machine")
    files = [str(p) for folder in SOURCES for p in (REPO / folder).rglob("*.py")]
    parse = "import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\n"
    result = subprocess.run([interpreter, "-c", parse, *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = ("import sys; sys.path.insert(0, sys.argv[1])\n"
             "import sbkit.errors, sbkit.limits, sbkit.paths, sbkit.folder_lock\n"
             "try:\n    import sbkit.compat\nexcept ModuleNotFoundError as exc:\n    print('missing', exc.name)\n"
             "else:\n    print('loaded', sbkit.compat.tomllib.__name__)\n")
    result = subprocess.run([interpreter, "-I", "-c", probe, str(REPO)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("missing tomli", "loaded tomli")  # never tomllib, which 3.10 lacks
