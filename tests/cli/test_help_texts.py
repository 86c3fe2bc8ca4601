"""Every help text a command declares reaches its ``--help`` whole.

Rich markup reads an unescaped ``[default: x]`` as a tag and drops it; write ``\\[`` or use ``show_default``.
"""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from sbkit.cli.app import create_app


def _commands(command, prefix: tuple[str, ...] = ()):
    yield prefix, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*prefix, name))


APP = create_app()
COMMANDS = [(path, command) for path, command in _commands(get_command(APP)) if path]


def _words(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_option_help_and_default_is_shown(path, command) -> None:
    result = CliRunner().invoke(APP, [*path, "--help"], prog_name="sbkit", terminal_width=2000,
                                env={"COLUMNS": "2000", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    shown = _words(result.output)
    for param in command.params:
        if getattr(param, "help", None):
            assert _words(param.help.replace("\\[", "[")) in shown, f"{' '.join(path)} {param.name}: help text cut in --help"
        if isinstance(getattr(param, "show_default", None), str):
            assert f"[default: ({param.show_default})]" in shown, f"{' '.join(path)} {param.name}: default not shown"
