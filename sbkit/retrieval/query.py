"""Query drawings: any size, either polarity, transparency or a photo of paper, to a training-style sketch.

Every query sketch ends in :func:`sbkit.sketch.normalize_sketch` with the run's ``image_size`` and
``line_width``, exactly as training sketches did. Before that, :func:`clean_drawing` turns whatever a
person handed in into crisp dark strokes on white:

- transparency: strokes are the opaque pixels, whatever colour hides under the transparent ones;
- polarity: light strokes on a dark ground are inverted (judged by the median, since background is the
  larger part of any line drawing, and by the picture's outermost pixels, which are paper round an item
  coloured in over most of the page);
- faint ink: strokes in light pencil or a light-coloured pen are made as dark as any other
  (:func:`ink_gray`, :func:`darken_faint_ink`), so they are not taken for a blank page;
- ruled or squared paper: printed lines that run across the page in a ruling, and a margin square to them,
  are erased, except where a darker stroke crosses them (:mod:`sbkit.retrieval.ruled`), so a pencil as light
  as the rules is not lost among them; so are the printed dots of dot-grid paper (:mod:`sbkit.retrieval.dotted`);
- a photo of paper: a page lying on a darker surface is taken alone (:func:`blank_outside_page`), and
  uneven lighting is flattened by dividing by the paper's own brightness (a grey closing, which removes
  strokes thinner than its kernel), so a shadow is never taken for ink;
- specks of noise are dropped, and so are marks set well apart from the drawing, such as a signature or a
  page number, and a note written beside it with a line or an arrow pointing at it
  (:mod:`sbkit.retrieval.marks`); drawings over ``MAX_SIDE`` px are scaled down;
- several views of the item side by side (a flat's front and back, a pair of shoes): the first is kept
  (:mod:`sbkit.retrieval.views`), since a photo shows the item once;
- an item coloured in and outlined in a darker pen has its fill made paper, so its lines remain; coloured
  in with no such outline, it is made solid ink (:mod:`sbkit.retrieval.fills`);
- areas coloured in or hatched are reduced to their outlines, and hatching to the lines drawn across it
  (:mod:`sbkit.retrieval.areas`): training sketches are lines, and thinning a filled area would leave its
  medial axis, a shape no photo's sketch has.

:func:`prepare_query` then widens strokes too thin to survive the scale-down inside ``normalize_sketch``
(a 1 px pen line in a large drawing would otherwise vanish), and normalises.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from sbkit.data.images import MAX_PIXELS, absent_reason, border_pixels, open_image, svg_drawing, to_rgb, upright
from sbkit.errors import DataError, ShapeError, check
from sbkit.retrieval.areas import outline_areas
from sbkit.retrieval.dotted import erase_grid_dots
from sbkit.retrieval.fills import settle_fills
from sbkit.retrieval.levels import levels
from sbkit.retrieval.marks import drop_notes, drop_pointed_notes, drop_specks
from sbkit.retrieval.masks import disc
from sbkit.retrieval.ruled import erase_printed_lines
from sbkit.retrieval.views import first_view
from sbkit.sketch import ink_mask, normalize_sketch
from sbkit.sketch.job_read import resize_longest

BACKGROUND_SIDE = 256  # the paper's brightness is estimated at this resolution
UNEVEN = 0.08  # flatten when the paper's brightness varies by more than this fraction
PAGE_CONTRAST = 0.7  # a surface under the page is darker than this fraction of the paper's brightness
PAGE_AROUND = 0.2  # ... and lines at least this fraction of the photo's edge (a thick line run off it does not)
PAGE_EDGE = 0.05  # ... and meets the paper in a step of at least this fraction of it per pixel (at 256 px)
PAGE_FILL = 0.9  # a sheet of paper fills at least this fraction of its convex hull
PAGE_MARGIN = 0.015  # the page's border (its shadow, its edge) is blanked this far in, as a fraction of the side
FAINT_INK = 150  # strokes whose darkest pixels (levels.INK_SHARE of the picture) stay lighter than this are faint
FAINT_CONTRAST = 20  # faint strokes are darkened when they stand at least this many levels below the paper
FAINT_NOISE = 8  # ... and at least this many times the paper's own noise, so a blank page's grain stays paper
MAX_SIDE = 2048  # larger drawings (phone photos) are scaled down first; the sketch ends far smaller anyway


class DrawingTooLarge(DataError):
    """A drawing over the pixel limit, refused from its header before decoding."""


def drawing_pixels(img: Image.Image) -> np.ndarray:
    """A PIL image of any mode, turned upright by its EXIF orientation (a phone photo of a drawing), as (H, W)
    uint8 gray, or (H, W, 4) RGBA uint8 when it has transparency."""
    img = upright(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return np.ascontiguousarray(np.asarray(img.convert("RGBA"), dtype=np.uint8))
    img.load()
    if img.mode == "L":
        return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    return cv2.cvtColor(np.asarray(to_rgb(img), dtype=np.uint8), cv2.COLOR_RGB2GRAY)


def decode_drawing(source: BinaryIO | Path, label: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode a drawing (a file path or an open binary stream) as (H, W) uint8 gray, or (H, W, 4) RGBA uint8
    when it has transparency.

    The pixel count is read from the header and checked before any pixel is decoded. ``label`` names the
    drawing in error messages.

    Raises:
        DataError: not an image, corrupt or truncated, too large or too small.
    """
    drawn = svg_drawing(source, label)
    if drawn is not None:
        return drawn
    try:
        with open_image(source) as img:
            width, height = img.size
            check(width * height <= max_pixels, f"{label}: {width}x{height} is larger than the "
                  f"{max_pixels:,}-pixel limit; scale the drawing down", DrawingTooLarge)
            check(min(width, height) >= 2, f"{label}: {width}x{height} is too small to hold a drawing; send a "
                  "PNG, JPEG or SVG drawing of at least 2 x 2 pixels", DataError)
            return drawing_pixels(img)
    except DataError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DrawingTooLarge(f"{label}: larger than the {max_pixels:,}-pixel limit (a decompression bomb is refused "
                              "before decoding); scale the drawing down") from None
    except UnidentifiedImageError:
        raise DataError(f"{label}: not a readable image (no PNG, JPEG or other known image format); send a PNG, "
                        "JPEG or SVG drawing") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise DataError(f"{label}: corrupt or truncated image ({exc}); send the whole PNG, JPEG or SVG file") from None


