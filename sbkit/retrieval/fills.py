"""Lines drawn over a coloured-in area, told apart from the fill by their colour.

People colour an item in with a marker or a drawing app's fill, often in the item's own colour, and draw its
lines over the fill in a darker pen. In grey, a dark fill (navy, burgundy, forest green) is ink as much as
the lines are, and reducing the area to its outline (:mod:`sbkit.retrieval.areas`) loses every line inside
it. In colour the lines stand apart: :func:`lift_fills` makes the fill paper and leaves them, when they also
trace the area's edge (the item was outlined, then coloured in). A fill with no distinct outline, or lines
in the fill's own colour, are left to :func:`sbkit.retrieval.areas.outline_areas`.
"""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.retrieval.areas import AREA_SIDE, AREA_WIDTH, depth
from sbkit.retrieval.masks import box, disc, extent, full_size, shrunk
from sbkit.sketch import ink_mask

FILL_APART = 48  # a pixel this far from the fill's colour (in its most different channel) is not fill
OUTLINED = 0.8  # an area is outlined when lines lie along at least this share of its edge
EDGE_REACH = 3  # px: how near a line must be to a point of the area's edge to count as tracing it
LINE_WIDTH = 0.04  # ink wider than this fraction of the extent is not a line (a shadow across the fill is not)


def _darker_lines(colours: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """The pixels darker than ``fill`` and apart from its colour (by ``FILL_APART`` in their most different
    channel): the lines drawn over it, and no part of the fill's soft edge against the paper."""
    filled = np.empty_like(colours)
    filled[:] = np.round(fill).astype(np.uint8)
    difference = cv2.absdiff(colours, filled)  # numpy's max and mean over channels are many times slower
    if difference.ndim == 3:
        red, green, blue = cv2.split(difference)
        difference = cv2.max(cv2.max(red, green), blue)
    return (difference > FILL_APART) & (_luma(colours) < _luma(filled[:1, :1]))


def _luma(colours: np.ndarray) -> np.ndarray:
    """Grey levels of (H, W) grey or (H, W, 3) RGB pixels."""
    return colours if colours.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(colours), cv2.COLOR_RGB2GRAY)


def _outlined_fills(ink: np.ndarray, deep: np.ndarray, colours: np.ndarray, ink_extent: int,
                    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each part of ``ink`` coloured in (holding ``deep`` ink) and outlined in darker lines: its mask, its fill
    colour, and where darker ink is too wide to be a line (a shadow across the fill)."""
    _, parts = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    found = []
    for part in sorted(set(np.unique(parts[deep])) - {0}):
        this = parts == part
        fill = np.median(colours[this & deep], axis=0)
        lines = this & _darker_lines(colours, fill)
        not_lines = disc(max(3, round(ink_extent * LINE_WIDTH) | 1))  # wider than any line
        wide = cv2.morphologyEx(lines.astype(np.uint8), cv2.MORPH_OPEN, not_lines) > 0
        body = cv2.morphologyEx(this.astype(np.uint8), cv2.MORPH_OPEN, not_lines)  # the area, without lines off it
        edge = (body > 0) & ~(cv2.erode(body, disc(3)) > 0)
        near_lines = cv2.dilate((lines & ~wide).astype(np.uint8), disc(2 * EDGE_REACH + 1)) > 0
        if edge.any() and (near_lines & edge).sum() >= OUTLINED * edge.sum():
            found.append((this, fill, wide))
    return found


def lift_fills(gray: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """``gray`` with the fill of each coloured-in part that is outlined in a darker colour than its fill made
    the paper's grey, so that the lines drawn over it are what is left; any other drawing is returned as it
    is. Fills are found with the drawing's extent scaled to ``AREA_SIDE`` px at most; the fill lifted is
    full-size pixels.

    Args:
        gray: the drawing in grey, dark on light.
        colours: its pixels at the same size, (H, W, 3) RGB, or ``gray`` itself.
    """
    ink = ink_mask(gray)
    ink_extent = extent(ink)
    small_ink = shrunk(ink, ink_extent, AREA_SIDE)
    small_extent = extent(small_ink)
    deep = depth(small_ink) > small_extent * AREA_WIDTH / 2
    if not deep.any():
        return gray
    height, width = small_ink.shape
    small_colours = colours if small_ink.shape == ink.shape else cv2.resize(colours, (width, height),
                                                                            interpolation=cv2.INTER_AREA)
    fill = np.zeros_like(ink)
    for part, colour, wide in _outlined_fills(small_ink, deep, small_colours, small_extent):
        # A part's edge at full size can reach a pixel past its scaled-up mask.
        part = ink & full_size(cv2.dilate(part.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0, ink.shape)
        left, top, right, bottom = box(part)
        window = np.s_[top:bottom, left:right]
        lines = _darker_lines(colours[window], colour) & ~full_size(wide, ink.shape)[window]
        fill[window] |= part[window] & ~lines
    if not fill.any():
        return gray
    paper = np.median(gray[~ink]) if not ink.all() else 255  # a fill may cover most of the picture
    return np.where(fill, np.uint8(paper), gray)
