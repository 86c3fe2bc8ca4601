"""``sbkit bench``: run a grid of components and compare them in report.md, report.html and bench.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from sbkit.cli.options import with_run_options
from sbkit.console_text import shown
from sbkit.progress import console

BENCH_HELP = (
    "Run every combination of comma-separated component lists and rank them in one report.\n\n"
    "Example: sbkit bench --sketchifier canny,canny-clahe,xdog --fuser avg,concat,combiner --epochs 4 "
    "--out bench/a\n\n"
    "Any component option takes a comma list: names (--fuser avg,concat) and parameters "
    "(--sketchifier.sigma 1.0,1.5). The other `sbkit run` options apply to every combination. Each combination "
    "runs into OUT/runs/<slug>/; OUT gets report.md, report.html (one self-contained file) and bench.json.\n\n"
    "Rerunning the same command skips finished combinations and reruns failed ones. Exit status 1 when a "
    "combination failed (the others still run and are reported)."
)


@with_run_options(grid=True)
def bench_command(
    ctx: typer.Context,
    out: Path = typer.Option(None, help="Bench folder: runs/<slug>/ per combination, plus the reports. Reuse it "
                             "to resume; without it a new folder runs/bench-<time>."),
    config: Path = typer.Option(None, "--config", help="A TOML run config shared by every combination; "
                                "command-line options override it."),
    queries: int = typer.Option(200, min=0, help="Single random queries timed per combination for the search "
                                "latency; 0 skips it."),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Skip combinations already finished in OUT "
                                "with the same config (--no-resume runs them all again)."),
    **options: Any,
) -> None:
    """Run a grid of components and rank them (see `sbkit bench --help`)."""
    from sbkit.bench import bench, grid_options
    from sbkit.cli.options import given_settings
    from sbkit.config import COMPONENT_FIELDS, RunConfig

    base = RunConfig.from_toml(config) if config else RunConfig()
    settings = given_settings(options)
    names = {kind: settings.pop(kind, None) for kind in COMPONENT_FIELDS}  # comma lists: the grid's name axes
    result = bench(grid_options(names, list(ctx.args)), out, base.updated(settings, "command line"),
                   resume=resume, queries=queries)
    _summary(result)
    if result.failed:
        raise typer.Exit(1)


def _summary(result) -> None:
    from rich.table import Table

    from sbkit.bench.summary import headline, headline_label, ranked, reused_text, speed_cells

    table = Table(title="Bench results, best first (sketch+text R@10; sketch only without captions)")
    for column in ("#", "combination", "R@10", "on", "sketchify s", "wall s", "reused", "status"):
        table.add_column(column, justify="right" if column in ("#", "R@10", "sketchify s", "wall s") else "left")
    for rank, record in enumerate(ranked(result.records), 1):
        value = headline(record)
        speed = speed_cells(record)
        error = shown(record.get("error") or "")
        status = "ok" if record["status"] == "ok" else f"[red]{record['status']}[/red]: {error}"
        table.add_row(str(rank) if record["status"] == "ok" else "", shown(record["slug"]),
                      "" if value is None else f"{value:.3f}",
                      headline_label(record),
                      speed["sketchify s"], speed["wall s"], reused_text(record), status)
    console.print(table)
    for name, path in result.reports.items():
        console.print(f"{name}: [bold]{shown(path)}[/bold]")


def register(app: typer.Typer) -> None:
    app.command("bench", help=BENCH_HELP, context_settings={"allow_extra_args": True,
                                                            "ignore_unknown_options": True})(bench_command)
