"""Sketch-only retrieval for the same drawings handed in the ways people hand them in.

    python benchmarks/drawing_styles.py RUN_DIR [--limit N] [--markdown docs/drawing-styles-table.md]
        [--sheet docs/img/drawing-styles.png [--sheet-item ID]]

The demo's drawn sketches are 128 px PNGs, dark 1-3 px strokes on white. People draw on a tablet with a thin
pen on a large page, with a marker, small in a corner of the page, going over each line twice, in broken
strokes, with shading, filled in, with the item's pattern drawn in, in pencil photographed with a phone, in
blue ink on ruled paper, in chalk, on a transparent layer, signed in a corner, with a note and an arrow
beside, photographed lying on a table, scanned in light pencil or a pale pen (yellow, pink...), in pencil on
ruled paper, with notes on other sides, in other fonts and words, in pencil on a dot-grid journal page, or
coloured in with a dark marker under lines in a black pen. The two ruled pages have twins, the same drawing on
a plain page ("blue pen, plain page", "pencil, plain page"): what erasing the rules aims at; the dot-grid
pencil is drawn as the plain-page pencil is. The demo keeps each test drawing's strokes (an SVG beside its
PNG), so every test item of a demo run is drawn again in each of those styles from the same strokes and
searched through `sbkit.Retriever`, sketch only, as `sbkit search` does. A style that loses much against "as
drawn" is one the query cleaning (`sbkit.retrieval.query`) does not yet undo. ``--sheet PATH`` draws one item
in every style, beside the sketch the model is given for it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_run import open_demo_run  # noqa: E402 - a sibling script, not a package

import sbkit  # noqa: E402
from sbkit.data.adapters.svg import svg_strokes  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.errors import DataError  # noqa: E402
from sbkit.evaluation.contact_sheet import photo_sketch_grid  # noqa: E402
from sbkit.evaluation.tables import print_table  # noqa: E402
from sbkit.progress import progress_bar  # noqa: E402
from sbkit.retrieval.query import prepare_query  # noqa: E402

Strokes = list[np.ndarray]


class Drawn(NamedTuple):
    """One test drawing as the demo keeps it: its strokes in a ``frame`` px square, and its item's pattern."""

    strokes: Strokes
    frame: int
    pattern: str = "plain"


Style = Callable[[Drawn, np.random.Generator], np.ndarray]
SHIFT = 4  # fractional bits for OpenCV's anti-aliased drawing


def draw(strokes: Strokes, frame: int, page: tuple[int, int], box: tuple[float, float, float], width: int,
         canvas: np.ndarray | None = None, ink: int | tuple[int, ...] = 0) -> np.ndarray:
    """Strokes given in a ``frame`` px square, drawn into ``box`` (left, top, side) of a page (height, width)."""
    if canvas is None:
        canvas = np.full(page, 255, np.uint8)
    left, top, side = box
    for stroke in strokes:
        points = (stroke * side / frame + (left, top)) * (1 << SHIFT)
        cv2.polylines(canvas, [np.round(points).astype(np.int32).reshape(-1, 1, 2)], False, ink, max(1, width),
                      cv2.LINE_AA, SHIFT)
    return canvas


def silhouette(strokes: Strokes, frame: int, side: int) -> np.ndarray:
    """The area the strokes enclose, as a bool (side, side) mask: gaps up to 3% of the side are closed first."""
    lines = draw(strokes, frame, (side, side), (0, 0, side), 2) < 128
    gap = max(3, side * 3 // 100) | 1
    closed = cv2.morphologyEx(lines.astype(np.uint8), cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (gap, gap)))
    flood = np.pad(closed, 1)
    mask = np.zeros((side + 4, side + 4), np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 2)
    return flood[1:-1, 1:-1] != 2


