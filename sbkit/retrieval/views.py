"""Several views of one item on one page: a designer's flat drawn from the front and from the back, side by
side, or a pair of shoes. A catalogue photo shows the item once, so a drawing of two figures side by side
matches no photo well (the demo's drawings laid out as a front and a back view fell from R@10 0.69 to 0.06).
Search keeps the first view, the left one, as flats are laid out. Views stacked in a column are left as they
are: a drawing whose outline breaks across at one height looks just like two of them.
"""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.retrieval.masks import Box, disc, extent, full_size, shrunk

VIEW_SIDE = 256  # figures are found with the inked extent scaled to this many px at most
VIEW_GAP = 0.02  # strokes closer than this fraction of the inked extent belong to one figure
VIEW_ALIKE = 0.7  # views are alike: each as tall and as wide as this fraction of the largest view, at least
VIEW_APART = 0.05  # ... and set apart by a gap of at least this fraction of the wider view's width
VIEW_LEVEL = 0.6  # ... side by side: their heights overlap by this fraction of the shorter, at least
VIEW_SYMMETRY = 0.75  # ... and each a whole item, this share of its ink near its mirror image, or all the same
#                       way round, this share of each one's ink near the first's
VIEW_WIDE = 1.2  # ... or each this many times as wide as it is high
SYMMETRY_REACH = 0.05  # ... "near": within this fraction of the view's size


def _painted(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A (height, width) uint8 mask with the box of every label in ``stats`` but the first (the paper) filled."""
    boxes = np.zeros(shape[:2], np.uint8)
    for x, y, width, height, _ in stats[1:]:
        boxes[y:y + height, x:x + width] = 1
    return boxes


def _figures(stats: np.ndarray, shape: tuple[int, ...]) -> list[tuple[Box, set[int]]]:
    """Groups of strokes (``stats`` of their labels, 0 the paper) whose boxes overlap or touch, joined until
    none do (a detail drawn inside an outline joins it): each as its box and its group labels. Boxes are
    painted and joined as connected areas, so a page of many parts costs no more than one of few."""
    boxes = _painted(stats, shape)
    while True:
        count, joined, joined_stats, _ = cv2.connectedComponentsWithStats(boxes, connectivity=4)
        grown = _painted(joined_stats, shape)
        if np.array_equal(grown, boxes):
            break
        boxes = grown
    members: list[set[int]] = [set() for _ in range(count)]
    for label, (x, y, *_) in enumerate(stats[1:], 1):
        members[joined[y, x]].add(label)
    return [((x, y, x + width, y + height), members[figure])
            for figure, (x, y, width, height, _) in enumerate(joined_stats[1:], 1)]


def symmetry(ink: np.ndarray) -> float:
    """The share of ``ink``'s pixels that lie near its mirror image (within ``SYMMETRY_REACH`` of its size, the
    mirror's axis moved by as much for the best fit): near 1 for a garment, a bag or a hat seen from the front,
    even drawn a little turned; low for half of an open jacket or a shoe from the side."""
    ink = _crop(ink)
    width, reach = ink.shape[1], _reach(ink)
    near_mirror = cv2.dilate(np.pad(ink[:, ::-1], ((0, 0), (reach, reach))), disc(2 * reach + 1)) > 0
    total = max(1, np.count_nonzero(ink))
    return max(float(np.count_nonzero(ink & near_mirror[:, shift:shift + width]) / total)
               for shift in range(2 * reach + 1))


def _reach(cropped: np.ndarray) -> int:
    """How near counts as near for a cropped drawing: ``SYMMETRY_REACH`` of its longer side, at least 1 px."""
    return max(1, round(SYMMETRY_REACH * max(cropped.shape)))


def _crop(ink: np.ndarray) -> np.ndarray:
    """``ink`` cut to the box around its pixels, as uint8."""
    x, y, width, height = cv2.boundingRect(ink.astype(np.uint8))
    return ink[y:y + height, x:x + width].astype(np.uint8)


def likeness(first: np.ndarray, other: np.ndarray) -> float:
    """The share of each drawing's ink that lies near the other's, both cropped to their boxes and ``other``
    scaled to ``first``'s (the smaller share of the two; "near" as for :func:`symmetry`): near 1 for one item
    drawn twice the same way round, as a pair of shoes side by side."""
    first = _crop(first)
    height, width = first.shape
    other = cv2.resize(_crop(other), (width, height), interpolation=cv2.INTER_AREA) > 0
    reach = disc(2 * _reach(first) + 1)
    shares = [np.count_nonzero(a & (cv2.dilate(b.astype(np.uint8), reach) > 0)) / max(1, np.count_nonzero(a))
              for a, b in ((first > 0, other), (other, first))]
    return float(min(shares))


def _in_a_row(boxes: list[Box]) -> bool:
    """Whether ``boxes``, sorted from left to right, stand apart one after another, level with each other."""
    for a, b in zip(boxes, boxes[1:]):
        shorter = min(a[3] - a[1], b[3] - b[1])
        level = min(a[3], b[3]) - max(a[1], b[1])
        if b[0] - a[2] < VIEW_APART * max(a[2] - a[0], b[2] - b[0]) or level < VIEW_LEVEL * shorter:
            return False
    return True


def first_view(ink: np.ndarray) -> np.ndarray:
    """``ink`` with only its first view, when it holds two or more alike views of an item in a row (see the
    module docs); else unchanged. Views are figures (strokes within ``VIEW_GAP`` of the extent, with
    whatever lies inside their box) of alike size, set apart and level. Smaller figures outside the first
    view's box (a detail drawn larger beside the views, as tech packs have) go with the other views."""
    ink_extent = extent(ink)
    if not ink_extent:
        return ink
    small = shrunk(ink, ink_extent, VIEW_SIDE)
    reach = max(3, round(min(ink_extent, VIEW_SIDE) * VIEW_GAP) | 1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(small.astype(np.uint8), disc(reach)),
                                                               connectivity=8)
    if count <= 2:
        return ink
    figures = _figures(stats, small.shape)
    tallest = max(b[3] - b[1] for b, _ in figures)
    widest = max(b[2] - b[0] for b, _ in figures)
    views = [(b, m) for b, m in figures if b[3] - b[1] >= VIEW_ALIKE * tallest and b[2] - b[0] >= VIEW_ALIKE * widest]
    views.sort(key=lambda view: view[0][0])
    if len(views) < 2 or not _in_a_row([b for b, _ in views]):
        return ink
    drawn = [small & np.isin(labels, list(members)) for _, members in views]
    wide = all(b[2] - b[0] >= VIEW_WIDE * (b[3] - b[1]) for b, _ in views)  # shoes from the side, not halves
    whole = wide or all(symmetry(view) >= VIEW_SYMMETRY for view in drawn)
    repeated = all(likeness(drawn[0], view) >= VIEW_SYMMETRY for view in drawn[1:])
    if not (whole or repeated):
        return ink  # halves of one item (an open jacket), mirror images of each other
    keep = np.zeros(count, dtype=bool)
    keep[list(views[0][1])] = True
    return ink & full_size(keep[labels], ink.shape)
