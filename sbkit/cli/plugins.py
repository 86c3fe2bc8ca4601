"""``sbkit plugins``: every plugin with its package, version, components by kind and status."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.table import Table

from sbkit.console_text import shown
from sbkit.progress import console


def plugins_command(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List every plugin: package, version, components by kind, and status (ok, failed, disabled)."""
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
        table.add_column(column)
    for record in records:
        components = "\n".join(f"{kind}: {', '.join(record.components[kind])}" for kind in KINDS
                               if record.components.get(kind))
        status = {"ok": "[green]ok[/green]", "disabled": "[yellow]disabled[/yellow]"}.get(
            record.status, f"[red]failed[/red]\n{shown(record.error)}")
        table.add_row(shown(record.name), shown(record.package or "-"), shown(record.version or "-"),
                      shown(components or "-"), status)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_command)
