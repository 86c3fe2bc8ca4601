"""``outline``: the silhouette and a few long interior lines, as a person draws; texture edges are dropped."""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from sbkit.errors import ConfigError, check
from sbkit.sketch.edges import AutoMethod
from sbkit_opencv.canny_clahe import CannyClahe

def item_mask(ink: np.ndarray, close_fraction: float = 0.04) -> np.ndarray:
    """(H, W) bool silhouette of the product from its edge map: edges closed into regions, holes filled;
    components under 5% of the largest one's area are dropped."""
    height, width = ink.shape
    side = max(3, round(close_fraction * min(height, width)) | 1)
    mask = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    outside = np.pad(mask, 1, constant_values=0)
    flood = np.zeros((height + 4, width + 4), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 2)  # the background reachable from the border becomes 2
    filled = outside[1:-1, 1:-1] != 2
    count, labels, stats, _ = cv2.connectedComponentsWithStats(filled.astype(np.uint8), connectivity=8)
    if count <= 1:
        return filled
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.concatenate([[False], areas >= 0.05 * areas.max()])
    return keep[labels]


def long_lines(ink: np.ndarray, inside: np.ndarray, min_pixels: int, count: int) -> np.ndarray:
    """The ``count`` longest 8-connected ink components within ``inside`` that have at least ``min_pixels``."""
    if count <= 0:
        return np.zeros_like(ink)
    number, labels, stats, _ = cv2.connectedComponentsWithStats((ink & inside).astype(np.uint8), connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    order = np.argsort(-sizes)[:count]
    keep = np.zeros(number, bool)
    keep[1 + order[sizes[order] >= min_pixels]] = True
    return keep[labels]


class Outline(CannyClahe):
    """The item's outline plus its few longest interior lines: closer to a drawing than an edge trace.

    The outline is the boundary of the product's silhouette (its Canny edges closed into regions, holes
    filled), smoothed by polygon simplification. Inside it only the
    ``interior`` longest Canny edges survive (seams, a waistband, a sole line), so prints, knit and
    shading leave no marks. Edges come from ``canny-clahe``, whose parameters it takes too.

    Args:
        interior: most interior lines kept, longest first; 0 draws the outline alone.
        min_length: an interior line needs at least this many pixels, as a fraction of the image side.
        smooth: polygon simplification of the outline, as a fraction of its perimeter; 0 keeps every pixel.
    """

    name = "outline"
    description = "Silhouette outline plus the few longest interior lines; drops texture, like a drawing."

    def __init__(self, interior: int = 4, min_length: float = 0.15, smooth: float = 0.004,
                 adaptive: Literal["caption", "image", "both"] = "both", equalize: Literal["clahe", "hist"] = "clahe",
                 clip_limit: float = 2.0, tile_grid: int = 8, light_level: int = 170, max_contrast: int = 40,
                 flatten: bool = True, sigma: float = 1.0, t: float = 0.5, method: AutoMethod = "contrast",
                 low: float | None = None, high: float | None = None, **shared: Any) -> None:
        super().__init__(adaptive=adaptive, equalize=equalize, clip_limit=clip_limit, tile_grid=tile_grid,
                         light_level=light_level, max_contrast=max_contrast, flatten=flatten, sigma=sigma, t=t,
                         method=method, low=low, high=high, **shared)
        check(interior >= 0, f"outline interior must be >= 0, got {interior}", ConfigError)
        check(0 <= min_length <= 1, f"outline min_length is a fraction of the side in [0, 1], got {min_length}",
              ConfigError)
        check(0 <= smooth < 0.1, f"outline smooth must be in [0, 0.1), got {smooth}", ConfigError)
        self.interior, self.min_length, self.smooth = interior, min_length, smooth

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        gray = self.gray(image)
        ink = self.item_edges(gray, caption) < 128
        mask = item_mask(ink)
        sketch = np.full(gray.shape, 255, np.uint8)
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if self.smooth > 0:
            contours = [cv2.approxPolyDP(c, self.smooth * cv2.arcLength(c, True), True) for c in contours]
        cv2.drawContours(sketch, contours, -1, 0, 1)
        inside = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        lines = long_lines(ink, inside, round(self.min_length * min(gray.shape)), self.interior)
        sketch[lines] = 0
        return sketch
