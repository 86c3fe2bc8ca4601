"""Dot-grid paper under a drawing: find its printed dots and erase them before thresholding.

The dots of a bullet-journal page can be as dark as a pencil and are spread evenly over the whole page, so
left in they join into one area the size of the page and the drawing is lost in it. :func:`grid_dots` finds
them as small blobs each with at least two of its four nearest blobs as near as its nearest one (a lattice,
turned or not), spread across the page and on beyond the drawing; a drawing's own dots (buttons, polka dots)
lie within it, and its strokes are long.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree

from sbkit.retrieval.levels import levels
from sbkit.retrieval.masks import box

DOT_CONTRAST = 15  # a printed dot is darker than the paper by this many levels
DOT_SIZE = 0.02  # ... and at most this fraction of the picture's shorter side across
DOT_COUNT = 50  # a dot grid has at least this many dots
DOT_EVEN = 0.2  # ... each with two more of its four nearest dots within this fraction of its nearest one's distance
DOT_SPREAD = 0.7  # ... spread across this fraction of the picture's width and height
DOT_BEYOND = 0.25  # ... with this share of them outside the box of the drawing
DOT_AREA = 2.0  # any blob up to this many times a grid dot's median area is one of the dots


def _small_blobs(dark: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of ``dark``: their labels, stats and centres, and which of them are no wider or
    higher than ``DOT_SIZE`` of the shorter side (background excluded)."""
    _, labels, stats, centres = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    side = max(3.0, DOT_SIZE * min(dark.shape))
    small = (stats[:, cv2.CC_STAT_WIDTH] <= side) & (stats[:, cv2.CC_STAT_HEIGHT] <= side)
    small[0] = False
    return labels, stats, centres, small


def _dot_sized(labels: np.ndarray, stats: np.ndarray, small: np.ndarray, dots: np.ndarray) -> np.ndarray:
    """A mask of every small blob up to ``DOT_AREA`` times the median area of the blobs under ``dots``."""
    area = stats[:, cv2.CC_STAT_AREA]
    return (small & (area <= DOT_AREA * np.median(area[np.unique(labels[dots])])))[labels]


def grid_dots(gray: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The printed dots of dot-grid paper under a dark-on-light drawing, as a bool mask of the dots laid out
    evenly, and the paper's level; None for a drawing on any other paper."""
    _, paper, _ = levels(gray)
    dark = gray < paper - DOT_CONTRAST
    labels, stats, centres, small = _small_blobs(dark)
    blobs = np.flatnonzero(small)
    if len(blobs) < DOT_COUNT:
        return None
    distances, _ = cKDTree(centres[blobs]).query(centres[blobs], k=5)
    nearest = distances[:, 1:2]
    dots = blobs[(np.abs(distances[:, 1:] - nearest) <= DOT_EVEN * nearest).sum(axis=1) >= 3]  # nearest + 2
    height, width = gray.shape
    spread = np.ptp(centres[dots], axis=0) if len(dots) else np.zeros(2)
    if len(dots) < DOT_COUNT or spread[0] < DOT_SPREAD * width or spread[1] < DOT_SPREAD * height:
        return None
    printed = np.isin(labels, dots)
    drawing = dark & ~_dot_sized(labels, stats, small, printed)
    if not drawing.any():
        return None
    left, top, right, bottom = box(drawing)
    x, y = centres[dots].T
    outside = (x < left) | (x >= right) | (y < top) | (y >= bottom)
    return (printed, paper) if outside.mean() >= DOT_BEYOND else None


def erase_grid_dots(gray: np.ndarray) -> np.ndarray:
    """Paint the printed dots of dot-grid paper (:func:`grid_dots`) the paper's level; any other drawing is
    returned as it is. Dots are read at half their own darkness, where one that touches a stroke only through
    both fringes stands apart, and painted out with a 2 px fringe; a dot that a stroke runs over stays on it."""
    found = grid_dots(gray)
    if found is None:
        return gray
    printed, paper = found
    half = gray < (paper + np.median(gray[printed])) / 2
    labels, stats, _, small = _small_blobs(half)
    dots = printed | _dot_sized(labels, stats, small, printed & half)
    erased = gray.copy()
    erased[(cv2.dilate(dots.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~(half & ~dots)] = paper
    return erased
