"""``outline``: the silhouette and a few long interior lines, as a person draws; texture edges are dropped."""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from sbkit.errors import ConfigError, check
from sbkit.sketch.edges import AutoMethod
from sbkit_opencv.canny_clahe import CannyClahe, background_level

def item_mask(ink: np.ndarray, close_fraction: float = 0.04, cut: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool silhouette of the product from its edge map: edges closed into regions, holes filled;
    components under 5% of the largest one's area are dropped.

    ``cut`` (H, W) bool marks where the item itself reaches the frame (only its outermost rows and columns are
    read). Those frame pixels count as edges, so an item cut off by the frame is closed along the cut instead
    of being filled in from outside through it.
    """
    height, width = ink.shape
    edges = ink.astype(np.uint8)
    if cut is not None:
        edges |= cut_along_frame(cut)
    side = max(3, round(close_fraction * min(height, width)) | 1)
    mask = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
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


def cut_along_frame(cut: np.ndarray, min_run: float = 0.03, max_share: float = 0.5) -> np.ndarray:
    """(H, W) uint8, 1 on the frame's outermost pixels where ``cut`` runs unbroken for at least ``min_run`` of
    the side (texture and noise make only short runs). Nothing when the cut covers more than ``max_share`` of
    the frame: the item then is not an object on a backdrop, cut off at one side."""
    out = np.zeros(cut.shape, np.uint8)
    lines = [cut[0], cut[-1], cut[:, 0], cut[:, -1]]
    if np.concatenate(lines).mean() > max_share:
        return out
    kernel = np.ones((1, max(3, round(min_run * min(cut.shape))) | 1), np.uint8)  # odd: no shift
    runs = [cv2.morphologyEx(line.astype(np.uint8)[None], cv2.MORPH_OPEN, kernel)[0] for line in lines]
    out[0] |= runs[0]
    out[-1] |= runs[1]
    out[:, 0] |= runs[2]
    out[:, -1] |= runs[3]
    return out


def frame_cut(gray: np.ndarray, delta: float = 12.0) -> np.ndarray:
    """(H, W) bool: pixels more than ``delta`` grey levels from the background (the border's median), after a
    light blur; on the frame's edge these are where the item runs out of the picture."""
    blurred = cv2.GaussianBlur(gray, (0, 0), 1.0).astype(np.int16)
    return np.abs(blurred - int(background_level(gray))) > delta


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
        mask = item_mask(ink, cut=frame_cut(gray))
        sketch = np.full(gray.shape, 255, np.uint8)
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if self.smooth > 0:
            contours = [cv2.approxPolyDP(c, self.smooth * cv2.arcLength(c, True), True) for c in contours]
        cv2.drawContours(sketch, contours, -1, 0, 1)
        sketch[[0, -1], :] = sketch[:, [0, -1]] = 255  # where the frame cuts the item: not a line of the item
        inside = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        lines = long_lines(ink, inside, round(self.min_length * min(gray.shape)), self.interior)
        sketch[lines] = 0
        return sketch
