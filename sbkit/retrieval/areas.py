"""Coloured-in and hatched areas of a query drawing, reduced to their outlines and the lines drawn across them.

Training sketches are lines, and thinning a filled area would leave its medial axis, a shape no photo's
sketch has. So an area coloured in keeps only a band along its edges, which thinning turns into its outline.
A hatched area keeps that band too, and also the drawing's own lines inside it: hatching runs along one
direction (two for cross-hatching), found from the ink's local direction in the area's middle, and the ink
that runs another way (a pocket, a seam, a hat's band) is a line of the drawing. An area coloured in keeps
the few lines drawn across it in the paper's colour (a white pen, an eraser), as lines.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from sbkit.retrieval.angles import angle_apart
from sbkit.retrieval.masks import box, disc, extent, full_size, shrunk

AREA_WIDTH = 0.15  # ink wider than this fraction of the drawing's extent is an area, not a line
SHADING_GAP = 0.05  # lines closer together than this fraction of the extent may shade one area
SHADING_LINES = 4  # ... when they cut it into at least this many separate gaps
HATCH_PAPER = 0.4  # ... and paper is more than this fraction of it (lines closed over are mostly ink)
AREA_SIDE = 512  # areas are found at this extent at most: closing a large drawing costs seconds
EDGE_BAND = 0.03  # an area keeps a band this fraction of the extent wide along its edges: its outline, whole
HATCH_SPREAD = np.deg2rad(15)  # ink running within this angle of a hatching direction is hatching
HATCH_SHARE = 0.6  # hatching directions hold at least this share of the ink in an area's middle, or none is kept
HATCH_CROSS = 0.5  # a second direction is cross-hatching when it holds at least this share of the first's ink
DIRECTION_SIGMA = 2.0  # px, as areas are found: the window over which a pixel's line direction is read
KEPT_LENGTH = 0.05  # a line across hatching is kept when it spans at least this fraction of the extent
LINE_CLARITY = 0.4  # ... counting ink whose direction is this clear (where lines cross, a pixel's blends theirs)
DIRECTION_BINS = 36  # the histogram of directions that hatching's peaks are read from: 5 degrees a bin
PAPER_LINES = 3  # an area coloured in keeps at most this many lines of paper across it; more are gaps in the fill


class _Areas(NamedTuple):
    """What :func:`outline_areas` keeps of a drawing's areas, all at the same (shrunk) size."""

    areas: np.ndarray  # the connected parts of the drawing that hold an area
    band: np.ndarray  # the band along their edges
    drawn_across: np.ndarray  # the drawing's own lines across hatching
    paper_lines: np.ndarray  # lines in the paper's colour across an area coloured in


def depth(mask: np.ndarray) -> np.ndarray:
    """Each pixel's distance to the nearest pixel outside ``mask`` (the image's edge counts as outside)."""
    return cv2.distanceTransform(np.pad(mask.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]


def coloured_in(ink: np.ndarray, ink_extent: int) -> np.ndarray:
    """The ink deeper than half ``AREA_WIDTH`` of the drawing's extent: the cores of areas coloured in."""
    return depth(ink) > ink_extent * AREA_WIDTH / 2


def _hatched(ink: np.ndarray, within: np.ndarray) -> bool:
    """Whether lines cross ``within`` as hatching does: much paper there (over ``HATCH_PAPER``), cut into
    several gaps."""
    paper = within & ~ink
    return _count_pieces(paper, connectivity=4) >= SHADING_LINES and paper.sum() > within.sum() * HATCH_PAPER


def _count_pieces(mask: np.ndarray, connectivity: int = 8) -> int:
    """How many separate pieces a mask has."""
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=connectivity)[0] - 1