def read_drawing(path: str | Path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read a drawing file as (H, W) uint8 gray or (H, W, 4) RGBA uint8 when it has transparency."""
    path = Path(path)
    check(path.is_file(), f"sketch {path}: {absent_reason(path)}; pass --sketch a PNG, JPEG or SVG drawing", DataError)
    return decode_drawing(path, f"sketch {path}", max_pixels)


def flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) -> (H, W) gray: the opaque pixels over a ground that contrasts with them.

    Covers strokes kept only in the alpha channel (one flat colour) and dark or light strokes on a
    transparent background, whatever colour the transparent pixels hold.
    """
    alpha = rgba[..., 3].astype(np.float32) / 255
    gray = cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    if alpha.min() >= 250 / 255:  # opaque everywhere: the alpha channel says nothing
        return gray.astype(np.uint8)
    opaque = alpha > 0.5
    ink_is_dark = not opaque.any() or float(np.median(gray[opaque])) < 128
    ground = 255.0 if ink_is_dark else 0.0
    return np.clip(gray * alpha + ground * (1 - alpha), 0, 255).round().astype(np.uint8)


def as_uint8(image: np.ndarray) -> np.ndarray:
    """A drawing array of any common pixel type as uint8: bool as 0/255, 16-bit values scaled like 16-bit PNG
    files, floats read as [0, 1] when they stay within it, else as [0, 255]."""
    kind = image.dtype.kind
    if image.dtype == np.uint8:
        return image
    if kind == "b":
        return image.astype(np.uint8) * 255
    check(kind in "uif", f"a query drawing must hold numbers (uint8, 16-bit, float or bool), got dtype "
          f"{image.dtype}", ShapeError)
    if kind == "f":
        check(bool(np.isfinite(image).all()), "a query drawing holds NaN or infinite values; pass finite pixel "
              "values", ShapeError)
    low, high = float(image.min()), float(image.max())
    if kind == "f" and low >= 0 and high <= 1:
        return np.round(image * 255).astype(np.uint8)
    if low >= 0 and high <= 255:
        return np.round(image).astype(np.uint8) if kind == "f" else image.astype(np.uint8)
    check(kind in "ui" and low >= 0 and high <= 65535, f"a query drawing's values run from {low:g} to {high:g}; "
          "pass 8-bit (0-255), 16-bit (0-65535) or float (0-1) pixels", ShapeError)
    return np.round(image.astype(np.float64) / 65535 * 255).astype(np.uint8)


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 3) RGB or (H, W, 4) RGBA uint8 -> (H, W) uint8 gray with transparency resolved."""
    check(isinstance(image, np.ndarray) and image.ndim in (2, 3) and min(image.shape[:2]) >= 2,
          f"a query drawing must be a (H, W) or (H, W, 3|4) array, got {getattr(image, 'shape', image)!r}",
          ShapeError)
    image = as_uint8(image)
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return flatten_alpha(image)
    check(image.shape[2] in (1, 3), f"a query drawing needs 1, 3 or 4 channels, got {image.shape[2]}", ShapeError)
    return image[..., 0] if image.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)


def light_on_dark(gray: np.ndarray) -> bool:
    """Whether a drawing has light lines on a dark ground: its median pixel and its outermost pixels are both
    dark. The ground is the larger part of a line drawing, but an item coloured in over most of the page is
    larger still, with paper round it; a dark edge alone could be a table round a photographed page."""
    return float(np.median(gray)) < 128 and float(np.median(border_pixels(gray))) < 128


def _faint(gray: np.ndarray) -> tuple[int, int] | None:
    """The ink's and the paper's levels of a dark-on-light drawing whose strokes are faint, yet stand clear of
    the paper's noise (see ``FAINT_INK``, ``FAINT_CONTRAST`` and ``FAINT_NOISE``); None for any other drawing,
    light-on-dark ones included (their darkest pixels are the ground)."""
    ink, paper, noise = levels(gray)
    return (ink, paper) if ink >= FAINT_INK and paper - ink >= max(FAINT_CONTRAST, FAINT_NOISE * noise) else None


def ink_gray(image: np.ndarray) -> np.ndarray:
    """:func:`to_gray`, except for a colour drawing whose strokes are faint in grey, such as a yellow pen's on
    white: then its darkest channel, where a saturated colour stands out (blue, for yellow), if the strokes
    stand further from the paper there. Dark strokes never take this path, so ruled lines and a red margin,
    pale in grey, stay paper under them."""
    gray = to_gray(image)
    faint = _faint(gray) if image.ndim == 3 and image.shape[2] == 3 else None
    if faint is None:
        return gray
    red, green, blue = cv2.split(np.ascontiguousarray(as_uint8(image)))
    darkest = cv2.min(cv2.min(red, green), blue)  # numpy's min over the channel axis is 15x slower
    ink, paper, _ = levels(darkest)
    return darkest if paper - ink > faint[1] - faint[0] else gray


def darken_faint_ink(gray: np.ndarray) -> np.ndarray:
    """Stretch a dark-on-light drawing's levels so that faint strokes (light pencil, a pale pen) turn black and
    the paper white; any other drawing is returned as it is."""
    faint = _faint(gray)
    if faint is None:
        return gray
    ink, paper = faint
    levels = np.clip((np.arange(256) - ink) * 255 / (paper - ink), 0, 255).astype(np.uint8)
    return cv2.LUT(gray, levels)


def _paper_field(gray: np.ndarray) -> np.ndarray:
    """The background's brightness at up to ``BACKGROUND_SIDE`` px: a grey closing (strokes removed), smoothed.

    Float32 (H', W'); blurring floats is several times faster than blurring uint8 in OpenCV.
    """
    small = _small(gray)
    side = max(3, (max(small.shape) // 12) | 1)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, disc(side))
    return cv2.GaussianBlur(closed.astype(np.float32), (0, 0), side / 2)


def _small(gray: np.ndarray) -> np.ndarray:
    """``gray`` at ``BACKGROUND_SIDE`` px at most."""
    return resize_longest(gray, BACKGROUND_SIDE) if max(gray.shape) > BACKGROUND_SIDE else gray


def paper_brightness(gray: np.ndarray) -> np.ndarray:
    """The background's brightness at every pixel, float32 at full size (see :func:`_paper_field`)."""
    field = _paper_field(gray)
    height, width = gray.shape
    return field if field.shape == gray.shape else cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)


