"""One normalisation for every sketch, made or drawn: crop to the ink, pad to a square, one line width.

Training sketches come from photos and query sketches come from people; both pass through
:func:`normalize_sketch` before an encoder sees them, so stroke width, framing and polarity never
tell the two apart.
"""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.data.images import border_pixels
from sbkit.errors import ShapeError, check


def ensure_dark_on_white(gray: np.ndarray) -> np.ndarray:
    """Invert light-on-dark drawings (judged by the border, which is background in any sane drawing)."""
    return 255 - gray if np.median(border_pixels(gray)) < 128 else gray


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Boolean mask of the strokes of a dark-on-white drawing (Otsu, capped so paper texture stays paper)."""
    if gray.max() - gray.min() < 16:  # blank page: no strokes at all
        return np.zeros(gray.shape, dtype=bool)
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return gray <= min(float(otsu), 200.0)  # cv2 puts pixels <= the threshold on the dark side


def redraw_lines(ink: np.ndarray, line_width: int) -> np.ndarray:
    """Thin a boolean ink mask to one-pixel strokes, then dilate them to ``line_width`` px."""
    from skimage.morphology import skeletonize  # 0.5 s to import; only normalising needs it

    skeleton = skeletonize(ink)
    if line_width > 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (line_width, line_width))
        skeleton = cv2.dilate(skeleton.astype(np.uint8), kernel) > 0
    return skeleton


def normalize_sketch(sketch: np.ndarray, size: int = 128, margin: float = 0.08, line_width: int = 2) -> np.ndarray:
    """(H, W) or (H, W, 3|4) drawing -> (size, size) uint8, dark lines of ``line_width`` px on white.

    Args:
        sketch: the drawing, any polarity; RGB(A) is reduced to gray.
        size: output side in pixels.
        margin: blank border on each side, as a fraction of ``size``.
        line_width: every stroke is thinned to one pixel, then redrawn at this width.
    """
    check(sketch.ndim in (2, 3) and min(sketch.shape[:2]) >= 1, f"sketch must be (H, W) or (H, W, C), got {sketch.shape}",
          ShapeError)
    gray = sketch
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    gray = ensure_dark_on_white(gray.astype(np.uint8))
    ink = ink_mask(gray)
    out = np.full((size, size), 255, dtype=np.uint8)
    if not ink.any():
        return out
    rows, cols = np.nonzero(ink)
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    inner = max(1, int(round(size * (1 - 2 * margin))))
    scale = inner / max(crop.shape)
    height, width = max(1, int(round(crop.shape[0] * scale))), max(1, int(round(crop.shape[1] * scale)))
    # Any coverage counts as ink: a 1 px pen line in a 2000 px drawing covers a few percent of an output
    # pixel, and lines come back to one width after thinning anyway.
    resized = cv2.resize(crop.astype(np.uint8) * 255, (width, height), interpolation=cv2.INTER_AREA) > 0
    skeleton = redraw_lines(resized, line_width)
    top, left = (size - height) // 2, (size - width) // 2
    out[top : top + height, left : left + width][skeleton] = 0
    return out
