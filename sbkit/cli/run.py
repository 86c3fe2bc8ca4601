"""``sbkit run``: sketchify, train, index, evaluate and report on one catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sbkit.cli.options import with_run_options
from sbkit.progress import console

if TYPE_CHECKING:
    from sbkit.config import RunConfig

RUN_HELP = """Sketchify the catalogue, train, index the test gallery, evaluate and write a report.

Component parameters are set as --<kind>.<param> VALUE, for example --sketchifier.sigma 1.5,
--encoder.path DIR or --data.size 500. `sbkit list <kind>` shows every parameter.
Precedence: defaults < --config FILE.toml < options on the command line."""


@with_run_options()
def run_command(
    ctx: typer.Context,
    out: Path = typer.Option(None, help="Run folder; without it a new folder "
                             "runs/<time>-<sketchifier>-<encoder>-<fuser>."),
    config: Path = typer.Option(None, "--config", exists=False, help="A TOML config; command-line options "
                                "override it. A run folder's config.toml repeats that run (give a new --out, or "
                                "--force to replace that run)."),
    resume: Path = typer.Option(None, "--resume", help="Continue an interrupted run in this run folder from its "
                                "last checkpoint, with the folder's config.toml (settings that change what it "
                                "computes are refused; --device and more --epochs are fine)."),
    force: bool = typer.Option(False, "--force", help="Replace the run in --out: its result files are deleted "
                               "before the new run starts. Without it a folder holding a run is refused."),
    **options: Any,
) -> None:
    """Sketchify, train, index, evaluate and report (see `sbkit run --help`)."""
    import sbkit

    settings = command_settings(ctx, options, out, config, resume, force)
    result = sbkit.run(settings, resume=resume is not None, force=force)
    _summary(result)


def command_settings(ctx: typer.Context, options: dict[str, Any], out: Path | None, config: Path | None,
                     resume: Path | None, force: bool) -> RunConfig:
    """The RunConfig of a `sbkit run`/`sbkit train` command line: defaults < --config (or the --resume folder's
    config.toml) < options given < --<kind>.<param> options."""
    from sbkit.cli.options import given_settings, parse_component_options
    from sbkit.config import COMPONENT_FIELDS, RunConfig
    from sbkit.errors import ConfigError

    if force and resume is not None:
        raise ConfigError("--force and --resume contradict each other: --resume continues the run in the folder, "
                          "--force replaces it; give one")
    if resume is not None:
        from sbkit.pipeline.run_folder_guard import resume_base

        if config is not None:
            raise ConfigError(f"--resume uses {resume / 'config.toml'}; drop --config {config}")
        base, out = resume_base(resume), resume
    else:
        base = RunConfig.from_toml(config) if config else RunConfig()
    given = given_settings(options)
    if out is not None:
        given["out"] = str(out)
    settings = base.updated(given, "command line")
    params = parse_component_options(list(ctx.args), set(COMPONENT_FIELDS))
    return settings.updated({kind: {"name": getattr(settings, kind).name, **values}
                             for kind, values in params.items()}, "command line")


def _summary(result) -> None:
    from sbkit.cli.results import results_table
    from sbkit.console_text import shown

    metrics = result.metrics["metrics"]
    console.print(results_table(f"Test results ({result.metrics['counts']['test']} gallery items, "
                                f"random R@10 = {result.metrics['random_R@10']:.3f})", metrics))
    from sbkit.pipeline.report_checks import gap_line, heldout_line

    for line in (gap_line(metrics), heldout_line(result.metrics)):
        if line:
            console.print(line)
    if "features" in result.timings:
        console.print(f"feature caching: {result.timings['features']:.1f} s "
                      f"({result.metrics.get('features_computed', 0)} pictures computed, the rest from the cache)")
    console.print(f"report: [bold]{shown(result.run_dir / 'report.md')}[/bold]")


def register(app: typer.Typer) -> None:
    app.command("run", help=RUN_HELP, context_settings={"allow_extra_args": True,
                                                        "ignore_unknown_options": True})(run_command)
