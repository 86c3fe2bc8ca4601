"""Marks on a drawing's page that are not the drawing: specks, a signature or page number set apart, and a
note written beside the drawing with a line or an arrow pointing at it.

Each step takes and returns a boolean ink mask, and returns it unchanged (the same pixels) when it finds
nothing to drop.
"""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.retrieval.masks import Box, box, disc, extent, full_size, shrunk

NOTE_GAP = 0.15  # strokes closer than this fraction of the page's inked extent belong to one group
NOTE_SIDE = 256  # ... found with the inked extent scaled to this many px at most
NOTE_SIZE = 0.5  # ... and a group under this fraction of the largest group's length is a note, not a drawing
LEADER_SIDE = 512  # leader lines are found with the inked extent scaled to this many px at most
LEADER_STRAIGHT = 0.25  # a leader's ink spreads across its length by at most this fraction (standard deviations)
LEADER_LENGTH = (0.05, 0.6)  # ... and it is this fraction of the longest stroke's length
LEADER_NOTES = 4  # at most this many pointed notes are dropped from one drawing
NOTE_AREA = 0.25  # a pointed note's box is at most this fraction of the drawing's box
NOTE_WITHIN = 0.5  # ... and at most this fraction of it lies within the drawing's box: a note is written beside
WRITING_WIDE = 1.5  # writing is a line at least this many times as wide as it is high
WRITING_STROKES = 1.2  # ... crossed by at least this many upright strokes per its height of width
WORD_STROKES = 3  # ... and by this many at least


def drop_specks(ink: np.ndarray, min_area: int | None = None) -> np.ndarray:
    """Remove ink blobs under ``min_area`` px, by default too small to be part of a drawing (noise, paper grain)."""
    min_area = max(2, round((min(ink.shape) / 500) ** 2)) if min_area is None else min_area
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels]


def drop_notes(ink: np.ndarray) -> np.ndarray:
    """Remove writing and marks set well apart from a drawing, such as a signature or a page number.

    Strokes closer than ``NOTE_GAP`` of the inked extent form one group, so a drawing's broken strokes and
    its details stay together. A group whose longer side is under ``NOTE_SIZE`` of the largest group's
    is dropped; the second shoe of a pair stays. Groups are found at ``NOTE_SIDE`` px.
    """
    ink_extent = extent(ink)
    if not ink_extent:
        return ink
    small = shrunk(ink, ink_extent, NOTE_SIDE)
    near = cv2.dilate(small.astype(np.uint8), disc(max(3, round(min(ink_extent, NOTE_SIDE) * NOTE_GAP) | 1)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(near, connectivity=8)
    if count <= 2:
        return ink
    lengths = _lengths(stats)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]))
    keep = lengths >= NOTE_SIZE * lengths[largest]
    keep[0] = False
    return ink & full_size(keep[labels], ink.shape)  # each kept group's dilated area covers its strokes


def drop_pointed_notes(ink: np.ndarray) -> np.ndarray:
    """Remove notes written beside a drawing with a line or an arrow pointing at it ("gold buttons ->").

    The leader joins the note to the drawing, so :func:`drop_notes` keeps both. A note goes with its leader
    when the leader is a straight stroke of its own (``LEADER_STRAIGHT``, ``LEADER_LENGTH``); one of its ends
    lies within ``NOTE_GAP`` of the longest stroke's length of the drawing's box, and the other, further out,
    at a group of strokes; and that group lies at least ``NOTE_GAP`` of the drawing's extent from every other
    stroke, is small beside the drawing (``NOTE_AREA``), mostly outside its box (``NOTE_WITHIN``), and reads
    as a line of writing (:func:`_is_writing`). Up to ``LEADER_NOTES`` notes go. Found at ``LEADER_SIDE`` px.
    A leader that touches the drawing is one stroke with it, and a curved one is not straight: their notes stay.
    """
    ink_extent = extent(ink)
    if not ink_extent:
        return ink
    small = shrunk(ink, ink_extent, LEADER_SIDE)
    dropped = np.zeros_like(small)
    for _ in range(LEADER_NOTES):
        note = _pointed_note(small & ~dropped, ink)
        if note is None:
            break
        dropped |= note
    if not dropped.any():
        return ink
    kept = cv2.dilate((small & ~dropped).astype(np.uint8), disc(3))  # covers the kept strokes at full size
    return ink & full_size(kept > 0, ink.shape)


def _lengths(stats: np.ndarray) -> np.ndarray:
    """The longer side of each connected component's box, from OpenCV's component stats."""
    return stats[:, cv2.CC_STAT_WIDTH:cv2.CC_STAT_HEIGHT + 1].max(axis=1)


def _line_ends(mask: np.ndarray, offset: tuple[int, int] = (0, 0)) -> tuple[float, np.ndarray, np.ndarray]:
    """How far a mask's pixels spread across their main direction, as a fraction of the spread along it (0 for
    a straight line), and its two ends along that direction as (x, y), ``offset`` (x, y) added."""
    rows, columns = np.nonzero(mask)
    points = np.stack([columns, rows], axis=1).astype(np.float64)
    centred = points - points.mean(axis=0)
    variances, directions = np.linalg.eigh(np.cov(centred.T))
    along = centred @ directions[:, 1]
    spread = float(np.sqrt(max(variances[0], 0.0) / max(variances[1], 1e-9)))
    ends = (points[np.argmin(along)] + offset).astype(int), (points[np.argmax(along)] + offset).astype(int)
    return spread, *ends


def _outside(point: np.ndarray, around: Box) -> int:
    """How far ``point`` (x, y) lies outside a box (0 within it), along the farther axis."""
    left, top, right, bottom = around
    return max(left - point[0], point[0] - right, top - point[1], point[1] - bottom, 0)