def _line_directions(ink: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The line direction in radians (0 to pi, image axes) of each pixel ``where``, and how clearly it has one
    (0 to 1), from the structure tensor of the ink mask."""
    image = ink.astype(np.float32)
    dx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
    xx, yy, xy = (cv2.GaussianBlur(product, (0, 0), DIRECTION_SIGMA)[where]
                  for product in (dx * dx, dy * dy, dx * dy))
    across = 0.5 * np.arctan2(2 * xy, xx - yy)  # the direction the ink changes fastest: across the line
    clarity = np.sqrt((xx - yy) ** 2 + 4 * xy**2) / np.maximum(xx + yy, 1e-6)
    return np.mod(across + np.pi / 2, np.pi), clarity


def _main_direction(angles: np.ndarray, weights: np.ndarray) -> float:
    """The direction most of the weighted ``angles`` run along: the peak of their histogram, refined by the
    mean of the angles near it (doubled, since a line's direction is the same turned by pi)."""
    counts, _ = np.histogram(angles, bins=DIRECTION_BINS, range=(0, np.pi), weights=weights)
    counts = np.convolve(np.r_[counts[-2:], counts, counts[:2]], np.ones(5), "valid")  # wraps at 0 / pi
    peak = (np.argmax(counts) + 0.5) * np.pi / DIRECTION_BINS
    near = angle_apart(angles, peak) < HATCH_SPREAD
    return float(np.mod(np.angle(np.sum(weights[near] * np.exp(2j * angles[near]))) / 2, np.pi))


def hatching_directions(angles: np.ndarray, weights: np.ndarray) -> list[float]:
    """The one or two directions hatching runs along, from the line directions of the ink in an area's middle;
    none when they hold less than ``HATCH_SHARE`` of it (shading scribbled every way)."""
    if not weights.any():
        return []
    first = _main_direction(angles, weights)
    along = angle_apart(angles, first) < HATCH_SPREAD
    directions = [first]
    rest = angle_apart(angles, first) >= 2 * HATCH_SPREAD
    if weights[rest].any():
        second = _main_direction(angles[rest], weights[rest])
        along_second = angle_apart(angles, second) < HATCH_SPREAD
        if along_second.sum() >= HATCH_CROSS * along.sum():
            directions.append(second)
            along |= along_second
    return directions if along.mean() >= HATCH_SHARE else []


def _joined_along(mask: np.ndarray, direction: float) -> np.ndarray:
    """``mask`` with its pieces that lie end to end along ``direction`` joined over the gaps where other lines
    cross them (a crossing blurs the direction over about ``4 * DIRECTION_SIGMA`` px); lines beside each other
    stay apart."""
    reach = round(4 * DIRECTION_SIGMA)
    step = np.array([np.cos(direction), np.sin(direction)]) * reach
    kernel = np.zeros((2 * reach + 1, 2 * reach + 1), np.uint8)
    cv2.line(kernel, tuple(np.round(reach - step).astype(int).tolist()),
             tuple(np.round(reach + step).astype(int).tolist()), 1)
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


def _drawn_across(ink: np.ndarray, part: np.ndarray, middle: np.ndarray, ink_extent: int) -> np.ndarray:
    """The drawing's own lines across the hatching of ``part``: its ink that runs another way than the hatching
    in the part's ``middle`` does, in pieces spanning at least ``KEPT_LENGTH`` of the extent. A direction with
    fewer than ``SHADING_LINES`` lines there is not hatching, and with none, nothing is kept."""
    inside = ink & part
    directions, clarity = _line_directions(ink, inside)
    in_middle = middle[inside]
    along = []  # for each hatching direction, the part's ink that runs along it
    for direction in hatching_directions(directions[in_middle], clarity[in_middle]):
        lines = np.zeros_like(ink)
        lines[inside] = angle_apart(directions, direction) < HATCH_SPREAD
        # Hatching is many lines. A few are the drawing's own (a seam, a hem), or a few thick strokes (a marker)
        # that closed over into an area; the hatching crossing them cuts each into pieces, joined again here.
        if _count_pieces(_joined_along(lines & middle, direction)) >= SHADING_LINES:
            along.append(lines)
    if not along:
        return np.zeros_like(ink)
    # Where lines cross, a pixel's direction is a blend of theirs: only ink with a clear direction counts.
    across = np.zeros_like(ink)
    across[inside] = clarity >= LINE_CLARITY
    across &= ~np.logical_or.reduce(along)
    # A line is cut where hatching crosses it: its pieces that close to each other are one.
    near = cv2.dilate(across.astype(np.uint8), np.ones((5, 5), np.uint8))
    _, pieces, stats, _ = cv2.connectedComponentsWithStats(near, connectivity=8)
    spans = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    long_pieces = np.flatnonzero(spans >= ink_extent * KEPT_LENGTH)
    return inside & np.isin(pieces, long_pieces[long_pieces > 0])


def _paper_lines(ink: np.ndarray, part: np.ndarray, ink_extent: int) -> np.ndarray:
    """Lines drawn in paper's colour across a ``part`` coloured in (a white pen, an eraser): the paper the
    closing covered there, in pieces spanning at least ``KEPT_LENGTH`` of the extent, no wider than
    ``EDGE_BAND`` of it and at most ``PAPER_LINES`` of them; none when there are more (gaps left in the fill)."""
    paper = (part & ~ink).astype(np.uint8)
    _, pieces, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=8)
    spans = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    long_pieces = np.flatnonzero(spans >= ink_extent * KEPT_LENGTH) + 1
    lines = np.isin(pieces, long_pieces)
    if not 0 < len(long_pieces) <= PAPER_LINES or depth(lines).max() > ink_extent * EDGE_BAND:
        return np.zeros_like(ink)
    return lines


def _find_areas(ink: np.ndarray) -> _Areas | None:
    """The parts of ``ink`` that hold an area (see :func:`outline_areas`) and what to keep there."""
    ink_extent = extent(ink)
    wide = ink_extent * AREA_WIDTH / 2
    closed = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE,
                              disc(max(3, round(ink_extent * SHADING_GAP) | 1))) > 0
    closed_depth = depth(closed)
    if closed_depth.max() <= wide:
        return None
    _, parts = cv2.connectedComponents(closed.astype(np.uint8), connectivity=8)
    filled = set(np.unique(parts[coloured_in(ink, ink_extent)]))
    cores = closed_depth > wide
    candidates = {part: parts == part for part in set(np.unique(parts[cores])) - filled}
    hatched = {part: this for part, this in candidates.items() if _hatched(ink, cores & this)}
    if not filled | hatched.keys():
        return None
    drawn_across = np.zeros_like(ink)
    for this in hatched.values():
        left, top, right, bottom = box(this)
        margin = round(4 * DIRECTION_SIGMA) + 2  # the reach of the blur and the gradient: directions as uncropped
        window = np.s_[max(0, top - margin) : bottom + margin, max(0, left - margin) : right + margin]
        drawn_across[window] |= _drawn_across(ink[window], this[window], cores[window], ink_extent)
    paper_lines = np.zeros_like(ink)
    for part in filled - {0}:
        paper_lines |= _paper_lines(ink, parts == part, ink_extent)
    band = closed & (closed_depth <= max(1.0, ink_extent * EDGE_BAND))
    return _Areas(np.isin(parts, list(filled | hatched.keys())), band, drawn_across, paper_lines)


