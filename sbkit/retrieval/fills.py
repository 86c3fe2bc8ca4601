"""Coloured-in parts of a drawing, settled before it is read in grey.

People colour an item in with a marker or a drawing app's fill, often in the item's own colour, and draw its
lines over the fill in a darker pen. In grey, a dark fill (navy, burgundy, forest green) is ink as much as
the lines are, and reducing the area to its outline (:mod:`sbkit.retrieval.areas`) loses every line inside
it; and a fill darker than the paper but not black is taken for uneven light by the lighting correction,
which lightens it into a broad band. :func:`settle_fills` reads each coloured-in part in colour: when lines
darker than the fill trace its edge (the item was outlined, then coloured in), the fill is made paper and
the lines stay; when there are none and its edge is a sharp step, as a fill's is and a shadow's is not, the
part is made solid ink, to be reduced to its outline like a black fill.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from sbkit.retrieval.areas import AREA_SIDE, coloured_in
from sbkit.retrieval.masks import box, disc, extent, full_size, shrunk
from sbkit.sketch import ink_mask
from sbkit.sketch.edges import to_gray

FILL_APART = 48  # a pixel this far from the fill's colour (in its most different channel) is not fill
OUTLINED = 0.8  # an area is outlined when lines lie along at least this share of its edge
EDGE_REACH = 3  # px: how near a line must be to a point of the area's edge to count as tracing it
LINE_WIDTH = 0.04  # ink wider than this fraction of the extent is not a line (a shadow across the fill is not)
RING = 2  # px, at the shrunk size: a fill's edge is a step from paper to fill within this far either side of it
SHARP = 0.6  # ... that holds at least this share of the fill's contrast with the paper (a shadow's is gradual)


def _darker_lines(colours: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """The pixels darker than ``fill`` and apart from its colour (by ``FILL_APART`` in their most different
    channel): the lines drawn over it, and no part of the fill's soft edge against the paper."""
    filled = np.empty_like(colours)
    filled[:] = np.round(fill).astype(np.uint8)
    difference = cv2.absdiff(colours, filled)  # numpy's max and mean over channels are many times slower
    if difference.ndim == 3:
        red, green, blue = cv2.split(difference)
        difference = cv2.max(cv2.max(red, green), blue)
    return (difference > FILL_APART) & (to_gray(colours) < to_gray(filled[:1, :1]))


class _Fill(NamedTuple):
    """A coloured-in part of a drawing, as found at the shrunk size."""

    part: np.ndarray  # the connected part of the ink that holds the fill
    colour: np.ndarray  # the fill's median colour
    wide: np.ndarray  # where darker ink is too wide to be a line (a shadow across the fill)
    outlined: bool  # darker lines run along its edge: the fill is lifted
    sharp: bool  # its edge is a step, as a fill's is and a shadow's is not: with no outline, it becomes solid ink


def _step(luma: np.ndarray, ink: np.ndarray, body: np.ndarray, fill: float, paper: float) -> float:
    """How much of the fill's contrast with the ``paper`` happens within ``RING`` px either side of its edge."""
    ring = disc(2 * RING + 1)
    inside = (body > 0) & ~(cv2.erode(body, ring) > 0)
    outside = (cv2.dilate(body, ring) > 0) & ~ink
    if not (inside.any() and outside.any()):
        return 0.0
    contrast = paper - fill
    step = float(np.median(luma[outside])) - float(np.median(luma[inside]))
    return step / contrast if contrast > 0 else 0.0


def _fills(ink: np.ndarray, deep: np.ndarray, colours: np.ndarray, ink_extent: int) -> list[_Fill]:
    """Each part of ``ink`` coloured in (holding ``deep`` ink), with what tells its fill from its lines and from
    a shadow."""
    _, parts = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    luma = to_gray(colours)
    paper = float(np.median(luma[~ink])) if not ink.all() else 255.0
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
        outlined = bool(edge.any()) and (near_lines & edge).sum() >= OUTLINED * edge.sum()
        sharp = _step(luma, ink, body, float(np.median(luma[this & deep])), paper) >= SHARP
        found.append(_Fill(this, fill, wide, outlined, sharp))
    return found


def settle_fills(gray: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """``gray`` with each coloured-in part settled for the steps that read it in grey: outlined in a darker
    colour than its fill, the fill is made the paper's grey, so that the lines drawn over it are what is left;
    with no such outline and a sharp edge, the part is made solid ink, which
    :func:`sbkit.retrieval.areas.outline_areas` reduces to its outline (a dark fill in grey would otherwise be
    taken for uneven light, and lightened into a broad band). Any other drawing is returned as it is. Fills are
    found with the drawing's extent scaled to ``AREA_SIDE`` px at most, and changed in full-size pixels.

    Args:
        gray: the drawing in grey, dark on light.
        colours: its pixels at the same size, (H, W, 3) RGB, or ``gray`` itself.
    """
    ink = ink_mask(gray)
    ink_extent = extent(ink)
    small_ink = shrunk(ink, ink_extent, AREA_SIDE)
    small_extent = extent(small_ink)
    deep = coloured_in(small_ink, small_extent)
    if not deep.any():
        return gray
    height, width = small_ink.shape
    small_colours = colours if small_ink.shape == ink.shape else cv2.resize(colours, (width, height),
                                                                            interpolation=cv2.INTER_AREA)
    lifted, inked = np.zeros_like(ink), np.zeros_like(ink)
    for fill in _fills(small_ink, deep, small_colours, small_extent):
        if not (fill.outlined or fill.sharp):
            continue
        # A part's edge at full size can reach a pixel past its scaled-up mask.
        part = ink & full_size(cv2.dilate(fill.part.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0, ink.shape)
        if not fill.outlined:
            inked |= part
            continue
        left, top, right, bottom = box(part)
        window = np.s_[top:bottom, left:right]
        lines = _darker_lines(colours[window], fill.colour) & ~full_size(fill.wide, ink.shape)[window]
        lifted[window] |= part[window] & ~lines
    if not (lifted.any() or inked.any()):
        return gray
    paper = np.median(gray[~ink]) if not ink.all() else 255  # a fill may cover most of the picture
    return np.where(lifted, np.uint8(paper), np.where(inked, np.uint8(0), gray))
