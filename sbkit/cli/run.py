"""``sbkit run``: sketchify, train, index, evaluate and report on one catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from sbkit.config import RunConfig
from sbkit.limits import describe, field_limits
from sbkit.cli.options import default_text
from sbkit.progress import console

RUN_HELP = """Sketchify the catalogue, train, index the test gallery, evaluate and write a report.

Component parameters are set as --<kind>.<param> VALUE, for example --sketchifier.sigma 1.5,
--encoder.path DIR or --data.size 500. `sbkit list <kind>` shows every parameter.
Precedence: defaults < --config FILE.toml < options on the command line."""


def _help(name: str, text: str) -> str:
    """An option's help plus its default and bounds, read from their one declaration in RunConfig. The bounds
    are enforced when the command builds its RunConfig, as for TOML and sbkit.run(), so all three give the same
    error."""
    limits = field_limits(RunConfig, name)
    return f"{text} {default_text(name)}" + (f" (allowed: {describe(limits)})" if limits else "")


def run_command(
    ctx: typer.Context,
    sketchifier: str = typer.Option(None, help=_help("sketchifier", "Photo-to-sketch component (see `sbkit list "
                                                     "sketchifier`).")),
    encoder: str = typer.Option(None, help=_help("encoder", "Image/sketch/text encoder (see `sbkit list encoder`).")),
    fuser: str = typer.Option(None, help=_help("fuser", "Sketch + text fuser (see `sbkit list fuser`).")),
    loss: str = typer.Option(None, help=_help("loss", "Training loss (see `sbkit list loss`).")),
    index: str = typer.Option(None, help=_help("index", "Gallery index (see `sbkit list index`).")),
    data: str = typer.Option(None, help="A dataset name (see `sbkit list dataset`) or a catalogue folder. "
                             "(default: demo, the built-in demo catalogue)"),
    epochs: int = typer.Option(None, help=_help("epochs", "Training epochs.")),
    image_size: int = typer.Option(None, help=_help("image_size", "Side of the square images and sketches, px.")),
    batch_size: int = typer.Option(None, help=_help("batch_size", "Training batch size (contrastive negatives).")),
    lr: float = typer.Option(None, help=_help("lr", "Peak learning rate (AdamW, warm-up then cosine).")),
    lr_pretrained: float = typer.Option(None, help=_help("lr_pretrained", "Peak learning rate of the encoder's "
                                        "unfrozen pretrained parameters (e.g. --encoder.unfreeze 2 of "
                                        "lite-minilm, or clip's unfrozen layers); 0 keeps them fixed.")),
    augment: float = typer.Option(None, help=_help("augment", "Strength of human-style sketch augmentation during "
                                                   "training; 0 turns it off.")),
    caption_augment: float = typer.Option(None, help=_help("caption_augment", "Share of training captions replaced "
                                          "by people-like short forms (a few words, category only, colour + "
                                          "category, brand, empty); 0 trains on full captions.")),
    sketch_variants: int = typer.Option(None, help=_help("sketch_variants", "Frozen-feature encoders: stored "
                                        "variants per training sketch (the sketch, then augmented copies), "
                                        "featurised once and cached.")),
    caption_variants: int = typer.Option(None, help=_help("caption_variants", "Captions per training item (the "
                                         "caption, then short forms) that training picks from.")),
    holdout: str = typer.Option(None, help=_help("holdout", "Categories for the held-out check, comma-separated: "
                                "a second model trains without them and is tested on them. auto = two at random "
                                "for frozen-feature encoders; '' = no check.")),
    every_mode: bool = typer.Option(None, "--every-mode/--one-mode", help=_help("every_mode", "Train each batch "
                                    "on sketch+text, sketch-only and text-only queries at once (--every-mode), or "
                                    "on one mode per batch drawn by the modality dropout (--one-mode).")),
    early_stopping: int = typer.Option(None, help=_help("early_stopping", "Stop when validation R@10 has not "
                                                        "improved for this many epochs and keep the best weights; 0 "
                                                        "trains every epoch.")),
    grad_cache_chunk: int = typer.Option(None, help=_help("grad_cache_chunk", "Gradient caching: embed the batch "
                                                          "in chunks of this many rows, so a large contrastive batch "
                                                          "fits in little memory; 0 is off.")),
    device: str = typer.Option(None, help="auto, cpu or cuda[:N]. (default: auto)"),
    workers: int = typer.Option(None, help=_help("workers", "DataLoader worker processes that decode and sketchify "
                                "photos and read training batches ahead; 0 does it in the main process.")),
    seed: int = typer.Option(None, help=_help("seed", "Seed for data order, augmentation and weights.")),
    out: Path = typer.Option(None, help="Run folder. (default: runs/<time>-<sketchifier>-<encoder>-<fuser>)"),
    config: Path = typer.Option(None, "--config", exists=False, help="A TOML config; command-line options "
                                "override it. A run folder's config.toml repeats that run (give a new --out, or "
                                "--force to replace that run)."),
    probes: bool = typer.Option(None, "--probes/--no-probes", help="Also run the five probes (colour swap, "
                                "brand names, caption vs none, white items, top-1; docs/probes.md) and add them "
                                "to the report. (default: no-probes)"),
    resume: Path = typer.Option(None, "--resume", help="Continue an interrupted run in this run folder from its "
                                "last checkpoint, with the folder's config.toml (settings that change what it "
                                "computes are refused; --device and more --epochs are fine)."),
    force: bool = typer.Option(False, "--force", help="Replace the run in --out: its result files are deleted "
                               "before the new run starts. Without it a folder holding a run is refused."),
) -> None:
    """Sketchify, train, index, evaluate and report (see `sbkit run --help`)."""
    import sbkit

    values = dict(sketchifier=sketchifier, encoder=encoder, fuser=fuser, loss=loss, index=index, data=data,
                  epochs=epochs, image_size=image_size, batch_size=batch_size, lr=lr, lr_pretrained=lr_pretrained,
                  augment=augment, caption_augment=caption_augment, sketch_variants=sketch_variants,
                  caption_variants=caption_variants, holdout=holdout, every_mode=every_mode,
                  early_stopping=early_stopping, grad_cache_chunk=grad_cache_chunk, device=device, seed=seed,
                  probes=probes, workers=workers)
    settings = command_settings(ctx, values, out, config, resume, force)
    result = sbkit.run(settings, resume=resume is not None, force=force)
    _summary(result)


def command_settings(ctx: typer.Context, values: dict[str, Any], out: Path | None, config: Path | None,
                     resume: Path | None, force: bool) -> RunConfig:
    """The RunConfig of a `sbkit run`/`sbkit train` command line: defaults < --config (or the --resume folder's
    config.toml) < options given < --<kind>.<param> options."""
    from sbkit.cli.options import parse_component_options
    from sbkit.config import COMPONENT_FIELDS
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
    given = {key: value for key, value in values.items() if value is not None}
    if out is not None:
        given["out"] = str(out)
    settings = base.updated(given, "command line")
    params = parse_component_options(list(ctx.args), set(COMPONENT_FIELDS))
    return settings.updated({kind: {"name": getattr(settings, kind).name, **values}
                             for kind, values in params.items()}, "command line")


def _summary(result) -> None:
    from rich.table import Table

    from sbkit.console_text import shown

    metrics = result.metrics["metrics"]
    table = Table(title=f"Test results ({result.metrics['counts']['test']} gallery items, "
                        f"random R@10 = {result.metrics['random_R@10']:.3f})")
    for column in ("query", "sketches", "R@1", "R@5", "R@10", "mAP", "MRR"):
        table.add_column(column, justify="right" if column.startswith(("R@", "m", "M")) else "left")
    for mode, by_source in metrics.items():
        for source, values in by_source.items():
            table.add_row(mode, source, *(f"{values[k]:.3f}" for k in ("R@1", "R@5", "R@10", "mAP", "MRR")))
    console.print(table)
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
