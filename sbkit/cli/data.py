"""``sbkit data validate|show|export``: check a catalogue before a run, look at a sample of it, write it as shards."""

from __future__ import annotations

import json
import random
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from sbkit.console_text import make_console, shown
from sbkit.errors import DataError, SbkitError

if TYPE_CHECKING:  # numpy and PIL load when a command draws, so `sbkit --help` stays fast
    from PIL import Image, ImageFont

    from sbkit.data.catalogue import CatalogueItem

data_app = typer.Typer(help="Check and look at catalogues: your own folder or a public dataset.",
                       no_args_is_help=True)
EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}
PATH_HELP = "A catalogue folder, a public dataset's folder or file, or a dataset name such as demo."
LISTED = 20


def _params(ctx: typer.Context) -> dict[str, str]:
    from sbkit.cli.options import parse_component_options

    return parse_component_options(list(ctx.args), {"data"}).get("data", {})


@data_app.command("validate", context_settings=EXTRA_ARGS)
def validate_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., help=PATH_HELP),
    show_all: bool = typer.Option(False, "--all", help=f"List every problem, not only the first {LISTED}."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON on stdout."),
    no_images: bool = typer.Option(False, "--no-images", help="Only check that files exist; decode no image."),
) -> None:
    """Find corrupt, missing, tiny or huge images, empty captions and repeated ids or pictures.

    Dataset parameters are given as --data.<param> VALUE (e.g. --data.kind chair). Exit code 1 when
    the catalogue is unusable (a fatal problem, including too few items for a run: it needs a train
    and a test item), else 0.
    """
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import ValidationReport, validate_catalogue

    params = _params(ctx)
    try:
        report = validate_catalogue(resolve_catalogue(path, params), check_images=not no_images)
    except SbkitError as exc:
        report = ValidationReport.unreadable(path, exc)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, None if show_all else LISTED)
    raise typer.Exit(1 if report.fatal else 0)


def _print_report(report, limit: int | None) -> None:
    out = make_console()
    drawn = f", {report.n_drawn} with a drawing of their own" if report.n_drawn else ""
    out.print(f"{shown(report.source)}: {report.n_valid} of {report.n_items} items usable{drawn}")
    if report.fatal:
        out.print("[bold red]fatal: this catalogue cannot be used as it is[/bold red]")
    if not report.problems:
        out.print("no problems found" + ("" if report.checked_images else " (images were not decoded)"))
        return
    from sbkit.data.validate import SEVERITY

    table = Table(title="problems by kind")
    table.add_column("kind")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for kind, count in report.counts().items():
        table.add_row(kind, SEVERITY[kind], str(count))
    out.print(table)
    listed = report.problems if limit is None else report.problems[:limit]
    for problem in listed:
        where = problem.item_id or problem.path or ""
        where = "" if problem.reason.startswith(where) else f"{where}: "  # reasons from errors name the path
        out.print(f"[{'red' if problem.severity != 'warning' else 'yellow'}]{problem.severity:7}[/] "
                  f"{problem.kind}: {shown(where)}{shown(problem.reason)}")
    if len(listed) < len(report.problems):
        out.print(f"... and {len(report.problems) - len(listed)} more (--all lists them)")


@data_app.command("show", context_settings=EXTRA_ARGS)
def show_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., help=PATH_HELP),
    out: Path = typer.Option(Path("sheet.png"), "--out", "-o", help="The contact sheet PNG to write."),
    n: int = typer.Option(24, "-n", min=1, max=400, help="How many items to show."),
    split: str = typer.Option("", help="Show only this split (train, val or test); all when empty."),
    seed: int = typer.Option(0, help="Seed of the random sample of items."),
    cell: int = typer.Option(160, min=48, max=512, help="Side of each picture in px."),
    force: bool = typer.Option(False, "--force", help="Replace an --out file that sbkit did not write."),
) -> None:
    """Write a contact sheet of sample items: picture, caption, and the real sketch when there is one.

    Dataset parameters are given as --data.<param> VALUE.
    """
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.io import atomic_write
    from sbkit.paths import check_output, not_written_by_sbkit, png_mark
    from sbkit.progress import console

    catalogue = resolve_catalogue(path, _params(ctx))
    check_output(out, inputs={"the catalogue": path}, folders={"the catalogue": catalogue.root}, force=force,
                 conflict=not_written_by_sbkit)
    items = catalogue.split(split) if split else catalogue.items
    if not items:
        raise DataError(f"{path}: no items{f' in split {split!r}' if split else ''} to show")
    sample = random.Random(seed).sample(items, min(n, len(items)))
    sheet = contact_sheet(sample, cell)
    atomic_write(out, lambda tmp: sheet.save(tmp, format="PNG", pnginfo=png_mark()))
    console.print(f"wrote {shown(str(out))} ({len(sample)} of {len(items)} items)")


