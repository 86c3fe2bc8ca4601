"""``sbkit new-plugin NAME --kind KIND``: write a plugin package ready to install, test and use."""

from __future__ import annotations

from pathlib import Path

import typer

from sbkit.progress import console


def new_plugin_command(
    name: str = typer.Argument(..., help="The plugin's name, lowercase and hyphenated (e.g. fine-liner); it "
                           "names the package sbkit-NAME and the component."),
    kind: str = typer.Option("sketchifier", "--kind", "-k", help="The component kind: sketchifier, fuser, loss or index."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="The folder to write sbkit-NAME/ into."),
) -> None:
    """Write sbkit-NAME/: pyproject.toml with the entry point, one component, its tests and a README."""
    from sbkit.templates import write_plugin

    folder = write_plugin(name, kind, out)
    steps = ["cd " + str(folder), 'pip install -e ".[test]"', "sbkit plugins", "pytest"]
    console.print(f"wrote {folder}\nnext:\n" + "\n".join(f"  {step}" for step in steps), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("new-plugin")(new_plugin_command)
