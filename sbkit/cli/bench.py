"""``sbkit bench``: run a grid of components and compare them in report.md, report.html and bench.json."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

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


def bench_command(
    ctx: typer.Context,
    sketchifier: str = typer.Option(None, help="Sketchifiers to compare, comma-separated (see `sbkit list "
                                    "sketchifier`). (default: canny-clahe)"),
    encoder: str = typer.Option(None, help="Encoders, comma-separated (see `sbkit list encoder`). (default: small)"),
    fuser: str = typer.Option(None, help="Fusers, comma-separated (see `sbkit list fuser`). (default: concat)"),
    loss: str = typer.Option(None, help="Losses, comma-separated (see `sbkit list loss`). (default: infonce)"),
    index: str = typer.Option(None, help="Indexes, comma-separated (see `sbkit list index`). (default: exact)"),
    data: str = typer.Option(None, help="Dataset names or catalogue folders, comma-separated. (default: demo)"),
    epochs: int = typer.Option(None, min=1, help="Training epochs of every combination. (default: 12)"),
    image_size: int = typer.Option(None, min=16, help="Side of the square images and sketches, px. (default: 96)"),
    batch_size: int = typer.Option(None, min=2, help="Training batch size. (default: 128)"),
    lr: float = typer.Option(None, help="Peak learning rate. (default: 0.002)"),
    augment: float = typer.Option(None, min=0.0, max=1.0, help="Strength of sketch augmentation during training; "
                                  "0 turns it off. (default: 0.5)"),
    device: str = typer.Option(None, help="auto, cpu or cuda[:N]. (default: auto)"),
    seed: int = typer.Option(None, help="Seed of every combination. (default: 0)"),
    out: Path = typer.Option(None, help="Bench folder: runs/<slug>/ per combination, plus the reports. Reuse it "
                             "to resume. (default: runs/bench-<time>)"),
    config: Path = typer.Option(None, "--config", help="A TOML run config shared by every combination; "
                                "command-line options override it."),
    probes: bool = typer.Option(None, "--probes/--no-probes", help="Also run the probes in every combination "
                                "(docs/probes.md); the reports then show their pictures. (default: no-probes)"),
    queries: int = typer.Option(200, min=0, help="Single random queries timed per combination for the search "
                                "latency; 0 skips it."),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Skip combinations already finished in OUT "
                                "with the same config (--no-resume runs them all again)."),
) -> None:
    """Run a grid of components and rank them (see `sbkit bench --help`)."""
    from sbkit.bench import BenchRunner, expand_grid, parse_axes, write_reports
    from sbkit.bench.grid import check_params
    from sbkit.config import RunConfig

    base = RunConfig.from_toml(config) if config else RunConfig()
    given: dict[str, Any] = {
        key: value for key, value in {
            "epochs": epochs, "image_size": image_size, "batch_size": batch_size, "lr": lr, "augment": augment,
            "device": device, "seed": seed, "probes": probes,
        }.items() if value is not None
    }
    base = base.updated(given, "command line")
    axes = parse_axes({"data": data, "sketchifier": sketchifier, "encoder": encoder, "fuser": fuser, "loss": loss,
                       "index": index}, list(ctx.args))
    check_params(axes, base)
    combos = expand_grid(base, axes)
    folder = out or Path("runs") / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    console.print(f"[bold]sbkit bench[/bold]: {len(combos)} combination{'s' if len(combos) != 1 else ''} "
                  f"into {shown(folder)}/")
    result = BenchRunner(folder, axes, resume=resume, queries=queries).run(combos)
    result.reports = write_reports(result)
    _summary(result)
    if result.failed:
        raise typer.Exit(1)


def _summary(result) -> None:
    from rich.table import Table

    from sbkit.bench.summary import headline, headline_source, ranked, reused_text, speed_cells

    table = Table(title="Bench results, best first (sketch+text R@10)")
    for column in ("#", "combination", "R@10", "on", "sketchify s", "wall s", "reused", "status"):
        table.add_column(column, justify="right" if column in ("#", "R@10", "sketchify s", "wall s") else "left")
    for rank, record in enumerate(ranked(result.records), 1):
        value = headline(record)
        speed = speed_cells(record)
        error = shown(record.get("error") or "")
        status = "ok" if record["status"] == "ok" else f"[red]{record['status']}[/red]: {error}"
        table.add_row(str(rank) if record["status"] == "ok" else "", shown(record["slug"]),
                      "" if value is None else f"{value:.3f}",
                      {"drawn": "drawn", "synthetic": "sketchifier"}.get(headline_source(record) or "", ""),
                      speed["sketchify s"], speed["wall s"], reused_text(record), status)
    console.print(table)
    for name, path in result.reports.items():
        console.print(f"{name}: [bold]{shown(path)}[/bold]")


def register(app: typer.Typer) -> None:
    app.command("bench", help=BENCH_HELP, context_settings={"allow_extra_args": True,
                                                            "ignore_unknown_options": True})(bench_command)
