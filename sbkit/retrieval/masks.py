"""Small helpers on boolean ink masks, shared by the steps of query cleaning."""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # left, top, right, bottom; right and bottom exclusive


def disc(diameter: int) -> np.ndarray:
    """An OpenCV elliptic structuring element of ``diameter`` px."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def box(mask: np.ndarray) -> Box:
    """The box around a mask's pixels."""
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    return left, top, left + width, top + height


def extent(ink: np.ndarray) -> int:
    """The longer side, in pixels, of the box around a bool ink mask's ink (0 when it has none)."""
    left, top, right, bottom = box(ink)
    return max(right - left, bottom - top)


def shrunk(ink: np.ndarray, ink_extent: int, side: int) -> np.ndarray:
    """``ink`` scaled down so that an ``ink_extent`` px wide drawing is ``side`` px (any coverage counts, as in
    normalize_sketch); as it is when it is no larger."""
    if ink_extent <= side:
        return ink
    height, width = ink.shape
    scale = side / ink_extent
    return cv2.resize(ink.astype(np.uint8) * 255, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA) > 0


def full_size(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A bool mask found on a shrunk drawing, back at the drawing's ``shape``."""
    if mask.shape == shape[:2]:
        return mask
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST) > 0
