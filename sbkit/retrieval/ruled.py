"""Ruled or squared paper under a drawing: find its printed lines and erase them before thresholding.

:func:`printed_lines` tells whether a page is ruled (a Hough transform at ``RULE_SIDE`` px finds a ruling of
parallel lines across it, and any margin square to it); :func:`erase_printed_lines` then traces every
printed line at full size along those directions, fits each with a straight line, and paints the pixels
along it the paper's level, except those darker than the line itself: a stroke that crosses a rule, or runs
along one, keeps its ink, and a pencil as light as the rules is read as the drawing once they are gone.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
from scipy import ndimage

from sbkit.retrieval.angles import angle_apart, turn
from sbkit.retrieval.levels import levels
from sbkit.retrieval.marks import drop_specks
from sbkit.retrieval.masks import box

RULE_FRAME = 0.02  # printed lines are looked for when this share of the picture's outer band is darker than paper
RULE_CONTRAST = 15  # ... by this many levels (the band is 3% of the shorter side wide)
RULE_SIDE = 512  # ... with a Hough transform at this many px
RULE_LENGTH = 0.7  # a printed line runs straight across at least this fraction of the picture's width or height
RULE_COUNT = 3  # ... in a ruling of at least this many such lines within RULE_ANGLE of each other
RULE_ANGLE = 1.0  # degrees
RULE_SQUARE = 3.0  # a margin lies within this many degrees of square to the ruling
RULE_BEYOND = 0.25  # ... which runs on beyond the drawing: this share of its ink lies outside the drawing's box
RULE_SPECK = 0.01  # ... the drawing's box leaving out specks narrower than this fraction of the side (a rule's remnant)
RULE_RUN = 0.05  # printed lines are traced as straight runs this fraction of the shorter side long
RULE_WIDTH = 0.01  # ... at most this fraction of the shorter side wide (with a 1 px fringe on either side)
RULE_KEEP = 15  # a pixel on a printed line darker than the lines' own level by this many levels is a stroke's


def _crosses_frame(gray: np.ndarray) -> bool:
    """Whether lines cross the picture's outer band (3% of its shorter side) as the rules of a page do: over
    ``RULE_FRAME`` of it is darker than the band's median by ``RULE_CONTRAST``. A drawing on a plain page
    leaves it blank, so it costs no more than this."""
    band = max(2, round(0.03 * min(gray.shape)))
    frame = np.concatenate([gray[:band].ravel(), gray[-band:].ravel(), gray[:, :band].ravel(),
                            gray[:, -band:].ravel()])
    return float(np.mean(frame < np.median(frame) - RULE_CONTRAST)) >= RULE_FRAME


def _angles(segments: np.ndarray) -> np.ndarray:
    """The direction of each segment (x1, y1, x2, y2), in radians from 0 to pi."""
    return np.mod(np.arctan2(segments[:, 3] - segments[:, 1], segments[:, 2] - segments[:, 0]), np.pi)


def _ruling(segments: np.ndarray) -> np.ndarray | None:
    """The segments that make a ruling (at least ``RULE_COUNT`` distinct lines within ``RULE_ANGLE`` of one
    direction) and any margin square to it (within ``RULE_SQUARE``); None when there is no ruling."""
    theta = _angles(segments)
    tolerance = np.deg2rad(RULE_ANGLE)
    lines, direction = 0, 0.0
    for angle in np.unique(np.round(theta / tolerance)) * tolerance:
        normal = np.array([-np.sin(angle), np.cos(angle)])
        offsets = np.sort(segments[angle_apart(theta, angle) <= tolerance, :2] @ normal)
        lines, direction = max((lines, direction), (1 + int(np.sum(np.diff(offsets) > 3)), angle))
    if lines < RULE_COUNT:
        return None
    apart = angle_apart(theta, direction)
    return segments[(apart <= tolerance) | (np.abs(apart - np.pi / 2) <= np.deg2rad(RULE_SQUARE))]


def _directions(lines: np.ndarray) -> list[float]:
    """The directions of a ruling's lines (:func:`_ruling`): the ruling's, and the margin's when there is one."""
    theta = _angles(lines)
    square = angle_apart(theta, theta[0]) > np.pi / 4
    directions = []
    for group in (~square, square):
        if group.any():
            reference = theta[group][0]  # directions wrap at pi: take their median around one of them
            directions.append(reference + float(np.median(turn(theta[group], reference))))
    return directions


