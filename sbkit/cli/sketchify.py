"""``sbkit sketchify``: photos to sketches, in parallel and resumably; or a contact sheet comparing sketchifiers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from sbkit.console_text import make_console, print_error, print_warning, shown
from sbkit.errors import FAILED, INTERRUPTED, USAGE_ERROR, ConfigError, SbkitError

SKETCHIFY_HELP = """Turn every photo of SOURCE into a sketch: SOURCE is a folder of images (scanned recursively),
an image, a catalogue folder (captions.csv, a public dataset layout) or a dataset name.

Writes OUT/sketches/<id>.png, OUT/manifest.jsonl (one line per finished item), OUT/skipped.jsonl (every
input left out, with its reason) and OUT/job.json. Rerunning the same command resumes where it stopped.

With --engine ray, Ray Data sketchifies on the nodes of a Ray cluster (--address; see
docs/scale.md), and this process writes the same files as the local engine.

Sketchifier parameters go as --sketchifier.<param> VALUE, e.g. --sketchifier.sigma 1.5
(`sbkit list sketchifier` shows them).

With --compare canny,canny-clahe,xdog, OUT is a PNG contact sheet of -n photos beside their sketch from
each sketchifier; parameters then go as --<name>.<param> VALUE, e.g. --canny.sigma 2."""


def _split(source: str, extra: list[str], kinds: set[str]) -> tuple[str, dict[str, dict[str, str]]]:
    """SOURCE and the component options; Click may have taken an option placed before SOURCE for SOURCE."""
    from sbkit.cli.options import split_component_options

    options, positionals = split_component_options([source, *extra], kinds)
    if len(positionals) != 1:
        found = ", ".join(repr(p) for p in positionals) or "none"
        raise ConfigError(f"expected one SOURCE (a folder, an image or a dataset name), got {found}")
    return positionals[0], options


def _print_summary(console: Console, summary) -> None:
    rate = f"{summary.images_per_second:,.0f} images/s" if summary.done else "no new images"
    console.print(f"[bold]sketchify[/bold] ({summary.sketchifier}): {summary.done} sketched, "
                  f"{summary.resumed} already done, {summary.skipped_total} skipped in {summary.seconds:.1f} s "
                  f"({rate}, {summary.workers} worker{'s' if summary.workers > 1 else ''})")
    for reason, count in summary.skipped.items():
        console.print(f"  skipped {count} {reason}, e.g. {shown(summary.examples[reason])}")
    if summary.removed_partial:
        console.print(f"  removed {summary.removed_partial} partial files of an interrupted run")
    console.print(f"  output: {shown(summary.out)}/ (sketches/, manifest.jsonl, skipped.jsonl, job.json)")


def sketchify_command(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="A folder of images, an image, a catalogue folder or a dataset name."),
    out: Path = typer.Option(..., "--out", "-o", help="The job folder (or, with --compare, the PNG to write)."),
    sketchifier: str = typer.Option("canny", "--sketchifier", "-s",
                                    help="Photo-to-sketch component (see `sbkit list sketchifier`)."),
    workers: int = typer.Option(None, "--workers", "-j", min=1,
                                help="Worker processes; 1 works in this process (default: every CPU core)."),
    size: int = typer.Option(None, "--size", min=8, help="Resize photos so their longest side is this many px "
                             "before sketchifying (default: keep their size; 256 with --compare)."),
    normalize: bool = typer.Option(False, "--normalize/--no-normalize",
                                   help="Normalise each sketch: crop to the ink, pad to a square, one line width."),
    force: bool = typer.Option(False, "--force", help="Redo every sketch in an OUT folder made with other "
                               "settings; with --compare, replace an OUT file that sbkit did not write."),
    compare: str = typer.Option(None, "--compare", help="Comma-separated sketchifiers: write a contact sheet to "
                                "OUT instead of a job folder."),
    n: int = typer.Option(8, "-n", min=1, help="Photos on the --compare contact sheet."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes on this machine) or ray (Ray "
                               "Data tasks on a Ray cluster; the same files). Ray: pip install 'sbkit\\[ray]'."),
    address: str = typer.Option(None, "--address", help="With --engine ray: the Ray cluster to join, e.g. "
                                "10.0.0.1:6379 (default: RAY_ADDRESS, else a local Ray instance)."),
) -> None:
    """Turn photos into sketches (see `sbkit sketchify --help`).

    Exits with SystemExit rather than typer.Exit: a caller running the app with ``standalone_mode=False``
    gets typer.Exit's code as a return value and may drop it.
    """
    from sbkit.progress import console as errors

    console = make_console()
    try:
        if compare is not None:
            from sbkit.paths import check_output, not_written_by_sbkit
            from sbkit.sketch.job_compare import compare_sheet

            names = [name.strip() for name in compare.split(",") if name.strip()]
            source, options = _split(source, list(ctx.args), {"sketchifier", *names})
            if "sketchifier" in options:
                raise ConfigError("with --compare, give parameters per sketchifier as --<name>.<param> VALUE, "
                                  f"e.g. --{names[0] if names else 'canny'}.sigma 2")
            if out.is_dir() or out.suffix.lower() != ".png":
                raise ConfigError(f"with --compare, --out is the contact sheet to write; give a .png file, not {out}")
            check_output(out, inputs={"SOURCE": source}, folders={"SOURCE": source}, force=force,
                         conflict=not_written_by_sbkit)
            path = compare_sheet(source, names, out, n=n, size=size or 256, params=options)
            console.print(f"contact sheet: {shown(path)}")
            return
        from sbkit.sketch.job import sketchify_job

        source, options = _split(source, list(ctx.args), {"sketchifier"})
        summary = sketchify_job(source, out, sketchifier, options.get("sketchifier"), workers=workers, size=size,
                                normalize=normalize, force=force, engine=engine, address=address)
    except SbkitError as exc:
        print_error(errors, exc)
        raise SystemExit(USAGE_ERROR) from None
    except KeyboardInterrupt:
        errors.print("[yellow]interrupted[/yellow]: finished sketches are kept; rerun the same command to resume")
        raise SystemExit(INTERRUPTED) from None
    _print_summary(console, summary)
    _name_failing_plugin(errors, summary)
    if summary.finished == 0:
        raise SystemExit(FAILED)


def _name_failing_plugin(errors: Console, summary) -> None:
    """When a third-party sketchifier raised on photos, say which plugin it comes from and how to disable it."""
    from sbkit.data.skip_reasons import SKETCHIFY_FAILED
    from sbkit.registry import get_registry

    failed = summary.skipped.get(SKETCHIFY_FAILED)
    entry = get_registry().entry("sketchifier", summary.sketchifier)
    if failed and not entry.plugin.builtin:
        print_warning(errors, f"{entry.owner} failed on {failed} photo{'s' if failed != 1 else ''}, e.g. "
                              f"{summary.examples[SKETCHIFY_FAILED]}; fix or disable it with "
                              f"{entry.plugin.disable_hint}")


def register(app: typer.Typer) -> None:
    app.command("sketchify", help=SKETCHIFY_HELP, context_settings={"allow_extra_args": True,
                                                                    "ignore_unknown_options": True})(sketchify_command)
