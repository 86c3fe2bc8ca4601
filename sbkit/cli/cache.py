"""``sbkit cache show|clear``: see what sbkit keeps in its cache folder and clear parts of it."""

from __future__ import annotations

import json
import time

import typer
from rich import box
from rich.filesize import decimal
from rich.table import Table

from sbkit.console_text import make_console, shown

cache_app = typer.Typer(help="See how much room sbkit's cache folder takes, part by part, and clear parts of it.",
                        no_args_is_help=True)


def _age(when: float, now: float) -> str:
    """How long ago ``when`` was, without "ago": "now", "5 min", "3 h", "12 days"."""
    seconds = max(now - when, 0.0)
    for unit, length in (("days", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f} {unit}"
    return "now"


def _used(newest: float | None, oldest: float | None, now: float) -> str:
    """When a part's entries were last used: "3 h ago", or "now to 12 days ago" from newest to oldest."""
    if newest is None or oldest is None:
        return ""
    newest_age, oldest_age = _age(newest, now), _age(oldest, now)
    span = newest_age if newest_age == oldest_age else f"{newest_age} to {oldest_age}"
    return "now" if span == "now" else f"{span} ago"


@cache_app.command("show")
def show_command(
    as_json: bool = typer.Option(False, "--json", help="Print the parts as JSON on stdout."),
) -> None:
    """List each part of the cache: what it holds, its entries, its size, and when its newest and oldest entries
    were last used. The folder is $SBKIT_CACHE, else ~/.cache/sbkit."""
    from sbkit.cache import PART_NAMES, others, summarise
    from sbkit.cache_lock import users_of
    from sbkit.io import cache_path

    root, now = cache_path(), time.time()
    summaries, foreign, users = summarise(root), others(root), users_of(root, PART_NAMES)
    if as_json:
        typer.echo(json.dumps({
            "folder": str(root),
            "parts": [{"name": s.part.name, "holds": s.part.holds, "entries": len(s.entries), "bytes": s.size,
                       "newest_use": s.newest, "oldest_use": s.oldest} for s in summaries],
            "bytes": sum(s.size for s in summaries),
            "not_sbkit": [str(path) for path in foreign],
            "in_use_by": [{"pid": pid, "command": command, "parts": parts} for pid, command, parts in users],
        }, indent=2, ensure_ascii=False))
        return
    out = make_console()
    out.print(f"sbkit's cache: {shown(str(root))} (set SBKIT_CACHE to move it)")
    table = Table(box=box.SIMPLE_HEAD)
    for column, justify in (("part", "left"), ("holds", "left"), ("entries", "right"), ("size", "right"),
                            ("last used", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for s in summaries:
        table.add_row(s.part.name, s.part.holds, str(len(s.entries)), decimal(s.size), _used(s.newest, s.oldest, now))
    table.add_row("total", "", str(sum(len(s.entries) for s in summaries)), decimal(sum(s.size for s in summaries)),
                  "", style="bold")
    out.print(table)
    if foreign:
        out.print(f"not sbkit's, left alone: {', '.join(shown(p.name) for p in foreign)}")
    for pid, command, parts in users:
        out.print(f"{', '.join(parts)} in use by pid {pid}: {shown(command)}")
    out.print("free room with `sbkit cache clear PART...` (--unused-for DAYS keeps what was used since)")


@cache_app.command("clear")
def clear_command(
    parts: list[str] = typer.Argument(None, help="Parts to clear: features, prepared, downloads, validation, demo, "
                                      "datasets, npm (see `sbkit cache show`).", show_default=False),
    every_part: bool = typer.Option(False, "--all", help="Clear every part."),
    unused_for: float = typer.Option(None, "--unused-for", min=0, help="Only entries not used for this many days "
                                     "(e.g. 30; 0.5 is half a day).", show_default="every entry"),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would go, and remove nothing."),
) -> None:
    """Remove entries of the named parts of the cache. Everything there is made again when next needed, at the
    cost of the time to make it (a default run's features and sketches take about 2 minutes).

    Refused while another sbkit process uses one of the named parts (`sbkit cache show` lists who uses which), and
    a job that starts using one meanwhile waits for the clear.
    Only sbkit's own parts are touched; other files in the folder are left alone.
    """
    from sbkit.cache import PART_NAMES, PARTS, clear, parts_named
    from sbkit.errors import ConfigError

    if every_part and parts:
        raise ConfigError("name parts to clear or give --all, not both")
    if not every_part and not parts:
        raise ConfigError(f"name the parts to clear ({', '.join(PART_NAMES)}) or give --all; `sbkit cache show` "
                          "lists their sizes")
    chosen = list(PARTS) if every_part else parts_named(parts)
    cleared = clear(chosen, unused_for_days=unused_for, dry_run=dry_run)
    out = make_console()
    verb = "would remove" if dry_run else "removed"
    if dry_run:
        for entry in cleared.removed:
            out.print(f"{verb} {shown(str(entry.path))} ({decimal(entry.size)})")
    names = ", ".join(part.name for part in chosen)
    kept = "" if unused_for is None else f"; kept {_entries(len(cleared.kept))} used in the last {unused_for:g} days"
    out.print(f"{verb} {_entries(len(cleared.removed))} ({decimal(cleared.removed_size)}) of {names}{kept}")
    if not dry_run:
        touched = {entry.part for entry in cleared.removed}
        for part in chosen:
            if part.name in touched:
                out.print(f"  {part.name}: {part.remade}")
        return
    from sbkit.cache_lock import users_of
    from sbkit.io import cache_path

    for pid, command, used in users_of(cache_path(), [part.name for part in chosen]):
        out.print(f"[yellow]the clear would be refused now: {', '.join(used)} in use by pid {pid}: "
                  f"{shown(command)}[/yellow]")


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