def _line_kernel(angle: float, length: int) -> np.ndarray:
    """A structuring element: a 1 px line ``length`` px long (made odd) in direction ``angle``."""
    length |= 1
    kernel = np.zeros((length, length), np.uint8)
    middle = length // 2
    dx, dy = np.cos(angle) * middle, np.sin(angle) * middle
    cv2.line(kernel, (round(middle - dx), round(middle - dy)), (round(middle + dx), round(middle + dy)), 1, 1)
    return kernel


def _fitted(columns: np.ndarray, rows: np.ndarray, chosen: np.ndarray, own: np.ndarray,
            widest: float) -> tuple[tuple[float, float, float, float], np.ndarray, float]:
    """The least-squares line through a run's ``chosen`` pixels (its direction (vx, vy) and a point (x0, y0) on
    it), every pixel's distance to it, and its half width (:func:`_half_width`) from the run's dark pixels
    (``own``) within ``widest`` of it."""
    points = np.column_stack([columns[chosen], rows[chosen]]).astype(np.float32)
    vx, vy, x0, y0 = line = tuple(float(value) for value in cv2.fitLine(points, cv2.DIST_L2, 0, 0.01, 0.01).ravel())
    distance = np.abs((columns - x0) * vy - (rows - y0) * vx)
    return line, distance, _half_width(distance[own & (distance <= widest)])


def _half_width(distances: np.ndarray) -> float:
    """Half a line's width from its own pixels' distances to its centre (uniform across it: twice their median),
    with the 1 px fringe grown around it; infinite when it has none."""
    return 2 * float(np.median(distances)) + 1.5 if distances.size else np.inf


