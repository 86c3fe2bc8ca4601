"""Regenerate docs/cli.md from the commands' own --help text:  python docs/cli_reference.py"""

from __future__ import annotations

import os
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


def main() -> None:
    app = create_app()
    runner = CliRunner()
    sections = ["# sbkit command-line reference", "",
                "Generated from each command's `--help` by `python docs/cli_reference.py`; do not edit by hand.", ""]
    for path in command_paths(get_command(app), []):
        result = runner.invoke(app, [*path, "--help"], prog_name="sbkit", terminal_width=100)
        title = " ".join(["sbkit", *path])
        body = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        sections += [f"## `{title}`", "", "```text", body, "```", ""]
    atomic_write_text(Path(__file__).with_name("cli.md"), "\n".join(sections))


if __name__ == "__main__":
    main()
