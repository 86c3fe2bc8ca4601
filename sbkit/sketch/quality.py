"""Edge quality: how well a sketch traces an item's true outline, given its silhouette mask."""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.errors import ShapeError, check
from sbkit.sketch.normalize import ink_mask


def outline(mask: np.ndarray) -> np.ndarray:
    """Boolean (H, W) boundary of a silhouette: pixels inside it with an 8-neighbour outside it.

    Where the item runs off the frame there is no visible outline, so the frame edge never counts.
    """
    inside = (mask > 127).astype(np.uint8)
    padded = cv2.copyMakeBorder(inside, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    eroded = cv2.erode(padded, np.ones((3, 3), np.uint8))[1:-1, 1:-1]
    return (inside > 0) & (eroded == 0)


def _distance_to(pixels: np.ndarray) -> np.ndarray:
    """Euclidean distance of every pixel to the nearest True pixel of ``pixels`` (inf when there is none)."""
    if not pixels.any():
        return np.full(pixels.shape, np.inf, dtype=np.float32)
    return cv2.distanceTransform(np.where(pixels, 0, 255).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _scores(ink: np.ndarray, truth: np.ndarray, tolerance: float) -> dict[str, float]:
    recall = float((_distance_to(ink)[truth] <= tolerance).mean()) if truth.any() else 0.0
    precision = float((_distance_to(truth)[ink] <= tolerance).mean()) if ink.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"recall": recall, "precision": precision, "f1": f1,
            "outline_px": float(truth.sum()), "ink_px": float(ink.sum())}


def edge_quality(sketch: np.ndarray, mask: np.ndarray, tolerance: float = 2) -> dict[str, float]:
    """Outline recall, precision and F1 of a sketch against a silhouette.

    Args:
        sketch: (H, W) uint8, dark lines on white.
        mask: (H, W) silhouette, 255 (any value above 127) inside the item.
        tolerance: distance in px within which an ink pixel and an outline pixel count as matched.

    Returns:
        ``recall`` (outline pixels with ink within ``tolerance``), ``precision`` (ink pixels within
        ``tolerance`` of the outline), ``f1``, and the pixel counts ``outline_px`` and ``ink_px``.
    """
    check(sketch.ndim == 2 and sketch.shape == mask.shape[:2],
          f"edge_quality: sketch {sketch.shape} and mask {mask.shape} must both be (H, W)", ShapeError)
    mask = mask if mask.ndim == 2 else mask[..., 0]
    return _scores(ink_mask(sketch.astype(np.uint8)), outline(mask), tolerance)


def sketch_agreement(sketch: np.ndarray, reference: np.ndarray, tolerance: float = 2) -> dict[str, float]:
    """:func:`edge_quality` with another sketch's ink as the truth, e.g. to compare two sketchifiers.

    ``recall`` is the share of the reference's ink matched by ``sketch``; ``outline_px`` counts the
    reference's ink.
    """
    check(sketch.ndim == 2 and sketch.shape == reference.shape,
          f"sketch_agreement: sketches {sketch.shape} and {reference.shape} must both be (H, W)", ShapeError)
    return _scores(ink_mask(sketch.astype(np.uint8)), ink_mask(reference.astype(np.uint8)), tolerance)