def _page(gray: np.ndarray) -> np.ndarray | None:
    """The sheet of paper in a photo of a drawing lying on a darker surface: a bool mask at up to
    ``BACKGROUND_SIDE`` px, or None when the whole picture is the page.

    The page is the largest bright region of the photo once a median filter has smoothed the strokes away
    (with its holes, such as a coloured-in item, filled). It counts only when it is paper-coloured (light),
    nearly convex, and meets a markedly darker surround in a sharp step, a surround that lines a good part
    of the photo's edge: a lamp's fall-off across a page is smooth, a table's edge is not, and a thick
    stroke run off the page meets the edge only where it ends.
    """
    smooth = cv2.medianBlur(_small(gray), 5)
    field = smooth.astype(np.float32)
    _, bright = cv2.threshold(smooth, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    page = np.pad(labels == largest, 1)
    outside = np.zeros((page.shape[0] + 2, page.shape[1] + 2), np.uint8)
    cv2.floodFill(page.view(np.uint8), outside, (0, 0), 1)  # marks what lies around the page, holes excluded
    page = ~outside[2:-2, 2:-2].astype(bool)
    edge = np.concatenate([page[0], page[-1], page[:, 0], page[:, -1]])
    if page.mean() < 0.2 or edge.mean() > 1 - PAGE_AROUND:
        return None
    paper = float(field[page].mean())
    hull = cv2.convexHull(cv2.findNonZero(page.astype(np.uint8)))
    if (paper < 128 or float(field[~page].mean()) > PAGE_CONTRAST * paper
            or page.sum() < PAGE_FILL * cv2.contourArea(hull)):
        return None
    ring = page & ~cv2.erode(page.astype(np.uint8), disc(3)).astype(bool)
    step = np.hypot(cv2.Sobel(field, cv2.CV_32F, 1, 0), cv2.Sobel(field, cv2.CV_32F, 0, 1)) / 8  # per pixel
    return page if float(np.median(step[ring])) > PAGE_EDGE * paper * 256 / max(field.shape) else None


def blank_outside_page(gray: np.ndarray) -> np.ndarray:
    """Paper-white everywhere but the page, for a photo of a drawing on a darker surface (see :func:`_page`),
    with the page's own border (``PAGE_MARGIN``) blanked too; any other drawing is returned as it is."""
    page = _page(gray)
    if page is None:
        return gray
    height, width = gray.shape
    page = cv2.resize(page.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    page = cv2.erode(page, disc(max(3, round(max(height, width) * PAGE_MARGIN) | 1))).astype(bool)
    return np.where(page, gray, np.uint8(np.median(gray[page]) if page.any() else 255))


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide a dark-on-light drawing by its paper's brightness when the lighting is uneven; else return it.

    Evenness is judged on the small brightness field, so an evenly lit drawing (any digital one) costs no
    full-size work.
    """
    field = _paper_field(gray)
    low, high = np.percentile(field, [2, 98])
    if high <= 0 or (high - low) / high <= UNEVEN:
        return gray
    height, width = gray.shape
    paper = field if field.shape == gray.shape else cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(gray.astype(np.float32) / np.maximum(paper, 1.0) * 255, 0, 255).astype(np.uint8)


def clean_drawing(image: np.ndarray) -> np.ndarray:
    """Any drawing (see the module docs) -> (H, W) uint8, pure black strokes on white, at most ``MAX_SIDE`` px."""
    gray = ink_gray(image)
    colours = as_uint8(image) if image.ndim == 3 and image.shape[2] == 3 else None
    if max(gray.shape) > MAX_SIDE:
        gray = resize_longest(gray, MAX_SIDE)
        colours = None if colours is None else resize_longest(colours, MAX_SIDE)
    gray = blank_outside_page(gray)
    if light_on_dark(gray):
        gray, colours = 255 - gray, None  # lines over a fill are then told apart in the inverted grey
    gray = settle_fills(gray, gray if colours is None else colours)
    gray = darken_faint_ink(erase_grid_dots(erase_printed_lines(flatten_background(gray))))
    ink = outline_areas(first_view(drop_pointed_notes(drop_notes(drop_specks(ink_mask(gray))))))
    return np.where(ink, 0, 255).astype(np.uint8)


def prepare_query(image: np.ndarray, size: int, line_width: int) -> np.ndarray:
    """A query drawing as the model saw training sketches: (size, size) uint8, dark lines on white.

    Args:
        image: the drawing, (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA uint8, any size and polarity.
        size: the run's ``image_size``.
        line_width: the run's ``line_width``.

    Raises:
        DataError: the drawing holds no strokes.
    """
    ink = clean_drawing(image) == 0
    check(bool(ink.any()), "the query drawing holds no strokes (a blank or flat image); draw dark "
          "lines on a light background, or light lines on a dark one", DataError)
    return normalize_sketch(np.where(ink, 0, 255).astype(np.uint8), size=size, line_width=line_width)


def load_query(path: str | Path, size: int, line_width: int) -> np.ndarray:
    """Read a drawing file and prepare it with :func:`prepare_query`."""
    try:
        return prepare_query(read_drawing(path), size, line_width)
    except DataError as exc:
        message = str(exc)
        raise DataError(message if str(path) in message else f"sketch {path}: {message}") from None
