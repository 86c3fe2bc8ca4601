"""Regenerate docs/cli.md from the commands' own --help text:  python docs/cli_reference.py

``--check`` writes nothing and exits 1 when docs/cli.md differs from what the code gives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.update({"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})

from typer.main import get_command  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from sbkit.cli.app import create_app  # noqa: E402
from sbkit.io import atomic_write_text  # noqa: E402


def command_paths(command, prefix: list[str]) -> list[list[str]]:
    """Every command and sub-command, depth first."""
    paths = [prefix]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths.extend(command_paths(sub, [*prefix, name]))
    return paths


PAGE = Path(__file__).with_name("cli.md")
COMMAND = "python docs/cli_reference.py"


def render() -> str:
    """The Markdown of docs/cli.md: every command's --help, depth first."""
    app = create_app()
    runner = CliRunner()
    sections = ["# sbkit command-line reference", "",
                "Generated from each command's `--help` by `python docs/cli_reference.py`; do not edit by hand.", ""]
    for path in command_paths(get_command(app), []):
        result = runner.invoke(app, [*path, "--help"], prog_name="sbkit", terminal_width=100)
        title = " ".join(["sbkit", *path])
        body = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        sections += [f"## `{title}`", "", "```text", body, "```", ""]
    return "\n".join(sections)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PAGE.is_file() or PAGE.read_text() != text:
            print(f"out of date: {PAGE.name}; run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(PAGE, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
