"""The commands the README and the docs show can be typed as written: the README's run from the project's
environment (`.venv/bin/sbkit`) and parse; a page that shows bare `sbkit` says how to get it on the PATH."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("README.md")])
SHELL_BLOCK = re.compile(r"```(?:bash|sh|shell|console)\n(.*?)```", re.S)
PATH_NOTE = "source .venv/bin/activate"


def shell_lines(page: Path) -> list[str]:
    """Lines of the page's shell code blocks, without comments and prompts."""
    lines = []
    for block in SHELL_BLOCK.findall(page.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = re.sub(r"^\s*\$\s*", "", line)
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def readme_commands() -> list[str]:
    return [line for line in shell_lines(ROOT / "README.md") if "sbkit " in line and not line.startswith("make")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_showing_bare_sbkit_says_how_to_put_it_on_the_path(page: Path) -> None:
    bare = [line for line in shell_lines(page) if re.match(r"sbkit\s", line)]
    if bare:
        assert PATH_NOTE in page.read_text(encoding="utf-8"), (
            f"{page.relative_to(ROOT)} shows `{bare[0]}` but not how to put sbkit on the PATH")


def test_the_readme_types_its_commands_as_they_run_after_make_demo() -> None:
    commands = readme_commands()
    assert len(commands) >= 8
    assert all(command.startswith(".venv/bin/sbkit ") for command in commands), commands
    assert PATH_NOTE in (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "VENV ?= .venv" in makefile and "$(BIN)/sbkit run --out runs/demo" in makefile


@pytest.fixture(scope="module")
def group():
    from sbkit.cli.app import create_app

    return get_command(create_app())


@pytest.mark.parametrize("command", readme_commands())
def test_each_readme_command_parses(command: str, group, monkeypatch) -> None:
    """Each command's sub-command exists and its options parse (Click's own parsing, nothing is run)."""
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the checkout
    words = shlex.split(command)[1:]
    command_obj, args = group, words
    while hasattr(command_obj, "commands") and args and args[0] in command_obj.commands:
        command_obj, args = command_obj.commands[args[0]], args[1:]
    assert not hasattr(command_obj, "commands"), f"no such command: {command}"
    ctx = command_obj.make_context(words[0], list(args))
    extra = list(ctx.args)
    if extra:  # component options, which the command reads itself
        from sbkit.component_options import split_component_options
        from sbkit.config import COMPONENT_FIELDS

        options, positionals = split_component_options(extra, set(COMPONENT_FIELDS))
        assert options and not positionals, command