@data_app.command("export", context_settings=EXTRA_ARGS)
def export_command(
    ctx: typer.Context,
    data: str = typer.Option(..., "--data", help=PATH_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="The folder of shards to write."),
    fmt: str = typer.Option(..., "--format", help="webdataset (tar shards) or parquet."),
    shard_items: int = typer.Option(1000, "--shard-items", min=1, help="Items per shard file."),
    force: bool = typer.Option(False, "--force", help="Replace --out when it already exists."),
) -> None:
    """Write a catalogue as WebDataset tar shards or Parquet files, which --data then reads as they are.

    Photos and sketches are copied as their encoded bytes, so the shards give the same pixels.
    The folder appears complete or not at all; items whose photo cannot be read are listed in
    its skipped.jsonl. Dataset parameters are given as --data.<param> VALUE (e.g. --data.size
    120 for the demo).
    """
    from sbkit.data.export import export_catalogue
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.progress import console

    result = export_catalogue(resolve_catalogue(data, _params(ctx)), out, fmt, shard_items, force)
    note = f"; {len(result.skipped)} left out (skipped.jsonl)" if result.skipped else ""
    files = f"{result.files} {fmt} file" + ("" if result.files == 1 else "s")
    console.print(f"wrote {result.items} items in {files} to {shown(str(result.out))}{note}")


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans (shipped with matplotlib; covers Latin, Greek, Cyrillic, Arabic), else PIL's default."""
    from PIL import ImageFont

    try:
        from matplotlib import font_manager

        return ImageFont.truetype(font_manager.findfont("DejaVu Sans", fallback_to_default=True), size)
    except (ImportError, OSError, ValueError):
        return ImageFont.load_default()


def _thumbnail(path: Path | None, cell: int, sketch: bool) -> Image.Image:
    import numpy as np
    from PIL import Image, ImageDraw

    from sbkit.data.images import read_image, read_sketch

    tile = Image.new("RGB", (cell, cell), "white")
    if path is None:
        return tile
    try:
        pixels = read_sketch(path) if sketch else read_image(path)
    except SbkitError:
        ImageDraw.Draw(tile).text((6, cell // 2), "unreadable", fill=(200, 0, 0), font=_font(12))
        return tile
    picture = Image.fromarray(np.asarray(pixels)).convert("RGB")
    picture.thumbnail((cell, cell))
    tile.paste(picture, ((cell - picture.width) // 2, (cell - picture.height) // 2))
    return tile


def contact_sheet(items: list[CatalogueItem], cell: int = 160, columns: int = 4) -> Image.Image:
    """A grid of items: each shows its picture, its sketch beside it when it has one, and its caption."""
    from PIL import Image, ImageDraw

    font, pad, lines = _font(max(cell // 12, 10)), 6, 4
    line_height = font.getbbox("Hg")[3] + 3
    width, height = 2 * cell + pad, cell + pad + line_height * (lines + 1)
    columns = max(1, min(columns, len(items)))
    rows = (len(items) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (width + pad) + pad, rows * (height + pad) + pad), (235, 235, 235))
    draw = ImageDraw.Draw(sheet)
    chars = max(int(2 * cell / (font.getlength("n") if hasattr(font, "getlength") else 6)), 8)
    for index, item in enumerate(items):
        x = pad + (index % columns) * (width + pad)
        y = pad + (index // columns) * (height + pad)
        draw.rectangle([x, y, x + width - 1, y + height - 1], fill="white")
        sheet.paste(_thumbnail(item.image, cell, sketch=False), (x, y))
        if item.sketch is not None:
            sheet.paste(_thumbnail(item.sketch, cell, sketch=True), (x + cell + pad, y))
        else:
            draw.text((x + cell + 2 * pad, y + cell // 2), "no sketch", fill=(150, 150, 150), font=font)
        header = f"{item.id} [{item.split}{', ' + item.category if item.category else ''}]"
        text = textwrap.wrap(item.caption or "(no caption)", chars)[:lines]
        for row, line in enumerate([header, *text]):
            draw.text((x + 2, y + cell + pad // 2 + row * line_height), line, font=font,
                      fill=(90, 90, 90) if row == 0 else (0, 0, 0))
    return sheet


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