def tablet(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return draw(drawn.strokes, drawn.frame, (800, 800), (60, 60, 680), 1)


def marker(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return draw(drawn.strokes, drawn.frame, (800, 800), (60, 60, 680), 20)


def small_in_a_corner(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return draw(drawn.strokes, drawn.frame, (1000, 1000), (40, 40, 280), 2)


def traced_twice(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    canvas = np.full((512, 512), 255, np.uint8)
    for _ in range(2):
        moved = [s + rng.normal(0.0, drawn.frame * 0.008, 2) + rng.normal(0.0, drawn.frame * 0.004, s.shape)
                 for s in drawn.strokes]
        draw(moved, drawn.frame, canvas.shape, (0, 0, 512), 2, canvas)
    return canvas


def broken_strokes(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    pieces = []
    for stroke in drawn.strokes:
        cuts = np.sort(rng.choice(np.arange(1, len(stroke)), size=min(len(stroke) - 1, 3), replace=False)) \
            if len(stroke) > 4 else np.array([], int)
        for piece in np.split(stroke, cuts):
            keep = max(2, int(len(piece) * 0.8))  # each piece stops short of the next one
            pieces.append(piece[:keep])
    return draw(pieces, drawn.frame, (512, 512), (0, 0, 512), 2)


def shaded(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    side = 512
    inside = silhouette(drawn.strokes, drawn.frame, side)
    hatch = np.full((side, side), 255, np.uint8)
    step = side // 24
    for offset in range(-side, side, step):
        cv2.line(hatch, (offset, side), (offset + side, 0), 90, 2, cv2.LINE_AA)
    canvas = np.where(inside, hatch, 255).astype(np.uint8)
    return draw(drawn.strokes, drawn.frame, (side, side), (0, 0, side), 3, canvas)


def filled_in(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    side = 512
    inside = silhouette(drawn.strokes, drawn.frame, side)
    canvas = np.where(inside, 0, 255).astype(np.uint8)  # coloured in with the same pen
    return draw(drawn.strokes, drawn.frame, (side, side), (0, 0, side), 3, canvas)


MARKERS = {"navy": (25, 35, 110), "burgundy": (110, 25, 45), "forest green": (30, 85, 45),
           "chocolate": (85, 55, 35), "charcoal": (70, 70, 75), "red": (190, 35, 45)}  # RGB
MARKER_SWEEP = 12  # px: the width of one sweep of the marker


def marker_under_pen(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    """Coloured in with a marker of a dark or strong colour, as people colour an item in its own, in streaks
    a little lighter or darker, then every line drawn over it in a black pen."""
    side = 512
    inside = silhouette(drawn.strokes, drawn.frame, side)
    colour = np.array(list(MARKERS.values())[int(rng.integers(len(MARKERS)))], np.float32)
    sweeps = np.repeat(rng.normal(1, 0.06, side // MARKER_SWEEP + 1), MARKER_SWEEP)[:side]  # a shade per sweep
    fill = np.clip(colour * sweeps[:, None, None], 0, 255)
    canvas = np.where(inside[..., None], np.broadcast_to(fill, (side, side, 3)), 255).astype(np.uint8)
    return draw(drawn.strokes, drawn.frame, (side, side), (0, 0, side), 3, canvas, (0, 0, 0))


def pattern_lines(pattern: str, side: int, spacing: float, rng: np.random.Generator) -> np.ndarray:
    """A person's rendering of a surface ``pattern`` over a (side, side) page, lines ``spacing`` px apart, in a
    2 px pen held a little off square: stripes and pinstripes as lines, checks as a grid, dots as small rings,
    monogram as small diamonds, chevrons as zigzags (plain: nothing)."""
    page = np.full((side, side), 255, np.uint8)
    tilt = np.deg2rad(rng.normal(0.0, 3.0))
    along, across = np.array([np.cos(tilt), np.sin(tilt)]), np.array([-np.sin(tilt), np.cos(tilt)])
    centre = np.array([side / 2, side / 2])
    steps = np.arange(-side, side + spacing, spacing)

    def line(start: np.ndarray, end: np.ndarray) -> None:
        cv2.line(page, tuple(np.round(start).astype(int)), tuple(np.round(end).astype(int)), 0, 2, cv2.LINE_AA)

    if pattern in ("stripes", "checks"):
        for offset in steps:
            line(centre + offset * across - side * along, centre + offset * across + side * along)
    if pattern in ("pinstripes", "checks"):
        for offset in steps:
            line(centre + offset * along - side * across, centre + offset * along + side * across)
    if pattern == "chevrons":
        zigzag = np.where(np.arange(len(steps)) % 2 == 0, 0.3, -0.3) * spacing
        for offset in steps:
            points = centre + steps[:, None] * along + (offset + zigzag)[:, None] * across
            cv2.polylines(page, [np.round(points).astype(np.int32)], False, 0, 2, cv2.LINE_AA)
    if pattern in ("polka dots", "monogram"):
        radius = max(2, round(spacing * 0.15))
        for row, offset in enumerate(steps):
            for x in steps + (spacing / 2 if row % 2 else 0.0):
                at = tuple(np.round(centre + x * along + offset * across).astype(int))
                if pattern == "polka dots":
                    cv2.circle(page, at, radius, 0, 2, cv2.LINE_AA)
                else:
                    diamond = np.array([[0, -1], [0.8, 0], [0, 1], [-0.8, 0]]) * radius * 1.4 + at
                    cv2.polylines(page, [np.round(diamond).astype(np.int32)], True, 0, 2, cv2.LINE_AA)
    return page


def pattern_drawn_in(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    """The item's own pattern drawn inside its outline, 6 to 14 repeats across the item, as a shopper
    sketching "a striped shirt" draws the stripes."""
    side = 512
    inside = silhouette(drawn.strokes, drawn.frame, side)
    rows, cols = np.nonzero(inside)
    extent = max(np.ptp(rows), np.ptp(cols), 1) if len(rows) else side
    pattern = pattern_lines(drawn.pattern, side, extent / rng.uniform(6, 14), rng)
    canvas = np.where(inside, pattern, 255).astype(np.uint8)
    return draw(drawn.strokes, drawn.frame, (side, side), (0, 0, side), 3, canvas)


def pencil_photo(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    height, width = 900, 1200
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 0.72 + 0.25 * (cols / width) * (1 - 0.4 * rows / height)  # a lamp to the right, falling off
    paper = np.stack([238 * light, 228 * light, 205 * light], axis=-1) + rng.normal(0, 4, (height, width, 1))
    ink = draw(drawn.strokes, drawn.frame, (height, width), (280, 120, 660), 3) / 255.0
    graphite = paper * (ink[..., None] * 0.55 + 0.45)
    photo = np.clip(cv2.GaussianBlur(graphite, (0, 0), 1.0), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)  # channel order does not matter for these colours' greys


def plain_page(side: int = 800) -> np.ndarray:
    return np.full((side, side, 3), 252, np.uint8)


def ruled_page(side: int = 800) -> np.ndarray:
    """A page of a notebook: light blue rules and a red margin."""
    page = plain_page(side)
    for y in range(40, side, 32):
        cv2.line(page, (0, y), (side, y), (170, 200, 235), 1, cv2.LINE_AA)
    cv2.line(page, (90, 0), (90, side), (235, 150, 150), 2, cv2.LINE_AA)
    return page


def dot_grid_page(rng: np.random.Generator, side: int = 800) -> np.ndarray:
    """A page of a dot-grid journal: grey dots 3 to 7 px across, 24 to 32 px apart."""
    page = plain_page(side)
    spacing, radius, grey = int(rng.integers(24, 33)), int(rng.integers(1, 4)), int(rng.integers(130, 201))
    start_x, start_y = (int(start) for start in rng.integers(0, spacing, 2))
    for y in range(start_y, side, spacing):
        for x in range(start_x, side, spacing):
            cv2.circle(page, (x, y), radius, (grey, grey, grey), -1, cv2.LINE_AA)
    return page


def blue_pen(drawn: Drawn, page: np.ndarray) -> np.ndarray:
    return draw(drawn.strokes, drawn.frame, (800, 800), (110, 60, 660), 3, page, (30, 40, 140))


def ruled_paper(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return blue_pen(drawn, ruled_page())


def blue_pen_plain_page(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return blue_pen(drawn, plain_page())


def scanned_pencil(drawn: Drawn, rng: np.random.Generator, page: np.ndarray) -> np.ndarray:
    """Pencil from dark to as light as a ruled page's rules (the grey changes from stroke to stroke), the page
    turned by up to 3 degrees on the scanner."""
    for stroke in drawn.strokes:
        grey = int(rng.integers(110, 201))
        draw([stroke], drawn.frame, (800, 800), (110, 60, 660), 2, page, (grey, grey, grey))
    turn = cv2.getRotationMatrix2D((400, 400), float(rng.uniform(-3, 3)), 1.0)
    return scanned(cv2.warpAffine(page, turn, (800, 800), borderValue=(252, 252, 252)), rng)


def pencil_on_ruled_paper(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return scanned_pencil(drawn, rng, ruled_page())


def pencil_plain_page(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return scanned_pencil(drawn, rng, plain_page())


def pencil_on_dot_grid(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    return scanned_pencil(drawn, rng, dot_grid_page(rng))


def chalk(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    board = np.full((600, 600), 40, np.uint8)
    draw(drawn.strokes, drawn.frame, board.shape, (40, 40, 520), 5, board, 235)
    grain = rng.random(board.shape) < 0.25  # chalk skips on the board's grain
    return np.where(grain & (board > 100), 150, board).astype(np.uint8)


def signed(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    page = draw(drawn.strokes, drawn.frame, (800, 800), (80, 60, 560), 3)
    cv2.putText(page, "A.K. 12/3", (560, 770), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
    return page


def note_beside(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    page = draw(drawn.strokes, drawn.frame, (700, 1100), (40, 60, 560), 3)
    right = int(np.nonzero((page < 128).any(axis=0))[0].max()) + int(rng.uniform(20, 40))
    y = int(rng.uniform(0.35, 0.65) * 560 + 60)
    cv2.arrowedLine(page, (right + 90, y), (right, y), 0, 3, cv2.LINE_AA, tipLength=0.2)
    words = ("navy!", "size 38", "like this", "longer?", "red", "no logo")
    cv2.putText(page, str(rng.choice(words)), (right + 100, y + 12), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.6, 0, 3,
                cv2.LINE_AA)
    return page


NOTE_WORDS = ("pleats", "gold buttons", "softer", "no zip", "wider hem", "leather?", "this length")
NOTE_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
              cv2.FONT_HERSHEY_SCRIPT_COMPLEX)


def write_note(page: np.ndarray, rng: np.random.Generator, x: int, baseline: int, align: str) -> None:
    """A word or two in a random font and size, starting at x (align "left"), ending there ("right") or
    centred on it ("centre")."""
    font, scale, words = NOTE_FONTS[rng.integers(len(NOTE_FONTS))], rng.uniform(0.9, 1.3), str(rng.choice(NOTE_WORDS))
    width = cv2.getTextSize(words, font, scale, 2)[0][0]
    left = {"left": x, "right": x - width, "centre": x - width // 2}[align]
    cv2.putText(page, words, (max(2, left), baseline), font, scale, 0, 2, cv2.LINE_AA)


def around_middle(rng: np.random.Generator, low: int, high: int) -> int:
    """A random point in the middle 40% of [low, high]."""
    return int(rng.uniform(low + 0.3 * (high - low), high - 0.3 * (high - low)))


def notes_elsewhere(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    """Notes laid out as `note_beside` never lays them: on the left, below, at the end of a plain slanted line,
    or one on either side, in other fonts and words."""
    layout = int(rng.integers(4))
    page = draw(drawn.strokes, drawn.frame, (1000, 1500), (470, 120, 560), 3)
    rows, columns = np.nonzero(page < 128)
    left, top, right, bottom = columns.min(), rows.min(), columns.max(), rows.max()
    y = around_middle(rng, top, bottom)
    if layout in (0, 3):  # an arrow from the left (and, for 3, another from the right)
        tip = left - int(rng.uniform(25, 50))
        tail = tip - int(rng.uniform(80, 140))
        cv2.arrowedLine(page, (tail, y), (tip, y), 0, 2, cv2.LINE_AA, tipLength=0.15)
        write_note(page, rng, tail - int(rng.uniform(8, 20)), y + 10, "right")
    if layout == 1:  # an arrow from below
        x = around_middle(rng, left, right)
        tip = bottom + int(rng.uniform(25, 50))
        tail = tip + int(rng.uniform(90, 150))
        cv2.arrowedLine(page, (x, tail), (x, tip), 0, 3, cv2.LINE_AA, tipLength=0.15)
        write_note(page, rng, x, tail + int(rng.uniform(35, 50)), "centre")
    if layout == 2:  # a plain line, slanting up to the note
        start = right + int(rng.uniform(20, 45))
        end, rise = start + int(rng.uniform(80, 160)), int(rng.uniform(0, 40))
        cv2.line(page, (start, y), (end, y - rise), 0, 2, cv2.LINE_AA)
        write_note(page, rng, end + int(rng.uniform(8, 20)), y - rise + 10, "left")
    if layout == 3:
        other = around_middle(rng, top, bottom)
        tip = right + int(rng.uniform(25, 50))
        tail = tip + int(rng.uniform(80, 140))
        cv2.arrowedLine(page, (tail, other), (tip, other), 0, 3, cv2.LINE_AA, tipLength=0.2)
        write_note(page, rng, tail + int(rng.uniform(8, 20)), other + 10, "left")
    return page


def page_on_a_table(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    height, width = 900, 1200
    photo = np.full((height, width, 3), (95, 70, 50), np.float32) + rng.normal(0, 6, (height, width, 1))
    sheet = np.array([[210, 60], [1010, 90], [985, 860], [190, 835]], np.int32)  # the page, a little turned
    cv2.fillPoly(photo, [sheet], (240, 236, 226))
    ink = draw(drawn.strokes, drawn.frame, (height, width), (340, 170, 560), 3) / 255.0
    photo = np.clip(cv2.GaussianBlur(photo * (ink[..., None] * 0.7 + 0.3), (0, 0), 1.0), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 75])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def scanned(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A page as a flatbed scanner gives it: a little sensor noise, a slight blur, JPEG at quality 85."""
    noisy = page.astype(np.float32) + rng.normal(0, 2, page.shape).astype(np.float32)
    blurred = np.clip(cv2.GaussianBlur(noisy, (0, 0), 0.7), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)


def light_pencil(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    page = np.full((800, 800), 246, np.uint8)
    for stroke in drawn.strokes:  # the pressure, and so the grey, changes from stroke to stroke
        draw([stroke], drawn.frame, page.shape, (80, 80, 640), 2, page, int(rng.integers(195, 216)))
    return scanned(page, rng)


PALE_PENS = {"yellow": (245, 215, 40), "orange": (250, 180, 60), "light green": (140, 220, 110),
             "pink": (245, 150, 200), "sky blue": (110, 190, 240)}


def pale_pen(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    pen = list(PALE_PENS.values())[rng.integers(len(PALE_PENS))]
    page = draw(drawn.strokes, drawn.frame, (800, 800), (80, 80, 640), 3, np.full((800, 800, 3), 250, np.uint8), pen)
    return scanned(page, rng)


def transparent(drawn: Drawn, rng: np.random.Generator) -> np.ndarray:
    alpha = 255 - draw(drawn.strokes, drawn.frame, (512, 512), (0, 0, 512), 3)
    return np.dstack([np.zeros((512, 512, 3), np.uint8), alpha])


STYLES: dict[str, Style] = {
    "tablet, 1 px pen": tablet,
    "marker, 20 px pen": marker,
    "small, in a corner": small_in_a_corner,
    "traced twice": traced_twice,
    "broken strokes": broken_strokes,
    "hatched inside": shaded,
    "filled in": filled_in,
    "pattern drawn in": pattern_drawn_in,
    "pencil photo": pencil_photo,
    "ruled paper": ruled_paper,
    "chalk": chalk,
    "transparent": transparent,
    "signed": signed,
    "note and arrow": note_beside,
    "page on a table": page_on_a_table,
    "light pencil": light_pencil,
    "pale pen": pale_pen,
    "pencil on ruled paper": pencil_on_ruled_paper,
    "notes, other layouts": notes_elsewhere,
    "blue pen, plain page": blue_pen_plain_page,
    "pencil, plain page": pencil_plain_page,
    "pencil on dot-grid paper": pencil_on_dot_grid,
    "marker under a pen": marker_under_pen,
}
TWINS = {"blue pen, plain page": "ruled paper", "pencil, plain page": "pencil on ruled paper"}  # same draws
AS_DRAWN = "as drawn"


def drawings(item: sbkit.data.catalogue.CatalogueItem, seed: int, number: int) -> dict[str, np.ndarray]:
    """The item's drawing as the demo wrote it, then in every style, drawn from its strokes.

    Each style of each item (the ``number``-th searched) draws its random parts from a stream of its own, so
    adding a style leaves every other style's drawings as they were. A twin in ``TWINS`` (the same drawing on a
    plain page) shares its ruled style's stream: the same greys, turn and scanner noise."""
    sketch = read_image(item.sketch)
    drawn = Drawn(svg_strokes(item.attributes["strokes"]), sketch.shape[0], item.attributes.get("pattern", "plain"))
    stream = {label: index for index, label in enumerate(STYLES)}
    return {AS_DRAWN: sketch} | {
        label: style(drawn, np.random.default_rng([seed, number, stream[TWINS.get(label, label)]]))
        for label, style in STYLES.items()}


def write_sheet(retriever: sbkit.Retriever, item: sbkit.data.catalogue.CatalogueItem, path: Path,
                seed: int) -> Path:
    """One item: a column per style; above, the drawing handed in, below, the sketch the model is given
    (a transparent drawing is shown by its opacity)."""
    config = retriever.run.config
    columns = {}
    for label, image in drawings(item, seed, 0).items():
        shown = image if image.ndim == 2 or image.shape[2] == 3 else 255 - image[..., 3]
        columns[label] = [shown, prepare_query(image, config.image_size, config.line_width)]
    return photo_sketch_grid(columns, path, thumb=128)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on the demo catalogue")
    parser.add_argument("--limit", type=int, default=0, help="search only the first N test items (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the styles' random parts")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    parser.add_argument("--sheet", type=Path, help="also draw one item in every style (a PNG contact sheet)")
    parser.add_argument("--sheet-item", help="the test item id for --sheet (default: the first)")
    args = parser.parse_args()

    retriever, _, _, drawn = open_demo_run(parser, args.run_dir)
    items = [item for item in drawn if item.attributes.get("strokes")]
    if not items:
        parser.error(f"{args.run_dir}: no test item has a drawn sketch with its strokes (regenerate the demo)")
    items = items[: args.limit] if args.limit > 0 else items
    labels = [AS_DRAWN, *STYLES]
    ranks = {label: [] for label in labels}
    refused = dict.fromkeys(labels, 0)
    with progress_bar("drawing styles", len(items)) as advance:
        for number, item in enumerate(items):
            for label, image in drawings(item, args.seed, number).items():
                try:
                    ids = [hit.id for hit in retriever.search(sketch=image, k=len(retriever), mode="sketch").hits]
                except DataError:
                    refused[label] += 1
                    ranks[label].append(len(retriever))
                    continue
                ranks[label].append(ids.index(item.id) + 1)
            advance(1)

    reference = np.asarray(ranks[AS_DRAWN])
    rows = []
    for label in labels:
        rank = np.asarray(ranks[label])
        rows.append({"style": label, "R@1": float(np.mean(rank == 1)), "R@10": float(np.mean(rank <= 10)),
                     "median rank": float(np.median(rank)),
                     "R@10 x as drawn": float(np.mean(rank <= 10) / max(np.mean(reference <= 10), 1e-9)),
                     "refused": refused[label]})
    columns = ["style", "R@1", "R@10", "median rank", "R@10 x as drawn", "refused"]
    title = (f"Sketch-only retrieval of {len(items)} demo test items by drawing style "
             f"(run {args.run_dir}, {len(retriever)} items in the gallery)")
    print_table(title, rows, columns, args.markdown, left=["style"])
    if args.sheet:
        chosen = [item for item in items if item.id == args.sheet_item] if args.sheet_item else items[:1]
        if not chosen:
            raise SystemExit(f"--sheet-item {args.sheet_item}: no such test item among the {len(items)} searched")
        Console().print(f"sheet: {write_sheet(retriever, chosen[0], args.sheet, args.seed)} ({chosen[0].id})")


if __name__ == "__main__":
    main()
