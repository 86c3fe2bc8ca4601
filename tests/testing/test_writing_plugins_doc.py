"""docs/writing-plugins.md shows what the template writes and what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from sbkit.cli.app import create_app
from sbkit.compat import tomllib
from sbkit.templates import KINDS, plugin_files

DOC = (Path(__file__).resolve().parents[2] / "docs" / "writing-plugins.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def test_the_python_blocks_are_the_files_the_template_writes() -> None:
    files = plugin_files("fine-liner", "sketchifier")
    shown = {block.split("\n", 1)[0].removeprefix("# "): block.split("\n", 1)[1] for block in _blocks("python")
             if block.startswith("# ")}
    for path in ("sbkit_fine_liner/sketchifier.py", "sbkit_fine_liner/__init__.py", "tests/test_fine_liner.py"):
        assert shown[path] == files[path], f"docs/writing-plugins.md shows another {path} than the template writes"


def test_the_pyproject_block_agrees_with_the_template() -> None:
    shown = tomllib.loads(_blocks("toml")[0])["project"]
    written = tomllib.loads(plugin_files("fine-liner", "sketchifier")["pyproject.toml"])["project"]
    for key in ("name", "version", "dependencies", "optional-dependencies", "entry-points"):
        assert shown[key] == written[key], key


def test_the_new_plugin_options_shown_exist() -> None:
    help_text = CliRunner().invoke(create_app(), ["new-plugin", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--kind", "--out"):
        assert option in help_text
    for kind in re.findall(r"--kind (\w+)", DOC):
        assert kind in KINDS, kind
