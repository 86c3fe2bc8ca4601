"""Contact sheets: query sketches (and captions) beside their ranked results, and photo/sketch grids."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sbkit.errors import DataError, ShapeError, check
from sbkit.io import atomic_write
from sbkit.paths import png_mark

WHITE = (255, 255, 255)
INK = (30, 30, 30)
MUTED = (110, 110, 110)
FRAME = (190, 190, 190)
HIT = (20, 160, 60)
EMPTY = (236, 236, 236)
_CAPTION_LINES = 4


@dataclass
class SheetRow:
    """One query and its ranked results.

    Attributes:
        query_sketch: (H, W) uint8 sketch, dark lines on white; None for a text-only query.
        caption: The query's text, or None for a sketch-only query.
        results: Ranked result photos, best first, each (H, W, 3) RGB uint8.
        hits: One flag per result: True where it is the query's true item.
        labels: Optional text under each result, e.g. its score.
        query_image: Optional photo of the true item, shown small beside the sketch.
    """

    query_sketch: np.ndarray | None
    caption: str | None
    results: list[np.ndarray]
    hits: list[bool]
    labels: list[str] | None = None
    query_image: np.ndarray | None = None


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _thumbnail(image: np.ndarray, size: int, what: str) -> Image.Image:
    """Fit a (H, W) or (H, W, 3) uint8 image into a white ``size`` x ``size`` square, keeping its aspect."""
    check(isinstance(image, np.ndarray) and image.dtype == np.uint8 and (
        image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3))),
        f"{what}: expected a (H, W) or (H, W, 3) uint8 array, got "
        f"{getattr(image, 'dtype', type(image).__name__)} {getattr(image, 'shape', '')}", ShapeError)
    picture = Image.fromarray(image.squeeze(2) if image.ndim == 3 and image.shape[2] == 1 else image).convert("RGB")
    picture.thumbnail((size, size), Image.Resampling.LANCZOS)
    square = Image.new("RGB", (size, size), WHITE)
    square.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    return square


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int,
          max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; the last line ends in an ellipsis when text is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    cut = len(lines) > max_lines
    lines = lines[:max_lines]
    for n, line in enumerate(lines):
        if draw.textlength(line, font=font) > width or (cut and n == len(lines) - 1):
            while line and draw.textlength(line + "…", font=font) > width:
                line = line[:-1]
            lines[n] = line + "…"
    return lines


def _line_height(font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> int:
    top, bottom = font.getbbox("Ag|")[1::2]
    return int(bottom - top) + 3


def _save_png(image: Image.Image, path: Path) -> Path:
    return atomic_write(path, lambda tmp: image.save(tmp, format="PNG", pnginfo=png_mark()))


def contact_sheet(rows: list[SheetRow], path: Path, title: str | None = None, thumb: int = 96,
                  legend: str = "results, best first (green frame: true item)") -> Path:
    """Draw each query (sketch, caption, optional true photo) beside its ranked results, and write a PNG.

    True items get a thick green frame, other results a thin grey one; each result carries its rank above
    and its label (if any) below.

    Args:
        rows: One :class:`SheetRow` per query.
        path: Output PNG, written atomically.
        title: Optional heading at the top.
        thumb: Side of each result thumbnail in pixels.

    Returns:
        ``path``.
    """
    check(len(rows) > 0, f"contact_sheet: no rows to draw for {path}; pass at least one SheetRow", DataError)
    for i, row in enumerate(rows):
        check(len(row.hits) == len(row.results), f"contact_sheet: row {i} has {len(row.results)} results but "
              f"{len(row.hits)} hit flags; give one flag per result", ShapeError)
        check(row.labels is None or len(row.labels) == len(row.results), f"contact_sheet: row {i} has "
              f"{len(row.results)} results but {len(row.labels or [])} labels; give one label per result",
              ShapeError)
    pad = max(6, thumb // 12)
    text_font, small_font, title_font = _font(max(11, thumb // 8)), _font(max(10, thumb // 9)), _font(
        max(14, thumb // 5))
    text_h, small_h, title_h = _line_height(text_font), _line_height(small_font), _line_height(title_font)
    mini = thumb // 2
    has_photo = any(r.query_image is not None for r in rows)
    query_w = thumb + (pad // 2 + mini if has_photo else 0)
    columns = max(len(r.results) for r in rows)
    frame = max(3, thumb // 24)
    cell = thumb + 2 * frame
    gap = 2 * pad  # between the query panel and the results
    width = pad + query_w + gap + columns * (cell + pad)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    captions = [_wrap(scratch, r.caption, text_font, query_w, _CAPTION_LINES) if r.caption else [] for r in rows]
    result_h = small_h + cell + (small_h if any(r.labels for r in rows) else 0)
    heights = [max(small_h + thumb + pad // 2 + len(c) * text_h, result_h) for c in captions]
    top = pad + (title_h + pad if title else 0) + small_h
    height = top + sum(h + 2 * pad for h in heights) + pad

    sheet = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, pad), title, fill=INK, font=title_font)
    x_results = pad + query_w + gap
    draw.text((pad, top - small_h), "query", fill=MUTED, font=small_font)
    draw.text((x_results, top - small_h), legend, fill=MUTED, font=small_font)
    y = top
    for i, (row, caption, row_h) in enumerate(zip(rows, captions, heights)):
        draw.line([(pad, y + pad // 2), (width - pad, y + pad // 2)], fill=EMPTY, width=1)
        y += pad
        y_image = y + small_h
        if row.query_sketch is not None:
            sheet.paste(_thumbnail(row.query_sketch, thumb, f"contact_sheet: row {i} query_sketch"), (pad, y_image))
        else:
            draw.rectangle([pad, y_image, pad + thumb - 1, y_image + thumb - 1], fill=EMPTY)
            draw.text((pad + thumb // 2, y_image + thumb // 2), "text-only", fill=MUTED, font=small_font, anchor="mm")
        draw.rectangle([pad, y_image, pad + thumb - 1, y_image + thumb - 1], outline=FRAME, width=1)
        if row.query_image is not None:
            x_mini = pad + thumb + pad // 2
            sheet.paste(_thumbnail(row.query_image, mini, f"contact_sheet: row {i} query_image"), (x_mini, y_image))
            draw.rectangle([x_mini, y_image, x_mini + mini - 1, y_image + mini - 1], outline=FRAME, width=1)
            draw.text((x_mini, y_image + mini + 2), "true item", fill=MUTED, font=small_font)
        for n, line in enumerate(caption):
            draw.text((pad, y_image + thumb + pad // 2 + n * text_h), line, fill=INK, font=text_font)
        for rank, (result, hit) in enumerate(zip(row.results, row.hits), 1):
            x = x_results + (rank - 1) * (cell + pad)
            draw.text((x + cell // 2, y), f"#{rank}", fill=HIT if hit else MUTED, font=small_font, anchor="mt")
            sheet.paste(_thumbnail(result, thumb, f"contact_sheet: row {i} result {rank}"), (x + frame, y_image + frame))
            box = [x, y_image, x + cell - 1, y_image + cell - 1]
            if hit:
                draw.rectangle(box, outline=HIT, width=frame)
            else:
                draw.rectangle([x + frame - 1, y_image + frame - 1, x + frame + thumb, y_image + frame + thumb],
                               outline=FRAME, width=1)
            if row.labels:
                draw.text((x + cell // 2, y_image + cell + 2), row.labels[rank - 1], fill=INK, font=small_font,
                          anchor="mt")
        y += row_h + pad
    return _save_png(sheet, Path(path))


def photo_sketch_grid(columns: dict[str, list[np.ndarray]], path: Path, thumb: int = 96) -> Path:
    """A grid with one column per source (e.g. ``photo``, then one per sketchifier) and one row per item.

    Args:
        columns: Column header -> images, (H, W) gray or (H, W, 3) RGB uint8; every column the same length.
        path: Output PNG, written atomically.
        thumb: Side of each cell's image in pixels.

    Returns:
        ``path``.
    """
    check(len(columns) > 0, f"photo_sketch_grid: no columns to draw for {path}", DataError)
    lengths = {name: len(images) for name, images in columns.items()}
    check(len(set(lengths.values())) == 1 and next(iter(lengths.values())) > 0,
          f"photo_sketch_grid: every column needs the same number of images (at least one), got {lengths}",
          ShapeError)
    pad = max(6, thumb // 12)
    font = _font(max(11, thumb // 8))
    header_h = _line_height(font)
    n_rows = next(iter(lengths.values()))
    width = pad + len(columns) * (thumb + pad)
    height = pad + header_h + pad // 2 + n_rows * (thumb + pad)
    grid = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(grid)
    for c, (name, images) in enumerate(columns.items()):
        x = pad + c * (thumb + pad)
        label = _wrap(draw, name, font, thumb, 1)[0] if name.strip() else ""
        draw.text((x + thumb // 2, pad), label, fill=INK, font=font, anchor="mt")
        for r, image in enumerate(images):
            y = pad + header_h + pad // 2 + r * (thumb + pad)
            grid.paste(_thumbnail(image, thumb, f"photo_sketch_grid: column {name!r} row {r}"), (x, y))
            draw.rectangle([x - 1, y - 1, x + thumb, y + thumb], outline=FRAME, width=1)
    return _save_png(grid, Path(path))
