"""``sbkit plugins``: every plugin with its package, version, components by kind and status.

Imports no component module: declared components are listed from their specs, and a component whose
optional dependencies are missing shows the ``pip install`` that brings them.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.table import Table

from sbkit.console_text import make_console, shown


def _status(record) -> str:
    """ok, disabled, failed with its error, or which components need which extra."""
    if record.status == "disabled":
        return "[yellow]disabled[/yellow]"
    if record.status != "ok":
        return f"[red]failed[/red]\n{shown(record.error)}"
    if not record.needs:
        return "[green]ok[/green]"
    by_hint: dict[str, list[str]] = {}
    for component, hint in record.needs.items():
        by_hint.setdefault(hint, []).append(component)
    if sum(len(names) for names in record.components.values()) == len(record.needs):  # nothing usable yet
        return "\n".join(f"[yellow]{shown(hint)}[/yellow]" for hint in by_hint)
    return "[green]ok[/green]\n" + "\n".join(f"{shown(', '.join(names))} [yellow]{shown(hint)}[/yellow]"
                                             for hint, names in by_hint.items())


def plugins_command(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List every plugin: package, version, components by kind, and status (ok, needs an extra, failed, disabled)."""
    from sbkit.plugins import KINDS, get_host
    from sbkit.registry import get_registry

    host = get_host()
    get_registry()  # collecting components fills each record's component lists and catches broken hooks
    records = sorted(host.records.values(), key=lambda r: r.name)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in records], indent=2))
        return
    table = Table(title="sbkit plugins")
    for column in ("plugin", "package", "version", "components", "status"):
        table.add_column(column, overflow="fold")
    for record in records:
        components = "\n".join(f"{kind}: {shown(', '.join(record.components[kind]))}" for kind in KINDS
                               if record.components.get(kind))
        table.add_row(shown(record.name), shown(record.package or "-"), shown(record.version or "-"),
                      components or "-", _status(record))
    make_console().print(table)  # stdout, so `sbkit plugins | grep` works


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_command)
