"""``sbkit search``: rank a run's gallery for a drawing, a caption or both."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from sbkit.limits import COLOUR_CANDIDATES, COLOUR_CATEGORIES_FROM, COLOUR_WEIGHT, MAX_COLOUR_WEIGHT

SEARCH_HELP = ("Rank the gallery of RUN_DIR for a drawing (--sketch), a caption (--text) or both.\n\n"
               "The drawing may be any size, dark lines on light or light on dark, transparent (strokes in the "
               "alpha channel or on a transparent background), an SVG from a vector app, or a photo of a drawing on "
               "paper (HEIC from a phone included); it is normalised "
               "exactly like the run's training sketches. Prints a table of the top -k results and writes a "
               "contact sheet.\n\n"
               "The run's own test index (RUN_DIR/index) is searched unless --index names one built with `sbkit "
               "index build`.")


def _sheet_path(run_dir: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = run_dir / f"search-{stamp}.png"
    n = 2
    while path.exists():
        path = run_dir / f"search-{stamp}-{n}.png"
        n += 1
    return path


def search_command(
    run_dir: Path = typer.Argument(..., help="A run folder written by `sbkit run`."),
    sketch: Path = typer.Option(None, "--sketch", "-s",
                                help="A drawing of the item: PNG, JPEG, SVG or another image type, or a photo "
                                     "of paper."),
    text: str = typer.Option(None, "--text", "-t", help="A caption, e.g. \"a long red trouser\"."),
    k: int = typer.Option(10, "-k", "--top", min=1, help="How many results to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only (ids, scores, paths, captions); a sheet "
                                 "is written only when --sheet is given."),
    sheet: Path = typer.Option(None, "--sheet", help="Contact sheet PNG to write.",
                               show_default="RUN_DIR/search-<time>.png"),
    index: Path = typer.Option(None, "--index", help="An index folder made by `sbkit index build` for this run.",
                               show_default="RUN_DIR/index, the run's test gallery"),
    data: str = typer.Option(None, "--data", help="The catalogue the index holds (dataset name or path), for "
                             "photos and captions.",
                             show_default="the one recorded with the index"),
    exact_text: bool = typer.Option(False, "--exact-text", help="Read the caption as typed. By default a word "
                                    "the gallery's captions never use, the plural or singular of a word they "
                                    "do ('boots': boot) or one typo from it (two for words of 8+ letters), is "
                                    "read as that word, a garment word they never use as their word for the "
                                    "same item ('pants': trouser, by WordNet), a colour name they never use as "
                                    "their nearest colour, and a note says so."),
    colour_weight: float = typer.Option(COLOUR_WEIGHT, "--colour-weight", min=0.0, max=MAX_COLOUR_WEIGHT,
                                        help="When the caption names a colour, how much a photo of that very "
                                             f"colour gains among the best {COLOUR_CANDIDATES} results (of the "
                                             f"categories of the model's first {COLOUR_CATEGORIES_FROM}), its "
                                             "colour read from the photo itself; 0 ranks by the model alone."),
    device: str = typer.Option("cpu", "--device", help="auto, cpu or cuda[:N]."),
    force: bool = typer.Option(False, "--force", help="Replace a --sheet file that sbkit did not write."),
) -> None:
    """Search a run's gallery with a sketch and/or a caption (see `sbkit search --help`)."""
    from sbkit.console_text import print_warning
    from sbkit.errors import DataError, check
    from sbkit.limits import check_query_text
    from sbkit.paths import check_output, not_written_by_sbkit
    from sbkit.progress import console as errors
    from sbkit.retrieval.retriever import Retriever
    from sbkit.retrieval.search import write_sheet

    check(sketch is not None or (text is not None and text.strip()),
          "give a query: --sketch drawing.png, --text \"a long red trouser\", or both", DataError)
    check(sheet is None or not sheet.is_dir(), f"--sheet {sheet} is a folder; pass a .png file name", DataError)
    if sheet is not None:
        check_output(sheet, "--sheet", inputs={"the --sketch drawing": sketch}, force=force,
                     conflict=not_written_by_sbkit)
    check_query_text(text)  # before the model loads
    retriever = Retriever.from_run(run_dir, index=index, data=data, device=device)
    result = retriever.search(sketch=sketch, text=text, k=k, exact_text=exact_text, colour_weight=colour_weight)
    gallery, index_dir = retriever.gallery, retriever.index_dir
    unavailable = [f"photos and captions unavailable for {problem}" for problem in
                   (gallery.problems if gallery is not None else [])]
    sheet_path = None
    if sheet is not None or not as_json:
        sheet_path = write_sheet(result, gallery, sheet or _sheet_path(retriever.run.run_dir),
                                 title=_title(sketch, result.text))
    if as_json:
        payload = {
            "run": str(retriever.run.run_dir), "index": str(index_dir),
            "query": {"sketch": None if sketch is None else str(sketch), "text": result.text,
                      "text_understood": result.text_understood, "unknown_words": result.unknown_words,
                      "corrections": result.corrections, "colour": result.colour},
            "sheet": None if sheet_path is None else str(sheet_path),
            "mode": result.mode, "timings_ms": result.timings.to_dict(),
            "warnings": result.warnings + unavailable,
            "results": [hit.to_dict() for hit in result.hits],
        }
        for warning in payload["warnings"]:
            print_warning(errors, warning)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    reading = [f"{result.reading}; --exact-text keeps the words as typed"] if result.reading else []
    colour = [f"ranked toward photos that are {result.colour}; --colour-weight 0 ranks by the model alone"
              ] if result.colour else []
    _print_table(result, index_dir, sheet_path, reading + colour + unavailable)
    for warning in result.warnings:
        print_warning(errors, warning)


def _title(sketch: Path | None, text: str | None) -> str:
    parts = ([f"sketch {sketch.name}"] if sketch is not None else []) + ([f'"{text}"'] if text else [])
    return "sbkit search: " + " + ".join(parts)


def _print_table(result, index_dir: Path, sheet_path: Path | None, notes: list[str]) -> None:
    from rich.table import Table

    from sbkit.console_text import make_console, shown

    console = make_console()
    table = Table(title=f"Top {len(result.hits)} in {shown(index_dir)}")
    table.add_column("rank", justify="right")
    table.add_column("id")
    table.add_column("score", justify="right")
    show_captions = any(hit.caption for hit in result.hits)
    if show_captions:
        table.add_column("caption")
    for hit in result.hits:
        row = [str(hit.rank), shown(hit.id), f"{hit.score:.3f}"]
        table.add_row(*row, *([shown(hit.caption or "")] if show_captions else []))
    console.print(table)
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {shown(note)}")
    if sheet_path is not None:
        console.print(f"contact sheet: [bold]{shown(sheet_path)}[/bold]")


def register(app: typer.Typer) -> None:
    app.command("search", help=SEARCH_HELP)(search_command)