def _traced_lines(dark: np.ndarray, angle: float) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every printed line of a bool mask ``dark`` in direction ``angle``: the rows and columns of its pixels
    (with a 1 px fringe), and their positions along it in whole pixels.

    The mask, grown by 1 px so that an antialiased line is whole, is opened with a line ``RULE_RUN`` of the
    shorter side long in that direction, which keeps straight runs along it and drops strokes that cross.
    Each run reaching across ``RULE_LENGTH`` of the picture is fitted with a straight line, from its pixels
    near its median offset in that direction and then again from the dark pixels within the first line's
    width (so a stroke that joins it does not pull the line off the rule). It is a printed line when that
    line runs within
    ``RULE_ANGLE`` of the direction, is thin (``RULE_WIDTH``), and its pixels within the line's width ink it
    across ``RULE_LENGTH`` of the picture too: a long stroke that curves, or slants a little, is not a rule,
    nor is a dark area.
    """
    height, width = dark.shape
    grown = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8))
    run = max(5, round(RULE_RUN * min(height, width)))
    widest = max(3.0, RULE_WIDTH * min(height, width))
    runs = cv2.morphologyEx(grown, cv2.MORPH_OPEN, _line_kernel(angle, run))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    across = (stats[:, cv2.CC_STAT_WIDTH] >= RULE_LENGTH * width) | (
        stats[:, cv2.CC_STAT_HEIGHT] >= RULE_LENGTH * height)
    for label, where in enumerate(ndimage.find_objects(labels), start=1):
        if where is None or not across[label]:
            continue
        rows, columns = np.nonzero(labels[where] == label)
        rows, columns = rows + where[0].start, columns + where[1].start
        offset = columns * -np.sin(angle) + rows * np.cos(angle)
        near = np.abs(offset - np.median(offset)) <= widest  # the run's middle, in the ruling's direction ...
        own = dark[rows, columns]
        (vx, vy, _, _), distance, half = _fitted(columns, rows, near, own, widest)  # ... its own direction and place
        if angle_apart(np.arctan2(vy, vx), angle) > np.deg2rad(RULE_ANGLE):
            continue  # a straight stroke at a slant to the ruling
        if half > widest:
            continue  # a dark area, such as a shadow's
        # fitted again to the line's own pixels: a stroke that joins it pulls less
        (vx, vy, x0, y0), distance, half = _fitted(columns, rows, own & (distance <= half), own, widest)
        on = distance <= half
        along = (columns[on] - x0) * vx + (rows[on] - y0) * vy
        inked = np.unique(np.floor(along / run * 4)).size * run / 4
        if inked >= RULE_LENGTH * (width if abs(vx) >= abs(vy) else height):
            yield rows[on], columns[on], np.floor(along).astype(np.int64)


def printed_lines(gray: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The printed lines of ruled or squared paper under a dark-on-light drawing, as segments (x1, y1, x2, y2)
    at full size, and the paper's level; None for a drawing on plain paper.

    Lines are found by a probabilistic Hough transform at ``RULE_SIDE`` px (the picture darkened by a 3x3
    minimum first, so that 1 px rules survive the scale-down). A printed line runs straight across most of the
    picture (``RULE_LENGTH``), among parallel ones (``RULE_COUNT``), and on beyond the drawing
    (``RULE_BEYOND``): the stripes or hatching of a drawing stay within it. The drawing is what remains when
    every line traced in the ruling's directions (:func:`_traced_lines`, which finds the rules the Hough
    transform missed as well) and the specks they leave are taken away.
    """
    if not _crosses_frame(gray):
        return None
    scale = min(1.0, RULE_SIDE / max(gray.shape))
    small = gray if scale == 1 else cv2.resize(cv2.erode(gray, np.ones((3, 3), np.uint8)), None, fx=scale,
                                               fy=scale, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    _, paper, _ = levels(small)
    dark = small < paper - RULE_CONTRAST
    length = round(RULE_LENGTH * min(height, width))
    found = cv2.HoughLinesP(dark.astype(np.uint8), 1, np.pi / 720, threshold=length // 2, minLineLength=length,
                            maxLineGap=max(3, min(height, width) // 50))
    if found is None:
        return None
    segments = found.reshape(-1, 4).astype(np.float64)
    across = (np.abs(segments[:, 2] - segments[:, 0]) >= RULE_LENGTH * width) | (
        np.abs(segments[:, 3] - segments[:, 1]) >= RULE_LENGTH * height)
    lines = _ruling(segments[across]) if across.sum() >= RULE_COUNT else None
    if lines is None:
        return None
    on_lines = np.zeros_like(dark)
    for angle in _directions(lines):
        for rows, columns, _ in _traced_lines(dark, angle):
            on_lines[rows, columns] = True
    on_lines &= dark
    if not on_lines.any():
        return None
    left, top, right, bottom = box(drop_specks(dark & ~on_lines, round(RULE_SPECK * max(height, width)) ** 2))
    inside = on_lines[top:bottom, left:right].sum()
    if on_lines.sum() - inside < RULE_BEYOND * on_lines.sum():
        return None
    return lines / scale, paper


def erase_printed_lines(gray: np.ndarray) -> np.ndarray:
    """Paint the printed lines of ruled or squared paper (:func:`printed_lines`) the paper's level, so that a
    pencil as light as the rules is read as the drawing and the rules are not; any other drawing is returned
    as it is. Each line is traced at full size (:func:`_traced_lines`); a pixel on it darker than the lines'
    own level (:func:`_darkest_along`) by ``RULE_KEEP`` levels belongs to a stroke and stays, so a pen stroke
    crossing a rule, or drawn along one, stays whole."""
    found = printed_lines(gray)
    if found is None:
        return gray
    lines, paper = found
    dark = gray < paper - RULE_CONTRAST
    erased = gray.copy()
    for angle in _directions(lines):  # the rules and the margin are printed in inks of their own
        traced = [(rows, columns, gray[rows, columns], position) for rows, columns, position
                  in _traced_lines(dark, angle)]
        if not traced:
            continue
        level = float(np.median(np.concatenate([_darkest_along(values, position) for *_, values, position in traced])))
        for rows, columns, values, _ in traced:
            light = values >= level - RULE_KEEP
            erased[rows[light], columns[light]] = paper
    return erased


def _darkest_along(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    """A printed line's darkest level at each position along it. Their median over the lines of one direction is
    the lines' own level: strokes that cross them, or lie along one of them, darken only a few positions."""
    order = np.lexsort((values, position))
    return values[order][np.r_[True, np.diff(position[order]) > 0]]