def _is_writing(mask: np.ndarray) -> bool:
    """Whether a group of strokes is laid out like a line of writing: at least ``WRITING_WIDE`` times as wide as
    it is high, and crossed, along a quarter of its rows at least, by ``WRITING_STROKES`` upright strokes per its
    height of width, and by ``WORD_STROKES`` at least (ascenders and descenders leave the other rows sparser).
    A line of a drawing, or a curve drawn in broken strokes, is crossed only near its ends."""
    left, top, right, bottom = box(mask)
    height, width = bottom - top, right - left
    if width < WRITING_WIDE * height:
        return False
    crossings = (np.diff(mask[top:bottom, left:right].astype(np.int8), axis=1, prepend=0) > 0).sum(axis=1)
    strokes = np.percentile(crossings, 75)  # strokes met along a row, in the busier rows
    return strokes >= WORD_STROKES and strokes * height >= WRITING_STROKES * width


def _reads_as_writing(found: np.ndarray, ink: np.ndarray) -> bool:
    """:func:`_is_writing` on the strokes of the full-size ``ink`` that ``found``, a mask on it shrunk, covers:
    there the letters of bold or small print do not run together."""
    return _is_writing(ink & full_size(found, ink.shape))


def _group_near(groups: np.ndarray, point: np.ndarray, reach: int, other_than: int) -> int | None:
    """The group label most common within ``reach`` px of ``point`` (x, y), leaving out 0 and ``other_than``;
    None when there is none."""
    x, y = int(point[0]), int(point[1])
    top, left = max(0, y - reach), max(0, x - reach)
    rows, columns = np.ogrid[top:min(groups.shape[0], y + reach + 1), left:min(groups.shape[1], x + reach + 1)]
    window = groups[rows, columns]
    labels = window[((rows - y) ** 2 + (columns - x) ** 2 <= reach ** 2) & (window != 0) & (window != other_than)]
    return int(np.bincount(labels).argmax()) if labels.size else None


def _area(around: Box) -> int:
    left, top, right, bottom = around
    return max(0, right - left) * max(0, bottom - top)


def _overlap(a: Box, b: Box) -> Box:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _is_note(note: np.ndarray, drawing: np.ndarray, ink: np.ndarray) -> bool:
    """Whether a group of strokes at a leader's far end reads as a note beside ``drawing``: set apart from it
    by ``NOTE_GAP`` of its extent, small beside it (``NOTE_AREA``), mostly outside its box (``NOTE_WITHIN``),
    and writing (read in the full-size ``ink``)."""
    note_box, drawing_box = box(note), box(drawing)
    if not (_area(note_box) <= NOTE_AREA * _area(drawing_box)
            and _area(_overlap(note_box, drawing_box)) <= NOTE_WITHIN * _area(note_box)
            and _reads_as_writing(note, ink)):
        return False
    return cv2.distanceTransform((~drawing).astype(np.uint8), cv2.DIST_L2, 3)[note].min() >= NOTE_GAP * extent(drawing)


def _groups(ink: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """``ink`` at half its resolution (any coverage counts), and there the labels of its groups of strokes
    closer than ``gap`` px at full resolution (0: paper farther than ``gap / 2`` from any stroke). Found at
    half the resolution, where it costs a quarter."""
    height, width = ink.shape
    half = cv2.resize(ink.astype(np.uint8), ((width + 1) // 2, (height + 1) // 2), interpolation=cv2.INTER_AREA) > 0
    near = cv2.dilate(half.astype(np.uint8), disc(max(3, (gap // 2) | 1)))
    return half, cv2.connectedComponents(near, connectivity=8)[1]


def _pointed_note(small: np.ndarray, ink: np.ndarray) -> np.ndarray | None:
    """One note and its leader on ``small``, the full-size ``ink`` shrunk (see :func:`drop_pointed_notes`), or
    None."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(small.astype(np.uint8), connectivity=8)
    if count < 4:  # a drawing, a leader and a note
        return None
    lengths = _lengths(stats)
    longest = 1 + int(np.argmax(lengths[1:]))
    anchor_row, anchor_column = np.argwhere(labels == longest)[0] // 2  # where the drawing's group is
    gap = max(3, round(NOTE_GAP * lengths[longest]) | 1)
    shortest, longest_leader = (max(3.0, fraction * lengths[longest]) for fraction in LEADER_LENGTH)
    left, top, width, height = stats[longest, :4]
    longest_box = (left, top, left + width, top + height)
    for part in range(1, count):
        if part == longest or not shortest <= lengths[part] <= longest_leader:
            continue
        left, top, width, height = stats[part, :4]
        spread, end_a, end_b = _line_ends(labels[top:top + height, left:left + width] == part, (left, top))
        if spread > LEADER_STRAIGHT or max(_outside(end_a, longest_box), _outside(end_b, longest_box)) == 0:
            continue  # a note lies outside the drawing's box, so a leader's far end does too
        if _reads_as_writing(labels == part, ink):
            continue  # a word written joined up is as straight as a line
        rest = small & (labels != part)
        half, groups = _groups(rest, gap)
        drawing_group = groups[anchor_row, anchor_column]
        pointed_at = tuple(2 * side for side in box(half & (groups == drawing_group)))
        for tip, tail in ((end_a, end_b), (end_b, end_a)):
            if not _outside(tip, pointed_at) <= gap or _outside(tip, pointed_at) >= _outside(tail, pointed_at):
                continue
            group = _group_near(groups, tail // 2, gap // 4, drawing_group)
            if group is None:
                continue
            note = rest & full_size(groups == group, small.shape)
            if _is_note(note, rest & ~note, ink):
                return note | (labels == part)
    return None
