"""What the CLI commands share about options: the run options that ``sbkit run`` and ``sbkit bench`` both take,
declared once, with help texts whose defaults and bounds come from ``RunConfig``; and component parameters
(``--<kind>.<param> VALUE``, read in :mod:`sbkit.component_options`).

A command takes the shared options by ending its signature with ``**options`` and wearing
:func:`with_run_options`; Typer then sees one option per :data:`RUN_OPTIONS` entry, and the command turns
what was given into ``RunConfig`` settings with :func:`given_settings`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import typer

from sbkit.component_options import parse_component_options, split_component_options
from sbkit.config import COMPONENT_FIELDS, RunConfig
from sbkit.limits import describe, field_limits

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RunOption:
    """One option shared by ``sbkit run`` and ``sbkit bench``: a ``RunConfig`` field, its type and its help.

    ``flags`` gives the on/off names of a boolean (``--probes/--no-probes``); other options are ``--<field>``.
    """

    field: str
    type: type
    help: str
    flags: str | None = None


RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption("sketchifier", str, "Photo-to-sketch component (see `sbkit list sketchifier`)."),
    RunOption("sketches", str, "A `sbkit sketchify` job folder: train on its sketches instead of sketchifying "
                               "again; its sketchifier and params become the run's, and items it lacks are "
                               "sketchified with them."),
    RunOption("encoder", str, "Image/sketch/text encoder (see `sbkit list encoder`)."),
    RunOption("fuser", str, "Sketch + text fuser (see `sbkit list fuser`)."),
    RunOption("loss", str, "Training loss (see `sbkit list loss`)."),
    RunOption("index", str, "Gallery index (see `sbkit list index`)."),
    RunOption("data", str, "A dataset name (see `sbkit list dataset`) or a catalogue folder; demo is the "
                           "built-in demo catalogue."),
    RunOption("epochs", int, "Training epochs."),
    RunOption("image_size", int, "Side of the square images and sketches, px."),
    RunOption("batch_size", int, "Training batch size (contrastive negatives)."),
    RunOption("lr", float, "Peak learning rate (AdamW, warm-up then cosine)."),
    RunOption("lr_pretrained", float, "Peak learning rate of the encoder's unfrozen pretrained parameters (e.g. "
                                      "--encoder.unfreeze 2 of lite-minilm, or clip's unfrozen layers); 0 keeps "
                                      "them fixed."),
    RunOption("augment", float, "Strength of human-style sketch augmentation during training; 0 turns it off."),
    RunOption("mirror", float, "Chance that an augmented training sketch is flipped left-right, as people draw "
                               "an item facing either way; 0 keeps every sketch facing as its photo does."),
    RunOption("caption_augment", float, "Share of training captions replaced by people-like short forms (a few "
                                        "words, category only, colour + category, brand, empty); 0 trains on full "
                                        "captions."),
    RunOption("sketch_variants", int, "Frozen-feature encoders: stored variants per training sketch (the sketch, "
                                      "then augmented copies), featurised once and cached. Where items have "
                                      "drawings, every other variant holds one of them: 2K+1 store K drawings."),
    RunOption("caption_variants", int, "Captions per training item (the caption, then short forms) that training "
                                       "picks from."),
    RunOption("caption_positives", bool, "Train a text-only query against every item in the batch that its "
                                         "caption describes (each word of \"navy skirt\" in the item's own "
                                         "caption) as well as its own item (--caption-positives), or against its "
                                         "own item only (--no-caption-positives).",
              "--caption-positives/--no-caption-positives"),
    RunOption("sketch_text_positives", float, "With --caption-positives: the share of a sketch+text query's loss "
                                              "in which every item in the batch that its caption describes counts "
                                              "as a positive beside its own item, so that after the item drawn come "
                                              "items of the kind and colour typed; 0 trains against its own item "
                                              "only."),
    RunOption("holdout", str, "Categories for the held-out check, comma-separated: a second model trains without "
                              "them and is tested on them. auto = two at random for frozen-feature encoders; '' = "
                              "no check."),
    RunOption("every_mode", bool, "Train each batch on sketch+text, sketch-only and text-only queries at once "
                                  "(--every-mode), or on one mode per batch drawn by the modality dropout "
                                  "(--one-mode).", "--every-mode/--one-mode"),
    RunOption("train_drawings", bool, "Where the catalogue has drawings of its training items (Sketchy, "
                                      "QMUL-Shoe-V2, sketch or sketches columns of your own), train on every one "
                                      "of them beside their sketchifier sketches (--train-drawings), or only on "
                                      "sketchifier sketches (--no-train-drawings).",
              "--train-drawings/--no-train-drawings"),
    RunOption("early_stopping", int, "Stop when validation R@10 has not improved for this many epochs and keep "
                                     "the best weights; 0 trains every epoch."),
    RunOption("grad_cache_chunk", int, "Gradient caching: embed the batch in chunks of this many rows, so a large "
                                       "contrastive batch fits in little memory; 0 is off."),
    RunOption("device", str, "auto, cpu or cuda[:N]."),
    RunOption("workers", int, "DataLoader worker processes that decode and sketchify photos and read training "
                              "batches ahead; 0 does it in the main process."),
    RunOption("seed", int, "Seed for data order, augmentation and weights."),
    RunOption("probes", bool, "Also run the probes (colour swap, brand names, caption vs none, white items, "
                              "top-1; docs/probes.md) and add them to the report.", "--probes/--no-probes"),
)
GRID_NOTE = "A comma list compares each one."


def default_text(name: str, flags: str | None = None) -> str:
    """``(default: X)`` for a RunConfig field, read from RunConfig itself so help texts never drift from it.

    A boolean with on/off ``flags`` (``--probes/--no-probes``) shows the flag its default stands for.
    """
    value = getattr(RunConfig(), name)
    if isinstance(value, bool) and flags:
        on, _, off = flags.partition("/")
        return f"(default: {on if value else off})"
    return f"(default: {getattr(value, 'name', value)!s})" if value != "" else "(default: '')"


def option_help(option: RunOption, grid: bool = False) -> str:
    """An option's help plus its default and bounds, read from their one declaration in RunConfig. The bounds are
    enforced when the command builds its RunConfig, as for TOML and sbkit.run(), so all three give the same
    error. With ``grid``, a component option says that a comma list compares several."""
    limits = field_limits(RunConfig, option.field)
    note = f" {GRID_NOTE}" if grid and option.field in COMPONENT_FIELDS else ""
    return (f"{option.help}{note} {default_text(option.field, option.flags)}"
            + (f" (allowed: {describe(limits)})" if limits else ""))


def _parameter(option: RunOption, grid: bool) -> inspect.Parameter:
    declared = (option.flags,) if option.flags else ()
    return inspect.Parameter(option.field, inspect.Parameter.KEYWORD_ONLY, annotation=option.type,
                             default=typer.Option(None, *declared, help=option_help(option, grid)))


def with_run_options(grid: bool = False) -> Callable[[F], F]:
    """Give a command ending in ``**options`` one Typer option per :data:`RUN_OPTIONS` entry.

    The shared options come after the command's own first parameter (its ``typer.Context``) and before its
    other options. ``grid`` adds to the component options' help that a comma list compares several.
    """

    def decorate(command: F) -> F:
        own = [p for p in inspect.signature(command).parameters.values() if p.kind != p.VAR_KEYWORD]
        shared = [_parameter(option, grid) for option in RUN_OPTIONS]
        parameters = [own[0].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in [*shared, *own[1:]]]
        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return command

    return decorate


def given_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The shared options given on the command line (not None), keyed by RunConfig field."""
    fields = {option.field for option in RUN_OPTIONS}
    return {key: value for key, value in options.items() if key in fields and value is not None}


__all__ = ["RUN_OPTIONS", "RunOption", "default_text", "given_settings", "option_help", "parse_component_options",
           "split_component_options", "with_run_options"]