def outline_areas(ink: np.ndarray) -> np.ndarray:
    """Reduce coloured-in or hatched areas of a boolean ink mask to their outlines and the lines drawn across
    the hatching; leave line drawings as they are.

    An area is ink wider than ``AREA_WIDTH`` of the drawing's extent (coloured in), or a part of the drawing
    whose lines, closed over gaps up to ``SHADING_GAP`` of the extent, are that wide, where paper shows
    (over ``HATCH_PAPER`` of it), cut by the lines into at least ``SHADING_LINES`` separate gaps (hatching;
    a narrow shape closed over, such as a hat's brim or a sleeve beside the body, is mostly ink with a gap
    or two).
    Each connected part holding an area keeps a band along its edges (``EDGE_BAND`` of the extent, so that its
    lines stay whole), which becomes its outline once the sketch is thinned. A hatched part also keeps its
    ink that runs at least ``HATCH_SPREAD`` away from the hatching's one or two directions, in pieces at
    least ``KEPT_LENGTH`` of the extent long; a part coloured in, its lines of paper (:func:`_paper_lines`) as
    ink. Plain line drawings are returned untouched. Areas are found with
    the drawing's extent scaled to ``AREA_SIDE`` px at most.
    """
    ink_extent = extent(ink)
    if not ink_extent:
        return ink
    found = _find_areas(shrunk(ink, ink_extent, AREA_SIDE))
    if found is None:
        return ink
    # The lines drawn across are found at the shrunk size; their pixels come from the full-size ink (paper).
    drawn_across, paper_lines = (cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
                                 for mask in (found.drawn_across, found.paper_lines))
    areas, band, drawn_across, paper_lines = (full_size(mask, ink.shape) for mask in
                                              (found.areas, found.band, drawn_across, paper_lines))
    return np.where(areas, band | (drawn_across & ink) | (paper_lines & ~ink), ink)
