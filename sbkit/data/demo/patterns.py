"""Surface patterns, one per brand: a small repeating tile, laid over the frame and turned with the item."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

PATTERNS: tuple[str, ...] = ("pinstripes", "stripes", "checks", "polka dots", "monogram", "chevrons", "plain")
DETAIL = 4  # tiles are drawn this many times larger, then reduced, for smooth edges
AA = cv2.LINE_AA


def _periods(pattern: str, step: int) -> tuple[int, int]:
    """(height, width) of one repeat, in pixels."""
    if pattern == "pinstripes":
        return 1, max(3, round(step * 0.7))
    if pattern == "stripes":
        return step, 1
    if pattern in ("polka dots", "monogram"):
        return 2 * step, step
    if pattern == "chevrons":
        return max(3, round(step * 0.8)), step
    return step, step


def _motif(canvas: np.ndarray, pattern: str, x: float, y: float, step: float) -> None:
    """Draw one motif centred at (x, y) on a tile ``DETAIL`` times larger than the final tile."""
    def at(px: float, py: float) -> tuple[int, int]:
        return int(round(px * DETAIL)), int(round(py * DETAIL))

    if pattern == "polka dots":
        cv2.circle(canvas, at(x, y), int(round(max(1.0, step * 0.2) * DETAIL)), 255, -1, AA)
    elif pattern == "monogram":  # a small diamond with a dot inside
        r = max(1.5, step * 0.28)
        diamond = np.array([at(x, y - r), at(x + r * 0.8, y), at(x, y + r), at(x - r * 0.8, y)], np.int32)
        cv2.polylines(canvas, [diamond], True, 255, DETAIL, AA)
        cv2.circle(canvas, at(x, y), DETAIL // 2 + 1, 255, -1, AA)


@lru_cache(maxsize=256)
def pattern_tile(pattern: str, step: int) -> np.ndarray:
    """One repeat of ``pattern`` at spacing ``step`` px, as uint8 ink (255 is full ink)."""
    height, width = _periods(pattern, step)
    big = np.zeros((height * DETAIL, width * DETAIL), np.uint8)
    if pattern == "pinstripes":
        big[:, (width * DETAIL) // 2 - DETAIL // 2 : (width * DETAIL) // 2 + DETAIL // 2] = 255
    elif pattern == "stripes":
        band = max(1, round(step * 0.32)) * DETAIL
        big[:band] = 255
    elif pattern == "checks":  # crossings print darker than single bars, as in a woven check
        bar = max(1, round(step * 0.3)) * DETAIL
        ink = np.zeros(big.shape, np.float32)
        ink[:bar] += 0.55
        ink[:, :bar] += 0.55
        big = (np.clip(ink, 0, 1) * 255).astype(np.uint8)
    elif pattern in ("polka dots", "monogram"):
        for dy in (-height, 0, height):  # copies across the edges so the tile wraps seamlessly
            for dx in (-width, 0, width):
                _motif(big, pattern, width / 2 + dx, step / 2 + dy, step)
                _motif(big, pattern, dx, step * 1.5 + dy, step)
    elif pattern == "chevrons":
        thick = max(1, round(step * 0.12)) * DETAIL
        zigzag = np.array([[-width / 2, height * 0.8], [0, height * 0.35], [width / 2, height * 0.8],
                           [width, height * 0.35], [width * 1.5, height * 0.8]]) * DETAIL
        for dy in (-height, 0, height):
            cv2.polylines(big, [(zigzag + [0, dy * DETAIL]).astype(np.int32)], False, 255, thick, AA)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)


def pattern_ink(pattern: str, size: int, step: float, phase: tuple[float, float], angle: float,
                centre: tuple[float, float]) -> np.ndarray:
    """(size, size) float32 ink in [0, 1]: ``pattern`` at spacing ``step`` px, shifted by ``phase``, turned by
    ``angle`` degrees (counter-clockwise) about ``centre``."""
    if pattern == "plain":
        return np.zeros((size, size), np.float32)
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; choose from {', '.join(PATTERNS)}")
    tile = pattern_tile(pattern, max(3, round(step)))
    height, width = tile.shape
    span = 2 * size  # enough for any small turn about any point in the frame
    sheet = np.tile(tile, (math.ceil(span / height) + 1, math.ceil(span / width) + 1))
    # Map the sheet's middle onto ``centre``, shifted by the phase and turned.
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    offset = np.array([phase[0] * width + size / 2, phase[1] * height + size / 2])
    matrix[:, 2] -= matrix[:, :2] @ offset
    turned = cv2.warpAffine(sheet, matrix, (size, size), flags=cv2.INTER_LINEAR)
    return turned.astype(np.float32) / 255.0
