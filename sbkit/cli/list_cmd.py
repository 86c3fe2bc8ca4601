"""``sbkit list KIND``: the components of one kind with their descriptions and parameters."""

from __future__ import annotations

import inspect
import json

import typer
from rich.table import Table

from sbkit.console_text import shown
from sbkit.plugins import KINDS
from sbkit.progress import console


PLURALS = {"sketchifiers": "sketchifier", "encoders": "encoder", "fusers": "fuser", "losses": "loss",
           "datasets": "dataset", "indexes": "index", "indices": "index"}


def _default(value: object) -> str:
    return "(required)" if value is inspect.Parameter.empty else repr(value)


def list_command(
    kind: str = typer.Argument(..., help=f"Component kind: {', '.join(KINDS)} (plurals work too)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show the components of one kind: name, plugin, description and every parameter with its default."""
    from sbkit.registry import get_registry

    kind = PLURALS.get(kind, kind)
    entries = get_registry().list(kind)
    if as_json:
        typer.echo(json.dumps([{
            "name": e.name, "plugin": e.plugin.name, "description": e.description,
            "params": [] if e.needs else [{"name": p.name, "type": p.type_name, "default": _default(p.default),
                                           "doc": p.doc} for p in e.params],
        } | ({"needs": e.needs} if e.needs else {}) for e in entries], indent=2))
        return
    table = Table(title=f"{kind} components", show_lines=True)
    for column in ("name", "plugin", "description", "parameters"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        if entry.needs:  # its parameters live in a module that cannot be imported here
            table.add_row(entry.name, entry.plugin.name, entry.description, f"[yellow]{shown(entry.needs)}[/yellow]")
            continue
        params = "\n".join(f"[bold]{p.name}[/bold]: {p.type_name} = {_default(p.default)}"
                           + (f"\n  [dim]{p.doc}[/dim]" if p.doc else "") for p in entry.params)
        table.add_row(entry.name, entry.plugin.name, entry.description, params or "-")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
